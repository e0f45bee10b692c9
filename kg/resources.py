"""The one place that loads and validates kg's data files (and a user's override file).

``kg/data/lexicon.toml`` holds the word lists the recognizers use; the gazetteer is loaded
by :mod:`kg.gazetteer`; ``overrides`` is the user-editable file of aliases, forbidden merges
and type fixes (see ``kg/data/overrides.example.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from kg.errors import DataError
from kg.model import EntityType

_PACKAGE = Path(__file__).resolve().parent
#: folders the repository keeps at its top level and the wheel ships inside the package
#: (``pyproject.toml`` maps ``ontology/`` to ``kg/ontology``); a source checkout finds them there
_TOP_LEVEL = {"ontology": _PACKAGE.parent / "ontology"}


def packaged(relative: str) -> Path:
    """The path of a file kg ships: ``data/lexicon.toml``, ``ontology/shapes.ttl``,
    ``sparql/queries`` … Raises :class:`DataError` (one line) when the installation lacks it."""
    path = _PACKAGE / relative
    if not path.exists():
        top, _, rest = relative.partition("/")
        if top in _TOP_LEVEL and (_TOP_LEVEL[top] / rest).exists():
            return _TOP_LEVEL[top] / rest
        raise DataError(f"{relative}: missing from the kg installation in {_PACKAGE} "
                        "(reinstall kg)")
    return path


def _read_toml(path: Path | Any, label: str) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError as exc:
        raise DataError(f"{label}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{label}: not valid TOML ({exc})") from exc


def _words(data: dict[str, Any], section: str, key: str, label: str) -> tuple[str, ...]:
    try:
        value = data[section][key]
    except KeyError as exc:
        raise DataError(f"{label}: missing [{section}] {key}") from exc
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise DataError(f"{label}: [{section}] {key} must be a list of non-empty strings")
    seen: set[str] = set()
    unique = []
    for word in value:
        if word not in seen:
            seen.add(word)
            unique.append(word)
    return tuple(unique)


def _mapping(data: dict[str, Any], section: str, key: str, label: str) -> dict[str, str]:
    value = data.get(section, {}).get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        where = key if section == "x" else f"{section}.{key}"
        raise DataError(f"{label}: [{where}] must map strings to strings")
    return dict(value)


@dataclass(frozen=True)
class Lexicon:
    """Word lists of the genre, validated."""

    agency_heads: tuple[str, ...]
    agency_functions: tuple[str, ...]
    agency_bare_heads: tuple[str, ...]  # in the file's order: the regex tries them so
    agency_title_after: tuple[str, ...]
    agency_titles: tuple[str, ...]
    agency_suffix_notes: tuple[str, ...]
    agency_glue: frozenset[str]
    agency_national: frozenset[str]
    agency_abbreviations: dict[str, str]
    facility_heads: tuple[str, ...]
    facility_generic_heads: frozenset[str]
    facility_generic_kinds: frozenset[str]
    facility_generic_modifiers: frozenset[str]
    program_categories: tuple[str, ...]
    program_unquoted_heads: tuple[str, ...]
    program_not_names: frozenset[str]
    program_candidate_heads: tuple[str, ...]
    program_strong: tuple[str, ...]
    program_endings: tuple[str, ...]
    program_cues: tuple[str, ...]
    program_triggers: tuple[str, ...]  # [relations] run + [program] extra_triggers
    program_evaluations: tuple[str, ...]
    program_publication_ends: tuple[str, ...]
    program_inner: frozenset[str]
    program_place_endings: tuple[str, ...]
    program_scopes: tuple[str, ...]
    program_generic_own: tuple[str, ...]
    pronouns: dict[str, str]  # 我区 → "county"
    level_prefixes: dict[str, str]  # 区 → "county"
    boundary: frozenset[str]
    name_verbs: frozenset[str]
    adverb_starts: frozenset[str]
    run_triggers: tuple[str, ...]
    operate_triggers: tuple[str, ...]
    place_words: tuple[str, ...]
    not_places: frozenset[str]
    road_after: tuple[str, ...]
    short_not_before: tuple[str, ...]
    generic_village_words: frozenset[str]
    zone_words: dict[str, ZoneWord]


@dataclass(frozen=True)
class ZoneWord:
    """A generic abbreviation of development zones (经开区): the full form a place plus the
    word makes, and the endings of the zone names it may stand for (most likely first)."""

    full: str
    endings: tuple[str, ...]


def _zone_words(data: dict[str, Any], label: str) -> dict[str, ZoneWord]:
    table = data.get("district", {}).get("zone_words")
    if not isinstance(table, dict) or not table:
        raise DataError(f"{label}: missing [district.zone_words]")
    out = {}
    for word, entry in table.items():
        full = entry.get("full") if isinstance(entry, dict) else None
        endings = entry.get("endings") if isinstance(entry, dict) else None
        if not isinstance(full, str) or not isinstance(endings, list) or not endings or not all(
            isinstance(e, str) and e for e in endings
        ):
            raise DataError(f"{label}: [district.zone_words] {word} must be "
                            "{ full = \"…\", endings = [\"…\", …] }")
        if full not in endings:
            # the two readings must agree: a zone made from the word ends like the zones it names
            raise DataError(f"{label}: [district.zone_words] {word}: full form {full!r} is not "
                            f"one of its endings {endings}")
        out[word] = ZoneWord(full, tuple(endings))
    return out


@cache
def lexicon() -> Lexicon:
    ref = packaged("data/lexicon.toml")
    label = "kg/data/lexicon.toml"
    data = _read_toml(ref, label)
    pronouns: dict[str, str] = {}
    for level in ("county", "city", "township"):
        for word in _words(data, "context", f"pronouns_{level}", label):
            pronouns[word] = level
    prefixes = _mapping(data, "context", "level_prefixes", label)
    by_length = lambda words: tuple(sorted(words, key=len, reverse=True))  # noqa: E731
    return Lexicon(
        agency_heads=by_length(_words(data, "agency", "heads", label)),
        agency_functions=by_length(_words(data, "agency", "functions", label)),
        agency_bare_heads=_words(data, "agency", "bare_heads", label),
        agency_title_after=_words(data, "agency", "title_after", label),
        agency_titles=_words(data, "agency", "titles", label),
        agency_suffix_notes=_words(data, "agency", "suffix_notes", label),
        agency_glue=frozenset(_words(data, "agency", "glue", label)),
        agency_national=frozenset(_words(data, "agency", "national", label)),
        agency_abbreviations=_mapping(data, "agency", "abbreviations", label),
        facility_heads=by_length(_words(data, "facility", "heads", label)),
        facility_generic_heads=frozenset(_words(data, "facility", "generic_heads", label)),
        facility_generic_kinds=frozenset(_words(data, "facility", "generic_kinds", label)),
        facility_generic_modifiers=frozenset(_words(data, "facility", "generic_modifiers", label)),
        program_categories=by_length(_words(data, "program", "categories", label)),
        program_unquoted_heads=by_length(_words(data, "program", "unquoted_heads", label)),
        program_not_names=frozenset(_words(data, "program", "not_names", label)),
        program_candidate_heads=by_length(_words(data, "program", "candidate_heads", label)),
        program_strong=_words(data, "program", "strong_categories", label),
        program_endings=_words(data, "program", "name_endings", label),
        program_cues=_words(data, "program", "name_cues", label),
        program_triggers=_words(data, "relations", "run", label)
        + tuple(w for w in _words(data, "program", "extra_triggers", label)
                if w not in _words(data, "relations", "run", label)),
        program_evaluations=_words(data, "program", "evaluations", label),
        program_publication_ends=_words(data, "program", "publication_ends", label),
        program_inner=frozenset(_words(data, "program", "inner_words", label)),
        program_place_endings=_words(data, "program", "place_endings", label),
        program_scopes=_words(data, "program", "scopes", label),
        program_generic_own=_words(data, "program", "generic_own", label),
        pronouns=pronouns,
        level_prefixes=prefixes,
        boundary=frozenset(_words(data, "stop", "boundary", label)),
        name_verbs=frozenset(_words(data, "stop", "name_verbs", label)),
        adverb_starts=frozenset(_words(data, "stop", "adverb_starts", label)),
        run_triggers=_words(data, "relations", "run", label),
        operate_triggers=_words(data, "relations", "operate", label),
        place_words=_words(data, "relations", "place", label),
        not_places=frozenset(_words(data, "district", "not_places", label)),
        road_after=_words(data, "district", "road_after", label),
        short_not_before=_words(data, "district", "short_not_before", label),
        generic_village_words=frozenset(_words(data, "district", "generic_village_words", label)),
        zone_words=_zone_words(data, label),
    )


@dataclass(frozen=True)
class Overrides:
    """A user's corrections, applied after extraction.

    - ``aliases``: surface form → canonical name (the form is then a mention of that entity)
    - ``types``: canonical name → type (fix a type), or ``"none"`` to drop the entity
    - ``no_merge``: pairs of names that must never become one entity
    - ``names``: extra names to recognize, name → type
    """

    aliases: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    no_merge: frozenset[frozenset[str]] = frozenset()
    names: dict[str, EntityType] = field(default_factory=dict)


def load_overrides(path: str | Path | None) -> Overrides:
    """Read and validate a user's override file; ``None`` gives no overrides."""
    if path is None:
        return Overrides()
    path = Path(path)
    label = str(path)
    data = _read_toml(path, label)
    known = {"aliases", "types", "no_merge", "names"}
    unknown = set(data) - known
    if unknown:
        raise DataError(f"{label}: unknown section(s) {sorted(unknown)}; expected {sorted(known)}")
    aliases = _mapping({"x": data}, "x", "aliases", label)
    types = _mapping({"x": data}, "x", "types", label)
    valid_types = {t.value for t in EntityType} | {"none"}
    for name, kind in types.items():
        if kind not in valid_types:
            raise DataError(f"{label}: [types] {name} = {kind!r}; expected one of {sorted(valid_types)}")
    names_raw = _mapping({"x": data}, "x", "names", label)
    names: dict[str, EntityType] = {}
    for name, kind in names_raw.items():
        if kind not in {t.value for t in EntityType}:
            raise DataError(f"{label}: [names] {name} = {kind!r} is not an entity type")
        names[name] = EntityType(kind)
    pairs = data.get("no_merge", [])
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise DataError(f"{label}: no_merge must be a list of [name, name] pairs")
    return Overrides(
        aliases=aliases,
        types=types,
        no_merge=frozenset(frozenset(p) for p in pairs),
        names=names,
    )
