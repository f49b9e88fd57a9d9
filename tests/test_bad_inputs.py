"""Bad inputs: each gets a one-line message naming it, and everything else still builds."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from geomap.batch import build
from geomap.cache import CACHE_DIR
from geomap.ingest import IngestError, read_document

KHARKIV = "Shelling hit Kharkiv overnight, killing two civilians, officials said."
TBILISI = "Protesters gathered in Tbilisi on Sunday, and police later clashed with them."
LIMA = "Floods forced hundreds of families to leave their homes in Lima on Thursday."
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Floods in Porto Alegre | Daily Planet</title>
<meta property="og:site_name" content="Daily Planet">
<meta property="og:url" content="https://news.example/floods">
<meta property="article:published_time" content="2024-05-06T10:00:00Z"></head>
<body><nav>Home | World | Sport</nav>
<article><h1>Floods in Porto Alegre</h1>
<p>Heavy rain flooded the city of Porto Alegre in southern Brazil on Monday, and thousands of
residents were evacuated from their homes by boat.</p>
<p>Officials in Brasilia promised emergency aid to the state of Rio Grande do Sul.</p></article>
<footer>Copyright Daily Planet</footer></body></html>
"""


def geomap(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    (folder / "good.txt").write_text(KHARKIV, encoding="utf-8")
    (folder / "front.md").write_text(
        f"---\ntitle: Tbilisi protest\ndate: 2024-05-12\nsource: Civil.ge\nurl: https://civil.example/1\n"
        f"---\n{TBILISI}\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    (folder / "utf16.txt").write_bytes(LIMA.encode("utf-16"))  # with a BOM: decoded, not refused
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("  \n\t \n\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners in Li\xe8ge protested.".encode("latin-1"))
    with open(folder / "huge.txt", "wb") as fh:  # 50 MB
        line = (KHARKIV + "\n").encode()
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    (folder / "badyaml.md").write_text(
        f"---\ntitle: [unclosed\ndate: 2024-05-12\n---\n{TBILISI}\n", encoding="utf-8"
    )
    (folder / "unclosed.md").write_text(f"---\ntitle: Lost\n{TBILISI}\n", encoding="utf-8")
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "feed-ok", "text": LIMA, "date": "2024-02-01"})
        + "\n"
        + '{"id": "feed-broken", "text": "Fighting in Kharkiv\n'
        + json.dumps({"id": "feed-notext", "title": "no text"})
        + "\n"
        + json.dumps({"id": "feed-baddate", "text": KHARKIV, "date": "yesterday"})
        + "\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def inbox_build(
    inbox: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], dict, Path]:
    out = tmp_path_factory.mktemp("inbox-out")
    run = geomap(
        "build",
        str(inbox),
        str(inbox / "missing.txt"),
        "--out",
        str(out),
        "--format",
        "geojson",
        "--json",
        "--no-progress",
    )
    return run, json.loads(run.stdout), out


EXPECTED = {
    "empty.txt": "empty document (no text)",
    "blank.txt": "empty document (no text)",
    "binary.txt": "binary file (NUL bytes)",
    "latin1.txt": "not UTF-8 text (byte 3); re-save it as UTF-8",
    "huge.txt": "too large (50.0 MB; the limit is 1.0 MB",
    "badyaml.md": "malformed front matter",
    "unclosed.md": "malformed front matter (no closing '---' line)",
    "missing.txt": "no such file",
    "feed.jsonl: line 2": "malformed JSON",
    "feed.jsonl: line 3": "missing 'text'",
    "feed.jsonl: line 4": "date 'yesterday' is not an ISO date",
}


def _label(source: str) -> str:
    return source.rsplit("/", 1)[-1]


def test_every_bad_input_fails_with_one_line_naming_it(inbox_build) -> None:  # noqa: ANN001
    run, report, _ = inbox_build
    assert run.returncode == 1, run.stderr
    failed = {_label(f["input"]): f["error"] for f in report["failures"]}
    assert set(failed) == set(EXPECTED), failed
    for label, problem in EXPECTED.items():
        assert problem in failed[label], (label, failed[label])
        name = label.split(":")[0]
        assert name in failed[label], f"the message names the input: {failed[label]}"
        assert "\n" not in failed[label]
    stderr_failures = [ln for ln in run.stderr.splitlines() if ln.startswith("geomap: failed: ")]
    assert len(stderr_failures) == len(EXPECTED)
    for label, problem in EXPECTED.items():
        assert any(label.split(":")[0] in ln and problem in ln for ln in stderr_failures), label
    assert "Traceback" not in run.stderr


