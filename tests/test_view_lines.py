"""The view's data read from the Turtle blocks as they are written (kg.view.lines) is what
the store reader reads from the finished store, and a block parses back into the lines it
was written from, whatever its strings hold."""

from __future__ import annotations

import os
import shutil

import pyoxigraph
import pytest

from kg.corpus import build_outputs
from kg.stream import turtle_blocks
from kg.view.lines import BlockReader, iri, parse_block, text
from kg.view.stored import read_store
from tests.conftest import DEV, SEEDS, TRAIN


def _cited(data, items, first=None):
    return [(data.sentences.iris[e.sentence], e.text) for e in items[:first]]


def same_data(left, right) -> None:
    """``left``, read from the blocks, is ``right``, read from the store, with every
    entity's and relation's evidence cut to the first MAX_EVIDENCE (an entity keeps the
    count of all) and only the sentences they cite."""
    from dataclasses import replace

    from kg.view.page import MAX_EVIDENCE

    assert left.entities.keys() == right.entities.keys()
    for node, entity in right.entities.items():
        got = left.entities[node]
        assert replace(got, evidence=[], evidence_total=None) == replace(entity, evidence=[])
        assert _cited(left, got.evidence) == _cited(right, entity.evidence, MAX_EVIDENCE)
        assert (got.evidence_total or 0) == len(entity.evidence)
    assert [replace(r, evidence=[]) for r in left.relations] == \
        [replace(r, evidence=[]) for r in right.relations]
    for got, relation in zip(left.relations, right.relations, strict=True):
        assert _cited(left, got.evidence) == _cited(right, relation.evidence, MAX_EVIDENCE)
    index = {iri: n for n, iri in enumerate(right.sentences.iris)}
    assert left.sentences.iris and all(
        left.sentences[n] == right.sentences[index[iri]]
        for n, iri in enumerate(left.sentences.iris))
    assert left.documents == right.documents
    assert left.relation_labels == right.relation_labels


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("lines")
    inputs = root / "in"
    inputs.mkdir()
    for folder in (SEEDS, DEV / "texts", TRAIN / "texts"):
        for path in sorted(folder.glob("*.txt")):
            shutil.copy(path, inputs / path.name)
    shutil.copy(inputs / "dev-002.txt", inputs / "dev-002 repost.txt")  # two names, one content
    out = root / "out"
    build_outputs([inputs], out, validate="never")
    return inputs, out


def test_the_blocks_give_the_store_readers_data(built):
    _, out = built
    reader = BlockReader()
    with open(out / "graph.ttl", encoding="utf-8") as stream:
        blocks = stream.read().split("\n\n")[1:]  # after the prefixes
    for block in blocks:
        reader.written_block(block)
    store = pyoxigraph.Store.read_only(os.path.realpath(out / "store"))
    expected = read_store(store)
    assert len(expected.entities) > 300 and len(expected.relations) > 100
    assert sum(e.mentions for e in expected.entities.values()) > 1000
    assert any(", " in name or name.endswith("repost.txt") for name in expected.documents)
    same_data(reader.data(store), expected)


@pytest.mark.parametrize("first", [2, 40])
def test_the_page_of_the_blocks_is_the_page_of_the_store(built, tmp_path, monkeypatch, first):
    """The page drawn from the reading kept while building (each entity's first evidence
    items and counts, its rows in SQLite) is byte for byte the page drawn from everything
    read back from the store, also when the page carries fewer evidence items than most
    entities have."""
    from kg.view.stored import write_html_from_store

    monkeypatch.setattr("kg.view.page.MAX_EVIDENCE", first)
    _, out = built
    reader = BlockReader()
    with open(out / "graph.ttl", encoding="utf-8") as stream:
        for block in stream.read().split("\n\n")[1:]:
            reader.written_block(block)
    store = pyoxigraph.Store.read_only(os.path.realpath(out / "store"))
    data = reader.data(store)
    if first == 2:  # the cut is made: many entities have more evidence than the page shows
        assert sum(1 for e in data.entities.values() if (e.evidence_total or 0) > first) > 10
    write_html_from_store(store, tmp_path / "blocks.html", data)
    write_html_from_store(store, tmp_path / "store.html")
    assert (tmp_path / "blocks.html").read_bytes() == (tmp_path / "store.html").read_bytes()


