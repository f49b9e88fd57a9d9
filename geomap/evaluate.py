"""Geoparsing evaluation against gold corpora (see :mod:`geomap.corpora`).

Two tasks are scored, as in Gritta, Pilehvar & Collier (2019), "A Pragmatic Guide to
Geoparsing Evaluation" (Language Resources and Evaluation 54, 2020):

* **Recognition** (geotagging): precision, recall and F1 over character spans, with
  *strict* matching (identical start and end) and *lenient* matching (overlapping spans,
  paired one-to-one: exact pairs first, then the largest overlaps, so one prediction
  never matches two gold toponyms). Gold toponyms without coordinates count here.
* **Resolution** (geocoding) on the lenient pairs whose gold toponym has coordinates:
  great-circle error in km, accuracy within 161 km (100 miles), median and mean error,
  and the AUC of log errors (:func:`auc_of_errors`). A matched prediction without
  coordinates is charged :data:`MISSING_ERROR_KM`.

:func:`evaluate_resolution_on_gold` scores resolution alone on the gold spans, which is
how resolution-only figures (e.g. Mordecai 3's) are published.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any, Literal

from geomap.corpora import GoldDocument, GoldToponym, read_corpus

from .geodesy import EARTH_RADIUS_KM, haversine_km  # noqa: F401 - public here too

#: Mean earth radius (IUGG) used for great-circle distances.
#: Error charged to a matched toponym the system left without coordinates.
MISSING_ERROR_KM = 20038.0
#: AUC normaliser: ``log(1 + MISSING_ERROR_KM)``, the largest possible log error.
AUC_LOG_MAX = math.log(20039.0)
#: The k of accuracy@k: 161 km = 100 miles.
ACCURACY_KM = 161.0
#: Decimal places kept by :meth:`EvalReport.to_dict`.
ROUND_DIGITS = 4

Coordinates = tuple[float, float]
Span = tuple[int, int]
EvalMode = Literal["end-to-end", "gold-spans"]


@dataclass(frozen=True)
class PredictedToponym:
    """A system's place mention: its span and, if it resolved it, where it is."""

    start: int
    end: int
    lat: float | None = None
    lon: float | None = None


Predict = Callable[[list[GoldDocument]], Sequence[Sequence[PredictedToponym]]]
Resolve = Callable[[GoldDocument, Sequence[Span]], Sequence[Coordinates | None]]


@dataclass(frozen=True)
class RecognitionScores:
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, tp: int, predicted: int, gold: int) -> RecognitionScores:
        precision = tp / predicted if predicted else 0.0
        recall = tp / gold if gold else 0.0
        total = precision + recall
        f1 = 2 * precision * recall / total if total else 0.0
        return cls(tp, predicted - tp, gold - tp, precision, recall, f1)


@dataclass(frozen=True)
class ResolutionScores:
    """Resolution metrics over ``scored`` toponyms; ``None`` when nothing was scored."""

    scored: int
    #: Of ``scored``, how many the system left without coordinates.
    unresolved: int
    accuracy_161: float | None
    median_km: float | None
    mean_km: float | None
    auc: float | None

    @classmethod
    def from_errors(cls, errors_km: Sequence[float], unresolved: int) -> ResolutionScores:
        if not errors_km:
            return cls(0, unresolved, None, None, None, None)
        within = sum(1 for e in errors_km if e <= ACCURACY_KM)
        return cls(
            scored=len(errors_km),
            unresolved=unresolved,
            accuracy_161=within / len(errors_km),
            median_km=statistics.median(errors_km),
            mean_km=statistics.fmean(errors_km),
            auc=auc_of_errors(errors_km),
        )


