"""The village index kept as SQLite at first use: the same answers as the village file, and
a changed file is read, validated and copied again."""

from __future__ import annotations

import gzip
import shutil

import pytest

from kg.errors import DataError
from kg.gazetteer import DATA_DIR, VILLAGES, _open_villages, _StoredVillages, _Villages

NAMES = ("张家村", "新华社区", "东风村", "不存在的村")
TOWNS = ("110109106", "330106004")


@pytest.fixture(scope="module")
def towns():
    from kg.gazetteer import Gazetteer

    return Gazetteer.load()._by_code


def test_the_stored_index_answers_as_the_file(tmp_path, monkeypatch, towns):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    first = _Villages(DATA_DIR / VILLAGES, towns)
    assert not list(tmp_path.iterdir())
    again = _open_villages(DATA_DIR / VILLAGES, towns)  # copies the file, then reads the copy
    assert isinstance(again, _StoredVillages)
    assert [p.name for p in tmp_path.iterdir()] == [again.path.name]
    assert isinstance(_open_villages(DATA_DIR / VILLAGES, towns), _StoredVillages)
    for name in NAMES:
        assert again.named(name) == first.named(name)
    for town in TOWNS:
        assert again.of_town(town) == first.of_town(town)
    some = first.named("张家村")[0]
    assert again.by_code(some.code) == some
    assert again.by_code("110109106-没有") is None


def test_a_changed_village_file_is_validated_again(tmp_path, monkeypatch, towns):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    _open_villages(DATA_DIR / VILLAGES, towns)
    broken = tmp_path / VILLAGES
    with gzip.open(DATA_DIR / VILLAGES, "rt", encoding="utf-8") as src:
        lines = src.read().splitlines()
    with gzip.open(broken, "wt", encoding="utf-8") as out:
        out.write("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # unsorted
    with pytest.raises(DataError, match="sorted"):
        _open_villages(broken, towns)
    shutil.rmtree(tmp_path / "cache")


def test_with_no_cache_folder_the_file_is_read(tmp_path, monkeypatch, towns):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocked))
    villages = _open_villages(DATA_DIR / VILLAGES, towns)
    assert isinstance(villages, _Villages)
    assert villages.named("张家村")