@pytest.mark.parametrize("kept", ["kept", "absent", "damaged", "no rows", "damaged rows"])
def test_a_patched_build_reads_the_same_data_as_a_fresh_one(built, tmp_path, kept):
    """A patch starts from the previous set's reading (kept in the set) when it has one,
    else (none, or a damaged one) reads every block again; each gives a fresh build's
    page."""
    from kg.patch import VIEW_ROWS, VIEW_STATE

    inputs, out = built
    changed = tmp_path / "in"
    shutil.copytree(inputs, changed)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    state = (tmp_path / "out" / "graph.ttl").resolve().parent / VIEW_STATE
    assert state.exists()
    rows = state.parent / VIEW_ROWS
    assert rows.exists()
    if kept == "absent":
        state.unlink()
    elif kept == "damaged":
        state.write_bytes(state.read_bytes()[:1000])  # cut short
    elif kept == "no rows":  # a set written by a kg that kept them in the state
        rows.unlink()
    elif kept == "damaged rows":
        rows.write_bytes(b"not a database" * 100)
    with open(changed / "dev-005.txt", "a", encoding="utf-8") as stream:
        stream.write("\n杭州市民政局在钱塘区新建一家养老服务中心。\n")
    (changed / "dev-008.txt").unlink()
    patched = build_outputs([changed], tmp_path / "out", validate="never")
    fresh = build_outputs([changed], tmp_path / "fresh", validate="never")
    assert patched.patched and not fresh.patched
    for name in ("graph.ttl", "graph.html"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


TRICKY = ['一个 , 逗号', 'a "quoted" , "list"', 'back\\slash', 'tab\there', 'new\nline',
          'ends with ;', 'ends with .', '<not an iri>', '" , "']


def test_a_block_parses_back_into_its_lines():
    from kg.graph.turtle import escape_string

    subject = "<https://w3id.org/minsheng-kg/id/doc/abc/m1-2>"
    lines = sorted({f"{subject}\t0a\tkg:Mention",
                    f"{subject}\t1kg:refersTo\t<https://w3id.org/minsheng-kg/id/district/330114>",
                    f"{subject}\t1kg:start\t12",
                    f"{subject}\t1dcterms:issued\t\"2024-05-01\"^^xsd:date",
                    *(f'{subject}\t1kg:text\t"{escape_string(value)}"@zh' for value in TRICKY),
                    *(f'{subject}\t1kg:rule\t"{escape_string(value)}"' for value in TRICKY)})
    (_, block, count), = turtle_blocks(lines)
    parsed_subject, pairs = parse_block(block)
    assert parsed_subject == subject and len(pairs) == count == len(lines)
    expected = [(p[1:], o) for _, p, o in (line.split("\t", 2) for line in lines)]
    assert sorted(pairs) == sorted(expected)
    texts = {text(o) for p, o in pairs if p == "kg:text"}
    assert texts == set(TRICKY)
    assert iri("kg:Mention") == "https://w3id.org/minsheng-kg/ontology#Mention"
    assert iri("<https://example.org/a\\u0020b>") == "https://example.org/a b"
    assert iri('"literal"@zh') is None and text("kg:Mention") == ""


def test_view_rows_that_cannot_be_written_are_an_output_error_naming_the_file(tmp_path):
    from kg.errors import OutputError
    from kg.view.rows import ViewRows

    (tmp_path / "rows.sqlite").mkdir()  # a folder where the file should be
    with pytest.raises(OutputError, match=r"rows\.sqlite: cannot be written \("):
        ViewRows(tmp_path / "rows.sqlite")
