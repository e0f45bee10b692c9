from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_GOLD = SEEDS / "gold"
DEV = ROOT / "tests" / "data" / "dev"
TRAIN = ROOT / "tests" / "data" / "train"
GOLD_DIRS = (SEED_GOLD, DEV / "gold", TRAIN / "gold")  # the 43 annotated articles


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def seed_results(seed_paths):
    from kg.corpus import extract

    return {r.document.name: r for r in extract(seed_paths)}


@pytest.fixture(scope="session")
def seed_graph(seed_paths):
    from kg.corpus import build

    return build(seed_paths)


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_paths):
    """`kg build seeds/ --out DIR` run once for the session: (exit code, DIR)."""
    from kg.cli import main

    out = tmp_path_factory.mktemp("build")
    code = main(["build", str(SEEDS), "--out", str(out)])
    return code, out


def gold(name: str) -> dict:
    for folder in (SEED_GOLD, DEV / "gold"):
        path = folder / f"{Path(name).stem}.gold.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


#: Debian's chromium, which the browser tests drive through playwright
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    """A headless Chromium for the module's browser tests (skipped with a reason where it
    cannot run)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); "
                    "run scripts/install-browser.sh as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
