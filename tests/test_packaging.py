"""The wheel and the sdist, built from the tracked files only, install and work outside the
repository: what a user who runs ``pip install`` gets.

Offline and quick: ``python -m build --no-isolation`` uses the setuptools of the test venv;
the temporary venv has no pip and reaches the dependencies already installed here through a
``.pth`` line naming this venv's site-packages. A bare path line in a ``.pth`` file does not
process the ``.pth`` files of that folder, so the editable install of kg stays out: ``import
kg`` in the temporary venv finds only the installed wheel (the tests check it does).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import threading
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow

TIMEOUT = 180  # seconds, for any one command
#: left out of a copy of a source tree that is not a git checkout (an unpacked sdist)
UNTRACKED = shutil.ignore_patterns(".venv", "build", "dist", "*.egg-info", "__pycache__",
                                   "*.pyc", ".pytest_cache", ".ruff_cache", ".mypy_cache",
                                   ".hypothesis", "artifacts")
FACILITIES = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a <https://w3id.org/minsheng-kg/ontology#Facility> }"


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)


def _tracked_files() -> list[str] | None:
    """The files git tracks in ROOT (as they are in the working tree), or None outside git."""
    if shutil.which("git") is None:
        return None
    top = _run(["git", "rev-parse", "--show-toplevel"], ROOT)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
        return None
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True, timeout=TIMEOUT).stdout.decode()
    return sorted(name for name in listing.split("\0") if name and (ROOT / name).is_file())


def _export(dest: Path) -> list[str]:
    """A clean copy of the source tree (like `git archive`, but with uncommitted edits):
    the tracked files only, or the whole tree minus build outputs outside a git checkout."""
    tracked = _tracked_files()
    if tracked is None:
        shutil.copytree(ROOT, dest, ignore=UNTRACKED, dirs_exist_ok=True)
        return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    for name in tracked:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    return tracked


def _build(source: Path, outdir: Path, *what: str) -> None:
    done = _run([sys.executable, "-m", "build", "--no-isolation", *what, "--outdir", outdir,
                 source], cwd=source)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | list[str]]:
    """sdist, the wheel built from the sdist (what `python -m build` and `pip install
    kg.tar.gz` do) and the wheel built straight from the tree (what `pip wheel .` does)."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "src"
    source.mkdir()
    files = _export(source)
    _build(source, base / "dist")  # sdist, then a wheel from the sdist
    _build(source, base / "direct", "--wheel")
    (sdist,) = (base / "dist").glob("kg-*.tar.gz")
    (wheel,) = (base / "dist").glob("kg-*.whl")
    (direct,) = (base / "direct").glob("kg-*.whl")
    return {"source": source, "files": files, "sdist": sdist, "wheel": wheel, "direct": direct}


@pytest.fixture(scope="module")
def venv(dists, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from the sdist installed (no pip of its own)."""
    home = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True,
                   timeout=TIMEOUT)
    python = home / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                home)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site.stdout.strip(), "kg-test-dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
                 "--no-deps", "--no-index", dists["wheel"]], home)
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A folder outside the repository and an environment with nothing pointing into it."""
    folder = tmp_path_factory.mktemp("user")
    assert not folder.resolve().is_relative_to(ROOT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return folder, env


def test_the_sdist_is_the_repository(dists) -> None:
    with tarfile.open(dists["sdist"]) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    missing = sorted(set(dists["files"]) - names)
    assert not missing, f"tracked files missing from the sdist: {missing}"
    for needed in ("ontology/kg.ttl", "ontology/shapes.ttl", "seeds/gold", "tests/conftest.py",
                   "tests/data", "notebooks", "benchmarks", "scripts", "README.md", "LICENSE",
                   "MANIFEST.in", "PKG-INFO"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith((".venv/", "build/", "dist/"))
                or "__pycache__" in n]


def _record(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        lines = archive.read(record).decode().splitlines()
    return sorted(line for line in lines if not line.startswith(record))


def test_the_wheel_from_the_sdist_equals_the_wheel_from_the_tree(dists) -> None:
    assert _record(dists["wheel"]) == _record(dists["direct"])


def test_the_wheel_ships_the_data_the_code_reads(dists) -> None:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        names = set(archive.namelist())
    source: Path = dists["source"]
    shipped = {f"kg/ontology/{p.name}" for p in (source / "ontology").iterdir()}
    for folder in ("kg/sparql/queries", "kg/view/static", "kg/data"):
        shipped |= {str(p.relative_to(source)) for p in (source / folder).rglob("*")
                    if p.is_file()}
    assert shipped - names == set()
    assert "kg/py.typed" in names
    # the view's renderer, bundled (no CDN), with its licences and where it came from
    for bundled in ("sigma.min.js", "graphology.umd.min.js", "LICENSE-sigma.txt",
                    "LICENSE-graphology.txt", "VENDOR.md"):
        assert f"kg/view/static/{bundled}" in names, bundled
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "seeds/", "ontology/"))]


