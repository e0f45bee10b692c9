"""The command line on real seed articles: outputs, formats and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from kg.graph.vocab import KG
from tests.conftest import DEV, ROOT, SEED_GOLD, SEEDS


def run_kg(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_build_writes_three_outputs_with_all_four_types(built):
    code, out = built
    assert code == 0
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    for kind in ("District", "Agency", "Facility", "Program"):
        assert any(graph.subjects(RDF.type, KG[kind])), kind
    lines = (out / "entities.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(list(SEEDS.glob("*.txt")))
    html = (out / "graph.html").read_text(encoding="utf-8")
    assert "钱塘区" in html or json.dumps("钱塘区")[1:-1] in html


def test_build_prints_a_summary(tmp_path):
    proc = run_kg("build", str(SEEDS / "000_15af565bc8285b03.txt"), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for word in ("documents: 1", "District", "Agency", "Facility", "Program", "triples:", "seconds:"):
        assert word in proc.stdout


def test_html_view_loads_nothing_from_the_network(built):
    _, out = built
    html = (out / "graph.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in html and "cdnjs.cloudflare.com" not in html
    assert "<script src=\"http" not in html and "<link href=\"http" not in html


def test_extract_output_is_what_the_scorer_reads(tmp_path):
    proc = run_kg("extract", *map(str, sorted(SEEDS.glob("*.txt"))))
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["doc"] for r in records] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for record in records:
        for entity in record["entities"]:
            assert entity["type"] in {"District", "Agency", "Facility", "Program"}
            assert entity["iri"].startswith("https://w3id.org/minsheng-kg/id/")
            assert "parent" in entity
            for m in entity["mentions"]:
                assert m["end"] > m["start"] >= 0
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(proc.stdout, encoding="utf-8")
    score = subprocess.run(
        [sys.executable, str(ROOT / "tests/data/score.py"), str(SEED_GOLD), str(predictions), "--json"],
        capture_output=True, text=True, check=True,
    )
    summary = json.loads(score.stdout)
    assert summary["documents_without_predictions"] == []
    assert summary["scores"]["ALL"]["tp"] > 0


def test_mention_offsets_index_the_normalized_text():
    from kg.corpus import extract

    for result in extract([SEEDS, DEV / "texts"]):
        for mention in result.mentions:
            assert result.document.text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("build", "no/such/file.txt", "--out", "OUT"), "no/such/file.txt: no such file"),
        (("query", "no/such/graph.ttl", "SELECT * WHERE {?s ?p ?o}"), "no/such/graph.ttl"),
        (("normalize", "missing.txt"), "missing.txt"),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path, args, fragment):
    args = tuple(a.replace("OUT", str(tmp_path / "out")) for a in args)
    proc = run_kg(*args)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0]


def test_bad_query_is_one_line(built):
    _, out = built
    proc = run_kg("query", str(out / "graph.ttl"), "SELEKT nonsense")
    assert proc.returncode == 1
    assert proc.stderr.startswith("kg: bad query") and proc.stderr.count("\n") == 1


def test_unreadable_graph_is_one_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <<<", encoding="utf-8")
    proc = run_kg("query", str(bad), "SELECT * WHERE {?s ?p ?o}")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "bad.ttl" in proc.stderr


def test_unreadable_file_is_reported_and_others_still_build(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_bytes((SEEDS / "000_15af565bc8285b03.txt").read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    proc = run_kg("build", str(folder), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "empty.txt" in proc.stderr and "binary.txt" in proc.stderr
    assert "documents: 1" in proc.stdout
    assert (tmp_path / "out" / "graph.ttl").exists()
    strict = run_kg("build", str(folder), "--out", str(tmp_path / "strict"), "--strict")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr


def test_every_command_help_shows_an_example():
    from kg.cli import COMMANDS

    top = run_kg("--help")
    for name in COMMANDS:
        assert name in top.stdout
        assert "example:" in run_kg(name, "--help").stdout


HEAVY = ("jieba", "rjieba", "rdflib", "pyoxigraph", "pyshacl", "numpy", "scipy", "networkx",
         "opencc")


def test_help_and_version_import_none_of_the_heavy_libraries():
    # `kg --help` took ~1.5 s when building the parser imported the pipeline (jieba, rdflib)
    code = f"""
import sys
from kg.cli import COMMANDS, main
for argv in [["--help"], ["--version"], *([name, "--help"] for name in COMMANDS)]:
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code == 0, argv
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in {HEAVY!r})
assert not loaded, loaded
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: kg build" in proc.stdout and "--jobs N" in proc.stdout
