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
