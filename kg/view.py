"""Interactive HTML view of a kg graph (pyvis, everything inlined: works offline)."""

from __future__ import annotations

import os
import re

from pyvis.network import Network
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.output import atomic_write
from kg.vocab import ENTITY_RELATIONS, KG

COLOURS = {"District": "#4e79a7", "Agency": "#e15759", "Facility": "#59a14f", "Program": "#f28e2b"}


def render_html(graph: Graph) -> str:
    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line")
    net.toggle_physics(True)
    nodes: dict[str, str] = {}
    for kind, colour in COLOURS.items():
        for node in sorted(set(graph.subjects(RDF.type, KG[kind]))):
            label = str(graph.value(node, SKOS.prefLabel) or node)
            nodes[str(node)] = kind
            net.add_node(str(node), label=label, title=f"{kind}: {label}", color=colour)
    for relation in ENTITY_RELATIONS:
        for s, o in sorted(graph.subject_objects(KG[relation])):
            if str(s) in nodes and str(o) in nodes:
                net.add_edge(str(s), str(o), title=relation, label=relation)
    html = net.generate_html()
    # pyvis links Bootstrap from a CDN in every mode; the view needs none of it
    return re.sub(r'<(link|script)[^>]+(cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com)[^>]*>(</script>)?',
                  "", html)


def write_html(graph: Graph, path: str | os.PathLike[str]) -> None:
    html = render_html(graph)
    with atomic_write(path) as stream:
        stream.write(html)
