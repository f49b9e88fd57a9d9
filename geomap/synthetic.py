"""Synthetic news articles for load tests and benchmarks: sentence templates × place names.

Deterministic for a given ``seed``; every article names a few well-known places and has
event cues, so a batch of them exercises every stage of the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

PLACES = (
    "Kharkiv",
    "Kherson",
    "Odesa",
    "Lviv",
    "Mykolaiv",
    "Tbilisi",
    "Nairobi",
    "Lagos",
    "Lima",
    "Quito",
    "Manila",
    "Jakarta",
    "Dhaka",
    "Karachi",
    "Lahore",
    "Khartoum",
    "Mogadishu",
    "Kabul",
    "Baghdad",
    "Mosul",
    "Aleppo",
    "Beirut",
    "Caracas",
    "Porto Alegre",
    "Chennai",
    "Kolkata",
    "Yangon",
    "Bamako",
    "Niamey",
    "Goma",
    "Kinshasa",
    "Addis Ababa",
    "Harare",
    "Lusaka",
    "Maputo",
    "Dakar",
    "Accra",
    "Kampala",
    "Kigali",
    "Juba",
)
TEMPLATES = (
    "Protesters gathered in {a} on {day} to demonstrate against rising fuel prices.",
    "Shelling hit residential districts of {a} overnight, killing two civilians, officials said.",
    "Floods forced hundreds of families to leave their homes in {a} on {day}.",
    "Police arrested several activists in {a} after clashes near the city hall.",
    "An explosion damaged a bridge near {a} on {day}, according to local media.",
    "Officials in {b} said aid convoys would reach {a} by the weekend.",
    "Troops withdrew from positions east of {a} after heavy fighting.",
    "Thousands marched through {a} on {day}, and police later used tear gas.",
    "A drone strike hit a fuel depot outside {a}, the regional governor said.",
    "Residents of {a} reported looting after the storm, while {b} was spared.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTLETS = ("Daily Planet", "Morning Wire", "Evening Post", None)


def documents(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` articles as dicts: id, title, date, source (outlet), url, text."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    docs = []
    for i in range(count):
        a, b = rng.sample(PLACES, 2)
        sentences = [
            t.format(
                a=rng.choice((a, b)) if j else a,
                b=b if j else rng.choice(PLACES),
                day=rng.choice(DAYS),
            )
            for j, t in enumerate(rng.sample(TEMPLATES, rng.randint(3, 5)))
        ]
        date = start + dt.timedelta(days=rng.randrange(365))
        docs.append(
            {
                "id": f"doc-{i:05d}",
                "title": f"Events in {a}",
                "date": date.isoformat(),
                "source": rng.choice(OUTLETS),
                "url": f"https://news.example/{i:05d}",
                "text": " ".join(sentences),
            }
        )
    return docs


def markdown(doc: dict[str, Any]) -> str:
    """One article as Markdown with YAML front matter."""
    lines = ["---"]
    for key in ("title", "date", "source", "url"):
        if doc.get(key) is not None:
            lines.append(f"{key}: {json.dumps(doc[key], ensure_ascii=False)}")
    lines += ["---", "", doc["text"], ""]
    return "\n".join(lines)


def write_corpus(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` Markdown articles (``doc-00000.md``…) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in documents(count, seed):
        path = folder / f"{doc['id']}.md"
        path.write_text(markdown(doc), encoding="utf-8")
        paths.append(path)
    return paths