def test_the_good_inputs_still_build(inbox_build) -> None:  # noqa: ANN001
    _, report, out = inbox_build
    built = {e["name"] for e in report["inputs"] if e["status"] != "failed"}
    assert built == {"good", "front", "page", "utf16", "feed-ok"}
    assert report["counts"]["documents"] == 5 and report["counts"]["failed"] == len(EXPECTED)
    for name in [*built, "combined"]:
        data = json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection"
    places = {
        f["properties"]["name"] for f in json.loads((out / "utf16.geojson").read_text())["features"]
    }
    assert "Lima" in places, "UTF-16 with a BOM is decoded"
    statuses = [e["status"] for e in report["inputs"]]
    assert statuses.count("failed") == len(EXPECTED)


def test_front_matter_and_html_metadata_reach_the_outputs(inbox_build, inbox: Path) -> None:  # noqa: ANN001
    _, _, out = inbox_build
    front = json.loads((out / "front.geojson").read_text())["features"][0]["properties"]
    assert front["source_titles"] == "Tbilisi protest"
    assert front["source_dates"] == "2024-05-12"
    assert front["source_urls"] == "https://civil.example/1"
    doc = read_document(inbox / "front.md")
    assert (doc.outlet, doc.text) == ("Civil.ge", TBILISI + "\n")
    page = read_document(inbox / "page.html")
    assert page.title == "Floods in Porto Alegre"
    assert page.date is not None and page.date.isoformat() == "2024-05-06"
    assert page.url == "https://news.example/floods" and page.outlet == "Daily Planet"
    assert "Porto Alegre in southern Brazil" in page.text and "Copyright" not in page.text
    props = [f["properties"] for f in json.loads((out / "page.geojson").read_text())["features"]]
    assert any(p["name"] == "Porto Alegre" for p in props)


def test_a_sidecar_overrides_front_matter(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        f"---\ntitle: From the file\nid: story-1\n---\n{TBILISI}", encoding="utf-8"
    )
    (tmp_path / "a.meta.json").write_text('{"title": "From the sidecar"}', encoding="utf-8")
    doc = read_document(tmp_path / "a.md")
    assert (doc.title, doc.id) == ("From the sidecar", "story-1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\n- a\n- b\n---\nText", "expected 'key: value' lines"),
        ("---\ntitle: {a: 1}\n---\nText", "'title' must be a single value"),
        ("---\ntitle: x\n  bad: indent\n---\nText", "malformed front matter"),
    ],
)
def test_malformed_front_matter_messages(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "x.md").write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=message) as info:
        read_document(tmp_path / "x.md")
    assert str(tmp_path / "x.md") in str(info.value)


def test_html_page_without_article_text(tmp_path: Path) -> None:
    (tmp_path / "nav.html").write_text(
        "<html><body><script>var a = 1;</script></body></html>", encoding="utf-8"
    )
    with pytest.raises(IngestError, match="no article text found"):
        read_document(tmp_path / "nav.html")


def test_unwritable_output_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(KHARKIV, encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    run = geomap(
        "build",
        str(tmp_path / "good.txt"),
        "--out",
        str(blocker / "maps"),
        "--json",
        "--no-progress",
    )
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert report["failures"][0]["input"] == str(blocker / "maps")
    assert "output folder is not writable" in report["failures"][0]["error"]
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("geomap: failed:")]
    assert len(lines) == 1 and str(blocker / "maps") in lines[0]


