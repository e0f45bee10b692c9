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
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from kg.extract.scan import Scan, longest_first, name_start, name_token
from kg.model import EntityType, Mention
from kg.resources import Lexicon, lexicon
from kg.spans import SpanIndex
from kg.text import word_tag

QUOTED = re.compile(r"[“\"「『]([^“”\"「」『』\n]{2,30})[”\"」』]")
BOOK = re.compile(r"《([^《》\n]{2,40})》")
#: Han text after the closing quote that extends the name up to a category word
#: (“两癌”筛查项目, “明眸皓齿·正心立身”未成年人关爱行动)
EXTENSION = re.compile(r"(?![等和及与])[\u4e00-\u9fff]{1,8}?(?:行动|工程|计划|项目|试点)")
#: a quoted clause, not a name: it has a verb particle or a pronoun (设施跟着老人走)
CLAUSE_WORDS = re.compile(r"[着了得把让使]|的[\u4e00-\u9fff]")
SLOGAN_MARKS = re.compile(r"[、，,。！？!?：:；;…+\-—/|]")
CLAUSE_BREAK = "，,。！？!?；;\n"
LIST_TAIL = re.compile(
    r"^[、和及与]?等?[\u4e00-\u9fff]{0,8}?(活动|项目|品牌|行动|工程|服务|赛事|工作|平台|系统|应用)"
)
#: the numbering that opens a list item: 一、 1. 2、 (3) （四） ① (after width folding the
#: full-width forms are ASCII); the item's text follows it
LIST_NUMBER = re.compile(
    r"(?m)^[ \t]*(?:[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[、.)]|\(\d{1,2}\)"
    r"|\([一二三四五六七八九十]{1,3}\)|[①-⑳])[ \t]*"
)
#: a line that is one project name (a bulletin's list, a table cell): after its numbering, 4 to
#: 40 characters without spaces or clause marks, ending with a category word and maybe a
#: note in parentheses (…维修改造项目(续建))
WHOLE_LINE = re.compile(
    r"(?m)^(?:" + LIST_NUMBER.pattern.removeprefix("(?m)^") + r")?"
    r"([^\s，。,;；:：!！?？“”]{4,40}?(?:项目|工程|行动|计划)(?:\([^()\n]{1,12}\))?)$"
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
        if (inner.endswith(lex.program_publication_ends) or inner in known_names
                or inner in lex.program_not_names):
            continue
        if not inner.endswith(lex.program_categories) and not triggered_at(scan, match.start()):
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


@cache
def _trigger_pattern() -> re.Pattern[str]:
    # any one of the trigger words, literally: one pass over the clause instead of one per word
    return re.compile("|".join(map(re.escape, lexicon().program_triggers)))


def _triggered(text: str, offset: int) -> bool:
    """A trigger word (实施, 开展 …) in the clause that ends at ``offset``."""
    return _trigger_pattern().search(text, _clause_start(text, offset), offset) is not None


#: one clause break, any of CLAUSE_BREAK
CLAUSE_BREAKS = re.compile("[" + re.escape(CLAUSE_BREAK) + "]")


def triggered_at(scan: Scan, offset: int) -> bool:
    """:func:`_triggered` on ``scan.text``, with the clause breaks found once per scan."""
    breaks = scan.memo.get("clause_breaks")
    if breaks is None:
        breaks = scan.memo["clause_breaks"] = [m.start() for m in CLAUSE_BREAKS.finditer(scan.text)]
    index = bisect_left(breaks, offset)  # breaks[index - 1] is the last one before offset
    start = breaks[index - 1] + 1 if index else 0
    return _trigger_pattern().search(scan.text, start, offset) is not None


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
        if extension and _ends_word(scan, extension.end()) and not inner.endswith(lex.program_endings):
            written = extension.group(0)
            # a longer extension is part of the name; a lone category word only if strong
            name = inner + written if len(written) > 2 or written in lex.program_strong else inner
            accepted[i] = ProgramSpan(match.start(), extension.end(),
                                      text[match.start() : extension.end()], name, "quote+category")
            continue
        after = categories.match(text, end)
        if after and _ends_word(scan, after.end()) and (
            after.group(0) in lex.program_strong or not _not_a_name(inner)
        ):
            word = after.group(0)
            strong = word in lex.program_strong and not inner.endswith(lex.program_endings)
            name = inner + word if strong else inner
            accepted[i] = ProgramSpan(match.start(), after.end(), text[match.start() : after.end()],
                                      name, "quote+category")
            continue
        if _not_a_name(inner):
            continue
        if inner.endswith(lex.program_endings):
            accepted[i] = ProgramSpan(match.start(), end, match.group(0), inner, "quote:category-inside")
            continue
        rest = text[end : end + 12]
        cue = rest.startswith(lex.program_cues) or bool(LIST_TAIL.match(rest))
        if cue or triggered_at(scan, match.start()):
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


#: a count with at most two characters after it (十五分钟, 两癌): a quantity, not a name
COUNT_WORDS = re.compile(r"[\d一二三四五六七八九十百千]+[\u4e00-\u9fff]{0,2}")
#: the jieba tags of words that may be names (abbreviations, proper nouns, Latin)
NAME_TAGS = ("j", "nz", "nt", "nr", "ns", "eng")


def _not_a_name(inner: str) -> bool:
    """Slogans, enumerations, idioms, everyday words and evaluations are not names."""
    if SLOGAN_MARKS.search(inner) or inner.isdigit() or CLAUSE_WORDS.search(inner):
        return True
    if COUNT_WORDS.fullmatch(inner):
        return True  # 十五分钟, 两癌-like counts without a name
    if inner.endswith(lexicon().program_evaluations):
        return True
    tag = word_tag(inner)
    # a word jieba knows as an everyday word or idiom (家门口, 雪中送炭); names it knows are j/nz
    return tag is not None and tag not in NAME_TAGS


def _whole_lines(text: str, lex: Lexicon) -> list[ProgramSpan]:
    """A line that is nothing but a project name (讨思浩小学教学楼及宿舍楼维修改造项目)."""
    out = []
    for match in WHOLE_LINE.finditer(text):
        name = match.group(1)
        own = name[: -2]
        if len(own) < 4 or own.startswith(("20", "19")) or _generic(own):
            continue
        out.append(ProgramSpan(match.start(1), match.end(1), name, name, "line:name+category"))
    return out




def _generic(own: str) -> bool:
    return own in lexicon().program_generic_own or own.endswith(("民生实事", "实事", "重点"))


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
        start = name_start(scan, head_start, head_start, 20, inner=lex.program_inner)
        own = text[start:head_start]
        if (len(own) < 4 or _generic(own) or own[0] in "区市县镇省"
                or own.endswith(lex.program_place_endings)):
            continue  # 宁海路街道|试点: a place before the word, not a program's name
        before = text[max(0, start - 4) : start]
        for scope in lex.program_scopes:  # 落实全省|大花园建设行动计划
            if before.endswith(scope):
                before = text[max(0, start - len(scope) - 2) : start - len(scope)]
                break
        after_trigger = any(before.endswith(t) for t in lex.program_triggers)
        after_separator = (start == 0 or text[start - 1] in "、\n") and len(own) >= 5
        if not (after_trigger or after_separator):
            continue
        name = text[start:end]
        out.append(ProgramSpan(start, end, name, name, "form:name+category"))
    return out


def to_mentions(spans: list[ProgramSpan]) -> list[Mention]:
    return [Mention(s.start, s.end, s.text, EntityType.PROGRAM, s.rule, s.name) for s in spans]


#: where a list item or a table cell ends: a clause mark or the end of the line
ITEM_END = re.compile(r"[。；;，,：:！!？?\n]|$")
#: a run of characters a program name may hold (no clause marks, no quotes)
NAME_RUN = re.compile(r"[\u3400-\u9fffA-Za-z0-9·()\-]")
NAME_RUNS = re.compile(NAME_RUN.pattern + "+")  # a whole string of such characters
NAME_TAIL = re.compile(NAME_RUN.pattern + r"*\Z")  # the run of them ending a string (or "")
CANDIDATE_REACH = 20  # characters before an unquoted category word


def candidates(scan: Scan, known_names: set[str]) -> list[ProgramSpan]:
    """Every reading the model may choose from: all quoted strings and book titles (with
    the category word after them), numbered list items and lines that end with a category
    word, and names before an unquoted category word at each token start within reach."""
    lex = lexicon()
    text = scan.text
    categories = _category_pattern()
    out: list[ProgramSpan] = []
    for match in QUOTED.finditer(text):
        inner = match.group(1).strip()
        if inner in known_names:
            continue
        out.append(ProgramSpan(match.start(), match.end(), match.group(0), inner, "model:quote"))
        after = categories.match(text, match.end())
        if after and _ends_word(scan, after.end()):
            word = after.group(0)
            strong = word in lex.program_strong and not inner.endswith(lex.program_endings)
            name = inner + word if strong else inner
            out.append(ProgramSpan(match.start(), after.end(), text[match.start() : after.end()],
                                   name, "model:quote+category"))
        extension = EXTENSION.match(text, match.end())
        if extension and "等" not in extension.group(0) and _ends_word(scan, extension.end()):
            # a name that ends with its own category word keeps it (“…实施方案”专项行动)
            name = inner if inner.endswith(lex.program_endings) else inner + extension.group(0)
            out.append(ProgramSpan(match.start(), extension.end(),
                                   text[match.start() : extension.end()], name,
                                   "model:quote+extension"))
    for match in BOOK.finditer(text):
        inner = match.group(1).strip()
        if not inner.endswith(lex.program_publication_ends) and inner not in known_names:
            out.append(ProgramSpan(match.start(), match.end(), match.group(0), inner, "model:book"))
    out.extend(_line_items(text, categories))
    out.extend(_before_category(scan, lex))
    return out


def _line_items(text: str, categories: re.Pattern[str]) -> list[ProgramSpan]:
    """A numbered item or a line (a table cell) that ends with a category word."""
    out = []
    line_start = 0
    categories_written = lexicon().program_categories
    for line in text.split("\n"):
        numbered = LIST_NUMBER.match(text, line_start)
        start = numbered.end() if numbered and numbered.end() <= line_start + len(line) else line_start
        while start < line_start + len(line) and text[start] in " \t":
            start += 1
        end_match = ITEM_END.search(text, start)
        end = end_match.start() if end_match else line_start + len(line)
        item = text[start:end]
        # ending with a category word is needed for the tail test below, and cheap
        if 4 <= len(item) <= 40 and item.endswith(categories_written) and NAME_RUNS.fullmatch(item):
            tail = max((m.end() for m in categories.finditer(item)), default=0)
            if tail == len(item):
                rule = "model:list-item" if numbered else "model:line"
                out.append(ProgramSpan(start, end, item, item, rule))
        line_start += len(line) + 1
    return out


@cache
def _candidate_heads() -> re.Pattern[str]:
    lex = lexicon()
    return re.compile("|".join(map(re.escape, (*lex.program_unquoted_heads,
                                               *lex.program_candidate_heads))))


class _NameTokens(dict[str, bool]):
    """word → name_token(word), across documents, for the candidates before a category word:
    the test looks the word up in jieba's large tag table, and the words before a name are
    the genre's common ones. Emptied when it holds 50,000 words."""

    def __missing__(self, word: str) -> bool:
        if len(self) >= 50_000:
            self.clear()
        found = self[word] = name_token(word)
        return found


_NAME_TOKENS = _NameTokens()


def _before_category(scan: Scan, lex: Lexicon) -> list[ProgramSpan]:
    text = scan.text
    out = []
    for match in _candidate_heads().finditer(text):
        head_start, end = match.span()
        if not _ends_word(scan, end):
            continue
        # the run of name characters right before the category word, at most CANDIDATE_REACH
        reach = max(0, head_start - CANDIDATE_REACH)
        left = NAME_TAIL.search(text, reach, head_start).start()  # type: ignore[union-attr]
        tokens = scan.tokens
        for i in range(bisect_left(scan.starts, left), len(tokens)):  # no copy of the rest
            token = tokens[i]
            start = token.start
            if start > head_start - 2:
                break
            if token.text in lex.boundary or token.text in lex.pronouns:
                continue  # no name starts with a boundary word or a pronoun (实施|…工程)
            index = scan.token_ending_at.get(start)
            if start > left and index is not None and _NAME_TOKENS[scan.tokens[index].text]:
                continue  # a name starts after a word that cannot be in it (实施|城市更新行动)
            name = text[start:end]
            out.append(ProgramSpan(start, end, name, name, "model:name+category"))
    return out
