"""Program mentions.

- Quoted names (“智养钱塘”, 「…」) and book titles (《…办法》), kept when the text treats them
  as names: a category word after the quote (“公共卫生进位”行动), a category word inside
  (“健康长寿码”), a trigger verb earlier in the clause (实施“微爱童行”“石榴花开”), or a list of
  them followed by 等…项目/活动. Slogans, idioms, enumerations and evaluations are not names.
- Unquoted names ending in 行动/工程/项目/计划/试点 after a trigger verb or a list separator
  (实施乡村阳光共富工程), and whole lines that are such a name (bulletins listing projects).

The canonical name keeps a strong category word written after the quote (公共卫生进位行动) and
drops a weak one (智养钱塘 for “智养钱塘”项目); the longer form stays a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.extract.scan import Scan, longest_first, name_start
from kg.model import EntityType, Mention
from kg.resources import Lexicon, lexicon
from kg.spans import SpanIndex
from kg.text import word_tag

QUOTED = re.compile(r"[“\"「『]([^“”\"「」『』\n]{2,30})[”\"」』]")
BOOK = re.compile(r"《([^《》\n]{2,40})》")
#: category words that make part of the name when written right after the quote
STRONG = ("行动计划", "大行动", "专项行动", "行动", "工程", "计划")
#: category words that end a name written inside the quotes (“健康长寿码”, “…实施方案”)
ENDINGS = ("行动计划", "行动", "工程", "计划", "试点", "办法", "方案", "码", "规划", "条例", "规定",
           "意见", "规范", "细则", "项目")
#: Han text after the closing quote that extends the name up to a category word
#: (“两癌”筛查项目, “明眸皓齿·正心立身”未成年人关爱行动)
EXTENSION = re.compile(r"(?![等和及与])[\u4e00-\u9fff]{1,8}?(?:行动|工程|计划|项目|试点)")
#: words after a quote that show it names something run or carried out
NAME_CUES = ("品牌", "系列", "模式", "工作法", "机制", "平台", "小程序", "专项", "主题", "创建",
             "应用", "服务", "活动", "改革", "行动", "工程", "项目", "计划", "试点")
#: verbs that, earlier in the clause, show the quoted strings are programs
TRIGGERS = (
    "开展", "实施", "推进", "启动", "打造", "推出", "创建", "深化", "落实", "推行", "开通", "举办",
    "参与", "入选", "获评", "构建", "探索", "依托", "上线", "发布", "印发", "出台", "制定", "争创",
    "承办", "协办", "主办", "创办", "推动", "做好", "开设", "组织", "策划", "启用", "建立", "形成",
)  # fmt: skip
#: endings of quoted evaluations, not names (钱塘样板, 杭州经验)
EVALUATIONS = ("样板", "样本", "经验", "模式", "文章", "名片", "标杆", "典范", "高地", "目标", "理念",
               "精神", "作风", "路径", "答卷", "新篇", "底色", "成色", "式", "所在地", "地区", "片区",
               "街道", "社区")
#: a quoted clause, not a name: it has a verb particle or a pronoun (设施跟着老人走)
CLAUSE_WORDS = re.compile(r"[着了得把让使]|的[\u4e00-\u9fff]")
#: what a 《》 title is when it is a publication, not a policy or program
PUBLICATION_ENDS = ("报", "日报", "晚报", "杂志", "周刊", "新闻", "联播", "节目", "专栏", "网")
SLOGAN_MARKS = re.compile(r"[、，,。！？!?：:；;…+\-—/|]")
CLAUSE_BREAK = "，,。！？!?；;\n"
LIST_TAIL = re.compile(
    r"^[、和及与]?等?[\u4e00-\u9fff]{0,8}?(活动|项目|品牌|行动|工程|服务|赛事|工作|平台|系统|应用)"
)
WHOLE_LINE = re.compile(
    r"(?m)^([^\s，。,;；:：!！?？“”]{4,40}?(?:项目|工程|行动|计划)(?:\([^()\n]{1,12}\))?)$"
)


@dataclass(frozen=True)
class ProgramSpan:
    start: int
    end: int
    text: str  # surface with quotes
    name: str  # canonical: without quotes, with a strong category word
    rule: str


@cache
def _category_pattern() -> re.Pattern[str]:
    words = sorted(lexicon().program_categories, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, words)) + ")")


def find_programs(scan: Scan, known_names: set[str]) -> list[ProgramSpan]:
    """``known_names``: District/Agency names already found, which are not programs."""
    lex = lexicon()
    found = _quoted(scan, lex, known_names)
    text = scan.text
    for match in BOOK.finditer(text):
        inner = match.group(1).strip()
        if inner.endswith(PUBLICATION_ENDS) or inner in known_names or inner in lex.program_not_names:
            continue
        if not inner.endswith(lex.program_categories) and not _triggered(text, match.start()):
            continue
        found.append(ProgramSpan(match.start(), match.end(), match.group(0), inner, "book-title"))
    found.extend(_whole_lines(text, lex))
    found.extend(_unquoted(scan, lex, [(s.start, s.end) for s in found]))
    return longest_first(found)


def _clause_start(text: str, offset: int) -> int:
    # look back in growing windows: the cost is the clause's length, not the offset's
    low, width = offset, 64
    while low > 0:
        low = max(0, low - width)
        found = max(text.rfind(ch, low, offset) for ch in CLAUSE_BREAK)
        if found >= 0:
            return found + 1
        width *= 2
    return 0


def _triggered(text: str, offset: int) -> bool:
    return any(t in text[_clause_start(text, offset) : offset] for t in TRIGGERS)


def _quoted(scan: Scan, lex: Lexicon, known: set[str]) -> list[ProgramSpan]:
    text = scan.text
    categories = _category_pattern()
    matches = list(QUOTED.finditer(text))
    accepted: dict[int, ProgramSpan] = {}
    weak: dict[int, tuple[str, str]] = {}
    for i, match in enumerate(matches):
        inner = match.group(1).strip()
        if inner in known or inner in lex.program_not_names or not re.search(r"[\u4e00-\u9fff]", inner):
            continue
        end = match.end()
        extension = EXTENSION.match(text, end)
        if extension and "等" in extension.group(0):
            extension = None
        if extension and _ends_word(scan, extension.end()) and not inner.endswith(ENDINGS):
            written = extension.group(0)
            # a longer extension is part of the name; a lone category word only if strong
            name = inner + written if len(written) > 2 or written in STRONG else inner
            accepted[i] = ProgramSpan(match.start(), extension.end(),
                                      text[match.start() : extension.end()], name, "quote+category")
            continue
        after = categories.match(text, end)
        if after and _ends_word(scan, after.end()) and (
            after.group(0) in STRONG or not _not_a_name(inner)
        ):
            word = after.group(0)
            strong = word in STRONG and not inner.endswith(ENDINGS)
            name = inner + word if strong else inner
            accepted[i] = ProgramSpan(match.start(), after.end(), text[match.start() : after.end()],
                                      name, "quote+category")
            continue
        if _not_a_name(inner):
            continue
        if inner.endswith(ENDINGS):
            accepted[i] = ProgramSpan(match.start(), end, match.group(0), inner, "quote:category-inside")
            continue
        rest = text[end : end + 12]
        cue = rest.startswith(NAME_CUES) or bool(LIST_TAIL.match(rest))
        if cue or _triggered(text, match.start()):
            accepted[i] = ProgramSpan(match.start(), end, match.group(0), inner,
                                      "quote+cue" if cue else "quote+trigger")
        else:
            weak[i] = (inner, match.group(0))
    # a quote listed right next to accepted ones (“A”“B”、“C”) is one of them
    changed = True
    while changed:
        changed = False
        for i, (inner, surface) in sorted(weak.items()):
            if i in accepted:
                continue
            match = matches[i]
            for j in (i - 1, i + 1):
                if j not in accepted:
                    continue
                other = matches[j]
                gap = text[other.end() : match.start()] if j < i else text[match.end() : other.start()]
                if gap in ("", "、", "和", "及", "与"):
                    accepted[i] = ProgramSpan(match.start(), match.end(), surface, inner,
                                              "quote:listed")
                    changed = True
                    break
    return list(accepted.values())


def _ends_word(scan: Scan, end: int) -> bool:
    text = scan.text
    return end >= len(text) or scan.is_boundary(end) or not ("\u4e00" <= text[end] <= "\u9fff")


def _not_a_name(inner: str) -> bool:
    """Slogans, enumerations, idioms, everyday words and evaluations are not names."""
    if SLOGAN_MARKS.search(inner) or inner.isdigit() or CLAUSE_WORDS.search(inner):
        return True
    if re.fullmatch(r"[\d一二三四五六七八九十百千]+[\u4e00-\u9fff]{0,2}", inner):
        return True  # 十五分钟, 两癌-like counts without a name
    if inner.endswith(EVALUATIONS):
        return True
    tag = word_tag(inner)
    # a word jieba knows as an everyday word or idiom (家门口, 雪中送炭); names it knows are j/nz
    return tag is not None and tag not in ("j", "nz", "nt", "nr", "ns", "eng")


def _whole_lines(text: str, lex: Lexicon) -> list[ProgramSpan]:
    """A line that is nothing but a project name (讨思浩小学教学楼及宿舍楼维修改造项目)."""
    out = []
    for match in WHOLE_LINE.finditer(text):
        name = match.group(1)
        own = name[: -2]
        if len(own) < 4 or own.startswith(("20", "19")) or _generic(own, lex):
            continue
        out.append(ProgramSpan(match.start(1), match.end(1), name, name, "line:name+category"))
    return out


#: words that stand inside program names although they end facility names on the left
PROGRAM_INNER = frozenset({"群众", "居民", "市民", "老人", "周边", "支持", "建设", "提升", "改造",
                           "困难", "重点", "附近"})
PLACES = ("街道", "社区", "村", "镇", "乡", "区", "县", "市", "省")
SCOPES = ("全省", "全市", "全区", "全县", "全国", "省级", "市级", "区级")
GENERIC_OWN = ("民生实事", "为民办实事", "惠民", "实事", "重点", "建设", "产业", "民生")


def _generic(own: str, lex: Lexicon) -> bool:
    return own in GENERIC_OWN or own.endswith(("民生实事", "实事", "重点"))


def _unquoted(scan: Scan, lex: Lexicon, taken: list[tuple[int, int]]) -> list[ProgramSpan]:
    """Names like 城市更新行动 after 实施/开展/依托 or a list separator."""
    text = scan.text
    heads = "|".join(map(re.escape, lex.program_unquoted_heads))
    out: list[ProgramSpan] = []
    in_taken = SpanIndex((s, e, None) for s, e in taken)
    for match in re.finditer(heads, text):
        head_start, end = match.span()
        if not _ends_word(scan, end) or head_start not in scan.token_ending_at:
            continue
        if in_taken.holding(head_start):
            continue
        start = name_start(scan, head_start, head_start, 20, inner=PROGRAM_INNER)
        own = text[start:head_start]
        if len(own) < 4 or _generic(own, lex) or own[0] in "区市县镇省" or own.endswith(PLACES):
            continue  # 宁海路街道|试点: a place before the word, not a program's name
        before = text[max(0, start - 4) : start]
        for scope in SCOPES:  # 落实全省|大花园建设行动计划
            if before.endswith(scope):
                before = text[max(0, start - len(scope) - 2) : start - len(scope)]
                break
        after_trigger = any(before.endswith(t) for t in TRIGGERS)
        after_separator = (start == 0 or text[start - 1] in "、\n") and len(own) >= 5
        if not (after_trigger or after_separator):
            continue
        name = text[start:end]
        out.append(ProgramSpan(start, end, name, name, "form:name+category"))
    return out


def to_mentions(spans: list[ProgramSpan]) -> list[Mention]:
    return [Mention(s.start, s.end, s.text, EntityType.PROGRAM, s.rule, s.name) for s in spans]
