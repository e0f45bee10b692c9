"""The two sinks of :func:`kg.graph.triples.add_result`: the rdflib Graph of ``kg.build()``
and the N-Triples lines of the per-document step (:class:`kg.assemble.LineSink`) must hold
the same triples for every article."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from kg.assemble import LineSink
from kg.corpus import extract, process_source
from kg.gazetteer import Gazetteer
from kg.graph.triples import add_result, document_iri, new_graph, written
from kg.graph.turtle import IRI_TABLE, STRING_TABLE, escape_iri, escape_string
from kg.graph.vocab import KG
from kg.model import DocumentResult, Source
from tests.conftest import DEV, SEEDS, TRAIN

ARTICLES = sorted(SEEDS.glob("*.txt")) + sorted((DEV / "texts").glob("*.txt")) + sorted(
    (TRAIN / "texts").glob("*.txt"))


@pytest.fixture(scope="module")
def results() -> list[DocumentResult]:
    return list(extract(ARTICLES))


def both_sinks(result: DocumentResult) -> tuple[LineSink, Graph]:
    sink, graph = LineSink(), new_graph()
    add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
    add_result(graph, result, Gazetteer.load())
    return sink, graph


def parsed(sink: LineSink) -> Graph:
    return Graph().parse(data=sink.ntriples().decode("utf-8"), format="nt")


def test_the_lines_hold_the_rdflib_graph_of_every_article(results):
    assert len(results) == len(ARTICLES) == 43
    for result in results:
        sink, graph = both_sinks(result)
        assert len(sink.lines) == len(graph), result.document.name  # each triple once
        assert set(parsed(sink)) == set(graph), result.document.name


def test_each_line_is_the_ntriples_of_the_rdflib_triple(results):
    """Byte for byte: the written form made from the strings is the one of the rdflib terms
    (what the sink wrote before it skipped them)."""
    for result in results[:10]:
        sink, graph = both_sinks(result)
        expected = {" ".join(map(written, triple)) for triple in graph}
        assert set(sink.lines) == expected, result.document.name


def test_escapes_reach_the_lines_and_read_back():
    text = (SEEDS / "000_15af565bc8285b03.txt").read_text(encoding="utf-8")
    text += '\n钱塘区发布"民生\\实事"清单。\n'
    result = process_source(Source("quoted.txt", text.encode("utf-8")))
    sink, graph = both_sinks(result)
    assert any('\\"民生\\\\实事\\"' in line for line in sink.lines)
    assert set(parsed(sink)) == set(graph)


def test_discard_takes_rdflib_terms(results):
    result = results[0]
    sink = LineSink()
    add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
    before = len(sink.lines)
    sink.discard((document_iri(result), KG.fileName, Literal(result.document.name)))
    assert len(sink.lines) == before - 1
    assert not any(f"<{KG.fileName}>" in line for line in sink.lines)


def test_dates_and_years_are_written_as_rdflib_writes_them():
    from rdflib.namespace import XSD  # (imported here: pytest's collection pokes at it)

    for value, datatype in (("2024-05-01", XSD.date), ("2024-05", XSD.gYearMonth),
                            ("2025", XSD.gYear), ("2024-02-30", XSD.date)):
        literal = Literal(value, datatype=datatype)
        assert written(literal) == f'"{literal}"^^<{datatype}>'


def test_the_quick_escapes_equal_the_tables(results):
    specials = "".join(chr(c) for c in range(0x21)) + '<>"{}|^`\\'
    texts = [s.text for r in results for s in r.sentences] + [e.key for r in results
                                                               for e in r.entities]
    for text in [*texts, *(t + specials for t in texts[:50]), specials]:
        assert escape_string(text) == text.translate(STRING_TABLE)
        assert escape_iri(text) == text.translate(IRI_TABLE)


def _store_of(sinks: list[LineSink]):
    import pyoxigraph

    from kg.assemble import CONTENT_GRAPH

    store = pyoxigraph.Store()
    data = b"".join(sink.nquads(f"{CONTENT_GRAPH}{n}") for n, sink in enumerate(sinks))
    store.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def test_worker_lines_are_the_lines_read_back_from_a_store(results):
    """The sorted Turtle lines a worker writes from its N-Triples are the lines the output
    step would make of the same triples read back from the cache store."""
    from kg.stream import MergedLines, TurtleNamer

    for result in results:
        sink = LineSink()
        add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
        store = _store_of([sink])
        expected = sorted(set(MergedLines({}, TurtleNamer()).lines(
            store.quads_for_pattern(None, None, None, None))))
        assert sink.turtle_lines().decode("utf-8").split("\n") == expected, \
            result.document.name


def test_the_label_merge_on_worker_lines_is_the_merge_on_the_store(results):
    """:class:`kg.stream.LabelMerge` on the workers' lines gives the lines
    :class:`kg.stream.MergedLines` makes of the store's triples, for label choices of real
    entities: the kept name's altLabel dropped, the others moved to altLabel, their
    rdfs:label dropped."""
    import pyoxigraph

    from kg.assemble import LabelChoice
    from kg.stream import LabelMerge, MergedLines, TurtleNamer

    sinks = []
    for result in results[:12]:
        sink = LineSink()
        add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
        sinks.append(sink)
    store = _store_of(sinks)
    pref = pyoxigraph.NamedNode(str(SKOS.prefLabel))
    labelled = sorted({(q.subject.value, q.object.value)
                       for q in store.quads_for_pattern(None, pref, None, None)})[::40]
    assert len(labelled) >= 5
    choices = {}
    for subject, label in labelled:
        keep = pyoxigraph.Literal(label + "（别称）", language="zh")
        others = frozenset({pyoxigraph.Literal(label, language="zh")})
        choices[subject] = LabelChoice(keep, others)
        node = pyoxigraph.NamedNode(subject)
        store.add(pyoxigraph.Quad(node, pyoxigraph.NamedNode(str(SKOS.altLabel)), keep,
                                  pyoxigraph.NamedNode("urn:kg:content:extra")))
        sinks[0].add((f"<{subject}>", f"<{SKOS.altLabel}>", f'"{keep.value}"@zh'))
    expected = set(MergedLines(choices, TurtleNamer()).lines(
        store.quads_for_pattern(None, None, None, None)))
    lines = (line for sink in sinks for line in sink.turtle_lines().decode("utf-8").split("\n"))
    merged = set(LabelMerge(choices, TurtleNamer()).apply(lines))
    assert merged == expected
    moved = sum(1 for line in merged if "\t1skos:altLabel\t" in line and "别称" not in line)
    assert moved >= len(choices)


#: one agency named two ways in two articles: the label merge has a choice to make
NAMED_TWICE = ("浙江省杭州市卫生健康委员会与杭州市民政局联合开展家庭医生签约服务。",
               "杭州市卫健委开展家庭医生签约服务，杭州市卫健委表示将继续推进。")


@pytest.fixture(scope="module")
def merged_results(results) -> list[DocumentResult]:
    extra = [process_source(Source(name=f"named-{n}.txt", data=text.encode("utf-8")))
             for n, text in enumerate(NAMED_TWICE)]
    return results + extra


def test_the_cache_stores_share_gives_the_label_choices_of_all_triples(merged_results):
    """The cache store keeps only what the cross-document steps read
    (:meth:`LineSink.shared_nquads`, about a quarter of the triples): the label merge decided
    on it is the one decided on every triple, and what it leaves out is what documents own."""
    import pyoxigraph

    from kg.assemble import CONTENT_GRAPH, label_choices, owning_document

    sinks = []
    for result in merged_results:
        sink = LineSink()
        add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
        sinks.append(sink)
    shared = pyoxigraph.Store()
    shared.bulk_load(input=b"".join(sink.shared_nquads(f"{CONTENT_GRAPH}{n}")
                                    for n, sink in enumerate(sinks)),
                     format=pyoxigraph.RdfFormat.N_QUADS)
    everything = _store_of(sinks)
    choices = label_choices(shared)
    assert choices and choices == label_choices(everything)
    assert len(shared) < 0.5 * len(everything)
    left_out = {q.subject.value for q in everything} - {q.subject.value for q in shared}  # type: ignore[union-attr]
    assert left_out and all(owning_document(iri) for iri in left_out)


def test_the_merged_lines_are_every_line_sorted_once(merged_results, tmp_path):
    """:func:`kg.stream.merged_lines` sorts only the entities' lines and takes what documents
    own in the contents' order (each content's lines split by :func:`kg.stream.split_owned`,
    as the workers do): it gives the external sort of every line, label merge,
    file names and schema facts included, also for one content under two keys (two
    suffixes) and for file names of a document that has no lines of its own."""
    import hashlib

    from kg.assemble import label_choices
    from kg.stream import (
        LabelMerge,
        MergedLines,
        TurtleNamer,
        file_name_triple,
        merged_lines,
        schema_triples,
        sorted_unique,
        split_owned,
    )

    contents: dict[str, list[str]] = {}
    sinks = []
    chosen = merged_results[:20] + merged_results[-2:]
    for result in chosen:
        sink = LineSink()
        add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
        sinks.append(sink)
        digest = result.document.digest
        contents[digest + ".txt"] = sink.turtle_lines().decode("utf-8").split("\n")
    first = chosen[0].document.digest
    contents[first + ".html"] = contents[first + ".txt"][::2]  # the same document, 2nd key
    namer = TurtleNamer()
    choices = label_choices(_store_of(sinks))
    assert choices
    names = [file_name_triple(r.document.digest, f"{n}.txt") for n, r in enumerate(chosen)]
    names.append(file_name_triple(hashlib.sha256(b"none").hexdigest(), "lost.txt"))
    extra = list(MergedLines({}, namer).lines([*schema_triples(), *names]))
    ordered = [contents[key] for key in sorted(contents)]
    parts = [split_owned(lines) for lines in ordered]
    assert all(owned for _, owned in parts) and all(shared for shared, _ in parts)
    merged = list(merged_lines((shared for shared, _ in parts), (owned for _, owned in parts),
                               extra, LabelMerge(choices, namer), tmp_path))
    everything = (line for lines in ordered for line in lines)
    expected = list(sorted_unique(LabelMerge(choices, namer).apply(
        [*everything, *extra]), tmp_path, chunk=5_000))
    assert merged == expected and len(merged) > 5_000
    assert any('"lost.txt"' in line for line in merged)
    assert any("\t1skos:altLabel\t\"浙江省杭州市卫生健康委员会\"" in line for line in merged)
