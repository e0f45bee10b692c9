"""The view's data read from the Turtle blocks as ``kg build`` writes them, instead of from the
store afterwards.

``kg build`` writes ``graph.ttl`` one subject block at a time (:func:`kg.stream.turtle_blocks`,
or the previous file's blocks when it patches it, :mod:`kg.patch`). :class:`BlockReader`
takes each block as it goes by and keeps what the view needs; :meth:`BlockReader.data`
then gives what the page shows of :func:`kg.view.stored.read_store`'s
:class:`~kg.view.data.ViewData` on the finished store — the same entities and relations,
each with its first :data:`~kg.view.page.MAX_EVIDENCE` evidence items, and the sentences
they cite; the page is byte-identical (``tests/test_view_lines.py`` checks both on real
builds) — without a second pass over the store, and without holding every mention: the
rows that grow with the articles are in a SQLite file (:mod:`kg.view.rows`). The
sentences' texts stay in the store, read only for the sentences the page shows.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kg.graph.vocab import ENTITY_RELATIONS, PREFIXES
from kg.view.data import LEVEL_LABELS, RELATION_LABELS, TYPES, Entity, Evidence, Relation, ViewData

if TYPE_CHECKING:
    import pyoxigraph

    from kg.view.rows import ViewRows

#: a term written by kg.stream: a string (escapes inside, then a language or a datatype),
#: an IRI between <>, or a bare word (prefixed name, integer); terms are separated by " , "
_TERM = re.compile(r'"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^\S+)?|<[^>]*>|[^\s,]+')
#: an escape in a written IRI (\uXXXX, \UXXXXXXXX) or string (\n, \", \\ …)
_IRI_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_STRING_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "\\": "\\",
              "'": "'"}
_NAMESPACES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}

_KINDS = {f"kg:{kind}": kind for kind in TYPES}
#: the relations' written forms (as predicates of entities, as subjects of their labels)
_RELATIONS = {f"kg:{name}": name for name in ENTITY_RELATIONS}
#: the predicates the view reads (a sentence's text is read from the store when shown)
WANTED = frozenset({
    "a", "skos:prefLabel", "skos:altLabel", "kg:level", "kg:divisionCode", "kg:mentionedIn",
    "kg:listedIn", "kg:fileName", "kg:inDocument", "kg:refersTo", "kg:inSentence", "kg:text",
    "kg:evidence", "kg:rule", "rdf:predicate", "rdf:subject", "rdf:object", "rdfs:label",
    *_RELATIONS})
_WANTED_IN_SENTENCES = WANTED - {"kg:text"}
#: the types :meth:`BlockReader.block` reads something for
_TYPES_READ = frozenset({*_KINDS, "kg:Document", "kg:Sentence", "rdf:Statement"})


def parse_block(block: str, wanted: frozenset[str] | None = None,
                ) -> tuple[str, list[tuple[str, str]]]:
    """(subject, [(predicate, object)]) of a Turtle block of :func:`kg.stream.turtle_blocks`
    (``a`` for rdf:type), in written forms; only the ``wanted`` predicates' if given."""
    rows = block.rstrip("\n").split("\n")
    pairs: list[tuple[str, str]] = []
    for row in rows[1:]:
        predicate, _, objects = row[4:-2].partition(" ")  # "    p o , o ;" (or " .")
        if wanted is not None and predicate not in wanted:
            continue
        if '"' in objects:
            pairs.extend((predicate, term) for term in _TERM.findall(objects))
        else:
            pairs.extend((predicate, term) for term in objects.split(" , "))
    return rows[0], pairs


def iri(written: str) -> str | None:
    """The IRI of a written IRI (``<…>`` or a prefixed name), None for a literal."""
    if written[0] == "<":
        text = written[1:-1]
        return _IRI_ESCAPE.sub(_unescape_code, text) if "\\" in text else text
    if written[0] == '"' or written[0].isdigit() or written[0] in "+-":
        return None
    prefix, _, local = written.partition(":")
    namespace = _NAMESPACES.get(prefix)
    return None if namespace is None else namespace + local


