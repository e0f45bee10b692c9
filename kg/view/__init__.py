"""Interactive HTML view of a kg graph: one self-contained file that works offline, drawn
by sigma.js (WebGL) from kg's own layout; sigma.js and graphology are bundled in
``kg/view/static`` (see VENDOR.md there).

``render_html(graph)`` returns the page, ``write_html(graph, path)`` writes it (``kg build``
and ``kg view`` use it) and ``show(graph)`` displays it in a Jupyter notebook;
``to_pyvis(graph)`` gives the same selection as a pyvis ``Network`` to restyle in Python. Options:
``types`` (entity types to keep), ``district`` (a district name: it and everything under it),
``focus`` (a name or alias the view opens on), ``max_nodes`` (budget, default 5,000; above it
the agencies, facilities and programs of the busiest districts are folded into their
district, which opens on click; with a focus, or with more districts than the budget, the
view keeps the entities nearest the focus or with most relations and mentions; the page
says which) and ``title``. The graph is an rdflib ``Graph`` or a ``pyoxigraph.Store``.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

from rdflib import Graph

if TYPE_CHECKING:
    import pyoxigraph

from kg.files import atomic_write
from kg.view.data import ViewData, read_graph
from kg.view.page import assemble, payload, script_json
from kg.view.select import DEFAULT_MAX_NODES, Selection, ViewOptions, select


def to_pyvis(graph: Graph | pyoxigraph.Store, **options: Any) -> Any:
    """The view's selection as a pyvis ``Network`` (:func:`kg.view.network.to_pyvis`)."""
    from kg.view.network import to_pyvis as network

    return network(graph, **options)

__all__ = ["DEFAULT_MAX_NODES", "ViewOptions", "render_html", "show", "to_pyvis", "view_data",
           "write_html"]


def view_data(graph: Graph | pyoxigraph.Store, **options: Any) -> tuple[dict[str, Any], Selection]:
    """The page's data (what goes into its JSON) and the selection it was made from."""
    opts = ViewOptions(**options)
    data: ViewData = read_graph(graph)
    selection = select(data, opts)
    return payload(data, selection, opts), selection


def render_html(graph: Graph | pyoxigraph.Store, *, height: str = "100vh", **options: Any) -> str:
    page, _ = view_data(graph, **options)
    title = options.get("title") or ViewOptions.title
    return assemble(script_json(page), title, height)


def write_html(graph: Graph | pyoxigraph.Store, path: str | os.PathLike[str], **options: Any) -> Selection:
    page, selection = view_data(graph, **options)
    title = options.get("title") or ViewOptions.title
    with atomic_write(path) as stream:
        stream.write(assemble(script_json(page), title))
    return selection


class _InlineFrame:
    """What ``show`` returns when IPython is not installed: any notebook front end renders
    ``_repr_html_``."""

    def __init__(self, markup: str) -> None:
        self.data = markup

    def _repr_html_(self) -> str:
        return self.data


def show(graph: Graph | pyoxigraph.Store, *, height: int = 650, **options: Any) -> Any:
    """The view for a notebook cell: an iframe whose ``srcdoc`` is the whole page."""
    page = render_html(graph, height=f"{int(height)}px", **options)
    markup = (f'<div class="kg-view"><iframe srcdoc="{html.escape(page, quote=True)}" '
              f'style="width:100%;height:{int(height) + 4}px;border:1px solid #ddd" '
              'sandbox="allow-scripts" title="kg view"></iframe></div>')
    try:
        from IPython.display import HTML
    except ImportError:
        return _InlineFrame(markup)
    return HTML(markup)