def test_one_output_that_cannot_be_written_fails_alone(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(KHARKIV, encoding="utf-8")
    (src / "b.txt").write_text(TBILISI, encoding="utf-8")
    out = tmp_path / "out"
    (out / "a.geojson").mkdir(parents=True)  # a folder where a.geojson should go
    report = build([src], out, formats=["geojson"], pipeline=pipeline)
    assert [f.source for f in report.failures] == [str(src / "a.txt")]
    assert "cannot write its map files" in report.failures[0].error
    assert (out / "b.geojson").is_file() and (out / "combined.geojson").is_file()


def test_corrupt_cache_is_reported_once_and_rebuilt(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, text in (("a", KHARKIV), ("b", TBILISI), ("c", LIMA)):
        (src / f"{name}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    first = geomap(
        "build", str(src), "--out", str(out), "--format", "geojson", "--json", "--no-progress"
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.glob("*.geojson")}
    entries = sorted((out / CACHE_DIR / "docs").glob("*/*.pickle"))
    assert len(entries) == 3
    entries[0].write_bytes(b"garbage")
    entries[1].write_bytes(entries[1].read_bytes()[:40])  # truncated
    (out / CACHE_DIR / "manifest.json").write_text("{not json", encoding="utf-8")
    run = geomap(
        "build", str(src), "--out", str(out), "--format", "geojson", "--json", "--no-progress"
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    warnings = [ln for ln in run.stderr.splitlines() if "cache" in ln]
    assert len(warnings) == 1 and "is damaged, ignoring it and rebuilding" in warnings[0], (
        run.stderr
    )
    assert "(and 2 more)" in warnings[0]
    assert report["counts"]["reprocessed"] == 2 and report["counts"]["cached"] == 1
    assert report["counts"]["maps_written"] == 4, "the manifest was lost: every map is rewritten"
    assert {p.name: p.read_bytes() for p in out.glob("*.geojson")} == before
    again = json.loads(
        geomap(
            "build", str(src), "--out", str(out), "--format", "geojson", "--json", "--no-progress"
        ).stdout
    )
    assert again["counts"]["cached"] == 3 and again["counts"]["maps_written"] == 0
    assert again["warnings"] == []


def test_stdin_text_and_jsonl(tmp_path: Path) -> None:
    run = geomap(
        "build",
        "-",
        "--out",
        str(tmp_path / "a"),
        "--format",
        "geojson",
        "--json",
        "--no-progress",
        stdin=KHARKIV,
    )
    assert run.returncode == 0, run.stderr
    assert list(json.loads(run.stdout)["outputs"]) == ["stdin"]
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": t}) for i, t in enumerate((KHARKIV, LIMA)))
    run = geomap(
        "build",
        "-",
        "--out",
        str(tmp_path / "b"),
        "--format",
        "geojson",
        "--json",
        "--no-progress",
        stdin=lines + "\n{broken\n",
    )
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert sorted(report["outputs"]) == ["combined", "s0", "s1"]
    assert report["failures"] == [
        {"input": "<stdin>: line 3", "error": report["failures"][0]["error"]}
    ]
    assert "malformed JSON" in report["failures"][0]["error"]
    run = geomap("build", "-", "--out", str(tmp_path / "c"), "--no-progress", stdin="   \n")
    assert run.returncode == 1 and "<stdin>: empty document (no text)" in run.stderr


def test_a_glob_that_matches_nothing_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(KHARKIV, encoding="utf-8")
    report = build(
        [tmp_path / "a.txt", str(tmp_path / "*.nothing")], tmp_path / "out", formats=["geojson"]
    )
    assert report.ok and list(report.outputs) == ["a"]
    assert report.warnings == [f"{tmp_path / '*.nothing'}: no file matches"]


def test_outputs_inside_an_input_folder_are_not_read_back(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(KHARKIV, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TBILISI, encoding="utf-8")
    out = tmp_path / "maps"
    for _ in range(2):
        report = build([tmp_path, out], out, formats=["html"])
        assert report.ok, report.failures
        assert list(report.outputs) == ["a", "b", "combined"]


def test_a_worker_that_dies_fails_its_documents_and_the_rest_build(
    tmp_path: Path, kill_worker_on: Callable[..., None]
) -> None:
    from geomap.pipeline import Pipeline
    from geomap.synthetic import write_corpus

    write_corpus(tmp_path / "in", 40)
    kill_worker_on(Pipeline, "__call__", lambda _pipe, doc: doc.id == "doc-00005")
    report = build([tmp_path / "in"], tmp_path / "out", formats=["geojson"], jobs=2)
    failed = {Path(f.source).stem: f.error for f in report.failures}
    assert "doc-00005" in failed and "a worker process died" in failed["doc-00005"]
    assert len(failed) < 40
    built = [name for name in report.outputs if name != "combined"]
    assert len(built) + len(failed) == 40 and "combined" in report.outputs
    assert all((tmp_path / "out" / f"{name}.geojson").is_file() for name in built)


def test_a_second_build_into_the_same_folder_stops(tmp_path: Path) -> None:
    from geomap.cache import BuildCache

    (tmp_path / "a.txt").write_text(KHARKIV, encoding="utf-8")
    holder = BuildCache(tmp_path / "out")
    holder.acquire()  # as a build in progress would
    try:
        report = build([tmp_path / "a.txt"], tmp_path / "out", formats=["geojson"], cache=True)
    finally:
        holder.release()
    assert [f.error for f in report.failures] == [
        f"{tmp_path / 'out'}: another geomap build is writing to this folder"
    ]
    assert report.exit_code() == 1 and not (tmp_path / "out" / "a.geojson").exists()
    assert build([tmp_path / "a.txt"], tmp_path / "out", formats=["geojson"], cache=True).ok
