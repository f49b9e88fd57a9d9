"""geomap past one machine, on Dask (``pip install 'geomap[dask]'``).

* ``geoparse(bag_or_dataframe)``: map a ``dask.bag`` of document dicts (``id``, ``text``,
  and optionally ``title``, ``date``, ``date_precision``, ``url``, ``outlet``/``source``) or a
  dask DataFrame with those columns over the cluster; get back a dask DataFrame of events
  (``records="events"``, the GeoJSON event fields plus ``doc_id``) or of place mentions
  (``records="mentions"``, the ``geomap extract --jsonl`` mention fields plus ``doc_id``).
* ``build_on_cluster``: what ``geomap build --scheduler ADDRESS`` runs. The inputs are read
  here, mapped over the cluster in partitions of ``PARTITION_SIZE`` documents, and each
  partition's result comes back to be written as one GeoParquet part (geopandas
  ``to_parquet``, atomically) of ``<out>/events.parquet/`` and ``<out>/mentions.parquet/``,
  so the cluster's workers need no access to the output folder.

Each worker process keeps one ``Pipeline`` per (overlays, threshold) per thread; the
gazetteer index must be built on the workers' machines (``geomap gazetteer info`` does it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .ingest import IngestError, document_from_fields
from .models import Document, ParsedDocument

if TYPE_CHECKING:
    from .batch import BatchReport
    from .config import BuildConfig
    from .pipeline import Pipeline

#: Documents per partition in ``geomap build --scheduler`` (fixed, so the parts do not
#: depend on the size of the cluster).
PARTITION_SIZE = 100
MENTION_COLUMNS: dict[str, str] = {
    "doc_id": "string[python]",
    "start": "Int64",
    "end": "Int64",
    "text": "string[python]",
    "name": "string[python]",
    "role": "string[python]",
    "cue": "string[python]",
    "relation": "string[python]",
    "latitude": "float64",
    "longitude": "float64",
    "kind": "string[python]",
    "place_id": "string[python]",
    "resolved_name": "string[python]",
    "geonameid": "Int64",
    "country": "string[python]",
    "precision": "string[python]",
    "score": "float64",
}

_PIPELINES: dict[tuple[Any, ...], Pipeline] = {}
_LOCK = threading.Lock()

Spec = tuple[tuple[str, ...], "float | None"]


def _event_columns() -> dict[str, str]:
    from .io.tables import FIELDS, field_dtype

    return {"doc_id": "string[python]", **{name: field_dtype(name) for name in FIELDS}}


def _pipeline(spec: Spec) -> Pipeline:
    """This worker thread's pipeline for ``spec`` (built on first use)."""
    from .pipeline import Pipeline

    key = (threading.get_ident(), spec)
    with _LOCK:
        pipe = _PIPELINES.get(key)
    if pipe is None:
        overlays, threshold = spec
        pipe = Pipeline(overlays=[Path(p) for p in overlays], threshold=threshold)
        with _LOCK:
            _PIPELINES[key] = pipe
    return pipe


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _document(record: Any) -> Document:
    if isinstance(record, Document):
        return record
    if not isinstance(record, dict):
        raise IngestError(f"expected a dict with 'id' and 'text', not {type(record).__name__}")
    fields = {k: v for k, v in record.items() if not _missing(v)}
    ident = fields.get("id")
    if ident is None:
        raise IngestError("a document without an 'id'")
    if isinstance(fields.get("date"), pd.Timestamp):
        fields["date"] = fields["date"].date().isoformat()
    return document_from_fields(fields, f"document {ident}")


def _parse_all(
    records: Iterable[Any], spec: Spec, errors: str
) -> tuple[list[ParsedDocument], list[tuple[str, str]]]:
    pipe = _pipeline(spec)
    parsed: list[ParsedDocument] = []
    failed: list[tuple[str, str]] = []
    for record in records:
        source = str(record.get("id")) if isinstance(record, dict) else getattr(record, "id", "?")
        try:
            doc = _document(record)
            parsed.append(pipe(doc))
        except Exception as exc:
            if errors == "raise":
                raise ValueError(f"document {source}: {exc}") from exc
            failed.append((source, f"document {source}: {type(exc).__name__}: {exc}"))
    return parsed, failed


def events_frame(parsed: Sequence[ParsedDocument]) -> pd.DataFrame:
    """One row per event (the GeoJSON event fields), with the id of its document."""
    from .io.tables import build_tables

    columns = _event_columns()
    frames = []
    for doc in parsed:
        if not doc.events:
            continue
        table = pd.DataFrame(build_tables(doc.events, [doc]).events.drop(columns="geometry"))
        table.insert(0, "doc_id", doc.document.id)
        frames.append(table)
    if not frames:
        return _empty(columns)
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype(columns)[list(columns)]


