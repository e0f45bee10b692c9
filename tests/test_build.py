"""`kg build` as a library function and as a command: byte-identical to the in-memory graph,
a mistyped input never destroys a build, the outputs are replaced as one set (checked by
killing real builds with SIGKILL), and the cache makes rebuilds incremental and exact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.corpus import build, build_outputs
from kg.errors import NoInputError
from kg.graph.formats import serialize
from kg.outputs import CURRENT, NAMES, SET_PREFIX
from tests.conftest import DEV, ROOT, SEEDS, TRAIN

OUTPUTS = ("graph.ttl", "graph.html", "entities.jsonl")


def run_kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, **(env or {})})


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def corpus(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(DEV / "texts" / name, folder / name)
    return folder


DEV_NAMES = sorted(p.name for p in (DEV / "texts").glob("*.txt"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes]]:
    """Three dev articles and their build (no SHACL: the kill tests only look at files)."""
    root = tmp_path_factory.mktemp("small")
    inputs = corpus(root / "in", DEV_NAMES[:3])
    out = root / "out"
    build_outputs([inputs], out, validate="never")
    return inputs, out, snapshot(out)


def test_graph_ttl_equals_the_in_memory_graph_of_the_python_api(built, seed_paths):
    code, out = built
    assert code == 0
    assert (out / "graph.ttl").read_bytes() == serialize(build(seed_paths))


def test_every_output_is_in_the_current_set(built):
    _, out = built
    target = out / os.readlink(out / CURRENT)
    assert target.name.startswith(SET_PREFIX)
    for name in NAMES:
        assert (out / name).resolve() == (target / name).resolve()
    assert [p.name for p in out.iterdir() if p.name.startswith(SET_PREFIX)] == [target.name]


def test_a_mistyped_input_leaves_the_build_byte_identical(small, tmp_path):
    _, out, before = small
    proc = run_kg("build", str(SEEDS / "typo"), "--out", str(out))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("kg: ") for line in lines), proc.stderr
    assert "nothing written" in lines[-1]
    assert snapshot(out) == before


def test_no_readable_input_raises_and_writes_nothing(tmp_path):
    with pytest.raises(NoInputError):
        build_outputs([tmp_path / "missing"], tmp_path / "out")
    assert not any(p.name in NAMES for p in (tmp_path / "out").iterdir())


@pytest.mark.parametrize("point", ["loaded", "half-written", "written", "switched"])
def test_a_killed_build_leaves_the_old_set_or_the_new_one(small, tmp_path, point):
    inputs, out, before = small
    work = tmp_path / "out"
    shutil.copytree(out, work, symlinks=True)
    changed = corpus(tmp_path / "in", DEV_NAMES[:2] + DEV_NAMES[3:4])  # one removed, one added
    proc = run_kg("build", str(changed), "--out", str(work), "--validate", "never", "-j", "0",
                  env={"KG_TEST_KILL_AT": point})
    assert proc.returncode == -9, proc.stderr  # killed by SIGKILL at that point
    after_kill = snapshot(work)
    fresh = tmp_path / "fresh"
    build_outputs([changed], fresh, validate="never")
    expected = snapshot(fresh)
    assert after_kill in (before, expected)
    assert after_kill == (expected if point == "switched" else before)
    # the next build finishes the job and removes what the killed one left
    proc = run_kg("build", str(changed), "--out", str(work), "--validate", "never", "-j", "0")
    assert proc.returncode == 0, proc.stderr
    assert snapshot(work) == expected
    sets = [p for p in work.iterdir() if p.name.startswith(SET_PREFIX)]
    assert len(sets) == 1 and not any(p.name.endswith(".tmp") for p in work.iterdir())


def test_a_folder_written_by_an_older_kg_is_taken_over(small, tmp_path):
    inputs, _, before = small
    out = tmp_path / "old"
    out.mkdir()
    for name, data in before.items():
        (out / name).write_bytes(b"old " + data)
    build_outputs([inputs], out, validate="never")
    assert snapshot(out) == before
    assert all((out / name).is_symlink() for name in OUTPUTS)


def test_rebuild_extracts_only_changes_and_equals_a_fresh_build(small, tmp_path):
    inputs, out, _ = small
    work = tmp_path / "out"
    shutil.copytree(out, work, symlinks=True)
    changed = corpus(tmp_path / "in", DEV_NAMES[:3])
    (changed / DEV_NAMES[0]).unlink()  # removed
    shutil.copy(DEV / "texts" / DEV_NAMES[4], changed / DEV_NAMES[4])  # added
    text = (changed / DEV_NAMES[1]).read_text(encoding="utf-8")
    (changed / DEV_NAMES[1]).write_text(text + "\n杭州市民政局发布通知。\n", encoding="utf-8")
    report = build_outputs([changed], work, validate="never")
    assert (report.extracted, report.reused, report.dropped) == (2, 1, 2)
    fresh = tmp_path / "fresh"
    build_outputs([changed], fresh, validate="never")
    assert snapshot(work) == snapshot(fresh)


def test_reposts_are_extracted_once_and_keep_every_file_name(tmp_path):
    inputs = corpus(tmp_path / "in", DEV_NAMES[:1])
    for n in range(3):
        shutil.copy(inputs / DEV_NAMES[0], inputs / f"repost-{n}.txt")
    report = build_outputs([inputs], tmp_path / "out", validate="never")
    assert (report.documents, report.extracted) == (4, 1)
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    for n in range(3):
        assert f'"repost-{n}.txt"' in ttl
    graph = build([inputs])
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == serialize(graph)


def test_an_unchanged_rebuild_keeps_the_current_set(small, tmp_path):
    inputs, out, before = small
    work = tmp_path / "out"
    shutil.copytree(out, work, symlinks=True)
    current = os.readlink(work / CURRENT)
    report = build_outputs([inputs], work, validate="never")
    assert (report.extracted, report.documents) == (0, 3) and report.triples > 1000
    assert os.readlink(work / CURRENT) == current and snapshot(work) == before
    (work / "graph.html").unlink()  # an output gone: the set is written again
    build_outputs([inputs], work, validate="never")
    assert os.readlink(work / CURRENT) != current and snapshot(work) == before


def _triples(store_folder: Path) -> set[str]:
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(store_folder))
    return {str(quad) for quad in store}


def test_a_small_change_patches_the_previous_set_into_what_a_fresh_build_writes(tmp_path):
    """16 articles; then one edited, one removed, one added, one renamed and a repost of
    another: the rebuild patches the previous set (kg.patch) and every output, the store's
    triples included, equals a fresh build of the new inputs."""
    names = sorted(p.name for p in (TRAIN / "texts").glob("*.txt"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in names[:16]:
        shutil.copy(TRAIN / "texts" / name, inputs / name)
    out = tmp_path / "out"
    first = build_outputs([inputs], out, validate="never")
    assert not first.patched
    text = (inputs / names[0]).read_text(encoding="utf-8")
    (inputs / names[0]).write_text(text + "\n杭州市民政局发布通知。\n", encoding="utf-8")
    (inputs / names[1]).unlink()
    shutil.copy(TRAIN / "texts" / names[16], inputs / names[16])
    (inputs / names[2]).rename(inputs / ("renamed-" + names[2]))
    shutil.copy(inputs / names[3], inputs / ("repost-" + names[3]))
    report = build_outputs([inputs], out, validate="never")
    assert report.patched and report.extracted == 2
    fresh = build_outputs([inputs], tmp_path / "fresh", validate="never")
    assert not fresh.patched
    assert snapshot(out) == snapshot(tmp_path / "fresh")
    assert report.triples == fresh.triples
    assert report.entities == fresh.entities and report.ancestors == fresh.ancestors
    assert _triples(out / "store") == _triples(tmp_path / "fresh" / "store")
    ttl = (out / "graph.ttl").read_text(encoding="utf-8")
    assert f'"renamed-{names[2]}"' in ttl and f'"{names[2]}"' not in ttl


def test_the_process_pool_and_this_process_build_the_same_bytes(tmp_path):
    """More inputs than :data:`kg.engine.IN_PROCESS` go to worker processes; fewer are
    extracted in this process. Both give the same outputs."""
    from kg.engine import IN_PROCESS

    inputs = tmp_path / "in"
    inputs.mkdir()
    articles = sorted((DEV / "texts").glob("*.txt")) + sorted((TRAIN / "texts").glob("*.txt"))
    for path in articles[:IN_PROCESS + 4]:
        shutil.copy(path, inputs / path.name)
    pooled = build_outputs([inputs], tmp_path / "pool", jobs=2, validate="never")
    here = build_outputs([inputs], tmp_path / "here", jobs=0, validate="never")
    assert pooled.extracted == here.extracted == IN_PROCESS + 4
    assert snapshot(tmp_path / "pool") == snapshot(tmp_path / "here")


def test_a_patch_copies_the_untouched_chunks_and_replaces_the_changed_blocks(tmp_path):
    """kg.patch's merge of a previous graph.ttl (read a few hundred bytes at a time, so most
    chunks have no change in them and are copied whole) with replaced, removed and new
    blocks is the Turtle of the changed lines written in full."""
    import io

    from kg.patch import _blocks, _merge
    from kg.stream import TurtleNamer, turtle_blocks, write_turtle

    namer = TurtleNamer()
    subjects = [f"<https://w3id.org/minsheng-kg/id/doc/{n:04d}>" for n in range(0, 400, 2)]
    lines = sorted(f"{s}\t1kg:start\t{k}" for s in subjects for k in range(3))
    before = io.StringIO()
    write_turtle(lines, namer, before)
    # subject 0010 changes, 0020 goes, 0021 and 0999 come
    changed = {subjects[5]: [f"{subjects[5]}\t1kg:end\t7"], subjects[10]: []}
    added = [f"<https://w3id.org/minsheng-kg/id/doc/{n:04d}>\t1kg:end\t1" for n in (21, 999)]
    after_lines = sorted([line for line in lines if line.split("\t")[0] not in changed]
                         + [line for new in changed.values() for line in new] + added)
    expected = io.StringIO()
    write_turtle(after_lines, namer, expected)
    new = [(subject, block) for subject, block, _ in turtle_blocks(sorted(
        [line for lines_ in changed.values() for line in lines_] + added))]
    merged = io.StringIO()
    before.seek(0)
    _merge(_blocks(before, namer.header(), chunk=300), new, set(changed), merged, namer.header())
    assert merged.getvalue() == expected.getvalue()
    assert len(before.getvalue()) > 20 * 300  # many chunks, most of them untouched


def test_a_build_gives_back_what_it_froze_from_the_garbage_collector(small, tmp_path):
    """warm_up leaves the loaded tables out of the collector's passes during a build; a
    notebook or a server that builds again and again must not keep them frozen after."""
    import gc

    assert gc.get_freeze_count() == 0
    report = build_outputs([small[0]], tmp_path / "out", jobs=2, validate="never")
    assert report.extracted == 3 and gc.get_freeze_count() == 0
