"""Corpus readers and geoparsing metrics, on small hand-computed cases."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pytest

from geomap.corpora import CorpusError, GoldDocument, GoldToponym, read_corpus, reanchor
from geomap.evaluate import (
    MISSING_ERROR_KM,
    PredictedToponym,
    auc_of_errors,
    evaluate,
    evaluate_jsonl,
    evaluate_resolution_on_gold,
    gold_to_jsonl,
    haversine_km,
    match_lenient,
    match_strict,
    run_eval,
    score,
)

EVAL_DIR = Path("/work/shared/eval")
needs_eval_dir = pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="no /work/shared/eval")

LGL_XML = """<?xml version="1.0" encoding="utf-8"?>
<articles>
  <article docid="101">
    <title>t</title>
    <text><![CDATA[Fire in Alexandria & Rapides Parish. Memphis St. closed.]]></text>
    <toponyms count="3">
      <toponym><start>8</start><end>18</end><phrase>Alexandria</phrase>
        <gaztag geonameid="4314550"><name>Alexandria</name>
          <lat>31.3113</lat><lon>-92.4451</lon></gaztag></toponym>
      <toponym><start>21</start><end>35</end><phrase>Rapides Parish</phrase>
        <gaztag geonameid="4338356"><lat>31.1669</lat><lon>-92.4835</lon></gaztag></toponym>
      <toponym><start>37</start><end>48</end><phrase>Memphis St.</phrase></toponym>
    </toponyms>
  </article>
  <article docid="102">
    <text><![CDATA[Nothing here.]]></text>
    <toponyms count="0"></toponyms>
  </article>
</articles>
"""

# "Paris" is at 9, "Lyon" at 19, "Nice" at 28; the file says 10, 17 and 40.
GEOVIRUS_XML = """<articles>
  <article>
    <source>https://example.org/a</source>
    <text>Flu hits Paris, then Lyon and Nice.</text>
    <locations>
      <location><name>Paris</name><start>10</start><end>15</end>
        <lat>48.85</lat><lon>2.35</lon><page>p</page></location>
      <location><name>Lyon</name><start>17</start><end>21</end>
        <lat>45.76</lat><lon>4.84</lon><page>p</page>
        <location><name>Nice</name><start>29</start><end>33</end>
          <lat>43.7</lat><lon>7.27</lon><page>p</page></location>
      </location>
    </locations>
  </article>
  <article>
    <source>https://example.org/a</source>
    <text>Rome.</text>
    <locations>
      <location><name>Milan</name><start>0</start><end>4</end>
        <lat>45.46</lat><lon>9.19</lon><page>p</page></location>
    </locations>
  </article>
</articles>
"""

GWN_XML = """<articles>
  <article file="7.txt">
    <text>Berlin said French wine from Bordeaux is fine.</text>
    <toponyms>
      <toponym><start>0</start><end>6</end><extractedName>Berlin</extractedName>
        <normalisedName>Berlin</normalisedName><type>Metonymic</type>
        <latitude>52.52</latitude><longitude>13.405</longitude>
        <geonamesID>2950159</geonamesID></toponym>
      <toponym><start>12</start><end>18</end><extractedName>French</extractedName>
        <normalisedName>France</normalisedName><type>Demonym</type></toponym>
      <toponym><start>29</start><end>37</end><extractedName>Bordeaux</extractedName>
        <normalisedName>Bordeaux</normalisedName><type>Literal</type>
        <latitude>44.84</latitude><longitude>-0.58</longitude></toponym>
    </toponyms>
  </article>
