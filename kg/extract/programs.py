"""Program mentions: quoted and 《》 names (with the category word after the quote), and
unquoted names ending in 行动/工程/项目/计划/试点 when the words before them form a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.extract.scan import Scan
from kg.model import EntityType, Mention
from kg.resources import Lexicon, lexicon

QUOTED = re.compile(r"[“\"「『]([^“”\"「」『』\n]{2,30})[”\"」』]")
BOOK = re.compile(r"《([^《》\n]{2,40})》")
#: what a title in 《》 is when it is a publication, not a policy or program
PUBLICATION_ENDS = ("报", "日报", "晚报", "杂志", "周刊", "新闻", "联播", "节目", "专栏", "网")
#: words after a quoted name that show it is the name of something run or carried out
NAME_CUES = ("品牌", "系列", "模式", "工作法", "机制", "平台", "小程序", "专项", "主题", "创建")
#: words before a quoted string that show a program follows
TRIGGERS = (
    "开展", "实施", "推进", "启动", "打造", "推出", "创建", "深化", "落实", "推行", "开通", "举办",
    "建设", "参与", "入选", "获评", "构建", "探索", "持续", "全面", "围绕", "依托", "通过", "以",
    "深入", "积极", "扎实", "聚焦", "助力", "上线", "发布", "印发", "出台", "制定", "争创", "承办",
)  # fmt: skip
SPEECH = re.compile(r"[，,。！？!?：:；;…]")


@dataclass(frozen=True)
class ProgramSpan:
    start: int
    end: int
    text: str  # surface with quotes
    name: str  # canonical: without quotes, with the category word
    rule: str


@cache
def _category_pattern() -> re.Pattern[str]:
    lex = lexicon()
    return re.compile("(?:" + "|".join(map(re.escape, lex.program_categories)) + ")")


def find_programs(scan: Scan, known_names: set[str]) -> list[ProgramSpan]:
    """``known_names``: District/Agency names already found, which are not programs."""
    lex = lexicon()
    text = scan.text
    categories = _category_pattern()
    found: list[ProgramSpan] = []
    for match in QUOTED.finditer(text):
        inner = match.group(1).strip()
        if _not_a_name(inner, lex, known_names):
            continue
        end = match.end()
        after = categories.match(text, end)
        if after and lex.program_categories and _category_ok(scan, after.end()):
            name = inner + after.group(0)
            found.append(ProgramSpan(match.start(), after.end(), text[match.start():after.end()],
                                     name, "quote+category"))
            continue
        if categories.fullmatch(inner[-2:]) or inner.endswith(lex.program_categories):
            found.append(ProgramSpan(match.start(), end, match.group(0), inner, "quote:category-inside"))
            continue
        before = text[max(0, match.start() - 8) : match.start()]
        if any(before.endswith(t) or t in before[-4:] for t in TRIGGERS) or text.startswith(
            NAME_CUES, end
        ):
            found.append(ProgramSpan(match.start(), end, match.group(0), inner, "quote+trigger"))
    for match in BOOK.finditer(text):
        inner = match.group(1).strip()
        if inner.endswith(PUBLICATION_ENDS) or _not_a_name(inner, lex, known_names, book=True):
            continue
        found.append(ProgramSpan(match.start(), match.end(), match.group(0), inner, "book-title"))
    found.extend(_unquoted(scan, lex, {(s.start, s.end) for s in found}))
    return _longest(found)


def _category_ok(scan: Scan, end: int) -> bool:
    text = scan.text
    return end >= len(text) or scan.is_boundary(end) or not ("\u4e00" <= text[end] <= "\u9fff")


def _not_a_name(inner: str, lex: Lexicon, known: set[str], book: bool = False) -> bool:
    if inner in lex.program_not_names or inner in known:
        return True
    if not book and SPEECH.search(inner):
        return True
    if len(inner) < 2 or inner.isdigit():
        return True
    return not re.search(r"[\u4e00-\u9fff]", inner)


UNQUOTED_STOP = re.compile(r"[^\u4e00-\u9fff0-9·]")


def _unquoted(scan: Scan, lex: Lexicon, taken: set[tuple[int, int]]) -> list[ProgramSpan]:
    """Names like 城市更新行动, 乡村阳光共富工程: at least 4 name characters, all in words that
    are not boundary words, starting after punctuation, a verb of the genre or a quote end."""
    text = scan.text
    heads = "|".join(map(re.escape, lex.program_unquoted_heads))
    out: list[ProgramSpan] = []
    for match in re.finditer(heads, text):
        head_start, end = match.span()
        if not _category_ok(scan, end) or head_start not in scan.token_ending_at:
            continue
        start = head_start
        index = scan.token_ending_at.get(start)
        while index is not None and index >= 0:
            token = scan.tokens[index]
            if token.text in lex.boundary or UNQUOTED_STOP.search(token.text):
                break
            if head_start - token.start > 16:
                break
            start = token.start
            index -= 1
        name = text[start:end]
        own = text[start:head_start]
        if len(own) < 4 or start == 0:
            continue
        prev = text[start - 1]
        if not (prev in "，,。、；;：:（(\n ”“" or text[max(0, start - 2) : start] in lex.boundary
                or text[start - 1] in lex.boundary):
            continue
        if any(s <= start < e for s, e in taken):
            continue
        out.append(ProgramSpan(start, end, name, name, "form:name+category"))
    return out


def _longest(spans: list[ProgramSpan]) -> list[ProgramSpan]:
    kept: list[ProgramSpan] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def to_mentions(spans: list[ProgramSpan]) -> list[Mention]:
    return [Mention(s.start, s.end, s.text, EntityType.PROGRAM, s.rule, s.name) for s in spans]
