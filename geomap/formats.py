"""Document formats besides plain text: Markdown with YAML front matter, and HTML pages.

Each reader returns the fields ``ingest.document_from_fields`` takes (``text`` plus
whatever metadata the file carries: title, date, url, outlet, id) or raises
``IngestError`` with a one-line message that names the file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .ingest import IngestError, decode

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")

#: ``---`` on the first line, the YAML, then a closing ``---`` (or ``...``) on a line of its own.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
#: Front-matter keys and the document field each fills (``source`` is the outlet).
_FRONT_MATTER_FIELDS = {
    "title": "title",
    "date": "date",
    "date_precision": "date_precision",
    "url": "url",
    "source": "outlet",
    "outlet": "outlet",
    "id": "id",
}


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    raise TypeError(type(value).__name__)


def markdown_fields(text: str, source: str) -> dict[str, Any]:
    """Split YAML front matter (title, date, url, source, …) off a Markdown text.

    A Markdown file without front matter is plain text. The document text is the body
    after the closing ``---``, exactly as written."""
    if not text.startswith("---"):
        return {"text": text}
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise IngestError(f"{source}: malformed front matter (no closing '---' line)")
    import yaml

    try:
        meta = yaml.load(match.group(1), Loader=_yaml_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise IngestError(f"{source}: malformed front matter ({problem}{where})") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise IngestError(
            f"{source}: malformed front matter (expected 'key: value' lines, got a YAML "
            f"{type(meta).__name__})"
        )
    fields: dict[str, Any] = {}
    for key, field in _FRONT_MATTER_FIELDS.items():
        if key not in meta or field in fields:
            continue
        try:
            fields[field] = _scalar(meta[key])
        except TypeError as exc:
            raise IngestError(
                f"{source}: malformed front matter ('{key}' must be a single value, not a {exc})"
            ) from None
    fields["text"] = text[match.end() :]
    return fields


def html_fields(raw: bytes, source: str) -> dict[str, Any]:
    """The main text of an HTML page (trafilatura) and the page's own metadata:
    title, date, url (canonical or og:url) and site name (the outlet)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = decode(raw, source).encode("utf-8")
    elif b"\x00" in raw:
        raise IngestError(f"{source}: binary file (NUL bytes), not an HTML page")
    import trafilatura

    try:
        page = trafilatura.bare_extraction(
            raw, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # noqa: BLE001 - a parser bug must not sink the batch
        raise IngestError(
            f"{source}: cannot parse the HTML page ({type(exc).__name__}: {exc})"
        ) from None
    text = getattr(page, "text", None) if page is not None else None
    if not text or not text.strip():
        raise IngestError(f"{source}: no article text found in the HTML page")
    return {
        "text": text,
        "title": getattr(page, "title", None) or None,
        "date": getattr(page, "date", None) or None,
        "url": getattr(page, "url", None) or None,
        "outlet": getattr(page, "sitename", None) or None,
    }