def test_the_installed_kg_works_outside_the_repository(dists, venv, user) -> None:
    folder, env = user
    kg, python = venv / "bin" / "kg", venv / "bin" / "python"

    where = _run([python, "-c", "import kg, kg.resources as r; print(kg.__file__); "
                  "print(r.packaged('ontology/shapes.ttl'))"], folder, env)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(venv) for line in where.stdout.split()), where.stdout

    version = tomllib.loads((dists["source"] / "pyproject.toml").read_text())["project"]["version"]
    done = _run([kg, "--version"], folder, env)
    assert (done.returncode, done.stdout.strip()) == (0, f"kg {version}")

    done = _run([kg, "build", SEEDS, "--out", "out"], folder, env)
    assert done.returncode == 0, done.stderr
    assert "SHACL: conforms" in done.stdout  # the shapes were found in the installation
    triples = int(re.search(r"^triples: (\d+)$", done.stdout, re.M).group(1))
    for name in ("graph.ttl", "graph.html", "entities.jsonl"):
        assert (folder / "out" / name).stat().st_size > 0

    done = _run([kg, "validate", "out/graph.ttl"], folder, env)
    assert done.returncode == 0 and "Conforms: True" in done.stdout, done.stdout + done.stderr

    done = _run([kg, "query", "out/graph.ttl", "facilities-in-district", "--format", "csv"],
                folder, env)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert {"facility", "district"} <= set(header.split(",")) and len(rows) >= 5

    done = _run([kg, "export", "out/graph.ttl", "--format", "json-ld", "-o", "x.jsonld"],
                folder, env)
    assert done.returncode == 0, done.stderr
    assert f"({triples} triples, json-ld)" in done.stdout
    assert "@context" in json.loads((folder / "x.jsonld").read_text(encoding="utf-8"))

    done = _run([kg, "query", "out/graph.ttl", FACILITIES, "--format", "csv"], folder, env)
    assert done.returncode == 0, done.stderr
    facilities = int(done.stdout.splitlines()[1])
    assert facilities > 0
    assert _served_count(kg, folder, env) == facilities


def _served_count(kg: Path, folder: Path, env: dict[str, str]) -> int:
    """Start `kg serve --port 0`, read the port it reports, ask it FACILITIES, stop it."""
    server = subprocess.Popen([str(kg), "serve", "out/graph.ttl", "--port", "0",
                               "--workers", "1"], cwd=folder, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        endpoint = _endpoint(server)
        url = endpoint + "?" + urllib.parse.urlencode({"query": FACILITIES})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        server.terminate()
        assert server.wait(timeout=30) == 0
        return int(body["results"]["bindings"][0]["n"]["value"])
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        server.stdout.close()
        server.stderr.close()


def _endpoint(server: subprocess.Popen[str]) -> str:
    """The endpoint URL `kg serve` prints once it listens (``  endpoint    http://…/sparql``),
    read by a thread so that a server that hangs fails the test after a minute."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True,
                     ).start()
    deadline = time.monotonic() + 60
    seen = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        seen.append(line)
        # the port that --port 0 picked, on loopback
        found = re.fullmatch(r"\s*endpoint\s+(http://127\.0\.0\.1:\d+/sparql)\s*", line)
        if found:
            return found.group(1)
    raise AssertionError(f"kg serve printed no endpoint within a minute: {''.join(seen)!r}")
