"""Line-level passes: boilerplate and link lists, repeated paragraphs, lines broken inside a
sentence, whitespace.

Rules are written for the genre (Chinese government / news / forum / WeChat pages after
Traditional → Simplified and width folding), not for particular files.
"""

from __future__ import annotations

import re

from kg.normalize.textmap import Edit, Mapped, apply_edits, sub

_WS = re.compile(r"\s+")
_CLAUSE = re.compile(r"[,。;!?、:]")
_SENTENCE_END = re.compile(r"[。!?]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

_EDITOR = re.compile(
    r"^[(【\[]?(?:初审编辑|复审编辑|终审编辑|责任编辑|值班编辑|本期编辑|网络编辑|执行编辑|图片编辑"
    r"|初审|复审|终审|二审|三审|审核|审校|审签|校对|签发|监制|责编|编审|编辑|美编|排版|统筹)"
    r" *(?:[:/|]| +\S{2,4}(?:[ 、,]\S{2,4})*[)】\]]?$)"
)
_SOURCE = re.compile(
    r"^[(【\[]?(?:来源|稿源|信息来源|文章来源|消息来源|发布时间|发布日期|发稿时间|更新时间|时间|日期"
    r"|作者|浏览次数|浏览量|阅读量|阅读次数|点击数|点击量|访问量|字号|发布机构|发布者) *:"
)
_SOURCE_ANYWHERE = re.compile(r"来源 *:|发布时间 *:|浏览次数 *:|点击数 *:")
_COPYRIGHT = re.compile(
    r"版权所有|版权声明|免责声明|[Cc]opyright|©|ICP[备证]|公网安备|如有侵权|侵权.{0,4}联系|转载请注明"
    r"|未经.{0,6}授权|凡本(?:网|站)注明|本(?:网|站)转载|不代表本(?:网|站)|All [Rr]ights [Rr]eserved"
)
_NAV_EXACT = frozenset(
    [
        "返回顶部",
        "返回首页",
        "返回列表",
        "返回",
        "顶部",
        "分享",
        "分享到",
        "分享让更多人看到",
        "打印",
        "打印本页",
        "关闭",
        "关闭窗口",
        "收藏",
        "小字号",
        "大字号",
        "中字号",
        "字号",
        "上一篇",
        "下一篇",
        "扫一扫",
        "点赞",
        "在看",
        "阅读原文",
        "点击关注",
        "关注我们",
        "首页",
        "【打印】",
        "【关闭】",
        "【收藏】",
        "[打印]",
        "[关闭]",
        "分享至",
        "微信",
        "微博",
        "QQ空间",
        "复制链接",
        "加入收藏",
        "设为首页",
        "点击查看",
        "查看原文",
        "全文",
        "展开全文",
        "更多",
        "更多>>",
        "更多>",
    ]
)
_NAV_PREFIX = re.compile(
    r"^(?:[•·]\s*)?(?:您当前的位置|您现在的位置|当前位置|所在位置|您的位置|分享到|分享至|扫描二维码|扫一扫"
    r"|微信扫一扫|长按识别|长按二维码|上一篇|下一篇|字号|打印本页|关注公众号|点击蓝字|点击上方)"
)
_BREADCRUMB = re.compile(r"(?:>>|>|›|»|→)\s*\S{1,12}\s*(?:>>|>|›|»|→)")
_BRACKET_MENU = re.compile(r"^(?:\s*[\[【][^\]】]{1,6}[\]】]\s*){2,}$")
_FORUM = re.compile(
    r"找回密码|立即注册|QQ登录|微信登录|只需一步,快速开始|^查看:\d+\|回复:\d+|\[复制链接\]|^发表于\d{4}-"
    r"|显示全部楼层|阅读模式|您需要登录后才可以|本版积分规则|^快速回复|^返回列表|只看该作者|电梯直达"
    r"|使用道具|^举报$|目前处于(?:离线|在线)状态|发悄悄话|加为好友|加入好友|个人资料|^登录\|?注册$"
    r"|^(?:等级|经验值?|魅力值?|积分|金钱|威望|贡献|帖子|主题|精华|注册日期|注册时间|最后登录|在线时间"
    r"|阅读权限|UID):"
)
_AD = re.compile(r"^(?:\S{0,6}广告)+$|^(?:推广|赞助|广告位|广告招商)$")
_MEDIA = re.compile(r"^[\w\-.]{1,80}\.(?:png|jpe?g|gif|webp|bmp|svg|mp4)$", re.I)
_LIST_MARKER = re.compile(r"^(?:[-•·*▪►◆●○■□◇▶>]\s*|\d{1,2}(?:[.、)]\s*|\s+))(?=\S)")
_TAIL_MARKERS = frozenset(
    [
        "相关新闻",
        "相关阅读",
        "推荐阅读",
        "延伸阅读",
        "热门推荐",
        "往期推荐",
        "往期回顾",
        "往期文章",
        "往期文章推荐",
        "往期精彩",
        "热门跟贴",
        "热门跟帖",
        "猜你喜欢",
        "最近更新",
        "最新更新",
        "更多新闻",
        "精彩推荐",
        "热点推荐",
        "网友评论",
        "发表评论",
        "我要评论",
        "相关文章",
        "热门文章",
        "为您推荐",
        "相关链接",
        "热点新闻",
        "最新新闻",
        "今日推荐",
        "热门新闻",
        "相关报道",
        "更多精彩",
        "推荐新闻",
        "图片新闻",
        "热点排行",
        "点击排行",
        "精彩图文",
    ]
)
_END_REASONS = ("boilerplate:", "navigation", "forum")


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def classify_line(line: str) -> str | None:
    """The boilerplate reason for one line on its own, or None for (possibly) content."""
    s = line.strip()
    if not s:
        return None
    compact = _WS.sub("", s)
    n = len(compact)
    if _MEDIA.match(s):
        return "media"
    if n <= 60 and _EDITOR.match(s):
        return "boilerplate:editor"
    if n <= 100 and (_SOURCE.match(s) or (n <= 60 and _SOURCE_ANYWHERE.search(s))):
        return "boilerplate:source"
    if n <= 250 and _COPYRIGHT.search(s):
        return "boilerplate:copyright"
    if n <= 40 and (
        compact in _NAV_EXACT
        or _NAV_PREFIX.match(s)
        or _BRACKET_MENU.match(s)
        or (n <= 12 and compact.strip("【】[]") in _NAV_EXACT)
    ):
        return "navigation"
    if n <= 100 and _BREADCRUMB.search(s) and not _SENTENCE_END.search(s):
        return "navigation"
    if n <= 80 and _FORUM.search(compact):
        return "forum"
    parts = [p.strip() for p in re.split(r"[|｜]", s)]
    if len(parts) >= 3 and all(0 < len(p) <= 10 for p in parts):
        return "navigation"
    stripped = compact.strip("·-—_*#|")
    if n <= 30 and stripped and _AD.match(stripped):
        return "ad"
    return None


def _is_body(line: str) -> bool:
    compact = _WS.sub("", line)
    return len(compact) >= 40 and bool(_CLAUSE.search(compact)) and not _LIST_MARKER.match(line)


def _is_tail_marker(line: str) -> bool:
    key = _WS.sub("", line).strip("#【】[]·*-—=_|:>")
    return 0 < len(key) <= 8 and key in _TAIL_MARKERS


#: line kinds kept in the text as asides (their names are real mentions, but not what the
#: article says): see :class:`kg.model.Aside`
KEPT_ASIDE = frozenset({"headline-list", "related"})


def remove_boilerplate(m: Mapped) -> Mapped:
    """Drop editor/source/copyright lines, navigation and forum chrome, ads, image file names,
    related-news blocks and link lists after the article (each with its reason)."""
    text = m.text
    spans = _line_spans(text)
    lines = [text[a:b] for a, b in spans]
    reasons: list[str | None] = [classify_line(line) for line in lines]
    n = len(lines)

    # related-news / comments block in the second half: everything after it goes
    cut = n
    for i, line in enumerate(lines):
        if spans[i][0] >= len(text) // 2 and _is_tail_marker(line):
            cut = i
            break
    for i in range(cut, n):
        if not lines[i].strip():
            continue
        if i == cut or reasons[i] is not None or _WS.sub("", lines[i]).isdigit():
            # the marker itself, and chrome, copyright or dates inside the block, go
            reasons[i] = reasons[i] or "navigation:related"
        elif re.fullmatch(r"[\d\s:：年月日/.-]+", lines[i]):
            reasons[i] = "navigation:related"
        else:
            reasons[i] = "related"  # other articles' headlines and leads: kept as an aside

    body = [i for i in range(cut) if reasons[i] is None and _is_body(lines[i])]
    last_body = body[-1] if body else -1
    if body:
        # after the article's last paragraph, an editor/source/copyright/navigation line ends
        # the article: what follows it is trailer
        ended = False
        for i in range(last_body + 1, cut):
            reason = reasons[i]
            if reason is not None and reason.startswith(_END_REASONS):
                ended = True
            elif ended and reason is None and lines[i].strip():
                reasons[i] = "boilerplate:trailer"
        # a block of short slogan lines just before an ad marker is part of the ad
        for i in range(last_body + 1, cut):
            if reasons[i] != "ad":
                continue
            j = i - 1
            while j > last_body:
                compact = _WS.sub("", lines[j])
                if compact and (len(compact) > 20 or _CLAUSE.search(compact) or reasons[j]):
                    break
                if compact:
                    reasons[j] = "ad"
                j -= 1

    _mark_link_lists(lines, reasons, last_body, cut)

    edits: list[Edit] = []
    for (a, b), reason in zip(spans, reasons, strict=True):
        if reason in KEPT_ASIDE:
            if b > a:
                m.marked.append(m.region(a, b, reason))
        elif reason is not None:
            end = b + 1 if b < len(text) else b
            edits.append((a, end, "", reason))
    return apply_edits(m, edits)


def _mark_link_lists(lines: list[str], reasons: list[str | None], last_body: int, cut: int) -> None:
    """Runs of list-marker headline lines: ≥ 2 after the article, ≥ 5 short ones elsewhere."""
    run: list[int] = []

    def close() -> None:
        if not run:
            return
        trailing = run[0] > last_body
        short = all(len(_WS.sub("", lines[k])) <= 40 and "。" not in lines[k] for k in run)
        if (trailing and len(run) >= 2) or (len(run) >= 5 and short):
            for k in run:
                reasons[k] = "headline-list"
        run.clear()

    for i in range(cut):
        line = lines[i]
        if not line.strip():
            continue
        if reasons[i] is None and _LIST_MARKER.match(line.strip()) and len(line.strip()) <= 64:
            run.append(i)
        else:
            close()
    close()


# ---------------------------------------------------------------- repeats
def remove_repeats(m: Mapped) -> Mapped:
    """A paragraph that repeats an earlier one, or repeats a piece of one of the few
    paragraphs before it (a page break that copied the end of a paragraph), is dropped.
    A paragraph that is the start of the next one (a truncated first copy) is dropped too."""
    text = m.text
    spans = _line_spans(text)
    seen: set[str] = set()
    recent: list[tuple[int, str]] = []  # (line index, compact) of the last kept paragraphs
    drop: set[int] = set()
    for i, (a, b) in enumerate(spans):
        key = _WS.sub("", text[a:b])
        if not key:
            continue
        if (len(key) >= 8 and key in seen) or (
            len(key) >= 12 and any(key in prev for _, prev in recent[-3:])
        ):
            drop.add(i)
            continue
        if recent and len(recent[-1][1]) >= 12 and key.startswith(recent[-1][1]):
            drop.add(recent[-1][0])
            recent.pop()
        seen.add(key)
        recent.append((i, key))
    edits: list[Edit] = []
    for i in sorted(drop):
        a, b = spans[i]
        edits.append((a, b + 1 if b < len(text) else b, "", "repeat"))
    return apply_edits(m, edits)


# ---------------------------------------------------------------- broken lines
def _sentence_like(line: str) -> bool:
    compact = _WS.sub("", line)
    return bool(_CLAUSE.search(compact)) or len(compact) >= 40


_MARKUP = re.compile(r"<[^>]*>")
#: a line opening with a Chinese list number: 一、 (三) （四） ⑤ (before width folding too)
_CHINESE_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|[(（][一二三四五六七八九十]{1,3}[)）]|[①-⑳])")