@dataclass(frozen=True)
class EvalReport:
    mode: EvalMode
    documents: int
    gold_toponyms: int
    gold_with_coordinates: int
    #: ``None`` in gold-spans mode, where nothing is predicted.
    predicted_toponyms: int | None
    strict: RecognitionScores | None
    lenient: RecognitionScores | None
    resolution: ResolutionScores
    #: Gold documents the system returned no output line for (scored as empty).
    documents_without_output: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data: keys sorted at every level, floats rounded to ROUND_DIGITS."""
        cleaned = _clean(dataclasses.asdict(self))
        assert isinstance(cleaned, dict)
        return cleaned

    def to_table(self) -> str:
        """A plain-text summary, one metric per cell."""
        lines = [self._headline(), ""]
        if self.strict is not None and self.lenient is not None:
            lines += _recognition_table(self.strict, self.lenient) + [""]
        lines += _resolution_table(self.mode, self.resolution)
        return "\n".join(lines)

    def _headline(self) -> str:
        parts = [
            f"{self.documents} documents",
            f"{self.gold_toponyms} gold toponyms ({self.gold_with_coordinates} with coordinates)",
        ]
        if self.predicted_toponyms is not None:
            parts.append(f"{self.predicted_toponyms} predicted")
        if self.documents_without_output:
            parts.append(f"{self.documents_without_output} documents without output")
        return f"Geoparsing evaluation ({self.mode}): " + ", ".join(parts)


# ------------------------------------------------------------------------------ metrics


def auc_of_errors(errors_km: Sequence[float]) -> float | None:
    """Area under the curve of sorted log errors, in [0, 1]; lower is better.

    Gritta, Pilehvar & Collier (2018), "Which Melbourne? Augmenting Geocoding with
    Maps" (ACL 2018), and (2019) "A Pragmatic Guide to Geoparsing Evaluation": sort the
    errors ascending, scale each to ``y_i = ln(1 + e_i) / ln(20039)`` (20039 km is just
    over half the earth's circumference, so ``y_i`` is in [0, 1]), and integrate the
    curve with the trapezoidal rule over unit steps, normalised by the x extent:

        AUC = sum_{i=1}^{n-1} (y_{i-1} + y_i) / 2  /  (n - 1)

    This is ``np.trapz(sorted_log_errors) / (np.log(20039) * (n - 1))`` as in the
    authors' CamCoder code. A single error is its own ``y``; no errors give ``None``.
    """
    if not errors_km:
        return None
    ys = sorted(math.log1p(max(0.0, e)) / AUC_LOG_MAX for e in errors_km)
    if len(ys) == 1:
        return ys[0]
    area = sum((a + b) / 2 for a, b in zip(ys, ys[1:], strict=False))
    return area / (len(ys) - 1)


# ----------------------------------------------------------------------------- matching


def match_strict(gold: Sequence[Span], predicted: Sequence[Span]) -> int:
    """How many gold spans a prediction has exactly (each prediction used once)."""
    return sum((Counter(gold) & Counter(predicted)).values())


def match_lenient(gold: Sequence[Span], predicted: Sequence[Span]) -> list[tuple[int, int]]:
    """One-to-one ``(gold_index, predicted_index)`` pairs of overlapping spans.

    Greedy: exact matches first, then larger overlaps, then spans whose ends are closer,
    then document order. So one prediction never matches two gold toponyms, and the
    lenient count is never below the strict one.
    """
    candidates = []
    for gi, (gs, ge) in enumerate(gold):
        for pi, (ps, pe) in enumerate(predicted):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0:
                exact = (gs, ge) == (ps, pe)
                distance = abs(gs - ps) + abs(ge - pe)
                candidates.append((not exact, -overlap, distance, gi, pi))
    pairs: list[tuple[int, int]] = []
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    for *_, gi, pi in sorted(candidates):
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


# --------------------------------------------------------------------------- evaluation


def evaluate(gold: list[GoldDocument], predict: Predict) -> EvalReport:
    """Run ``predict`` once over all documents and score its toponyms (end to end)."""
    predictions = predict(gold)
    if len(predictions) != len(gold):
        raise ValueError(
            f"predict returned {len(predictions)} prediction lists for {len(gold)} documents"
        )
    return score(gold, predictions)


def score(
    gold: Sequence[GoldDocument],
    predictions: Sequence[Sequence[PredictedToponym]],
    documents_without_output: int = 0,
) -> EvalReport:
    """Score predictions already made, ``predictions[i]`` being those for ``gold[i]``."""
    strict_tp = lenient_tp = n_pred = 0
    errors: list[float] = []
    unresolved = 0
    for doc, preds in zip(gold, predictions, strict=True):
        gold_spans = [(t.start, t.end) for t in doc.toponyms]
        pred_spans = [(p.start, p.end) for p in preds]
        pairs = match_lenient(gold_spans, pred_spans)
        strict_tp += match_strict(gold_spans, pred_spans)
        lenient_tp += len(pairs)
        n_pred += len(preds)
        for gi, pi in pairs:
            error = _error_km(doc.toponyms[gi], _coords_of(preds[pi]))
            if error is not None:
                errors.append(error)
                unresolved += preds[pi].lat is None or preds[pi].lon is None
    n_gold, n_coords = _gold_counts(gold)
    return EvalReport(
        mode="end-to-end",
        documents=len(gold),
        gold_toponyms=n_gold,
        gold_with_coordinates=n_coords,
        predicted_toponyms=n_pred,
        strict=RecognitionScores.from_counts(strict_tp, n_pred, n_gold),
        lenient=RecognitionScores.from_counts(lenient_tp, n_pred, n_gold),
        resolution=ResolutionScores.from_errors(errors, unresolved),
        documents_without_output=documents_without_output,
    )


def evaluate_resolution_on_gold(gold: Sequence[GoldDocument], resolve: Resolve) -> EvalReport:
    """Score resolution alone: ``resolve(doc, spans)`` gets every gold span of ``doc``.

    It must return one ``(lat, lon)`` or ``None`` per span; only gold toponyms with
    coordinates are scored, ``None`` costing :data:`MISSING_ERROR_KM`.
    """
    errors: list[float] = []
    unresolved = 0
    for doc in gold:
        spans = tuple((t.start, t.end) for t in doc.toponyms)
        answers = resolve(doc, spans)
        if len(answers) != len(spans):
            raise ValueError(
                f"resolve returned {len(answers)} answers for {len(spans)} spans "
                f"in document {doc.id!r}"
            )
        for toponym, answer in zip(doc.toponyms, answers, strict=True):
            error = _error_km(toponym, answer)
            if error is not None:
                errors.append(error)
                unresolved += answer is None
    n_gold, n_coords = _gold_counts(gold)
    return EvalReport(
        mode="gold-spans",
        documents=len(gold),
        gold_toponyms=n_gold,
        gold_with_coordinates=n_coords,
        predicted_toponyms=None,
        strict=None,
        lenient=None,
        resolution=ResolutionScores.from_errors(errors, unresolved),
    )


def _error_km(gold: GoldToponym, predicted: Coordinates | None) -> float | None:
    """Error of one answer, or ``None`` if the gold toponym has no coordinates."""
    if gold.lat is None or gold.lon is None:
        return None
    if predicted is None:
        return MISSING_ERROR_KM
    return haversine_km(gold.lat, gold.lon, predicted[0], predicted[1])


def _coords_of(prediction: PredictedToponym) -> Coordinates | None:
    if prediction.lat is None or prediction.lon is None:
        return None
    return prediction.lat, prediction.lon


def _gold_counts(gold: Sequence[GoldDocument]) -> tuple[int, int]:
    toponyms = [t for doc in gold for t in doc.toponyms]
    return len(toponyms), sum(1 for t in toponyms if t.has_coordinates)


# -------------------------------------------------------------------------- JSONL plumbing


def gold_to_jsonl(gold: Iterable[GoldDocument]) -> Iterator[str]:
    """Input lines for ``geomap extract --jsonl``: ``{"id": …, "text": …}`` per document."""
    for doc in gold:
        yield json.dumps({"id": doc.id, "text": doc.text}, ensure_ascii=False)


def evaluate_jsonl(
    gold: Sequence[GoldDocument],
    jsonl_lines: Iterable[str],
    *,
    roles: Collection[str] | None = None,
) -> EvalReport:
    """Score the output of ``geomap extract --jsonl`` (one object per document, by ``id``).

    Each ``mentions`` entry needs ``start`` and ``end``; ``lat``/``lon`` may be missing or
    null. With ``roles`` given, mentions carrying a ``role`` outside it are ignored.
    Documents with no output line are scored as having no mentions; an output ``id`` not
    in ``gold``, a repeated ``id`` or a malformed line raises ``ValueError``.
    """
    by_id = parse_extract_jsonl(jsonl_lines, roles=roles)
    unknown = sorted(set(by_id) - {doc.id for doc in gold})
    if unknown:
        raise ValueError(f"output has {len(unknown)} ids not in the corpus, e.g. {unknown[0]!r}")
    predictions = [by_id.get(doc.id, []) for doc in gold]
    missing = sum(1 for doc in gold if doc.id not in by_id)
    return score(gold, predictions, documents_without_output=missing)


def parse_extract_jsonl(
    lines: Iterable[str], *, roles: Collection[str] | None = None
) -> dict[str, list[PredictedToponym]]:
    """``{document id: predicted toponyms}`` from ``geomap extract --jsonl`` output."""
    result: dict[str, list[PredictedToponym]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc_id, mentions = _parse_line(line, roles)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"jsonl line {number}: {exc}") from exc
        if doc_id in result:
            raise ValueError(f"jsonl line {number}: repeated id {doc_id!r}")
        result[doc_id] = mentions
    return result


def _parse_line(line: str, roles: Collection[str] | None) -> tuple[str, list[PredictedToponym]]:
    obj = json.loads(line)
    if not isinstance(obj, dict) or "id" not in obj:
        raise ValueError("expected a JSON object with an 'id'")
    mentions = obj.get("mentions") or []
    if not isinstance(mentions, list):
        raise ValueError("'mentions' is not a list")
    kept = [m for m in mentions if roles is None or m.get("role", None) in (None, *roles)]
    return str(obj["id"]), [_prediction(m) for m in kept]


def _prediction(mention: dict[str, Any]) -> PredictedToponym:
    lat, lon = mention.get("lat"), mention.get("lon")
    return PredictedToponym(
        start=int(mention["start"]),
        end=int(mention["end"]),
        lat=None if lat is None else float(lat),
        lon=None if lon is None else float(lon),
    )


def run_eval(
    corpus_path: str | PathLike[str],
    extract: Callable[[Iterable[str]], Iterable[str]],
    *,
    roles: Collection[str] | None = None,
) -> EvalReport:
    """Read a corpus, feed it through ``extract`` (JSONL in, JSONL out) and score it."""
    gold = read_corpus(corpus_path)
    return evaluate_jsonl(gold, extract(gold_to_jsonl(gold)), roles=roles)


# ------------------------------------------------------------------------------- output


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clean(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return round(value, ROUND_DIGITS)
    return value


def _recognition_table(strict: RecognitionScores, lenient: RecognitionScores) -> list[str]:
    header = f"{'Recognition':<12}{'Precision':>10}{'Recall':>8}{'F1':>8}"
    header += f"{'TP':>8}{'FP':>8}{'FN':>8}"
    rows = [header]
    for label, s in (("strict", strict), ("lenient", lenient)):
        row = f"{label:<12}{s.precision:>10.4f}{s.recall:>8.4f}{s.f1:>8.4f}"
        rows.append(row + f"{s.tp:>8}{s.fp:>8}{s.fn:>8}")
    return rows


def _resolution_table(mode: EvalMode, r: ResolutionScores) -> list[str]:
    scope = "lenient matches" if mode == "end-to-end" else "gold spans"
    rows = [
        f"Resolution (on {scope} with gold coordinates)",
        f"  {'scored toponyms':<32}{r.scored:>10}",
        f"  {f'unresolved (= {MISSING_ERROR_KM:.0f} km)':<32}{r.unresolved:>10}",
    ]
    cells = (
        ("accuracy within 161 km", r.accuracy_161, "{:.4f}"),
        ("median error (km)", r.median_km, "{:.1f}"),
        ("mean error (km)", r.mean_km, "{:.1f}"),
        ("AUC of log error (lower=better)", r.auc, "{:.4f}"),
    )
    for label, value, fmt in cells:
        shown = "n/a" if value is None else fmt.format(value)
        rows.append(f"  {label:<32}{shown:>10}")
    return rows
