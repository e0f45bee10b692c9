"""Careful-user and hostile inputs: FIFOs, devices, oversized files, colliding and strange
file names, bidi controls, outputs that cannot be written, out-of-range options. Each is
one line on stderr and a non-zero exit, never a traceback or a hang; the rest is built."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main
from kg.errors import TooLargeInputError, UnreadableInputError
from kg.model import Source
from kg.normalize import normalize_text
from kg.sources import Reading, iter_sources, read_source
from tests.conftest import ROOT, SEEDS

SEED = SEEDS / "000_15af565bc8285b03.txt"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def run_kg(*args: str, limit_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # files larger than this fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, preexec_fn=limit if limit_bytes else None)


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# ------------------------------------------------------------------ inputs that are not files
def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    items = list(iter_sources([fifo, "/dev/zero", SEED]))  # would block or read forever
    assert isinstance(items[0], UnreadableInputError) and "FIFO" in str(items[0])
    assert isinstance(items[1], UnreadableInputError) and "device" in str(items[1])
    assert isinstance(items[2], Source) and items[2].data == SEED.read_bytes()


def test_cli_names_the_fifo_on_one_line_and_extracts_the_rest(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    proc = run_kg("extract", "--jobs", "0", str(fifo), str(SEED))
    assert proc.returncode == 2
    assert "FIFO" in one_line_error(proc.stderr)
    assert proc.stdout.count("\n") == 1 and '"doc": "000_15af565bc8285b03.txt"' in proc.stdout


# ------------------------------------------------------------------ size limit
def test_input_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    size = SEED.stat().st_size
    assert read_source(SEED, max_bytes=size).data == SEED.read_bytes()
    with pytest.raises(TooLargeInputError, match="more than the limit"):
        read_source(SEED, max_bytes=size - 1)


def test_file_reporting_no_size_is_read_only_up_to_the_limit() -> None:
    # /proc files say 0 bytes and have more: the bounded read stops at the limit + 1
    with pytest.raises(TooLargeInputError):
        read_source(Path("/proc/self/maps"), max_bytes=10)


def test_max_bytes_option(capsys: pytest.CaptureFixture[str]) -> None:
    by_size = sorted(SEEDS.glob("*.txt"), key=lambda p: p.stat().st_size)
    small, large = by_size[0], by_size[-1]
    limit = large.stat().st_size - 1
    assert small.stat().st_size <= limit
    assert main(["extract", "--jobs", "0", "--max-bytes", str(limit), str(large), str(small)]) == 2
    captured = capsys.readouterr()
    assert "--max-bytes" in one_line_error(captured.err)
    assert captured.out.count("\n") == 1 and small.name in captured.out
    assert main(["extract", "--jobs", "0", "--max-bytes", "1M", str(SEED)]) == 0


# ------------------------------------------------------------------ names
def test_same_file_name_in_two_folders_gives_two_names(tmp_path: Path, capsys) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_bytes(b"")  # empty: each gets a message
        (tmp_path / folder / "ok.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "a" / "sub").mkdir()
    (tmp_path / "a" / "sub" / "only.txt").write_bytes(SEED.read_bytes())
    assert main(["extract", "--jobs", "0", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    captured = capsys.readouterr()
    messages = captured.err.strip().splitlines()
    assert len(messages) == 2 and messages[0] != messages[1]
    assert f"{tmp_path / 'a' / 'x.txt'}:" in messages[0] and f"{tmp_path / 'b' / 'x.txt'}:" in messages[1]
    docs = [line.split('"doc": ')[1].split(",")[0] for line in captured.out.splitlines()]
    assert docs == [f'"{tmp_path / "a" / "ok.txt"}"', '"sub/only.txt"', f'"{tmp_path / "b" / "ok.txt"}"']


def test_seed_names_stay_file_names() -> None:
    names = [s.name for s in iter_sources([SEEDS]) if isinstance(s, Source)]
    assert names == sorted(p.name for p in SEEDS.glob("*.txt"))


def test_newline_in_a_file_name_stays_on_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad\nname\u202e.txt"
    bad.write_bytes(b"   ")
    assert main(["extract", "--jobs", "0", str(bad), str(SEED)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "bad\\nname\\u202e.txt" in line


# ------------------------------------------------------------------ bidi controls
def test_bidi_controls_are_removed_and_offsets_stay_valid() -> None:
    raw = f"杭州市{BIDI[4]}钱塘{BIDI}区民政局\n{BIDI[6]}“智养钱塘”{BIDI[8]}项目"
    doc = normalize_text(raw)
    assert not any(ch in doc.text for ch in BIDI)
    assert "钱塘区民政局" in doc.text
    assert len(doc.offsets) == len(doc.text) + 1
    for i, ch in enumerate(doc.text):
        assert raw[doc.offsets[i]] == ch


def test_no_bidi_control_reaches_the_graph(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("钱塘区", "钱\u202e塘\u2066区\u2069", 3)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bidi.txt").write_text(text, encoding="utf-8")
    assert main(["build", "--jobs", "0", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 0
    for name in ("graph.ttl", "entities.jsonl", "graph.html"):
        written = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert not any(ch in written for ch in BIDI), name
    assert "钱塘区" in (tmp_path / "out" / "entities.jsonl").read_text(encoding="utf-8")


# ------------------------------------------------------------------ outputs
def test_out_inside_the_input_folder_is_not_read_back(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_bytes(SEED.read_bytes())
    for _ in range(2):
        assert main(["build", "--jobs", "0", str(folder), "--out", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "documents: 1\n" in captured.out


def test_graph_html_does_not_depend_on_input_order(tmp_path: Path) -> None:
    for folder, name in (("a", "x.txt"), ("b", "y.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes(SEED.read_bytes())  # the same content twice
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["build", "--jobs", "0", a, b, "--out", str(tmp_path / "o1")]) == 0
    assert main(["build", "--jobs", "0", b, a, "--out", str(tmp_path / "o2")]) == 0
    for name in ("graph.ttl", "graph.html"):
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes(), name


@pytest.mark.parametrize("out", ["file", "/proc/kg-test", "/proc/kg-test/deeper"])
def test_unusable_out_folder_is_one_line(tmp_path: Path, capsys, out: str) -> None:
    if out == "file":
        out = str(tmp_path / "a-file")
        Path(out).write_text("not a folder")
    assert main(["build", "--jobs", "0", str(SEED), "--out", out]) == 1
    assert out in one_line_error(capsys.readouterr().err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_folder_is_one_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    assert main(["build", "--jobs", "0", str(SEED), "--out", str(folder)]) == 1
    assert "cannot be written" in one_line_error(capsys.readouterr().err)


def test_full_disk_during_a_build_is_one_line(tmp_path: Path) -> None:
    # the build's cache (its index, its store), then the outputs, do not fit: one line naming
    # the file or folder that could not be written and why
    proc = run_kg("build", "--jobs", "0", str(SEED), "--out", str(tmp_path), limit_bytes=30_000)
    assert proc.returncode == 1
    message = one_line_error(proc.stderr)
    assert message.startswith(f"kg: {tmp_path}") and "cannot be written (" in message
    assert not (tmp_path / "graph.ttl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_export_to_a_folder_or_a_full_device_is_one_line(built, tmp_path: Path, capsys) -> None:
    _, out = built
    assert main(["export", str(out / "graph.ttl"), "-o", str(tmp_path)]) == 1
    assert "is a folder" in one_line_error(capsys.readouterr().err)
    assert main(["export", str(out / "graph.ttl"), "-o", "/dev/full"]) == 1
    assert "No space left on device" in one_line_error(capsys.readouterr().err)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # written in place, never replaced


# ------------------------------------------------------------------ options
@pytest.mark.parametrize("value", ["100000", "-1", "x"])
def test_jobs_out_of_range_is_refused(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["extract", "--jobs", value, str(SEED)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --jobs" in err and "Traceback" not in err


def test_reading_skips_exact_paths(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "graph.html").write_text("<p>钱塘区</p>", encoding="utf-8")
    names = [s.name for s in iter_sources([tmp_path], Reading(skip=(str(tmp_path / "graph.html"),)))]
    assert names == ["a.txt"]
