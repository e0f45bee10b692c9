"""The HTML page: one file with sigma.js and graphology (bundled in kg/view/static, see
VENDOR.md there), the page's own script and style, and the data.

The data goes in as JSON inside ``<script type="application/json">``. Every ``<``, ``>`` and
``&`` in it is written as a ``\\u`` escape, so no string from the graph can close the script
element or start markup; the page script only ever puts those strings into the DOM with
``textContent`` and into the canvas.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from typing import Any

from kg.resources import packaged
from kg.view.data import AREA_RELATIONS, TYPE_LABELS, TYPES, ViewData
from kg.view.layout import layout
from kg.view.select import Selection, ViewOptions, degrees

MAX_EVIDENCE = 40  # evidence sentences per entity or relation carried into the page
COLOURS = {  # of each type's nodes
    "District": "#4e79a7",
    "Agency": "#e15759",
    "Facility": "#59a14f",
    "Program": "#f28e2b",
}
GAZETTEER_COLOUR = "#a8bdd6"  # districts only known from the gazetteer (never mentioned)


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element of an HTML page."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _static(name: str) -> str:
    """A file of kg/view/static (a missing one is a one-line DataError: reinstall kg)."""
    return packaged(f"view/static/{name}").read_text(encoding="utf-8")


def _inert(code: str, tag: str) -> str:
    """Code that cannot close the element it is inlined in (``</script`` never occurs in
    these files; if a future version had one, inside a JS string, ``<\\/`` means the same)."""
    return re.sub(f"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)


def _chain(data: ViewData, start: str | None, index: dict[str, int],
           parents: dict[str, str]) -> list[list[Any]]:
    chain: list[list[Any]] = []
    seen: set[str] = set()
    node = start
    while node is not None and node not in seen and node in data.entities:
        seen.add(node)
        chain.append([data.entities[node].label, index.get(node, -1)])
        node = parents.get(node)
    return chain[::-1]


def payload(data: ViewData, selection: Selection, options: ViewOptions) -> dict[str, Any]:
    keep = selection.keep
    index = {iri: i for i, iri in enumerate(keep)}
    positions = layout(data, keep)
    degree = degrees(data, index)
    parents = data.parents()
    area: dict[str, str] = {}
    for rel in data.relations:
        if rel.relation in AREA_RELATIONS and rel.relation != "partOf":
            area.setdefault(rel.source, rel.target)
    sentences: dict[int, int] = {}  # index in data → index in the page

    def evidence(items: list) -> list[list[Any]]:
        return [[sentences.setdefault(e.sentence, len(sentences)), e.text]
                for e in items[:MAX_EVIDENCE]]

    hidden = {m: d for d, members in selection.folded.items() for m in members}
    nodes = []
    for iri in keep:
        entity = data.entities[iri]
        x, y = positions.get(iri, (0.0, 0.0))
        node: dict[str, Any] = {
            "i": iri, "t": TYPES.index(entity.type), "l": entity.label,
            "x": round(x, 1), "y": round(y, 1),
            "s": round(min(48.0, 14 + 5.5 * math.sqrt(degree[iri] + entity.mentions)), 1),
            "m": entity.mentions, "d": degree[iri],
        }
        if entity.aliases:
            node["a"] = entity.aliases
        if entity.level:
            node["lv"] = entity.level
        if entity.code:
            node["c"] = entity.code
        if entity.type == "District" and not entity.mentioned:
            node["g"] = 1
        if entity.evidence:
            node["e"] = evidence(entity.evidence)
            node["ne"] = (len(entity.evidence) if entity.evidence_total is None
                          else entity.evidence_total)
        if iri in hidden:
            node["h"] = index[hidden[iri]]  # folded into this district until it is opened
        if iri in selection.folded:
            node["k"] = len(selection.folded[iri])
        up = parents.get(iri) or area.get(iri)
        if up is not None:
            node["p"] = _chain(data, up, index, parents)
        nodes.append(node)
    edges = []
    for rel in data.relations:
        if rel.source in index and rel.target in index:
            edge: list[Any] = [index[rel.source], index[rel.target], rel.relation]
            if rel.evidence:
                edge.append(evidence(rel.evidence))
            edges.append(edge)
    page_sentences: list[list[object] | None] = [None] * len(sentences)
    for old, new in sentences.items():
        page_sentences[new] = list(data.sentences[old])
    counts = [0] * len(TYPES)
    # what each count holds, the three numbers `kg build` prints and the entities-per-type
    # query's columns entities / listedOnly / ancestors: entities named in an article's
    # text (kg:mentionedIn), named only in its lists of other articles (kg:listedIn), and
    # named nowhere (districts there as gazetteer ancestors of those named)
    parts = [[0, 0, 0] for _ in TYPES]
    for node in nodes:
        counts[node["t"]] += 1
        entity = data.entities[node["i"]]
        parts[node["t"]][0 if entity.in_text else 1 if entity.mentioned else 2] += 1
    return {
        "title": options.title,
        "notice": selection.notice,
        "focus": index.get(selection.focus, -1) if selection.focus else -1,
        "total": selection.total,
        "types": [{"key": t, "label": TYPE_LABELS[t], "color": COLOURS[t], "count": counts[k],
                   "parts": parts[k]} for k, t in enumerate(TYPES)],
        "gazetteerColor": GAZETTEER_COLOUR,
        "rels": data.relation_labels,
        "areaRels": list(AREA_RELATIONS),
        "docs": data.documents,
        "sents": page_sentences,
        "nodes": nodes,
        "edges": edges,
    }


def _escape_text(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def assemble(data_json: str, title: str, height: str = "100vh") -> str:
    parts = {
        "TITLE": _escape_text(title),
        "GRAPHOLOGY_JS": _inert(_static("graphology.umd.min.js"), "script"),
        "SIGMA_JS": _inert(_static("sigma.min.js"), "script"),
        "CSS": _inert(_static("view.css"), "style"),
        "JS": _inert(_static("view.js"), "script"),
        "DATA": data_json,
        "HEIGHT": _escape_text(height),
    }
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(parts[k].encode()).digest()).decode()}'"
                      for k in ("GRAPHOLOGY_JS", "SIGMA_JS", "JS"))
    # nothing may load from anywhere; only the page's own three scripts may run
    parts["CSP"] = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
                    "img-src data:; font-src data:")
    template = _static("view.html")
    return re.sub(r"@@KG_([A-Z_]+)@@", lambda m: parts[m.group(1)], template)
