"""The synthetic articles of load tests and the batch benchmark."""

from __future__ import annotations

import re
import statistics

from geomap.models import Document
from geomap.synthetic import BACKGROUND, PLACES, TEMPLATES, documents, markdown


def _event_sentences(doc: dict) -> list[str]:
    """The sentences of ``doc`` made from an event template (places and days filled in)."""
    patterns = [
        re.compile(re.escape(t).replace(r"\{a\}", ".+?").replace(r"\{b\}", ".+?")
                   .replace(r"\{day\}", r"\w+"))
        for t in TEMPLATES
    ]  # fmt: skip
    sentences = re.split(r"(?<=[.!?\"])\s+", doc["text"])
    return [s for s in sentences if any(p.fullmatch(s) for p in patterns)]


def test_full_length_articles_are_news_length_around_the_brief() -> None:
    briefs = documents(300, seed=3)
    full = documents(300, seed=3, full_length=True)
    assert documents(300, seed=3, full_length=True) == full  # deterministic
    lengths = [len(d["text"]) for d in full]
    # the public news corpora's articles: LGL 1,901 and GeoVirus 1,683 characters on average
    assert 1600 <= statistics.mean(lengths) <= 1950
    assert statistics.mean(len(d["text"]) for d in briefs) < 400
    for brief, article in zip(briefs, full, strict=True):
        # the same metadata and the brief's event sentences, the lead first
        assert {k: v for k, v in brief.items() if k != "text"} == {
            k: v for k, v in article.items() if k != "text"
        }
        events = _event_sentences(article)
        assert len(events) == len(_event_sentences(brief)) >= 3
        assert article["text"].startswith(events[0])
        paragraphs = article["text"].split("\n\n")
        assert len(paragraphs) >= 6 and all(p.strip() == p and p for p in paragraphs)
        # background sentences fill the rest, with no template placeholder left unfilled
        assert "{" not in article["text"]
    used = {t.split("{")[0] for t in BACKGROUND}
    assert sum(any(u in d["text"] for d in full) for u in used) == len(used)


def test_full_length_articles_geoparse_to_events_at_their_places(pipeline) -> None:  # noqa: ANN001
    named = found = 0
    toponyms = []
    for doc in documents(40, seed=5, full_length=True):
        parsed = pipeline(Document(id=doc["id"], text=doc["text"], title=doc["title"]))
        assert parsed.events, doc["text"]
        toponyms.append(len(parsed.toponyms))
        places = {p for p in PLACES if p in doc["text"]}
        resolved = {t.mention.text for t in parsed.toponyms if t.place is not None}
        named += len(places)
        found += len(places & resolved)
        assert markdown(doc).endswith(doc["text"] + "\n")
    assert found == named
    # as dense in place names as the news corpora (this pipeline finds 8.4 per LGL article,
    # 9.3 per GeoVirus one): the cost of a batch grows with its toponyms
    assert 7 <= statistics.mean(toponyms) <= 11
