"""geomap on Dask: ``geomap.dask.geoparse`` and ``geomap build --scheduler``, against a
``LocalCluster`` of two worker processes on loopback, giving the same events as a local run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from geomap.dask import events_frame, geoparse, mentions_frame  # noqa: E402
from geomap.ingest import read_document  # noqa: E402
from geomap.models import Document  # noqa: E402
from geomap.synthetic import documents, write_corpus  # noqa: E402

DOCS = documents(60, seed=3)
EVENT_KEYS = [
    "doc_id",
    "id",
    "event_type",
    "sub_event_type",
    "location",
    "latitude",
    "longitude",
    "event_date",
    "quote",
    "mention_start",
]


@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield cluster, client


@pytest.fixture(scope="module")
def local(pipeline) -> list:  # noqa: ANN001
    from geomap.ingest import document_from_fields

    return [pipeline(document_from_fields(d, d["id"])) for d in DOCS]


def _rows(frame: pd.DataFrame, keys: list[str]) -> list[tuple]:
    frame = frame[keys].astype(object).where(frame[keys].notna(), None)
    return sorted(tuple(r) for r in frame.itertuples(index=False, name=None))


def test_geoparse_a_bag_gives_the_local_events(cluster, local) -> None:  # noqa: ANN001
    _, client = cluster
    frame = geoparse(db.from_sequence(DOCS, npartitions=4))
    assert isinstance(frame, dd.DataFrame)
    result = client.compute(frame).result()
    expected = events_frame(local)
    assert len(result) == len(expected) > 100
    assert list(result.columns) == list(expected.columns)
    assert _rows(result, EVENT_KEYS) == _rows(expected, EVENT_KEYS)
    assert set(result["doc_id"]) == {d.document.id for d in local if d.events}


def test_geoparse_a_dataframe_gives_the_local_mentions(cluster, local) -> None:  # noqa: ANN001
    _, client = cluster
    table = pd.DataFrame(DOCS)
    table.loc[0, "title"] = None  # missing values are missing, not "nan"
    frame = geoparse(dd.from_pandas(table, npartitions=3), records="mentions")
    result = client.compute(frame).result()
    expected = mentions_frame(local)
    keys = ["doc_id", "start", "end", "text", "latitude", "longitude", "place_id", "score"]
    assert _rows(result, keys) == _rows(expected, keys)
    assert result["latitude"].notna().all()


def test_geoparse_errors_raise_or_skip(cluster) -> None:  # noqa: ANN001
    _, client = cluster
    bad = [*DOCS[:3], {"id": "empty", "text": "   "}, {"text": "no id"}]
    with pytest.raises(ValueError, match="document empty: .*empty document"):
        client.compute(geoparse(db.from_sequence(bad, npartitions=2))).result()
    result = client.compute(geoparse(db.from_sequence(bad, npartitions=2), errors="skip")).result()
    assert set(result["doc_id"]) <= {d["id"] for d in DOCS[:3]} and len(result) > 0
    with pytest.raises(TypeError):
        geoparse(DOCS)
    with pytest.raises(ValueError, match="records"):
        geoparse(db.from_sequence(DOCS), records="places")


def test_build_on_a_scheduler_writes_partitioned_geoparquet(
    cluster, tmp_path: Path, pipeline
) -> None:  # noqa: ANN001
    local_cluster, _ = cluster
    corpus = tmp_path / "corpus"
    paths = write_corpus(corpus, 230, seed=5)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    stale = out / "events.parquet" / "part.00009.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over from a bigger run")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "geomap",
            "build",
            str(corpus),
            "--out",
            str(out),
            "--json",
            "--scheduler",
            local_cluster.scheduler_address,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr[-3000:]  # the empty file
    report = json.loads(run.stdout)
    assert [f["input"] for f in report["failures"]] == [str(corpus / "empty.txt")]
    assert report["counts"]["documents"] == 230
    parts = sorted((out / "events.parquet").glob("part.*.parquet"))
    assert [p.name for p in parts] == [
        "part.00000.parquet",
        "part.00001.parquet",
        "part.00002.parquet",
    ]
    assert report["outputs"]["events"] == [str(p) for p in parts]
    events = gpd.read_parquet(out / "events.parquet")
    assert events.crs.to_epsg() == 4326 and (events.geometry.geom_type == "Point").all()
    expected = events_frame([pipeline(read_document(p)) for p in paths])
    assert _rows(pd.DataFrame(events), EVENT_KEYS) == _rows(expected, EVENT_KEYS)
    mentions = gpd.read_parquet(out / "mentions.parquet")
    assert len(mentions) >= len(events) and set(mentions["doc_id"]) == {p.stem for p in paths}


def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Shelling hit Kharkiv.", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "geomap",
            "build",
            str(tmp_path / "a.txt"),
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"},
    )
    assert (
        run.returncode == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in run.stderr
    )


def test_documents_are_accepted_as_records(pipeline) -> None:  # noqa: ANN001
    from geomap.dask import _document

    doc = Document(id="x", text="Shelling hit Kharkiv.")
    assert _document(doc) is doc
    assert (
        _document({"id": 5, "text": "Kharkiv", "date": pd.Timestamp("2024-05-01")}).date.isoformat()
        == "2024-05-01"
    )
