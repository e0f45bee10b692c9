"""The view's selection as a pyvis ``Network``, for notebooks and for users who want to
restyle or extend the drawing in Python (physics, extra nodes, pyvis' own menus) before
writing it out.

``kg.view.write_html`` (what ``kg build`` and ``kg view`` write) draws with sigma.js and
keeps up at 10,000 nodes; a pyvis network is vis-network underneath, comfortable up to a
few hundred nodes and easy to change from Python. Both start from the same
:class:`~kg.view.data.ViewData`, selection and layout, so they show the same entities at
the same places with the same colours and labels.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kg.view.data import TYPE_LABELS, TYPES, read_graph
from kg.view.page import COLOURS, GAZETTEER_COLOUR, payload
from kg.view.select import ViewOptions, select

if TYPE_CHECKING:
    import pyoxigraph
    from pyvis.network import Network
    from rdflib import Graph

#: pyvis draws a network this big comfortably (vis-network, canvas); the budget default
PYVIS_MAX_NODES = 500


def to_pyvis(graph: Graph | pyoxigraph.Store, *, height: str = "650px",
             max_nodes: int = PYVIS_MAX_NODES, **options: Any) -> Network:
    """A pyvis ``Network`` of the entities the view would show (``options`` as for
    :func:`kg.view.write_html`), at the view's positions with physics off, its JavaScript
    inlined (``cdn_resources="in_line"``). :func:`offline_html` gives its page without
    the stylesheet pyvis' template links from a CDN; in Jupyter, ``network.show("x.html")``."""
    from pyvis.network import Network

    opts = ViewOptions(max_nodes=max_nodes, **options)
    data = read_graph(graph)
    page = payload(data, select(data, opts), opts)
    network = Network(height=height, width="100%", directed=True, notebook=False,
                      cdn_resources="in_line", heading="")
    for number, node in enumerate(page["nodes"]):
        kind = TYPES[node["t"]]
        colour = GAZETTEER_COLOUR if node.get("g") else COLOURS[kind]
        title = f"{TYPE_LABELS[kind]} {kind}: {node['l']}"
        if node.get("a"):
            title += "\n又名 " + "、".join(node["a"])
        if node.get("k"):
            title += f"\n+{node['k']} folded into this district"
        network.add_node(number, label=node["l"], color=colour, title=title,
                         x=node["x"], y=node["y"], size=node["s"] / 2,
                         hidden=bool("h" in node), physics=False)
    for source, target, relation, *_ in page["edges"]:
        network.add_edge(source, target, title=page["rels"].get(relation, relation),
                         physics=False)
    network.toggle_physics(False)
    return network


#: the Bootstrap <link …/> and <script …></script> that pyvis' template always takes from
#: cdn.jsdelivr.net (only its card layout uses them): a tag whose attributes name a URL on
#: that CDN, across the template's line breaks
_CDN_TAG = re.compile(r"<link[^>]*https://cdn\.jsdelivr\.net/[^>]*/>"
                      r"|<script[^>]*https://cdn\.jsdelivr\.net/[^>]*>\s*</script>")


def offline_html(network: Network) -> str:
    """The page of a network from :func:`to_pyvis`, with nothing loaded from the network."""
    return _CDN_TAG.sub("", network.generate_html())
