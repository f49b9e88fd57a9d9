"""Property-based: 10,000 generated documents through ``Pipeline``, in process, zero crashes.

The texts mix real place names (cities, countries, rivers, ambiguous ones), the cue words
the stages look for (cities, banks, regions, metonymy, dates), capitalised noise and
arbitrary Unicode, punctuation and whitespace; the metadata covers every date precision
and missing fields. Beyond "no exception", every result must be self-consistent: mention
offsets point at their text, coordinates are finite and on the globe, events quote their
sentence, and the JSON and GeoJSON renderings serialise.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.io import geojson
from geomap.models import Document
from geomap.output import document_json

PLACES = [
    "Kharkiv",
    "Kherson",
    "Kyiv",
    "Kiev",
    "Dnipro",
    "Dnieper",
    "Paris",
    "Paris, Texas",
    "Georgia",
    "Tbilisi",
    "Washington",
    "Springfield",
    "Lagos",
    "Porto Alegre",
    "Rio Grande do Sul",
    "Moscow",
    "the Kremlin",
    "Ukraine",
    "Russia",
    "United States",
    "Gaza",
    "Sudan",
    "Khartoum",
    "Lima",
    "São Paulo",
    "Zürich",
    "Москва",
    "Київ",
    "北京",
    "القاهرة",
    "Mykolaiv",
    "Antonivka Bridge",
    "Nova Kakhovka",
    "Crimea",
    "Donetsk Oblast",
    "the Black Sea",
    "Mississippi",
    "Jordan",
    "Chad",
    "Reading",
    "Mark",
    "March",
    "Nice",
    "Bath",
    "Split",
    "Of",
    "A",
    "I",
]
CUES = [
    "the city of",
    "the town of",
    "region",
    "province",
    "River",
    "river",
    "the left bank of the",
    "the right bank of",
    "the east bank",
    "the opposite side",
    "near",
    "outside",
    "north of",
    "said",
    "'s",
    "forces",
    "troops",
    "shelled",
    "protesters gathered in",
    "flooded",
    "on Friday",
    "last weekend",
    "yesterday",
    "on 12 March",
    "in 2021",
    "two weeks ago",
    "General",
    "President",
    "Sky News",
    "Ukrainian",
    "Russian",
    "killed",
    "arrested",
    "and",
    "in",
]
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
CAPITALISED = st.from_regex(r"[A-Z][a-z]{0,8}( [A-Z][a-z]{0,8}){0,2}", fullmatch=True)
SEPARATORS = st.sampled_from(
    [
        " ",
        " ",
        " ",
        ", ",
        ". ",
        "\n",
        "\n\n",
        "; ",
        " - ",
        "\t",
        "'s ",
        "(",
        ") ",
        '"',
        "...",
        "\u00a0",
        "\u2019",
    ]
)
TOKEN = st.one_of(
    st.sampled_from(PLACES),
    st.sampled_from(PLACES),
    st.sampled_from(CUES),
    st.sampled_from(CUES),
    CAPITALISED,
    NOISE,
)


@st.composite
def texts(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.tuples(TOKEN, SEPARATORS), min_size=1, max_size=40))
    return "".join(token + sep for token, sep in tokens)


DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
PRECISIONS = st.sampled_from([None, "day", "week", "month", "year"])
DOCUMENTS = st.builds(
    lambda ident, text, title, date, precision, url, outlet: Document(
        id=ident,
        text=text,
        title=title,
        date=date,
        date_precision=(precision or "day") if date else None,
        url=url,
        outlet=outlet,
    ),
    ident=st.text(min_size=1, max_size=8),
    text=texts(),
    title=st.one_of(st.none(), st.text(max_size=20)),
    date=DATES,
    precision=PRECISIONS,
    url=st.one_of(st.none(), st.just("https://news.example/a")),
    outlet=st.one_of(st.none(), st.sampled_from(["Reuters", "Sky News", "Київ Post"])),
)


def _check(doc: Document, parsed) -> None:  # noqa: ANN001
    text = doc.text
    assert parsed.document is doc
    for top in parsed.toponyms:
        m = top.mention
        assert 0 <= m.start < m.end <= len(text), (m, len(text))
        assert text[m.start : m.end] == m.text
        assert 0.0 <= top.score <= 1.0 + 1e-9 or top.place is None
        if top.place is not None:
            assert math.isfinite(top.place.lat) and -90 <= top.place.lat <= 90
            assert math.isfinite(top.place.lon) and -180 <= top.place.lon <= 180
    for event in parsed.events:
        assert math.isfinite(event.lat) and -90 <= event.lat <= 90
        assert math.isfinite(event.lon) and -180 <= event.lon <= 180
        assert 0 <= event.sentence_start <= event.sentence_end <= len(text)
        assert event.quote and event.quote in text, (event.quote, text)
        assert 0.0 <= event.confidence <= 1.0
    json.dumps(document_json(parsed), ensure_ascii=False, allow_nan=False)
    geojson.dumps(geojson.feature_collection(parsed.events, [parsed]))


@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(doc=DOCUMENTS)
def test_pipeline_never_crashes_on_generated_documents(pipeline, doc: Document) -> None:  # noqa: ANN001
    _check(doc, pipeline(doc))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(text=st.text(max_size=400))
def test_pipeline_never_crashes_on_arbitrary_unicode(pipeline, text: str) -> None:  # noqa: ANN001
    doc = Document(id="u", text=text)
    _check(doc, pipeline(doc))