def mentions_frame(parsed: Sequence[ParsedDocument]) -> pd.DataFrame:
    """One row per place mention, resolved or not (then latitude/longitude are NaN)."""
    from .output import mention_json

    rows = []
    for doc in parsed:
        for m in mention_json(doc):
            rows.append(
                {
                    "doc_id": doc.document.id,
                    **{k: m.get(k) for k in MENTION_COLUMNS if k in m},
                    "latitude": m["lat"],
                    "longitude": m["lon"],
                }
            )
    if not rows:
        return _empty(MENTION_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    return frame.astype(MENTION_COLUMNS)


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def _frame(records: Iterable[Any], records_kind: str, spec: Spec, errors: str) -> pd.DataFrame:
    parsed, _ = _parse_all(records, spec, errors)
    return events_frame(parsed) if records_kind == "events" else mentions_frame(parsed)


def _frame_from_pandas(
    part: pd.DataFrame, records_kind: str, spec: Spec, errors: str
) -> pd.DataFrame:
    return _frame(part.to_dict("records"), records_kind, spec, errors)


def geoparse(
    data: Any,
    *,
    records: str = "events",
    overlays: Sequence[str | Path] = (),
    threshold: float | None = None,
    errors: str = "raise",
) -> Any:
    """Geoparse every document of a ``dask.bag.Bag`` (of dicts) or ``dask.dataframe``
    DataFrame; returns a dask DataFrame of ``records`` ("events" or "mentions").

    ``errors="raise"`` fails the computation on a document that cannot be read or parsed
    (the message names it); ``errors="skip"`` leaves it out."""
    import dask
    import dask.bag as db
    import dask.dataframe as dd

    if records not in ("events", "mentions"):
        raise ValueError(f"records must be 'events' or 'mentions', not {records!r}")
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")
    spec: Spec = (tuple(str(Path(p)) for p in overlays), threshold)
    columns = _event_columns() if records == "events" else MENTION_COLUMNS
    meta = _empty(columns)
    if isinstance(data, db.Bag):
        parts = [dask.delayed(_frame)(part, records, spec, errors) for part in data.to_delayed()]
        return dd.from_delayed(parts, meta=meta, verify_meta=False)
    if isinstance(data, dd.DataFrame):
        missing = {"id", "text"} - set(data.columns)
        if missing:
            raise ValueError(f"the DataFrame needs the columns {sorted(missing)}")
        return data.map_partitions(_frame_from_pandas, records, spec, errors, meta=meta)
    raise TypeError(f"expected a dask Bag or DataFrame, not {type(data).__name__}")


# -- geomap build --scheduler -------------------------------------------------------------------


def _cluster_partition(
    docs: list[Document], spec: Spec, min_confidence: float
) -> list[dict[str, Any]]:
    """One partition on a worker: GeoDataFrames of its events and mentions, and per document
    what the report needs. A list of one item, as a bag partition."""
    import geopandas as gpd

    from .io.tables import CRS, build_tables

    started = time.perf_counter()
    parsed, failed = _parse_all(docs, spec, "skip")
    events = build_tables([e for d in parsed for e in d.events], parsed).events
    docs_of_events = events_frame(parsed)
    # build_tables sorts its rows; keep its order and add the document id by event id.
    owner = dict(zip(docs_of_events["id"], docs_of_events["doc_id"], strict=True))
    events.insert(
        0, "doc_id", pd.array([owner.get(i) for i in events["id"]], dtype="string[python]")
    )
    mentions = mentions_frame(parsed)
    points = gpd.points_from_xy(mentions["longitude"], mentions["latitude"], crs=CRS)
    geometry = gpd.GeoSeries([p if not p.is_empty else None for p in points], crs=CRS)
    mentions_gdf = gpd.GeoDataFrame(mentions, geometry=geometry, crs=CRS)
    summary = [
        {
            "id": d.document.id,
            "source": d.document.path or d.document.id,
            "events": len(d.events),
            "unresolved": sorted({t.mention.text for t in d.toponyms if t.place is None}),
            "low_confidence": sorted(
                {
                    t.mention.text
                    for t in d.toponyms
                    if t.place is not None and t.score < min_confidence
                }
            ),
        }
        for d in parsed
    ]
    return [
        {
            "events": events,
            "mentions": mentions_gdf,
            "failed": failed,
            "documents": summary,
            "seconds": time.perf_counter() - started,
        }
    ]


def build_on_cluster(
    settings: BuildConfig,
    address: str,
    *,
    pipeline: Pipeline | None = None,
    progress: bool | None = None,
    partition_size: int = PARTITION_SIZE,
) -> BatchReport:
    """Read the inputs here, geoparse them on the Dask cluster at ``address``, and write
    ``<out>/events.parquet/part.NNNNN.parquet`` and ``<out>/mentions.parquet/…``, one part
    per partition. Raises ``ValueError`` if the scheduler cannot be reached."""
    try:
        import dask.bag as db
        from distributed import Client, as_completed
    except ImportError:
        raise ImportError(
            "--scheduler needs Dask: pip install 'geomap[dask]' (dask[distributed])"
        ) from None
    from .batch import BatchReport, _check_writable, _collect, _describe
    from .cache import sha256_json
    from .ingest import Failure, read_document
    from .io.parquet import write_parquet

    started = time.perf_counter()
    out = Path(settings.out)
    report = BatchReport(
        jobs=0,
        out=str(out),
        config=str(settings.source) if settings.source else None,
        strict=settings.strict,
    )
    problem = _check_writable(out)
    if problem:
        report.failures.append(Failure(str(out), problem))
        return report
    t = time.perf_counter()
    units, failures, warnings = _collect(
        settings.inputs, out, settings.max_input_bytes, sha256_json(None)
    )
    report.warnings.extend(warnings)
    docs: list[Document] = []
    for unit in units:
        if unit.document is not None:
            docs.append(unit.document)
            continue
        try:
            docs.append(read_document(unit.path))  # type: ignore[arg-type]
        except (IngestError, OSError) as exc:
            message = (
                str(exc) if isinstance(exc, IngestError) else f"{unit.source}: {_describe(exc)}"
            )
            failures.append((unit.index, Failure(unit.source, message)))
    report.timings["collect"] = time.perf_counter() - t
    for _, failure in sorted(failures, key=lambda f: f[0]):
        report.failures.append(failure)
        report.inputs.append({"input": failure.source, "status": "failed", "error": failure.error})
    if not docs:
        report.timings["total"] = time.perf_counter() - started
        return report

    t = time.perf_counter()
    spec: Spec = (tuple(str(p) for p in settings.overlays), settings.threshold)
    try:
        # Connect timeout: dask's distributed.comm.timeouts.connect (default 30 s; the
        # environment variable DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT sets it).
        client = Client(address)
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        bag = db.from_sequence(docs, partition_size=max(1, partition_size))
        parts = bag.map_partitions(_cluster_partition, spec, settings.min_confidence).to_delayed()
        futures = client.compute(parts)
        index_of = {f.key: i for i, f in enumerate(futures)}
        written: dict[str, list[str]] = {"events": [], "mentions": []}
        summaries: dict[int, list[dict[str, Any]]] = {}
        failed_docs: dict[int, list[tuple[str, str]]] = {}
        for future in as_completed(futures):
            i = index_of[future.key]
            (result,) = future.result()
            for layer in ("events", "mentions"):
                path = out / f"{layer}.parquet" / f"part.{i:05d}.parquet"
                write_parquet(path, result[layer])
                written[layer].append(str(path))
            summaries[i] = result["documents"]
            failed_docs[i] = result["failed"]
            if progress is not False:
                import sys

                print(
                    f"geomap: partition {len(summaries)}/{len(futures)} written",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        client.close()
    # Parts left over from an earlier, bigger run would join the dataset: remove them.
    for layer in ("events", "mentions"):
        for stale in (out / f"{layer}.parquet").glob("part.*.parquet"):
            if str(stale) not in written[layer]:
                stale.unlink(missing_ok=True)
        report.outputs[layer] = sorted(written[layer])
    for i in sorted(summaries):
        for source, error in failed_docs[i]:
            report.failures.append(Failure(source, error))
            report.inputs.append({"input": source, "status": "failed", "error": error})
        for doc in summaries[i]:
            report.inputs.append(
                {
                    "input": doc["source"],
                    "status": "processed",
                    "id": doc["id"],
                    "events": doc["events"],
                }
            )
            report.events[doc["id"]] = doc["events"]
            report.unresolved[doc["id"]] = doc["unresolved"]
            report.low_confidence[doc["id"]] = doc["low_confidence"]
            report.reprocessed.append(doc["id"])
    report.written.extend(report.outputs)
    report.timings["cluster"] = time.perf_counter() - t
    report.timings["total"] = time.perf_counter() - started
    return report