def rejoin_lines(m: Mapped) -> Mapped:
    """Join a line that stops inside a sentence (ends with a Han character or , 、) to the
    next line when that starts with a Han character; headings (no clause punctuation, short)
    are never joined."""
    text = m.text
    spans = [(a, b) for a, b in _line_spans(text) if text[a:b].strip()]
    edits: list[Edit] = []
    for (a1, b1), (a2, b2) in zip(spans, spans[1:], strict=False):
        first = text[a1:b1].rstrip()
        second = text[a2:b2].lstrip()
        last, nxt = first[-1], second[0]
        if not (_HAN.match(last) or last in ",、"):
            continue
        if not _HAN.match(nxt) or not (_sentence_like(first) and _sentence_like(second)):
            continue
        if _LIST_MARKER.match(first.lstrip()) or _LIST_MARKER.match(second) or \
                _CHINESE_NUMBERED.match(second):
            continue  # a list item is a line of its own (…项目 | 二、…项目)
        start = a1 + len(first)
        end = a2 + (b2 - a2 - len(second))
        # only where the original had nothing but whitespace (or markup) in between: lines
        # that became adjacent because boilerplate between them was removed stay apart
        gap = m.original[m.offs[start - 1] + 1 : m.offs[end]]
        if _MARKUP.sub("", gap).strip():
            continue
        edits.append((start, end, "", None))
    return apply_edits(m, edits)


# ---------------------------------------------------------------- whitespace
_EDGE_SPACES = re.compile(r"^[ ]+|[ ]+$", re.M)
_SPACE_RUN = re.compile(r"[ ]{2,}")
_BLANK_LINES = re.compile(r"\n{2,}")
_OUTER_NEWLINES = re.compile(r"\A\n+|\n+\Z")


def tidy_whitespace(m: Mapped) -> Mapped:
    """Trim lines, collapse space runs, one ``\\n`` between paragraphs."""
    m = sub(m, _EDGE_SPACES, "")
    m = sub(m, _SPACE_RUN, " ")
    m = sub(m, _BLANK_LINES, "\n")
    return sub(m, _OUTER_NEWLINES, "")
