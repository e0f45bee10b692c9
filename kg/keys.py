"""Entity keys: the IRI paths below the id namespace, minted and read back in one place.

A key names its kind first, then (for everything scoped by a place) the division code the
name is read against, then the name::

    district/330114                  a division of the gazetteer (or a zone the text names)
    district/330114001/春潮社区       a village or community, under the place it belongs to
    agency/330114/社会发展局(筹)      an agency, under its jurisdiction
    agency/国家发展和改革委员会        a national body
    facility/330114/义蓬街道文体中心   a facility, under its place (or the article's area)
    program/330114/八大行动           a program, under the article's home area
    doc/15af565bc8285b03             a document, by the digest of its bytes
    doc/…/m120-129, doc/…/s100-180, doc/…/r<hash>   its mentions, sentences, statements

Only :func:`mint`-style functions below write keys and only :func:`parse` reads them, so a
change of scheme is one edit. The scheme is what the published IRIs are: keep it stable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from kg.model import EntityType

#: the scope used when an article has no home area
NO_PLACE = "cn"

# whitespace and the characters IRIs reserve or forbid (RFC 3987) become one "_"
_UNSAFE = re.compile(r"[\s/#?%<>\"{}|\\^`\[\]]+")
# a division code: 2 (province) to 12 (village) digits, or the code of a zone the text names
# but the gazetteer lacks: its county's code, "-", its name (330424-百步经济开发区)
_CODE = re.compile(r"\d{2,12}(?:-[^/]+)?")
_BASE = "https://w3id.org/minsheng-kg/id/"  # kg.graph.vocab.ID, not imported: no rdflib here


def key_part(text: str) -> str:
    """A piece of an IRI path: the text itself, minus characters IRIs do not like."""
    return _UNSAFE.sub("_", text)


def _kind(kind: EntityType) -> str:
    return kind.value.lower()


def district(code: str) -> str:
    return f"district/{key_part(code)}"


def village(anchor: str, name: str) -> str:
    """A 社区/村 by name, under the code of the place it belongs to (or the article's)."""
    return f"district/{anchor}/{key_part(name)}"


def agency(name: str, jurisdiction: str = "") -> str:
    """An agency by its (expanded) function name, under its jurisdiction's code if any."""
    return f"agency/{jurisdiction}/{key_part(name)}" if jurisdiction else f"agency/{key_part(name)}"


def facility(anchor: str, label: str) -> str:
    return f"facility/{anchor}/{key_part(label)}"


def program(anchor: str, name: str) -> str:
    return f"program/{anchor}/{key_part(name)}"


def scoped(kind: EntityType, anchor: str, name: str) -> str:
    """Any kind of entity named ``name`` under ``anchor`` (the override file's names)."""
    return f"{_kind(kind)}/{anchor}/{key_part(name)}"


def retyped(key: str, kind: EntityType) -> str:
    """The same key for another kind of entity (an override's type fix)."""
    return f"{_kind(kind)}/{key.split('/', 1)[1]}"


def split_off(key: str, name: str) -> str:
    """A key for the part of an entity that must stay apart under another name."""
    return f"{key}/{key_part(name)}"


def document(digest: str) -> str:
    return f"doc/{digest[:16]}"


def mention(doc: str, start: int, end: int) -> str:
    return f"{doc}/m{start}-{end}"


def sentence(doc: str, start: int, end: int) -> str:
    return f"{doc}/s{start}-{end}"


def statement(doc: str, subject: str, predicate: str, obj: str) -> str:
    """The reified statement of one text relation: a hash of its triple, per document."""
    digest = hashlib.sha256(f"{subject}|{predicate}|{obj}".encode())
    return f"{doc}/r{digest.hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Key:
    """A key read back: its kind (``district``, ``agency`` …, ``doc``), the division code it
    is scoped by (``""`` when none) and the rest (the name, or the code of a division)."""

    kind: str
    scope: str
    name: str

    @property
    def is_division(self) -> bool:
        """A gazetteer division (or zone) itself, not a village or another entity."""
        return self.kind == "district" and not self.name


def parse(key: str) -> Key:
    """Read a key (or a full IRI ending in one) back into its parts.

    >>> parse("district/330114")
    Key(kind='district', scope='330114', name='')
    >>> parse("agency/330114/社会发展局(筹)")
    Key(kind='agency', scope='330114', name='社会发展局(筹)')
    >>> parse("agency/国家体育总局")
    Key(kind='agency', scope='', name='国家体育总局')
    """
    key = key.removeprefix(_BASE)
    kind, _, rest = key.partition("/")
    if kind not in ("district", "agency", "facility", "program", "doc") or not rest:
        return Key("", "", key)
    if kind == "doc":
        return Key(kind, "", rest)
    head, _, tail = rest.partition("/")
    if kind == "district" and not tail:
        return Key(kind, head, "")
    if tail and (_CODE.fullmatch(head) or head == NO_PLACE):
        return Key(kind, "" if head == NO_PLACE else head, tail)
    return Key(kind, "", rest)


def district_code(key: str) -> str:
    """The division code of a district key (``district/330114`` → ``330114``), else ``""``."""
    parsed = parse(key)
    return parsed.scope if parsed.is_division else ""


def scope_code(key: str) -> str:
    """The division code a key is scoped by: a division's own code, a village's place, an
    agency's jurisdiction; ``""`` when it has none."""
    return parse(key).scope
