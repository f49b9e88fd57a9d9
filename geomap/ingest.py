"""Stage 1: turn files, folders, globs, stdin or JSON Lines into ``Document`` records.

Metadata comes from a sidecar ``<name>.meta.json`` beside a text file (title,
date, date_precision, url, outlet) or from the fields of a JSON line.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .models import DatePrecision, Document

#: What a folder contributes: text, Markdown (YAML front matter), HTML pages, JSON Lines.
TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown", ".html", ".htm", ".jsonl")
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class IngestError(ValueError):
    """An input cannot be read as a document; the message names the input."""


@dataclass(frozen=True)
class Failure:
    """An input that could not be ingested, kept so a batch can report it and go on."""

    source: str
    error: str


def parse_date(
    value: object, precision: object = None
) -> tuple[dt.date | None, DatePrecision | None]:
    """Read "2022-11-11", "2022-11", "2022", "2022-W46" (with an optional explicit precision)."""
    if value in (None, ""):
        return None, None
    text = str(value).strip()
    explicit: DatePrecision | None = (
        precision if precision in ("day", "week", "month", "year") else None
    )
    week = _ISO_WEEK.match(text)
    try:
        if week:
            date = dt.date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return date, "week"
        parts = text.split("-")
        if len(parts) == 1:
            return dt.date(int(parts[0]), 1, 1), explicit or "year"
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1), explicit or "month"
        date = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise IngestError(
            f"date {text!r} is not an ISO date (YYYY-MM-DD, YYYY-MM, YYYY or YYYY-Www)"
        ) from None
    if explicit == "week":
        date -= dt.timedelta(days=date.weekday())  # weeks are named by their Monday
    return date, explicit or "day"


def decode(raw: bytes, source: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{source}: malformed UTF-16 text (byte {exc.start})") from None
    if b"\x00" in raw:
        raise IngestError(f"{source}: binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{source}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8"
        ) from None


def document_from_fields(fields: dict, source: str, path: str | None = None) -> Document:
    text = fields.get("text")
    if not isinstance(text, str):
        raise IngestError(f"{source}: missing 'text'")
    if not text.strip():
        raise IngestError(f"{source}: empty document (no text)")
    try:
        date, precision = parse_date(fields.get("date"), fields.get("date_precision"))
    except IngestError as exc:
        raise IngestError(f"{source}: {exc}") from None
    ident = str(fields.get("id") or Path(source).stem)
    return Document(
        id=ident,
        text=text,
        title=_optional_text(fields.get("title")),
        date=date,
        date_precision=precision,
        url=_optional_text(fields.get("url")),
        outlet=_optional_text(fields.get("outlet") or fields.get("source")),
        path=path,
    )


def _optional_text(value: object) -> str | None:
    """Metadata as text: JSON numbers become strings, empty values and containers None."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value) or None


def read_document(path: Path) -> Document:
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    fields: dict = {}
    sidecar = path.with_name(path.stem + ".meta.json")
    if sidecar.exists():
        try:
            fields = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{sidecar}: malformed metadata ({exc})") from None
        if not isinstance(fields, dict):
            raise IngestError(f"{sidecar}: metadata must be a JSON object")
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".html", ".htm"):
        from .formats import html_fields, markdown_fields

        own = (
            html_fields(raw, str(path))
            if suffix in (".html", ".htm")
            else markdown_fields(decode(raw, str(path)), str(path))
        )
        # The page's or front matter's own metadata; a sidecar overrides it.
        fields = {**{k: v for k, v in own.items() if v is not None}, **fields, "text": own["text"]}
    else:
        fields = {**fields, "text": decode(raw, str(path))}
    fields["id"] = fields.get("id") or path.stem
    return document_from_fields(fields, str(path), str(path))


def documents_from_jsonl(
    lines: Iterable[str], source: str = "<stdin>"
) -> Iterator[Document | Failure]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        try:
            fields = json.loads(line)
            if not isinstance(fields, dict):
                raise IngestError(f"{where}: expected a JSON object")
            if "id" not in fields:
                fields["id"] = str(number)
            yield document_from_fields(fields, where)
        except json.JSONDecodeError as exc:
            yield Failure(where, f"{where}: malformed JSON ({exc.msg})")
        except IngestError as exc:
            yield Failure(where, str(exc))


def expand_inputs(inputs: Iterable[str]) -> Iterator[Path | str]:
    """Files, folders (their text files, sorted) and globs; "-" passes through for stdin.
    A path that matches nothing is passed through so reading it reports it."""
    for item in inputs:
        if item == "-":
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.suffix in TEXT_SUFFIXES and p.is_file()
            )
        elif any(ch in item for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            yield from (m for m in matches if m.is_file())
        else:
            yield path


def read_inputs(inputs: Iterable[str]) -> list[Document | Failure]:
    out: list[Document | Failure] = []
    for item in expand_inputs(inputs):
        if item == "-":
            text = sys.stdin.read()
            if text.lstrip().startswith("{"):
                out.extend(documents_from_jsonl(text.splitlines()))
            else:
                try:
                    out.append(document_from_fields({"text": text, "id": "stdin"}, "<stdin>"))
                except IngestError as exc:
                    out.append(Failure("<stdin>", str(exc)))
            continue
        assert isinstance(item, Path)
        if item.suffix == ".jsonl":
            try:
                lines = decode(item.read_bytes(), str(item)).splitlines()
            except (IngestError, OSError) as exc:
                out.append(
                    Failure(
                        str(item), str(exc) if isinstance(exc, IngestError) else f"{item}: {exc}"
                    )
                )
                continue
            out.extend(documents_from_jsonl(lines, str(item)))
            continue
        try:
            out.append(read_document(item))
        except (IngestError, OSError) as exc:
            out.append(Failure(str(item), str(exc)))
    return out
