"""HTML → article text, with every output character mapped to its offset in the HTML source.

Uses the standard library's ``html.parser`` (the tokenizer behind BeautifulSoup's
"html.parser" backend): unlike lxml or selectolax it reports the source position of every
token, which the offset map needs. Scripts, styles, navigation, headers/footers, asides,
forms and elements whose class/id says navigation, sharing, comments, related links or ads
are dropped; when the page has an ``<article>`` / ``<main>`` / ``articleBody`` element, only
its text is kept.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from kg.model import Region
from kg.normalize.textmap import Mapped

_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "head",
        "nav",
        "footer",
        "aside",
        "form",
        "select",
        "button",
        "canvas",
        "object",
        "map",
        "audio",
        "video",
        "textarea",
    ]
)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "tbody",
        "thead",
        "section",
        "article",
        "main",
        "header",
        "blockquote",
        "dd",
        "dt",
        "dl",
        "figure",
        "figcaption",
        "pre",
        "hr",
        "address",
        "center",
        "title",
        "body",
    ]
)
_CELL = frozenset(("td", "th"))
_VOID = frozenset(
    [
        "br",
        "hr",
        "img",
        "input",
        "meta",
        "link",
        "area",
        "base",
        "col",
        "embed",
        "source",
        "track",
        "wbr",
        "param",
    ]
)
_ARTICLE_ATTR = re.compile(r"articleBody|article[-_]?(?:body|content)|post[-_]?content", re.I)
_JUNK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|footer|sidebar|side-bar|share|sharing|social"
    r"|comments?|related|recommend|advert|ads?|banner|copyright|toolbar|pager|pagination"
    r"|login|topbar|crumbs?)(?:$|[\s_-])",
    re.I,
)
_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)\b", re.I | re.S
)
_TAGS = re.compile(r"</?(?:p|div|br|span|a|body|html|table|td|li|img|h[1-6])\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\n\f]+")


def looks_like_html(text: str, name: str = "") -> bool:
    """By file extension, a document start, or several HTML tags near the start."""
    if name.lower().endswith((".html", ".htm", ".xhtml", ".shtml")):
        return True
    head = text[:4096]
    return bool(_HTML_START.match(head)) or len(_TAGS.findall(head)) >= 5


class _Extractor(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [mt.end() for mt in re.finditer("\n", source)]
        self.pieces: list[str] = []
        self.offs: list[int] = []
        self.flags: list[bool] = []  # per piece: inside the article element
        self.stack: list[tuple[str, bool, bool, int]] = []  # tag, skipping, article, start
        self.skip_depth = 0
        self.article_depth = 0
        self.has_article = False
        self.regions: list[Region] = []

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _emit(self, text: str, offs: list[int]) -> None:
        if self.skip_depth or not text:
            return
        self.pieces.append(text)
        self.offs.extend(offs)
        self.flags.append(self.article_depth > 0)

    def _newline(self) -> None:
        self._emit("\n", [self._pos()])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._newline()
            return
        attr_text = " ".join(v for k, v in attrs if k in ("class", "id", "role", "itemprop") and v)
        skip = (
            tag in _SKIP
            or (tag == "header" and not self.article_depth)
            or bool(
                attr_text and _JUNK_ATTR.search(attr_text) and not _ARTICLE_ATTR.search(attr_text)
            )
        )
        article = tag in ("article", "main") or bool(attr_text and _ARTICLE_ATTR.search(attr_text))
        if tag in _BLOCK:
            self._newline()
        elif tag in _CELL:
            self._emit(" ", [self._pos()])
        self.stack.append((tag, skip, article, self._pos()))
        if skip:
            self.skip_depth += 1
        if article:
            self.article_depth += 1
            self.has_article = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(t == tag for t, *_ in self.stack):
            return
        end = self._pos()
        close = self.source.find(">", end)
        end = close + 1 if close >= 0 else len(self.source)
        while self.stack:
            name, skip, article, start = self.stack.pop()
            if skip:
                self.skip_depth -= 1
                if not self.skip_depth:
                    self.regions.append(Region(start, end, f"html:{name}", self.source[start:end]))
            if article:
                self.article_depth -= 1
            if name == tag:
                break
        if tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        base = self._pos()
        pos = 0
        for mt in _SPACES.finditer(data):
            if mt.start() > pos:
                self._emit(data[pos : mt.start()], list(range(base + pos, base + mt.start())))
            self._emit(" ", [base + mt.start()])
            pos = mt.end()
        if pos < len(data):
            self._emit(data[pos:], list(range(base + pos, base + len(data))))

    def _ref(self, raw: str) -> None:
        self._emit(unescape(raw)[:1] or " ", [self._pos()])

    def handle_entityref(self, name: str) -> None:
        self._ref(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._ref(f"&#{name};")


def extract_html(m: Mapped) -> Mapped:
    """Replace HTML source by its article text (a no-op map-wise: offsets point into the HTML)."""
    parser = _Extractor(m.text)
    parser.feed(m.text)
    parser.close()
    pieces, flags = parser.pieces, parser.flags
    if parser.has_article and sum(len(p) for p, f in zip(pieces, flags, strict=True) if f) >= 50:
        keep_text: list[str] = []
        keep_offs: list[int] = []
        pos = 0
        for piece, flag in zip(pieces, flags, strict=True):
            if flag:
                keep_text.append(piece)
                keep_offs.extend(parser.offs[pos : pos + len(piece)])
            pos += len(piece)
        text, offs = "".join(keep_text), keep_offs
    else:
        text, offs = "".join(pieces), parser.offs
    # offsets are relative to m.text; compose with the incoming map
    outer = m.offs
    mapped = [outer[o] for o in offs]
    mapped.append(outer[len(m.text)])
    removed = list(m.removed)
    for r in parser.regions:
        start, end = outer[r.start], outer[min(r.end, len(m.text))]
        removed.append(Region(start, end, r.reason, m.original[start:end]))
    return Mapped(text, mapped, m.original, removed, m.marked)
