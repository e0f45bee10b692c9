"""The records that flow through the pipeline.

raw bytes → :class:`Source` → :class:`Document` (normalized text) → :class:`Mention`
→ :class:`Entity` / :class:`Relation` (in a :class:`DocumentResult`) → merged corpus → RDF.

Every record is a frozen dataclass; offsets are half-open ``[start, end)`` character
offsets into :attr:`Document.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    DISTRICT = "District"
    AGENCY = "Agency"
    FACILITY = "Facility"
    PROGRAM = "Program"


class Level(StrEnum):
    """Administrative level of a District."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    ZONE = "zone"


@dataclass(frozen=True, slots=True)
class Source:
    """One input as read from disk (or given in memory), before normalization."""

    name: str  # file name, used as the document id in outputs ("000_x.txt")
    data: bytes
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Region:
    """A part of the raw text that normalization removed or set aside, and why."""

    start: int  # offsets into the decoded original text
    end: int
    reason: str  # e.g. "ruby", "repeat", "boilerplate:editor", "headline-list", "mojibake"
    text: str


@dataclass(frozen=True, slots=True)
class Aside:
    """A part of the normalized text that is not the article's own body, such as a list of
    unrelated headlines. Extraction reads it, but its mentions are flagged as such and never
    count for the article's home area or for text relations."""

    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Document:
    """Normalized text of one article, with a map back to the decoded original.

    ``offsets[i]`` is the offset in ``original`` of normalized character ``i``;
    ``offsets`` has ``len(text) + 1`` entries (the last one maps the end).
    """

    name: str
    text: str
    original: str
    offsets: tuple[int, ...]
    encoding: str = "utf-8"
    removed: tuple[Region, ...] = ()
    digest: str = ""  # sha256 of the raw bytes, hex
    asides: tuple[Aside, ...] = ()  # offsets into text

    def aside_at(self, offset: int) -> Aside | None:
        """The aside holding ``offset``, if any."""
        for aside in self.asides:
            if aside.start <= offset < aside.end:
                return aside
        return None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span to the matching span of :attr:`original`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        if start == end:
            pos = self.offsets[start]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the normalized text that names (or refers to) an entity."""

    start: int
    end: int
    text: str
    type: EntityType
    rule: str  # the rule or dictionary entry that produced it
    # what the span names once resolved (filled by the recognizers when they know it)
    name: str = ""  # canonical name proposed by the recognizer (e.g. 钱塘区 for 钱塘)
    code: str = ""  # official division code, Districts only
    sentence: int = -1  # index into DocumentResult.sentences
    aside: str = ""  # reason of the Aside holding the mention ("headline-list"), if any


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing an article talks about, with every mention of it."""

    key: str  # IRI path below the id namespace, e.g. "district/330114"
    type: EntityType
    label: str  # canonical name
    mentions: tuple[Mention, ...]
    aliases: tuple[str, ...] = ()
    parent: str = ""  # Districts: canonical name of the direct parent
    parent_key: str = ""
    code: str = ""  # Districts: official division code
    level: Level | None = None
    jurisdiction_key: str = ""  # Agencies: key of the district they serve
    located_key: str = ""  # Facilities: key of the district they are in
    located_by: str = ""  # Facilities: the rule that decided located_key (kg:rule)
    year: str = ""  # Programs: the year their name gives (2025年民生实事 → "2025")
    why: tuple[str, ...] = ()  # linking decisions, human readable


@dataclass(frozen=True, slots=True)
class Relation:
    """A fact between two entities, with the sentence that supports it."""

    subject: str  # entity key
    predicate: str  # ontology local name: partOf, jurisdiction, locatedIn, operatedBy, ...
    object: str  # entity key
    rule: str
    sentence: int = -1  # index into DocumentResult.sentences; -1: from the gazetteer or name


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """Everything extracted from one document."""

    document: Document
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...] = ()
    home: tuple[str, ...] = field(default=())  # keys of the article's home districts
    date: str = ""  # publication date as the page shows it: YYYY-MM-DD, YYYY-MM or YYYY
