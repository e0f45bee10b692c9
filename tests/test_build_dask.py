"""`kg build --engine dask` on a real dask.distributed LocalCluster of two worker processes
(on loopback): the outputs are byte-identical to the local engine's."""

from __future__ import annotations

import shutil

import pytest

from kg.corpus import build_outputs
from tests.conftest import DEV

distributed = pytest.importorskip("distributed")

FILES = ("dev-002.txt", "dev-005.txt", "dev-008.txt")


def test_dask_cluster_build_equals_the_local_build(tmp_path, monkeypatch):
    """Two documents a task here (16 in a real build), so the three contents take two
    tasks, which may run on either worker."""
    monkeypatch.setattr("kg.engine.DASK_BATCH", 2)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in FILES:
        shutil.copy(DEV / "texts" / name, inputs / name)
    shutil.copy(inputs / FILES[0], inputs / "repost.txt")
    local = build_outputs([inputs], tmp_path / "local", jobs=0, validate="never")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as cluster:
        assert len(cluster.workers) == 2
        report = build_outputs([inputs], tmp_path / "dask", engine="dask",
                               scheduler=cluster.scheduler_address, validate="never")
    assert (report.documents, report.extracted) == (local.documents, local.extracted) == (4, 3)
    for name in ("graph.ttl", "graph.html", "entities.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
