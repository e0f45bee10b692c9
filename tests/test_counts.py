"""One set of entity counts: `kg build`'s summary, `kg query … entities-per-type` (on the
Turtle file and on the store) and the view's legend (the page `kg build` writes from its
store, and the page of the same graph read through rdflib) give the same three numbers per
type: named in an article's text, named only in lists of other articles, gazetteer
ancestors."""

from __future__ import annotations

import json
import re

from kg.cli import main
from kg.graph.formats import load_graph
from kg.view import view_data
from tests.conftest import SEEDS

TYPES = ("District", "Agency", "Facility", "Program")
Counts = dict[str, tuple[int, int, int]]


def _summary(text: str) -> Counts:
    """The three numbers per type from `kg build`'s printed summary."""
    kinds = {"entities": 0, "only in lists of other articles": 1, "ancestors from the gazetteer": 2}
    found = {t: [0, 0, 0] for t in TYPES}
    # "entities: District 45, … (named in an article's text)" and the indented "+ WORDS: …"
    for line in text.splitlines():
        match = re.match(r"^(?:entities|  \+ ([a-z ]+)): (.*?)(?: \(named in an article's text\))?$",
                         line)
        if match is None:
            continue
        kind = kinds[match.group(1) or "entities"]
        for part in match.group(2).split(", "):
            name, number = part.split(" ")
            found[name][kind] = int(number)
    return {t: (n[0], n[1], n[2]) for t, n in found.items()}


def _query(source: str, capsys) -> Counts:
    assert main(["query", source, "entities-per-type", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    found = {t: (0, 0, 0) for t in TYPES}
    for row in rows:
        found[row["type"].rsplit("#", 1)[-1]] = (
            int(row["entities"]), int(row["listedOnly"]), int(row["ancestors"]))
    return found


def _legend(page: dict) -> Counts:
    counts = {}
    for t in page["types"]:
        assert sum(t["parts"]) == t["count"]
        counts[t["key"]] = tuple(t["parts"])
    return counts


def test_build_query_and_view_count_the_same(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["build", str(SEEDS), "--out", str(out)]) == 0
    summary = _summary(capsys.readouterr().out)
    # the seed graph has all three kinds, so a count that merged two of them would show
    assert summary["District"][0] > 0 and summary["District"][1] > 0 and summary["District"][2] > 0
    assert summary["Agency"][1] > 0 and summary["Agency"][2] == 0

    assert _query(str(out / "graph.ttl"), capsys) == summary
    assert _query(str(out / "store"), capsys) == summary

    html = (out / "graph.html").read_text(encoding="utf-8")
    data = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    assert data is not None
    built_page = json.loads(data.group(1))
    assert len(built_page["nodes"]) == built_page["total"], "the whole seed graph is shown"
    assert _legend(built_page) == summary
    page, _ = view_data(load_graph(out / "graph.ttl"))
    assert _legend(page) == summary

    # every typed entity is in exactly one of the three kinds
    assert main(["query", str(out / "graph.ttl"), "--format", "json",
                 "SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?t } GROUP BY ?t"]) == 0
    typed = {row["t"].rsplit("#", 1)[-1]: int(row["n"]) for row in json.loads(capsys.readouterr().out)}
    assert {t: sum(summary[t]) for t in TYPES} == {t: typed[t] for t in TYPES}


def test_an_unchanged_rebuild_prints_the_same_counts(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["build", str(SEEDS), "--out", str(out)]) == 0
    first = _summary(capsys.readouterr().out)
    assert main(["build", str(SEEDS), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "0 new content(s)" in printed and _summary(printed) == first
