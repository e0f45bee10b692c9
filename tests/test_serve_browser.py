"""The YASGUI query page of ``kg serve`` in headless Chromium (``-m browser``; skipped with a
reason when Debian's chromium or playwright is absent): it loads offline under its CSP,
shows the named queries as tabs, and runs a query against the running server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from rdflib import Graph

from kg.sparql.query import named_queries
from kg.sparql.serve import SparqlServer, make_server

QUERY = ("SELECT ?name WHERE { ?a a kg:Agency ; skos:prefLabel ?name } "
         "ORDER BY ?name LIMIT 5")


@pytest.fixture(scope="module")
def server(seed_graph: Graph, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[SparqlServer]:
    path = tmp_path_factory.mktemp("yasgui") / "graph.ttl"
    seed_graph.serialize(path, format="turtle")
    running = make_server(path, port=0, workers=1, quiet=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.close()
        thread.join(5)


@pytest.mark.browser
def test_yasgui_runs_a_query_against_the_server(browser, server: SparqlServer) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    foreign: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def route(r) -> None:  # noqa: ANN001
        if r.request.url.startswith(server.url):
            r.continue_()
        else:  # nothing may leave the machine: no CDN, no prefix service
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(server.url, wait_until="load")
        page.wait_for_function("() => window.kgYasgui && document.querySelector('.CodeMirror')",
                               timeout=20_000)
        names = page.evaluate("() => Object.values(kgYasgui._tabs).map(t => t.getName())")
        assert set(named_queries()) <= set(names), names
        page.evaluate("(q) => { kgYasgui.getTab().setQuery('PREFIX kg: "
                      "<https://w3id.org/minsheng-kg/ontology#>\\nPREFIX skos: "
                      "<http://www.w3.org/2004/02/skos/core#>\\n' + q); }", QUERY)
        page.locator(".tab.active .CodeMirror, .tabPanel.active .CodeMirror").first.click()
        page.keyboard.press("Control+Enter")
        cells = page.locator(".tabPanel.active .yasr table tbody tr")
        cells.first.wait_for(timeout=20_000)
        rows = cells.all_inner_texts()
        assert 1 <= len(rows) <= 5 and any("局" in row for row in rows), rows
        assert page.locator(".tabPanel.active .yasr_downloadIcon, "
                            ".tabPanel.active [title*='ownload']").count() >= 1
        assert not foreign, foreign
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        page.close()
