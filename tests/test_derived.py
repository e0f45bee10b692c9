"""The tables kg derives from its data files, kept pickled in the user's cache folder: the
same tables as reading the files, a changed file read and validated again, a damaged entry
or a cache folder that cannot be written only slower."""

from __future__ import annotations

import shutil

import pytest

from kg.derived import cached, digest
from kg.errors import DataError
from kg.gazetteer import DATA_DIR, DIVISIONS, HISTORY, VILLAGES, ZONES, Gazetteer, _load

FILES = (DIVISIONS, HISTORY, ZONES)


def copy_of_data(folder):
    folder.mkdir()
    for name in FILES:
        shutil.copy(DATA_DIR / name, folder / name)
    (folder / VILLAGES).symlink_to(DATA_DIR / VILLAGES)
    return folder


def loaded(folder):
    _load.cache_clear()
    try:
        return Gazetteer.load(folder)
    finally:
        _load.cache_clear()


def test_the_cached_gazetteer_is_the_one_read_from_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    data = copy_of_data(tmp_path / "data")
    read = Gazetteer(data)
    first = loaded(data)  # read, and pickled
    assert len(list((tmp_path / "cache").glob("gazetteer-*.pickle"))) == 1
    again = loaded(data)  # from the pickle
    assert again.__getstate__() == read.__getstate__() == first.__getstate__()
    assert again.by_name("钱塘区") == read.by_name("钱塘区")
    assert [d.code for d in again.villages_named("张家村")] == \
        [d.code for d in read.villages_named("张家村")]


def test_a_changed_file_is_read_and_validated_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    data = copy_of_data(tmp_path / "data")
    loaded(data)
    lines = (data / DIVISIONS).read_text(encoding="utf-8").splitlines()
    (data / DIVISIONS).write_text("\n".join([*lines, lines[5]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicate code"):
        loaded(data)


def test_a_damaged_entry_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    calls = []

    def make():
        calls.append(1)
        return {"民政局": "nt"}

    assert cached("table", "k1", make) == {"民政局": "nt"}
    entry = tmp_path / "table-k1.pickle"
    entry.write_bytes(entry.read_bytes()[:10])  # cut short, as by a full disk
    assert cached("table", "k1", make) == {"民政局": "nt"}
    assert cached("table", "k1", make) == {"民政局": "nt"}
    assert len(calls) == 2
    cached("table", "k2", make)  # a new key replaces the old entry
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table-k2.pickle"]


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocker / "cache"))
    assert cached("table", "k", lambda: (1, 2)) == (1, 2)


def test_the_key_follows_the_bytes_of_the_files(tmp_path):
    first = tmp_path / "a.tsv"
    first.write_text("x\n")
    key = digest([first])
    assert digest([first]) == key
    first.write_text("y\n")
    assert digest([first]) != key
    assert digest([first], "other folder") != digest([first])


def test_the_tag_table_answers_as_the_dictionary_it_was_made_from(tmp_path, monkeypatch):
    from kg import text

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    text._tags.cache_clear()
    try:
        stored = text._tags()  # made, then opened
        assert isinstance(stored, text._TagTable)
        read = text._read_tags()
        words = [*list(read)[::9973], "钱塘区", "民政局", "没有这个词语", ""]
        assert [stored.get(w) for w in words] == [read.get(w) for w in words]
        assert stored.get("钱塘区") == "ns"  # from the user dictionary
        text._tags.cache_clear()
        assert isinstance(text._tags(), text._TagTable)  # opened as it is
        assert len(list(tmp_path.glob("tags-*.sqlite"))) == 1
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        monkeypatch.setenv("KG_CACHE_DIR", str(blocker / "cache"))
        text._tags.cache_clear()
        assert text._tags() == read  # no cache folder: the table read in memory
    finally:
        text._tags.cache_clear()