def text(written: str) -> str:
    """The lexical form of a written literal, "" for an IRI (as the store reader's ``_text``)."""
    if written[0] == '"':
        lexical = written[1:written.rindex('"')]
        return _STRING_ESCAPE.sub(_unescape_char, lexical) if "\\" in lexical else lexical
    if written[0].isdigit() or written[0] in "+-":
        return written  # an integer, written bare
    return ""


def _language(written: str) -> str:
    end = written.rindex('"')
    return written[end + 2:] if written[end + 1:end + 2] == "@" else ""


def _unescape_code(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2), 16))


def _unescape_char(match: re.Match[str]) -> str:
    return _UNESCAPED.get(match.group(1), match.group(0))


class BlockReader:
    """What the view needs, from every block of the graph (:meth:`block`), in any order.

    What grows with the articles (sentences, mentions, statements) goes to
    :class:`~kg.view.rows.ViewRows`, a SQLite file of the output set; the entities, the
    documents' names and the relations between entities stay here. Everything is kept by
    the subject of the block it came from (a mention's rows by its document's, as a
    document's mentions are replaced together), so that a patched build (:mod:`kg.patch`)
    can start from the previous build's reader (:meth:`save`, :meth:`load`),
    :meth:`forget` the subjects it replaces and read only their new blocks."""

    def __init__(self, rows: ViewRows | None = None) -> None:
        from kg.view.rows import ViewRows

        self.rows = rows if rows is not None else ViewRows()
        self.entities: dict[str, Entity] = {}
        self.documents: dict[str, list[str]] = {}  # document → its file names
        self.direct: dict[str, list[tuple[str, str, str]]] = {}  # (source, relation, target)
        self.labels: dict[str, tuple[str, str]] = {}  # relation's subject → (name, zh label)

    def written_block(self, block: str) -> None:
        """:meth:`block` of a block's text (of a Turtle file kg.stream wrote)."""
        start = block.find("\n    a ")
        sentence = start >= 0 and block.startswith("kg:Sentence", start + 7)
        self.block(*parse_block(block, _WANTED_IN_SENTENCES if sentence else WANTED))

    def forget(self, subject: str) -> None:
        """Drop what the block of ``subject`` (written form) gave."""
        node = iri(subject) or ""
        for table in (self.entities, self.documents, self.direct, self.labels):
            table.pop(node, None)
        self.rows.forget(node, _part_key(node, "m"), _part_key(node, "r"))

    def save(self, path: Path) -> None:
        """Keep the reader for the next patched build: this in ``path``, the rows in their
        file."""
        import pickle

        self.rows.save()
        state = {name: value for name, value in self.__dict__.items() if name != "rows"}
        with open(path, "wb") as stream:
            pickle.dump(state, stream, protocol=5)

    @classmethod
    def load(cls, path: Path, rows: ViewRows) -> BlockReader | None:
        """The reader :meth:`save` wrote, with its ``rows``, or None if it cannot be read."""
        import pickle

        from kg.gazetteer import bulk_loading

        reader = cls(rows)
        try:
            with open(path, "rb") as stream, bulk_loading():
                state = pickle.load(stream)  # noqa: S301 (written by kg, in its output folder)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        if not isinstance(state, dict) or set(state) != set(reader.__dict__) - {"rows"}:
            return None
        reader.__dict__.update(state)
        return reader

    def block(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        by: dict[str, list[str]] = {}
        wanted = WANTED
        for predicate, obj in pairs:
            if predicate in wanted:
                objects = by.get(predicate)
                if objects is None:
                    by[predicate] = [obj]
                else:
                    objects.append(obj)
        node = iri(subject) or ""
        types = by.get("a", ())
        if not _TYPES_READ.isdisjoint(types):  # most blocks (mentions) have none of them
            kinds = [t for t in types if t in _KINDS]
            if kinds:  # the first kind in TYPES' order
                self._entity(node, _KINDS[min(kinds, key=_kind_order)], by)
            if "kg:Document" in types:
                self.documents[node] = [text(o) for o in by.get("kg:fileName", ())] or [""]
            if "kg:Sentence" in types:
                docs = sorted(iri(o) or "" for o in by.get("kg:inDocument", ()))
                self.rows.sentence(node, docs[0] if docs else "")
            if "rdf:Statement" in types:
                self._statement(node, by)
        if not _RELATIONS.keys().isdisjoint(by):
            direct = [(node, name, target) for predicate, name in _RELATIONS.items()
                      for target in map(iri, by.get(predicate, ())) if target is not None]
            if direct:
                self.direct[node] = direct
        if "kg:refersTo" in by:
            where = [iri(o) or "" for o in by.get("kg:inSentence", ())] or [""]
            said = [text(o) for o in by.get("kg:text", ())] or [""]
            part = _part_key(node, "m")
            self.rows.mention_rows([(part, iri(target) or text(target), w, t)
                                    for target in by["kg:refersTo"] for w in where
                                    for t in said])
        if subject in _RELATIONS:
            zh = sorted(text(o) for o in by.get("rdfs:label", ())
                        if o[0] == '"' and _language(o).startswith("zh") and text(o))
            if zh:
                self.labels[node] = (_RELATIONS[subject], zh[0])

    def _entity(self, node: str, kind: str, by: dict[str, list[str]]) -> None:
        entity = Entity(iri=node, type=kind, label="")
        labels = [text(o) if o[0] == '"' else iri(o) or "" for o in by.get("skos:prefLabel", ())]
        entity.label = min((lab for lab in labels if lab), default="")
        entity.aliases = [text(o) for o in by.get("skos:altLabel", ())]
        for level in by.get("kg:level", ())[-1:]:
            local = (iri(level) or text(level)).rsplit("#", 1)[-1]
            entity.level = LEVEL_LABELS.get(local, local)
        for code in by.get("kg:divisionCode", ())[-1:]:
            entity.code = text(code) or iri(code) or ""
        entity.in_text = "kg:mentionedIn" in by
        entity.mentioned = entity.in_text or "kg:listedIn" in by
        entity.label = entity.label or node.rsplit("/", 1)[-1]
        entity.aliases = sorted(set(entity.aliases) - {entity.label})
        self.entities[node] = entity

    def _statement(self, node: str, by: dict[str, list[str]]) -> None:
        cited: list[str | None] = [iri(o) or "" for o in by.get("kg:evidence", ())] or [None]
        rules = [text(o) for o in by.get("kg:rule", ())] or [""]
        rows: list[tuple[str, str, str, str, str | None]] = []
        for predicate in by.get("rdf:predicate", ()) or [""]:
            name = (iri(predicate) or "").rsplit("#", 1)[-1] if predicate else ""
            for source in by.get("rdf:subject", ()) or [""]:
                for target in by.get("rdf:object", ()) or [""]:
                    rows.extend((iri(source) or "" if source else "", name,
                                 iri(target) or "" if target else "", rule, sentence)
                                for rule in rules for sentence in cited)
        self.rows.statements(_part_key(node, "r"), rows)

    def data(self, store: pyoxigraph.Store, texts: dict[str, str] | None = None) -> ViewData:
        """The view's data; ``store`` holds the same graph (the page reads the texts of the
        sentences it shows from it, or from ``texts``, by sentence IRI, when there: see
        :func:`sentence_texts`). Each entity and relation carries its first
        :data:`~kg.view.page.MAX_EVIDENCE` evidence items, all the page shows (an entity
        also the count of all), and the sentences are those they cite."""
        from kg.view.page import MAX_EVIDENCE
        from kg.view.stored import _Reader, _Sentences

        # copies: the reader stays as it is (it may be saved, or patched again)
        entities = {node: replace(entity, evidence=[]) for node, entity in self.entities.items()}
        documents: list[str] = []
        doc_index: dict[str, int] = {}
        for doc in sorted(self.documents):
            doc_index[doc] = len(documents)
            documents.append(min(self.documents[doc]) or doc.rsplit("/", 1)[-1])
        for target, count in self.rows.mention_counts():
            if (entity := entities.get(target)) is not None:
                entity.mentions = count
        cited: dict[str, str] = {}  # sentence → its document, of the evidence kept
        entity_items: list[tuple[Entity, str, str]] = []
        for target, sentence, said, doc, total in self.rows.entity_evidence(MAX_EVIDENCE):
            if (entity := entities.get(target)) is not None:
                entity.evidence_total = total
                entity_items.append((entity, sentence, said))
                cited[sentence] = doc
        found: dict[tuple[str, str, str], Relation] = {}
        for source, name, target in sorted(itertools.chain.from_iterable(self.direct.values())):
            if source in entities and target in entities and source != target:
                found.setdefault((source, name, target), Relation(source, target, name))
        for key in sorted(self.rows.relation_keys()):
            source, name, target = key
            if name in ENTITY_RELATIONS and source in entities and target in entities:
                found.setdefault(key, Relation(source, target, name))
        relation_items: list[tuple[Relation, str, str]] = []
        for source, name, target, sentence, rule, doc in self.rows.relation_evidence(
                MAX_EVIDENCE):
            # (every relation found is between two entities, by one of ENTITY_RELATIONS)
            if (relation := found.get((source, name, target))) is not None:
                relation_items.append((relation, sentence, rule))
                cited[sentence] = doc
        sentence_iris = sorted(cited)
        sentence_index = {node: i for i, node in enumerate(sentence_iris)}
        sentences = _Sentences(_Reader(store), sentence_iris,
                               [doc_index.get(cited[s], -1) for s in sentence_iris], texts)
        for entity, sentence, said in entity_items:
            entity.evidence.append(Evidence(sentence_index[sentence], said))
        for relation, sentence, rule in relation_items:
            relation.evidence.append(Evidence(sentence_index[sentence], rule))
        relations = sorted(found.values(), key=lambda rel: (rel.source, rel.relation, rel.target))
        labels = dict(RELATION_LABELS)
        found_labels = dict(self.labels.values())
        for name in ENTITY_RELATIONS:
            labels[name] = found_labels.get(name) or labels.get(name, name)
        return ViewData(entities, relations, sentences, documents, labels)  # type: ignore[arg-type]


#: a mention's or a statement's IRI (kg.keys.mention, kg.keys.statement):
#: …/doc/<digest>/m<start>-<end>, …/doc/<digest>/r<hash>
_PART = re.compile(r"/doc/[^/]+/([mr])[^/]*$")


def _part_key(node: str, kind: str) -> str:
    """Where a subject's mention (``m``) or statement (``r``) rows are kept: under its
    document for a mention or statement of a document (a document's mentions and
    statements are replaced with it, :mod:`kg.patch`), else under the subject itself."""
    found = _PART.search(node)
    return node.rsplit("/", 1)[0] + "/" + kind if found and found.group(1) == kind else node


def sentence_texts(data: ViewData) -> dict[str, str]:
    """The texts of the sentences a page made from ``data`` showed, by IRI (what the next
    patched build's page will mostly show again)."""
    return dict(getattr(data.sentences, "used", {}))


def save_texts(texts: dict[str, str], path: Path) -> None:
    import pickle

    with open(path, "wb") as stream:
        pickle.dump(texts, stream, protocol=5)


def load_texts(path: Path) -> dict[str, str]:
    """:func:`save_texts`'s texts, or none if they cannot be read."""
    import pickle

    try:
        with open(path, "rb") as stream:
            texts = pickle.load(stream)  # noqa: S301 (written by kg, in its output folder)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return {}
    return texts if isinstance(texts, dict) else {}


def _kind_order(written: str) -> int:
    kind = _KINDS.get(written)
    return TYPES.index(kind) if kind is not None else len(TYPES)
