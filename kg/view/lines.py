"""The view's data read from the Turtle blocks as ``kg build`` writes them, instead of from the
store afterwards.

``kg build`` writes ``graph.ttl`` one subject block at a time (:func:`kg.stream.turtle_blocks`,
or the previous file's blocks when it patches it, :mod:`kg.patch`). :class:`BlockReader`
takes each block as it goes by and keeps what the view needs; :meth:`BlockReader.data`
then gives the same :class:`~kg.view.data.ViewData` as :func:`kg.view.stored.read_store` on
the finished store (``tests/test_view_lines.py`` checks it on real builds), without a
second pass over the store: reading it back took longer than writing the Turtle. The
sentences' texts stay in the store, read only for the sentences the page shows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from kg.graph.vocab import ENTITY_RELATIONS, PREFIXES
from kg.view.data import LEVEL_LABELS, RELATION_LABELS, TYPES, Entity, Evidence, Relation, ViewData

if TYPE_CHECKING:
    import pyoxigraph

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
_RELATIONS = {f"kg:{name}": name for name in ENTITY_RELATIONS}
_RELATION_SUBJECTS = {f"kg:{name}": name for name in ENTITY_RELATIONS}


def parse_block(block: str) -> tuple[str, list[tuple[str, str]]]:
    """(subject, [(predicate, object)]) of a Turtle block of :func:`kg.stream.turtle_blocks`
    (``a`` for rdf:type), in written forms."""
    rows = block.rstrip("\n").split("\n")
    pairs: list[tuple[str, str]] = []
    for row in rows[1:]:
        predicate, _, objects = row[4:-2].partition(" ")  # "    p o , o ;" (or " .")
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
    """What the view needs, from every block of the graph (:meth:`block`), in any order."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.documents: dict[str, list[str]] = {}  # document → its file names
        self.sentences: dict[str, str] = {}  # sentence → its document ("" if none)
        # mentions: (entity, sentence, text) for every refersTo × inSentence × text
        self.mentions: list[tuple[str, str, str]] = []
        self.direct: set[tuple[str, str, str]] = set()  # (source, relation, target)
        self.statements: list[tuple[tuple[str, str, str], str, list[str]]] = []
        self.labels: dict[str, str] = {}  # relation → its zh label in the graph
        self._interned: dict[str, str] = {}

    def block(self, subject: str, pairs: list[tuple[str, str]]) -> None:
        by: dict[str, list[str]] = defaultdict(list)
        for predicate, obj in pairs:
            by[predicate].append(obj)
        node = iri(subject) or ""
        types = by.get("a", ())
        kind = next((_KINDS[t] for t in sorted(types, key=_kind_order) if t in _KINDS), None)
        if kind is not None:
            self._entity(node, kind, by)
        if "kg:Document" in types:
            self.documents[node] = [text(o) for o in by.get("kg:fileName", ())] or [""]
        if "kg:Sentence" in types:
            docs = sorted(iri(o) or "" for o in by.get("kg:inDocument", ()))
            self.sentences[self._intern(node)] = docs[0] if docs else ""
        if "rdf:Statement" in types:
            self._statement(by)
        for predicate, name in _RELATIONS.items():
            for obj in by.get(predicate, ()):
                target = iri(obj)
                if target is not None:
                    self.direct.add((node, name, target))
        if "kg:refersTo" in by:
            where = [self._intern(iri(o) or "") for o in by.get("kg:inSentence", ())] or [""]
            said = [text(o) for o in by.get("kg:text", ())] or [""]
            for target in by["kg:refersTo"]:
                found = iri(target) or text(target)
                self.mentions.extend((found, w, s) for w in where for s in said)
        if subject in _RELATION_SUBJECTS:
            zh = sorted(text(o) for o in by.get("rdfs:label", ())
                        if o[0] == '"' and _language(o).startswith("zh") and text(o))
            if zh:
                self.labels[_RELATION_SUBJECTS[subject]] = zh[0]

    def _intern(self, value: str) -> str:
        return self._interned.setdefault(value, value)

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

    def _statement(self, by: dict[str, list[str]]) -> None:
        cited = [iri(o) or "" for o in by.get("kg:evidence", ())]
        rules = [text(o) for o in by.get("kg:rule", ())] or [""]
        for predicate in by.get("rdf:predicate", ()) or [""]:
            name = (iri(predicate) or "").rsplit("#", 1)[-1] if predicate else ""
            for source in by.get("rdf:subject", ()) or [""]:
                for target in by.get("rdf:object", ()) or [""]:
                    key = (iri(source) or "" if source else "", name,
                           iri(target) or "" if target else "")
                    for rule in rules:
                        self.statements.append((key, rule, cited))

    def data(self, store: pyoxigraph.Store) -> ViewData:
        """The view's data; ``store`` holds the same graph (the page reads the texts of the
        sentences it shows from it)."""
        from kg.view.stored import _Reader, _Sentences

        entities = self.entities
        documents: list[str] = []
        doc_index: dict[str, int] = {}
        for doc in sorted(self.documents):
            doc_index[doc] = len(documents)
            documents.append(min(self.documents[doc]) or doc.rsplit("/", 1)[-1])
        sentence_iris = sorted(self.sentences)
        sentence_index = {node: i for i, node in enumerate(sentence_iris)}
        sentences = _Sentences(_Reader(store), sentence_iris,
                               [doc_index.get(self.sentences[s], -1) for s in sentence_iris])
        for target, where, said in self.mentions:
            entity = entities.get(target)
            if entity is None:
                continue
            entity.mentions += 1
            index = sentence_index.get(where)
            if index is not None:
                entity.evidence.append(Evidence(index, said))
        for entity in entities.values():
            entity.evidence.sort(key=lambda e: (e.sentence, e.text))
        found: dict[tuple[str, str, str], Relation] = {}
        for source, name, target in sorted(self.direct):
            if source in entities and target in entities and source != target:
                found.setdefault((source, name, target), Relation(source, target, name))
        evidence: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
        for key, rule, cited in self.statements:
            source, name, target = key
            if name not in ENTITY_RELATIONS or source not in entities or target not in entities:
                continue
            found.setdefault(key, Relation(source, target, name))
            for sentence in cited:
                if (index := sentence_index.get(sentence)) is not None:
                    evidence[key].append(Evidence(index, rule))
        for key, items in evidence.items():
            found[key].evidence = sorted(items, key=lambda e: (e.sentence, e.text))
        relations = sorted(found.values(), key=lambda rel: (rel.source, rel.relation, rel.target))
        labels = dict(RELATION_LABELS)
        for name in ENTITY_RELATIONS:
            labels[name] = self.labels.get(name) or labels.get(name, name)
        return ViewData(entities, relations, sentences, documents, labels)  # type: ignore[arg-type]


def _kind_order(written: str) -> int:
    kind = _KINDS.get(written)
    return TYPES.index(kind) if kind is not None else len(TYPES)