</articles>
"""


def write(tmp_path: Path, text: str, name: str = "corpus.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def doc(doc_id: str, text: str, *toponyms: GoldToponym) -> GoldDocument:
    return GoldDocument(doc_id, text, tuple(toponyms))


def gold_at(start: int, end: int, lat: float | None = 0.0, lon: float | None = 0.0) -> GoldToponym:
    return GoldToponym(start, end, "x" * (end - start), lat, lon)


# ------------------------------------------------------------------------------ readers


def test_read_lgl(tmp_path: Path) -> None:
    docs = read_corpus(write(tmp_path, LGL_XML))
    assert [d.id for d in docs] == ["101", "102"]
    first = docs[0]
    assert [first.text[t.start : t.end] for t in first.toponyms] == [
        "Alexandria",
        "Rapides Parish",
        "Memphis St.",
    ]
    assert first.toponyms[0] == GoldToponym(8, 18, "Alexandria", 31.3113, -92.4451)
    assert first.toponyms[2].lat is None and first.toponyms[2].lon is None
    assert not first.toponyms[2].has_coordinates
    assert docs[1].toponyms == ()


def test_geovirus_offsets_are_reanchored_on_the_name(tmp_path: Path) -> None:
    docs = read_corpus(write(tmp_path, GEOVIRUS_XML))
    assert [d.id for d in docs] == ["0", "1"]
    first = docs[0]
    spans = {t.name: (t.start, t.end) for t in first.toponyms}
    assert spans == {"Paris": (9, 14), "Lyon": (21, 25), "Nice": (30, 34)}
    assert all(first.text[t.start : t.end] == t.name for t in first.toponyms)
    # The name is nowhere within 5 characters: the given offsets are kept.
    assert docs[1].toponyms[0].start == 0 and docs[1].toponyms[0].end == 4


def test_geovirus_nested_location_is_read(tmp_path: Path) -> None:
    docs = read_corpus(write(tmp_path, GEOVIRUS_XML))
    assert [t.name for t in docs[0].toponyms] == ["Paris", "Lyon", "Nice"]
    assert docs[0].toponyms[2].lat == 43.7


def test_reanchor_prefers_the_nearest_occurrence() -> None:
    text = "Nice. Nice is nice."
    assert reanchor(text, 5, 9, "Nice") == (6, 10)  # 1 away, not 5 away at 0
    assert reanchor(text, 0, 4, "Nice") == (0, 4)  # already on it
    assert reanchor(text, 13, 17, "Paris") == (13, 17)  # not found: kept
    assert reanchor("ab Rome", 1, 5, "Rome") == (3, 7)


def test_read_geowebnews(tmp_path: Path) -> None:
    (article,) = read_corpus(write(tmp_path, GWN_XML))
    assert article.id == "7.txt"
    assert [(t.name, t.kind) for t in article.toponyms] == [
        ("Berlin", "Metonymic"),
        ("French", "Demonym"),
        ("Bordeaux", "Literal"),
    ]
    assert article.toponyms[0].lat == 52.52
    assert article.toponyms[1].lat is None


def test_duplicate_document_ids_are_made_unique(tmp_path: Path) -> None:
    xml = LGL_XML.replace('docid="102"', 'docid="101"')
    assert [d.id for d in read_corpus(write(tmp_path, xml))] == ["101", "101#2"]


def test_malformed_xml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, LGL_XML.replace("</toponyms>", "", 1), "broken.xml")
    with pytest.raises(CorpusError, match=r"broken\.xml: malformed XML: .*line \d+"):
        read_corpus(path)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<rss><item/></rss>", r"unsupported format: root element is <rss>"),
        ("<articles></articles>", r"unsupported format: no <article>"),
        ("<articles><article><body/></article></articles>", r"article 0 has no <text>"),
        (
            "<articles><article><text>a</text><toponyms><toponym><s>0</s>"
            "</toponym></toponyms></article></articles>",
            r"unsupported format: article 0 has a <toponym> with children <s>",
        ),
        (
            "<articles><article><text>Rome</text><locations><location><name>Rome</name>"
            "<start>0</start><end>x</end></location></locations></article></articles>",
            r"article 0: <location> has bad <end> 'x'",
        ),
        (
            "<articles><article><text>Rome</text><locations><location><name>Rome</name>"
            "<start>0</start><end>40</end></location></locations></article></articles>",
            r"span 0-40 outside its text",
        ),
    ],
)
def test_unsupported_or_bad_corpus(tmp_path: Path, xml: str, message: str) -> None:
    path = write(tmp_path, xml, "odd.xml")
    with pytest.raises(CorpusError, match=message) as info:
        read_corpus(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="cannot read file"):
        read_corpus(tmp_path / "nope.xml")


# ------------------------------------------------------------------------------ metrics


def test_haversine_london_paris() -> None:
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=0.5)
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0088)


def test_auc_bounds_and_hand_values() -> None:
    assert auc_of_errors([]) is None
    assert auc_of_errors([0.0, 0.0, 0.0]) == 0.0
    antipodal = haversine_km(0.0, 0.0, 0.0, 180.0)
    assert auc_of_errors([antipodal, antipodal]) == pytest.approx(1.0, abs=2e-4)
    assert auc_of_errors([MISSING_ERROR_KM] * 3) == pytest.approx(1.0)
    # sorted y = [0, 1]: one trapezoid of area 1/2 over an x extent of 1.
    assert auc_of_errors([MISSING_ERROR_KM, 0.0]) == pytest.approx(0.5)
    # sorted y = [0, 0, 1]: areas 0 + 1/2 over an x extent of 2.
    assert auc_of_errors([MISSING_ERROR_KM, 0.0, 0.0]) == pytest.approx(0.25)
    # A single error is its own scaled log: ln(101) / ln(20039).
    assert auc_of_errors([100.0]) == pytest.approx(math.log(101) / math.log(20039))


def test_strict_and_lenient_recognition_differ() -> None:
    text = "Rome and New York City, in June."
    gold = [doc("d", text, gold_at(0, 4), gold_at(9, 22))]
    preds = [[PredictedToponym(0, 4), PredictedToponym(13, 22), PredictedToponym(27, 31)]]
    report = score(gold, preds)
    assert report.strict is not None and report.lenient is not None
    assert (report.strict.tp, report.strict.fp, report.strict.fn) == (1, 2, 1)
    assert report.strict.precision == pytest.approx(1 / 3)
    assert report.strict.recall == pytest.approx(1 / 2)
    assert report.strict.f1 == pytest.approx(0.4)
    assert (report.lenient.tp, report.lenient.fp, report.lenient.fn) == (2, 1, 0)
    assert report.lenient.precision == pytest.approx(2 / 3)
    assert report.lenient.recall == 1.0
    assert report.lenient.f1 == pytest.approx(0.8)


def test_lenient_matching_is_one_to_one() -> None:
    # One prediction covering two gold toponyms matches only one of them ...
    assert match_lenient([(0, 5), (6, 11)], [(0, 11)]) == [(0, 0)]
    # ... and two predictions inside one gold toponym: only the larger overlap counts.
    assert match_lenient([(0, 10)], [(0, 3), (4, 10)]) == [(0, 1)]
    # An exact match is kept even where another gold span overlaps as much.
    assert match_lenient([(0, 20), (0, 5)], [(0, 5)]) == [(1, 0)]
    assert match_lenient([(0, 5)], [(5, 9)]) == []  # touching is not overlapping
    assert match_strict([(0, 5), (0, 5)], [(0, 5)]) == 1


def test_resolution_accuracy_median_mean_and_missing() -> None:
    km_per_degree = math.pi * 6371.0088 / 180
    offsets = [0.0, 160.0, 162.0]
    toponyms = [gold_at(10 * i, 10 * i + 4) for i in range(4)]
    toponyms.append(gold_at(50, 54, lat=None, lon=None))  # recognition only
    preds = [
        PredictedToponym(10 * i, 10 * i + 4, 0.0, km / km_per_degree)
        for i, km in enumerate(offsets)
    ]
    preds.append(PredictedToponym(30, 34))  # matched, but never resolved
    preds.append(PredictedToponym(50, 54, 1.0, 1.0))
    report = score([doc("d", "x" * 60, *toponyms)], [preds])
    assert report.gold_toponyms == 5 and report.gold_with_coordinates == 4
    assert report.lenient is not None and report.lenient.tp == 5
    res = report.resolution
    assert (res.scored, res.unresolved) == (4, 1)
    assert res.accuracy_161 == pytest.approx(0.5)  # 0 and 160 km in; 162 and missing out
    assert res.median_km == pytest.approx((160.0 + 162.0) / 2)
    assert res.mean_km == pytest.approx((0 + 160 + 162 + MISSING_ERROR_KM) / 4)
    expected_auc = sum(
        (math.log1p(a) + math.log1p(b)) / 2
        for a, b in ((0.0, 160.0), (160.0, 162.0), (162.0, MISSING_ERROR_KM))
    ) / (3 * math.log(20039))
    assert res.auc == pytest.approx(expected_auc)


def test_unmatched_predictions_are_not_scored_for_resolution() -> None:
    gold = [doc("d", "Rome and Paris", gold_at(0, 4, 41.9, 12.5))]
    report = score(gold, [[PredictedToponym(9, 14, 48.85, 2.35)]])
    assert report.resolution.scored == 0
    assert report.resolution.accuracy_161 is None and report.resolution.auc is None


def test_evaluate_batches_all_documents_in_one_call() -> None:
    gold = [doc("a", "Rome", gold_at(0, 4, 41.9, 12.5)), doc("b", "Oslo", gold_at(0, 4))]
    calls: list[list[str]] = []

    def predict(docs: list[GoldDocument]) -> list[list[PredictedToponym]]:
        calls.append([d.id for d in docs])
        return [[PredictedToponym(0, 4, 41.9, 12.5)], []]

    report = evaluate(gold, predict)
    assert calls == [["a", "b"]]
    assert report.lenient is not None and report.lenient.recall == 0.5
    assert report.resolution.accuracy_161 == 1.0
    with pytest.raises(ValueError, match="1 prediction lists for 2 documents"):
        evaluate(gold, lambda docs: [[]])


def test_resolution_on_gold_spans() -> None:
    gold = [
        doc(
            "d",
            "Rome, Paris, Main St.",
            gold_at(0, 4, 41.9, 12.5),
            gold_at(6, 11, 48.85, 2.35),
            gold_at(13, 21, None, None),
        )
    ]
    seen: list[Sequence[tuple[int, int]]] = []

    def resolve(
        document: GoldDocument, spans: Sequence[tuple[int, int]]
    ) -> list[tuple[float, float] | None]:
        seen.append(spans)
        return [(41.9, 12.5), None, (0.0, 0.0)]

    report = evaluate_resolution_on_gold(gold, resolve)
    assert seen == [((0, 4), (6, 11), (13, 21))]
    assert report.mode == "gold-spans" and report.strict is None
    assert (report.resolution.scored, report.resolution.unresolved) == (2, 1)
    assert report.resolution.accuracy_161 == 0.5
    assert report.resolution.auc == pytest.approx(0.5)
    with pytest.raises(ValueError, match="1 answers for 3 spans"):
        evaluate_resolution_on_gold(gold, lambda d, s: [None])


# -------------------------------------------------------------------------------- JSONL


def test_gold_to_jsonl_and_evaluate_jsonl() -> None:
    gold = [
        doc("a", "Zürich and Bern", gold_at(0, 6, 47.37, 8.54), gold_at(11, 15, 46.95, 7.45)),
        doc("b", "Oslo", gold_at(0, 4, 59.91, 10.75)),
    ]
    assert [json.loads(line) for line in gold_to_jsonl(gold)] == [
        {"id": "a", "text": "Zürich and Bern"},
        {"id": "b", "text": "Oslo"},
    ]
    mentions = [
        {"start": 0, "end": 6, "text": "Zürich", "name": "Zürich", "lat": 47.37, "lon": 8.54},
        {"start": 11, "end": 15, "text": "Bern", "lat": None, "lon": None, "role": "literal"},
        {"start": 7, "end": 10, "text": "and", "lat": 1.0, "lon": 1.0, "role": "demonym"},
    ]
    lines = ["", json.dumps({"id": "a", "mentions": mentions, "events": []})]
    report = evaluate_jsonl(gold, lines)
    assert report.documents_without_output == 1
    assert report.lenient is not None
    assert (report.lenient.tp, report.lenient.fp, report.lenient.fn) == (2, 1, 1)
    assert (report.resolution.scored, report.resolution.unresolved) == (2, 1)
    literal_only = evaluate_jsonl(gold, lines, roles={"literal"})
    assert literal_only.lenient is not None and literal_only.lenient.fp == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "zz", "mentions": []}'], "ids not in the corpus"),
        (['{"id": "a"}', '{"id": "a"}'], "line 2: repeated id 'a'"),
        (["not json"], "jsonl line 1"),
        (['{"id": "a", "mentions": [{"end": 3}]}'], "jsonl line 1: 'start'"),
    ],
)
def test_evaluate_jsonl_rejects_bad_output(lines: list[str], message: str) -> None:
    gold = [doc("a", "Oslo", gold_at(0, 4))]
    with pytest.raises(ValueError, match=message):
        evaluate_jsonl(gold, lines)


def test_run_eval_plumbs_jsonl_through_an_extractor(tmp_path: Path) -> None:
    path = write(tmp_path, LGL_XML)

    def extract(lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            record = json.loads(line)
            start = record["text"].find("Alexandria")
            mention = {"start": start, "end": start + 10, "lat": 31.3113, "lon": -92.4451}
            mentions = [mention] if start >= 0 else []
            yield json.dumps({"id": record["id"], "mentions": mentions, "events": []})

    report = run_eval(path, extract)
    assert report.documents == 2 and report.gold_toponyms == 3
    assert report.strict is not None and report.strict.tp == 1
    assert report.strict.precision == 1.0 and report.strict.recall == pytest.approx(1 / 3)
    assert report.resolution.accuracy_161 == 1.0 and report.resolution.auc == 0.0


# ------------------------------------------------------------------------------- report


def test_report_dict_is_sorted_and_rounded_and_table_is_readable() -> None:
    gold = [doc("d", "Rome and Paris", gold_at(0, 4, 41.9, 12.5), gold_at(9, 14, 48.85, 2.35))]
    preds = [[PredictedToponym(0, 4, 41.9, 12.6), PredictedToponym(9, 12)]]
    report = score(gold, preds)
    data = report.to_dict()
    assert list(data) == sorted(data)
    assert list(data["lenient"]) == sorted(data["lenient"])
    assert data["strict"]["precision"] == 0.5
    assert data["resolution"]["mean_km"] == round(data["resolution"]["mean_km"], 4)
    assert json.loads(json.dumps(data)) == data
    table = report.to_table()
    assert "2 gold toponyms (2 with coordinates), 2 predicted" in table
    assert any(
        line.split()[:4] == ["strict", "0.5000", "0.5000", "0.5000"] for line in table.splitlines()
    )
    assert "accuracy within 161 km" in table and "AUC" in table
    gold_only = evaluate_resolution_on_gold(gold, lambda d, s: [None] * len(s))
    assert "Recognition" not in gold_only.to_table()
    assert gold_only.to_dict()["strict"] is None


# ------------------------------------------------------------------------- real corpora


@needs_eval_dir
def test_lgl_counts_match_the_readme() -> None:
    started = time.perf_counter()
    docs = read_corpus(EVAL_DIR / "lgl.xml")
    assert time.perf_counter() - started < 1.0
    toponyms = [t for d in docs for t in d.toponyms]
    assert len(docs) == 588
    assert len(toponyms) == 5088
    assert sum(not t.has_coordinates for t in toponyms) == 626
    assert all(d.text[t.start : t.end] == t.name for d in docs for t in d.toponyms)


@needs_eval_dir
def test_geovirus_counts() -> None:
    docs = read_corpus(EVAL_DIR / "GeoVirus.xml")
    toponyms = [t for d in docs for t in d.toponyms]
    assert len(docs) == 229
    # The README (and the GeoVirus paper) say 2,167: the <location> elements directly
    # under <locations>. One of those wraps three more (Ilocos Sur, Philippines,
    # Zambales) with their own correct spans and coordinates, which are read as well.
    assert len(toponyms) == 2167 + 3
    assert all(t.has_coordinates for t in toponyms)
    # Every gold span lies on its name once re-anchored (the file's are one character late).
    assert all(d.text[t.start : t.end] == t.name for d in docs for t in d.toponyms)
