"""Relations and dates on small hand-written articles: one rule each (kg.location,
kg.roles, kg.relations, kg.dates), the keys module, and the named queries' parameters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kg
from kg import keys
from kg.errors import QueryError
from kg.model import DocumentResult, EntityType
from kg.normalize import normalize_text
from kg.pipeline import process
from kg.records import result_record

ROOT = Path(__file__).resolve().parent.parent


def run(text: str) -> DocumentResult:
    return process(normalize_text(text, "t.txt"))


def facts(result: DocumentResult, predicate: str) -> set[tuple[str, str, str]]:
    label = {e.key: e.label for e in result.entities}
    return {(label.get(r.subject, r.subject), label.get(r.object, r.object), r.rule)
            for r in result.relations if r.predicate == predicate}


# --- where facilities are --------------------------------------------------------------


def test_located_by_the_place_in_its_name():
    result = run("义蓬街道文体中心今年开放。钱塘区有多个街道。")
    assert facts(result, "locatedIn") == {("义蓬街道文体中心", "义蓬街道", "name:leading-district")}
    facility = next(e for e in result.entities if e.type is EntityType.FACILITY)
    assert facility.located_by == "name:leading-district"  # a field, not parsed from `why`


def test_located_by_weiyu_clause_over_the_article_area():
    result = run("杭州市钱塘区推进医疗建设。\n新湾社区卫生服务中心位于河庄街道，今年投入使用。")
    assert facts(result, "locatedIn") == {
        ("新湾社区卫生服务中心", "河庄街道", "clause:facility-located-district")}
    record = result_record(result)
    located = {e["label"]: e.get("located") for e in record["entities"] if e["type"] == "Facility"}
    assert located == {"新湾社区卫生服务中心": "河庄街道"}


def test_a_place_leading_another_list_item_is_not_the_facility_place():
    # 辛庄镇 heads the item before the semicolon: the facility falls back to the article area
    result = run("天津市津南区推进教育项目。\n津南区辛庄镇建明道幼儿园主体封顶；"
                 "南开学校敬慧路校区主体完工，预计9月份投入使用。")
    assert ("南开学校敬慧路校区", "津南区", "context:article-area") in facts(result, "locatedIn")


# --- who runs what ---------------------------------------------------------------------


def test_runby_from_qiantou_clause():
    result = run("杭州市钱塘区民政局牵头实施“幸福养老”工程，惠及全区老人。")
    assert ("幸福养老工程", "杭州市钱塘区民政局", "clause:agency-牵头-program") in facts(result, "runBy")
    record = result_record(result)
    program = next(e for e in record["entities"] if e["type"] == "Program")
    assert program["runBy"] == ["杭州市钱塘区民政局"]


def test_runby_from_passive_you_clause():
    result = run("“银龄守护”行动由钱塘区民政局牵头实施。")
    assert facts(result, "runBy") == {("银龄守护行动", "钱塘区民政局", "clause:by-agency")}


def test_runby_from_the_responsible_column_of_a_table_row_per_line():
    result = run("钱塘区2025年民生实事项目表\n序号 | 项目名称 | 责任单位 |\n"
                 "| 1 | “智慧养老”工程 | 区民政局 |\n| 2 | “健康步道”工程 | 区体育局 |")
    assert facts(result, "runBy") == {
        ("智慧养老工程", "钱塘区民政局", "table:responsible-column"),
        ("健康步道工程", "钱塘区体育局", "table:responsible-column")}


def test_runby_from_a_table_of_one_cell_per_line():
    result = run("序号\n项目\n牵头单位\n1\n实施“暖心助餐”工程\n区民政局\n"
                 "2\n推进“全民健身”行动\n区体育局")
    assert facts(result, "runBy") == {
        ("暖心助餐工程", "区民政局", "table:responsible-column"),
        ("全民健身行动", "区体育局", "table:responsible-column")}


def test_the_source_of_the_news_is_not_who_runs_it():
    result = run("记者从钱塘区民政局获悉，全区正在推进“银龄守护”行动。")
    assert facts(result, "runBy") == set()


def test_suborganization_from_the_name():
    result = run("钱塘区人民政府办公室和钱塘区人民政府联合开展“银龄守护”行动。")
    assert facts(result, "subOrganizationOf") == {
        ("钱塘区人民政府办公室", "钱塘区人民政府", "name:part-of-agency")}


# --- dates -----------------------------------------------------------------------------


def test_date_from_a_fabu_shijian_line():
    result = run("发布时间：2024-03-05 10:20  来源：钱塘发布\n钱塘区民政局开展“银龄守护”行动。")
    assert result.date == "2024-03-05"
    assert result_record(result)["date"] == "2024-03-05"


def test_dateline_gives_the_day_with_the_page_year():
    result = run("半岛都市报2月9日讯 青岛市体育局推进“全民健身”行动。\n发表于 2012-2-10 18:55:21")
    assert result.date == "2012-02-09"


def test_a_dateline_far_from_the_page_date_leaves_the_article_undated():
    result = run("时间:2018-03-28 09:18:11\n东北网9月11日讯 绥化市推进美丽乡村建设。")
    assert result.date == ""


def test_copyright_years_event_dates_and_registration_dates_are_not_dates():
    assert run("钱塘区民政局开展“银龄守护”行动。\nCopyright © 2003-2024 钱塘发布 版权所有").date == ""
    assert run("2021年8月21日，钱塘区民政局开展“银龄守护”行动。").date == ""
    assert run("注册日期:2009-01-26\n钱塘区民政局开展“银龄守护”行动。").date == ""


def test_related_headline_dates_are_not_the_page_date():
    result = run("钱塘区民政局开展“银龄守护”行动。\n相关新闻\n[2023-05-01] 钱塘区举办运动会\n"
                 "[2023-04-02] 钱塘区新建公园\n[2023-03-09] 钱塘区开放图书馆")
    assert result.date == ""


def test_program_year_from_its_name():
    result = run("钱塘区民政局印发《2025年钱塘区养老服务提升方案》。")
    years = {e.label: e.year for e in result.entities if e.type is EntityType.PROGRAM}
    assert "2025" in years.values(), years


# --- keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "kind", "scope", "name"), [
    (keys.district("330114"), "district", "330114", ""),
    (keys.district("330424-百步经济开发区"), "district", "330424-百步经济开发区", ""),
    (keys.village("330114003", "蜀南村"), "district", "330114003", "蜀南村"),
    (keys.agency("社会发展局(筹)", "330114"), "agency", "330114", "社会发展局(筹)"),
    (keys.agency("国家体育总局"), "agency", "", "国家体育总局"),
    (keys.facility("330114004", "义蓬街道文体中心"), "facility", "330114004", "义蓬街道文体中心"),
    (keys.program(keys.NO_PLACE, "八大行动"), "program", "", "八大行动"),
])
def test_keys_round_trip(key, kind, scope, name):
    parsed = keys.parse(key)
    assert (parsed.kind, parsed.scope, parsed.name) == (kind, scope, name)
    assert keys.parse("https://w3id.org/minsheng-kg/id/" + key) == parsed


def test_keys_are_the_published_iris():
    assert keys.district("330114") == "district/330114"
    assert keys.agency("社会 发展/局", "330114") == "agency/330114/社会_发展_局"
    assert keys.retyped("agency/330114/x", EntityType.PROGRAM) == "program/330114/x"
    assert keys.document("15af565bc8285b03" + "0" * 48) == "doc/15af565bc8285b03"
    assert keys.district_code("district/330114003/蜀南村") == ""
    assert keys.district_code("district/330114") == "330114"


# --- queries with parameters -----------------------------------------------------------


def test_named_queries_answer_on_any_graph_and_take_a_district(seed_graph):
    every = kg.select(seed_graph, "facilities-in-district")
    inside = kg.select(seed_graph, "facilities-in-district", params={"district": "钱塘区"})
    assert inside and len(every) > len(inside)
    assert {r["name"] for r in inside} <= {r["name"] for r in every}
    assert "沿江体育公园" in {r["name"] for r in every} - {r["name"] for r in inside}


def test_a_parameter_is_a_literal_never_query_text(seed_graph):
    assert kg.select(seed_graph, "facilities-in-district",
                     params={"district": '钱塘区"@zh } ?s ?p ?o . { "'}) == []
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        kg.select(seed_graph, "facilities-in-district", params={"nope": "x"})
    with pytest.raises(QueryError, match="not a year"):
        kg.select(seed_graph, "timeline", params={"year": "20x5"})


@pytest.fixture(scope="module")
def dev_graph(tmp_path_factory):
    out = tmp_path_factory.mktemp("dev")
    subprocess.run([sys.executable, "-m", "kg", "build", str(ROOT / "tests" / "data" / "dev" / "texts"),
                    "--out", str(out), "--validate", "never", "--jobs", "0"], check=True,
                   capture_output=True)
    return kg.load(out / "graph.ttl")


def test_queries_on_the_dev_graph(dev_graph):
    programs = kg.select(dev_graph, "agency-programs")
    assert programs and all(r["rule"] for r in programs)
    qingdao = kg.select(dev_graph, "facilities-in-district", params={"district": "青岛市"})
    assert qingdao and all(r["districtName"] for r in qingdao)
    timeline = kg.select(dev_graph, "timeline")
    dates = [r["date"] for r in timeline]
    assert dates == sorted(dates) and {"Facility", "Program"} <= {r["kind"] for r in timeline}
    only = kg.select(dev_graph, "timeline", params={"year": "2012"})
    assert only and all(r["date"].startswith("2012") for r in only)


def test_kg_query_param_on_the_command_line(tmp_path, seed_graph):
    graph = tmp_path / "graph.ttl"
    seed_graph.serialize(graph, format="turtle")
    done = subprocess.run([sys.executable, "-m", "kg", "query", str(graph), "facilities-in-district",
                           "--param", "district=义蓬街道", "--format", "json"],
                          capture_output=True, text=True, check=True)
    assert [r["name"] for r in json.loads(done.stdout)] == ["义蓬街道文体中心"]
    helped = subprocess.run([sys.executable, "-m", "kg", "query", "--help"],
                            capture_output=True, text=True, check=True).stdout
    assert "timeline" in helped and "--param district=" in helped
    bad = subprocess.run([sys.executable, "-m", "kg", "query", str(graph), "timeline",
                          "--param", "district"], capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.startswith("kg: ") and "Traceback" not in bad.stderr
