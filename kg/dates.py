"""The publication date of an article, from the page's own lines.

Web pages print their date in a few set ways, mostly on lines that normalization removes as
boilerplate (so they are read from :attr:`Document.original`):

- a labelled line: ``发布时间:2025年06月10日 16:35``, ``日期:2022-12-14``, ``发表于 2012-2-10``;
- a date with its clock time: ``人民日报| 2025-10-14 09:49:12``, ``上海松江2021-08-15 10:41``;
- a line that is only a date, or a title line ending in one (``…完成 2024年01月19日``).

Not the date of an event (``2021年8月21日,务川…``: a date that opens a sentence), a date in
a list of other articles' headlines (the page's related-news blocks and asides, or three
dated lines close together), a label of something else (注册日期, 建成时间), or a copyright
year. A dateline (``半岛都市报2月9日讯``) is the article's own date: when the page date is
a few days after it, the dateline's day with the page's year is the article's date; when
the two are far apart the page date belongs to a repost, and the article's date is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kg.model import Document

# a full date: 2025-10-14, 2012/2/10, 2025.06.10, 2025年06月10日 (year 1990–2039)
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?:\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    r"|([-/.])(\d{1,2})\4(\d{1,2})(?!\d))"
)
# a clock time right after the date: " 09:49:12", "08:26"
_CLOCK = re.compile(r"\s*\d{1,2}[:：]\d{2}")
# the words that label the page's own date (traditional forms too); a label must start the
# line or follow a space or a mark: 注册日期, 建成时间 label something else
_LABELS = ("发布时间", "发布日期", "发布于", "发表于", "发表时间", "发稿时间", "更新时间",
           "上传时间", "时间", "日期", "發布時間", "發佈時間", "發布日期", "發表於", "時間")
_LABEL = re.compile(
    r"(?:^|[\s|｜\]】>」:：])(?:" + "|".join(_LABELS) + r")[\s:：]*$"
)
# a label of some other date (注册日期, 建成时间, 截止日期)
_OTHER_LABEL = re.compile(r"(?:日期|时间|時間)[\s:：]*$")
# pinyin ruby some pages print after each character: 時(shí)間 → 時間
_RUBY = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
# HTML tags and comment marks, for pages read as HTML
_TAG = re.compile(r"<[^>]*>|<!--|-->")
# the dateline of a news agency or paper: 半岛都市报2月9日讯, 人民网务川8月22日电
_DATELINE = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日(?:讯|电|訊|電)")
# copyright and registration lines carry years of their own
_NOT_PAGE = re.compile(r"©|copyright|版权|版權|备案|備案|ICP", re.IGNORECASE)
# sentence punctuation: a line holding it after the date is prose (an event date)
_PROSE = re.compile(r"[，,。；;！？]")

#: the most days a dateline may come before the page's date and still be its day
DATELINE_SLACK = 7


@dataclass(frozen=True, slots=True)
class PageDate:
    value: date
    rule: str  # "page:label", "page:clock", "page:date-line", "dateline"
    offset: int  # in Document.original


def _excluded_spans(document: Document) -> list[tuple[int, int]]:
    """Original spans of related-news blocks and headline lists (their dates are other
    articles')."""
    spans = [(r.start, r.end) for r in document.removed
             if "related" in r.reason or "headline" in r.reason]
    for aside in document.asides:
        start, end = document.original_span(aside.start, aside.end)
        spans.append((start, end))
    return spans


def _lines(original: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in original.splitlines(keepends=True):
        out.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    return out


def _clean(line: str) -> str:
    return _TAG.sub(" ", _RUBY.sub("", line))


def _make(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def page_dates(document: Document) -> list[PageDate]:
    """Every date the page prints as its own, in the order of the page."""
    excluded = _excluded_spans(document)
    lines = _lines(document.original)
    found: list[tuple[int, PageDate]] = []  # (line index, date)
    for index, (offset, raw) in enumerate(lines):
        if any(a <= offset < b for a, b in excluded) or _NOT_PAGE.search(raw):
            continue
        line = _clean(raw)
        for match in _DATE.finditer(line):
            value = _make(match[1], match[2] or match[5], match[3] or match[6])
            if value is None:
                continue
            before, after = line[: match.start()], line[match.end():]
            if _LABEL.search(before):
                rule = "page:label"
            elif _CLOCK.match(after):
                rule = "page:clock"
            elif not _PROSE.search(after) and (not before.strip() or not after.strip()):
                rule = "page:date-line"  # a line that is the date, or ends/starts with it
            else:
                continue
            if rule != "page:label" and _OTHER_LABEL.search(before):
                continue
            if rule != "page:label" and before.rstrip().endswith(("至", "到", "—", "－", "~")):
                continue  # the end of a period (2023年1月1日至2023年12月31日)
            found.append((index, PageDate(value, rule, offset + match.start())))
    # a list of dated lines (other articles, a table of events) is not the page's date:
    # three such lines within six lines of each other
    dated_lines = sorted({i for i, _ in found})
    listed = {i for i in dated_lines
              if sum(1 for j in dated_lines if abs(i - j) <= 3) >= 3}
    return [d for i, d in found if i not in listed or d.rule == "page:label"]


def _dateline(document: Document) -> tuple[int, int] | None:
    """Month and day of the article's dateline, in the first paragraphs of its body."""
    match = _DATELINE.search(document.text[:600])
    return (int(match[1]), int(match[2])) if match else None


def publication_date(document: Document) -> PageDate | None:
    """The article's publication date, or None when the page shows none of its own."""
    dates = page_dates(document)
    ranked = sorted(dates, key=lambda d: (("page:label", "page:clock", "page:date-line")
                                          .index(d.rule), d.offset))
    page = ranked[0] if ranked else None
    dateline = _dateline(document)
    if page is None or dateline is None:
        return page
    month, day = dateline
    for year in (page.value.year, page.value.year - 1):
        own = _make(str(year), str(month), str(day))
        if own is not None and 0 <= (page.value - own).days <= DATELINE_SLACK:
            return PageDate(own, "dateline", page.offset)
    return None  # the page's date is a repost's, far from the article's own day


def iso(page_date: PageDate | None) -> str:
    return page_date.value.isoformat() if page_date is not None else ""


# a year that names a program: 2025年民生实事, 2023年度为民办实事项目 (the year right before
# or at the start of the name; "2021-2025年" is a period, not a year)
_YEAR = re.compile(r"(?<![\d\-—－~至到])((?:19|20)\d\d)年度?(?:[^\d]{0,4})$")
_NAMED_YEAR = re.compile(r"(?<![\d\-—－~至到])((?:19|20)\d\d)年度?(?![\d\-—－~至到])")


def named_year(name: str, before: str = "") -> str:
    """The year a program's name (or the few characters written right before it) gives."""
    years = {m[1] for m in _NAMED_YEAR.finditer(name)}
    if len(years) == 1:
        return years.pop()
    match = _YEAR.search(before[-10:])
    return match[1] if match else ""
