"""How the view opens: entities folded into their district above the node budget, the counts
the legend explains, and in headless Chromium (``-m browser``) the first frame (nodes big
enough to see, labels drawn), the search list closing after a pick, a folded district
opening on click."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from benchmarks.bench_view import synthetic_graph
from kg.view import view_data, write_html
from kg.view.data import read_graph
from kg.view.select import ViewOptions, home_districts, select
from tests.test_view import Page


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_graph(600)


def test_above_the_budget_entities_fold_into_their_district(synthetic) -> None:
    data = read_graph(synthetic)
    selection = select(data, ViewOptions(max_nodes=300))
    districts = {iri for iri, e in data.entities.items() if e.type == "District"}
    assert districts <= set(selection.keep), "every district stays"
    assert set(selection.keep) == set(data.entities), "nothing is dropped, only folded"
    assert selection.shown <= 300 and selection.folded
    home = home_districts(data, data.entities)
    for district, members in selection.folded.items():
        assert data.entities[district].type == "District"
        assert members and all(home[m] == district for m in members)
    # the biggest districts fold first
    sizes = sorted((sum(1 for d in home.values() if d == k) for k in set(home.values())),
                   reverse=True)
    assert sorted(map(len, selection.folded.values()), reverse=True) == sizes[:len(selection.folded)]
    assert "+" in selection.notice and "folded" in selection.notice


def test_the_page_marks_folded_entities_and_their_district(synthetic) -> None:
    page, selection = view_data(synthetic, max_nodes=300)
    nodes = page["nodes"]
    hidden = [n for n in nodes if "h" in n]
    assert len(hidden) == len(nodes) - selection.shown
    for n in hidden:
        assert nodes[n["h"]]["t"] == 0 and nodes[n["h"]]["k"] > 0
    assert sum(n.get("k", 0) for n in nodes) == len(hidden)


def test_under_the_budget_or_with_a_focus_nothing_is_folded(synthetic, seed_graph) -> None:
    assert select(read_graph(synthetic), ViewOptions(max_nodes=10_000)).folded == {}
    page, selection = view_data(synthetic, max_nodes=300, focus=read_graph(synthetic)
                                .entities[sorted(read_graph(synthetic).entities)[0]].label)
    assert selection.folded == {} and len(page["nodes"]) == 300
    # more districts than the budget: the busiest entities are kept, as before
    _, small = view_data(seed_graph, max_nodes=40)
    assert small.folded == {} and len(small.keep) == 40


def test_legend_counts_say_what_they_count(seed_graph) -> None:
    page, _ = view_data(seed_graph)
    per_type = {row["type"].rsplit("#", 1)[-1]: row["entities"]
                for row in kg.select(seed_graph, "entities-per-type")}
    for t in page["types"]:
        in_text, listed, gazetteer = t["parts"]
        assert in_text + listed + gazetteer == t["count"]
        assert in_text == per_type[t["key"]], "the text count is the entities-per-type query's"
        if t["key"] != "District":
            assert gazetteer == 0
    district = page["types"][0]
    assert district["parts"][2] == sum(1 for n in page["nodes"] if n.get("g"))


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def pages(tmp_path_factory, seed_graph, synthetic) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("view-open")
    paths = {"seed": folder / "seed.html", "folded": folder / "folded.html"}
    write_html(seed_graph, paths["seed"])
    write_html(synthetic, paths["folded"], max_nodes=300)
    return paths


@pytest.mark.browser
def test_first_frame_has_visible_nodes_and_labels(browser, pages) -> None:
    view = Page(browser, pages["seed"])
    # the first frame shows the whole graph: every node is on the canvas
    assert view.js("() => kgView.renderer.getCamera().getState().ratio") == 1
    box = view.page.locator("#kg-graph").bounding_box()
    count = view.js("() => kgView.data.nodes.length")
    for i in range(count):
        x, y = view.point(i)
        assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    # nodes big enough to see (a radius of at least 2.5 px on the screen)
    smallest = view.js("""() => Math.min(...kgView.graph.mapNodes(k =>
        kgView.renderer.scaleSize(kgView.renderer.getNodeDisplayData(k).size)))""")
    assert smallest >= 2.5
    # labels: one per cell of sigma's label grid, the busiest node of each cell
    labels = view.js("() => window.kgLabels")
    assert labels == view.js("() => kgView.renderer.displayedNodeLabels.size")
    assert labels >= 40, "the canvas is filled, so many labels fit"
    shown = view.js("() => [...kgView.renderer.displayedNodeLabels].map(Number)")
    assert view.node("浙江省") in shown and view.node("杭州市") in shown
    assert view.errors == [] and view.requests == []
    view.page.close()


@pytest.mark.browser
def test_the_search_list_closes_after_a_pick(browser, pages) -> None:
    view = Page(browser, pages["seed"])
    view.page.fill("#kg-search", "钱塘")
    assert view.page.locator("#kg-results li").count() > 0
    view.page.press("#kg-search", "Enter")
    assert view.page.locator("#kg-results li").count() == 0
    view.page.fill("#kg-search", "杭州")
    view.page.locator("#kg-results li").first.click()
    assert view.page.locator("#kg-results li").count() == 0
    assert view.page.locator("#kg-details h2").inner_text().startswith("杭州")
    view.page.close()


@pytest.mark.browser
def test_a_folded_district_opens_on_click(browser, pages) -> None:
    view = Page(browser, pages["folded"])
    before = view.hidden()
    district = view.js("() => kgView.data.nodes.findIndex(n => n.k > 0)")
    members = view.js("(d) => kgView.data.nodes.filter(n => n.h === d).length", district)
    assert before > 0 and members > 0
    label = "(d) => kgView.graph.getNodeAttribute(String(d), 'label')"
    assert "+" in view.js(label, district)
    assert view.js("(d) => kgView.graph.getNodeAttribute(String(d), 'type')", district) == "folded"
    view.zoom_to(district, 0.15)
    x, y = view.point(district)
    radius = view.js("(d) => kgView.renderer.scaleSize(kgView.renderer.getNodeDisplayData(String(d)).size)",
                     district)
    assert radius >= 6
    red, green, blue, _ = view.pixel(x + 0.85 * radius, y)
    assert red > 180 and 120 < green < 190 and blue < 70, "a gold ring"
    assert view.pixel(x, y)[:3] == [0x4E, 0x79, 0xA7], "inside it the district's colour"
    view.page.mouse.click(x, y)
    assert view.hidden() == before - members
    assert "+" not in view.js(label, district)
    # its entities are drawn now: each is a node sigma draws, and the folded ring is gone
    assert view.js("(d) => kgView.data.nodes.map((n, i) => [n, i]).filter(([n]) => n.h === d)"
                   ".every(([n, i]) => !kgView.graph.getNodeAttribute(String(i), 'hidden'))", district)
    assert view.js("(d) => kgView.graph.getNodeAttribute(String(d), 'type')", district) == "point"
    assert view.pixel(x + 0.85 * radius, y)[:3] == [0x4E, 0x79, 0xA7], "the ring is gone"
    assert view.errors == []
    view.page.close()
