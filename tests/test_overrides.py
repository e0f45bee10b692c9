"""A user's override file changes extraction without touching code, and a bad file is one
clear error."""

from __future__ import annotations

import pytest

from kg.errors import DataError
from kg.model import EntityType
from kg.normalize import normalize_text
from kg.pipeline import process
from kg.resources import load_overrides
from tests.conftest import ROOT, SEEDS

SEED_000 = (SEEDS / "000_15af565bc8285b03.txt").read_text(encoding="utf-8")


def run(tmp_path, toml: str):
    path = tmp_path / "overrides.toml"
    path.write_text(toml, encoding="utf-8")
    return process(normalize_text(SEED_000, "000.txt"), load_overrides(path))


def by_label(result):
    return {e.label: e for e in result.entities}


def test_the_shipped_example_is_valid():
    overrides = load_overrides(ROOT / "kg/data/overrides.example.toml")
    assert overrides.names and overrides.aliases and overrides.types and overrides.no_merge


def test_drop_and_retype(tmp_path):
    plain = by_label(process(normalize_text(SEED_000, "000.txt")))
    assert plain["钱塘大剧院"].type is EntityType.FACILITY and "高教东公园" in plain
    changed = by_label(run(tmp_path, '[types]\n"高教东公园" = "none"\n"钱塘大剧院" = "Program"\n'))
    assert "高教东公园" not in changed
    entity = changed["钱塘大剧院"]
    assert entity.type is EntityType.PROGRAM and entity.key.startswith("program/")
    assert any("override file" in why for why in entity.why)


def test_extra_name_and_alias(tmp_path):
    result = run(tmp_path, '[names]\n"健身地图" = "Program"\n[aliases]\n"社发局" = "钱塘区社会发展局(筹)"\n')
    entities = by_label(result)
    assert entities["健身地图"].type is EntityType.PROGRAM
    assert all(m.rule == "override:name" for m in entities["健身地图"].mentions)
    for mention in entities["健身地图"].mentions:
        assert result.document.text[mention.start : mention.end] == "健身地图"


def test_no_merge_splits_an_entity(tmp_path):
    plain = by_label(process(normalize_text(SEED_000, "000.txt")))
    texts = {m.text for m in plain["钱塘区社会发展局(筹)"].mentions}
    assert "区社会发展局(筹)" in texts
    result = by_label(run(tmp_path, 'no_merge = [["钱塘区社会发展局(筹)", "区社会发展局(筹)"]]\n'))
    assert "区社会发展局(筹)" in result
    assert result["区社会发展局(筹)"].key != result["钱塘区社会发展局(筹)"].key


@pytest.mark.parametrize("toml, message", [
    ('[typos]\n"x" = "y"\n', "unknown section"),
    ('[types]\n"钱塘区" = "Place"\n', "expected one of"),
    ('no_merge = [["only-one"]]\n', "no_merge"),
    ("[types\n", "not valid TOML"),
])
def test_bad_override_file_is_one_clear_error(tmp_path, toml, message):
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_overrides(path)
