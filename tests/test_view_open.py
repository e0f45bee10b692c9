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
    view.page.wait_for_timeout(300)
    scale = view.js("() => network.getScale()")
    assert view.js("() => window.kgLabels") >= 20, "labels are drawn at the first frame"
    assert view.js("() => window.kgLabels") >= 60, "the canvas is filled, so labels fit"
    # the layout fills the canvas: 226 entities open at about a quarter of full size (was
    # 0.07), still below vis-network's own labels, so kg draws those that fit
    assert 0.2 <= scale < 0.43
    # zoomed out, the nodes grew (3.5 times at most) so they stay visible (≥ 7 px)
    smallest = view.js("""() => Math.min(...kgView.data.nodes.map((n, i) =>
        network.body.nodes[i].options.size * network.getScale()))""")
    assert smallest >= 7
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
    hidden = "() => kgView.data.nodes.filter((n, i) => network.body.data.nodes.get(i).hidden).length"
    before = view.js(hidden)
    district = view.js("() => kgView.data.nodes.findIndex(n => n.k > 0)")
    members = view.js("(d) => kgView.data.nodes.filter(n => n.h === d).length", district)
    assert before > 0 and members > 0
    assert "+" in view.js("(d) => network.body.data.nodes.get(d).label", district)
    view.js("(i) => network.moveTo({position: network.getPositions([i])[i], scale: 1.5})", district)
    view.page.wait_for_timeout(250)
    view.page.mouse.click(*view.point(district))
    assert view.js(hidden) == before - members
    assert "+" not in view.js("(d) => network.body.data.nodes.get(d).label", district)
    assert view.errors == []
    view.page.close()
