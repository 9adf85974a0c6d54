"""The WARC snapshot store: real gzip WARC files checked with the ``warcio`` command line."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timezone
from pathlib import Path

import pytest

from archive.store.warc import (
    REFERS_TO_FILE,
    RevisitTarget,
    WarcError,
    WarcWriter,
    annotation_uri,
    digest_to_hex,
    format_warc_date,
    iter_records,
    parse_warc_name,
    read_record,
    recover,
    scan_members,
    warc_files,
    warc_uri,
)

WARCIO = str(Path(sys.executable).parent / "warcio")
T0 = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
HTML = "<html><head><title>城步县2024年政府信息公开工作年度报告</title></head><body>正文</body></html>".encode()


def warcio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([WARCIO, *args], capture_output=True, text=True, timeout=120)


class Known:
    """A ``known_payload`` callback backed by a dict, as the database does it."""

    def __init__(self) -> None:
        self.targets: dict[str, RevisitTarget] = {}
        self.asked: list[str] = []

    def __call__(self, sha: str) -> RevisitTarget | None:
        self.asked.append(sha)
        return self.targets.get(sha)

    def learn(self, ex) -> None:
        if not ex.revisit:
            self.targets[ex.sha256] = RevisitTarget(ex.url, ex.date, ex.record_id, ex.warc_file, ex.offset)


def exchange(writer: WarcWriter, known: Known, url: str, payload: bytes, **kw):
    args = dict(
        method="GET",
        request_headers=[("User-Agent", "nianbao-test/1.0"), ("Accept", "*/*")],
        request_body=None,
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')],
        payload=payload,
        fetched=T0,
        known_payload=known,
    )
    args.update(kw)
    ex = writer.write_exchange(url, **args)
    known.learn(ex)
    return ex


def test_exchange_records_pass_warcio_check_and_index(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc", prefix="test") as writer:
        writer.write_warcinfo({"operator": "nianbao tests", "isPartOf": "run-1"})
        a = exchange(
            writer,
            known,
            "http://www.cbx.gov.cn/zfxxgk/zfxxgknb/index.html",
            HTML,
            metadata={"type": "fetch", "kind": "list"},
        )
        b = exchange(writer, known, "http://www.cbx.gov.cn/zfxxgk/zfxxgknb/t1.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40,
                     response_headers=[("Content-Type", "application/pdf")])  # fmt: skip
        m = writer.write_metadata("urn:nianbao:run:1", {"type": "run_end", "run_id": 1}, concurrent_to=None)
        files = list(writer.files)
    assert len(files) == 1 and files[0].startswith("warc/test-")
    path = tmp_path / files[0]
    check = warcio("check", "-v", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 7  # warcinfo, 2 x (response, request), 2 x metadata
    index = [
        json.loads(line)
        for line in warcio("index", "-f", "warc-type,warc-target-uri,offset", str(path)).stdout.splitlines()
    ]
    assert [(r["warc-type"], r.get("warc-target-uri")) for r in index] == [
        ("warcinfo", None),
        ("response", a.url),
        ("request", a.url),
        ("metadata", annotation_uri("fetch", a.metadata.record_id)),
        ("response", b.url),
        ("request", b.url),
        ("metadata", "urn:nianbao:run:1"),
    ]
    assert [int(r["offset"]) for r in index][1::3] == [a.offset, b.offset]
    assert int(index[3]["offset"]) == a.metadata.offset and int(index[6]["offset"]) == m.offset
    assert a.length == a.request.offset - a.offset
    # the fetch's annotation names the response it describes (and never claims the page's URL)
    note = read_record(tmp_path, files[0], a.metadata.offset)
    assert note.warc_header("WARC-Refers-To") == a.record_id == note.concurrent_to
    assert note.url.startswith("urn:nianbao:fetch:") and note.json() == {"type": "fetch", "kind": "list"}
    # the opening warcinfo carries the session fields
    info = read_record(tmp_path, files[0], 0)
    assert info.record_type == "warcinfo"
    fields = info.payload.decode()
    assert "operator: nianbao tests" in fields and "isPartOf: run-1" in fields and "WARC File Format 1.1" in fields


def test_payload_digest_is_sha256_of_the_payload(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(writer, known, "https://www.cbx.gov.cn/a.html", HTML)
    assert ex.sha256 == hashlib.sha256(HTML).hexdigest()
    rec = read_record(tmp_path, ex.warc_file, ex.offset)
    assert digest_to_hex(rec.warc_header("WARC-Payload-Digest")) == ex.sha256
    assert rec.warc_header("WARC-Payload-Digest").startswith("sha256:")
    assert rec.warc_header("WARC-Block-Digest").startswith("sha256:")
    assert rec.payload == HTML and rec.sha256 == ex.sha256
    assert (rec.url, rec.status, rec.content_type, rec.date) == (
        "https://www.cbx.gov.cn/a.html",
        200,
        "text/html; charset=utf-8",
        "2025-03-01T08:00:00Z",
    )
    assert rec.record_id == ex.record_id and rec.record_type == "response"
    assert ("ETag", '"v1"') in rec.http_headers


def test_identical_payload_is_stored_once_as_revisit(tmp_path: Path) -> None:
    known = Known()
    big = ("<p>西岩镇政府信息公开工作年度报告</p>" * 4000).encode()
    with WarcWriter(tmp_path / "warc") as writer:
        first = exchange(writer, known, "http://www.cbx.gov.cn/nb/202001/t20200115_1.html", big)
        twin = exchange(writer, known, "http://www.cbx.gov.cn/nb/202001/t20200115_1_wap.html", big,
                        fetched=datetime(2025, 3, 2, 9, 30, 5), response_headers=[("Content-Type", "text/html"), ("Server", "TRS")])  # fmt: skip
        again = exchange(writer, known, first.url, big, fetched=datetime(2025, 3, 3))
        empty1 = exchange(writer, known, "http://www.cbx.gov.cn/empty", b"")
        empty2 = exchange(writer, known, "http://www.cbx.gov.cn/empty", b"")
    assert (first.revisit, twin.revisit, again.revisit) == (False, True, True)
    assert not empty1.revisit and not empty2.revisit  # empty payloads are never deduplicated
    assert twin.refers_to == RevisitTarget(
        first.url, "2025-03-01T08:00:00Z", first.record_id, first.warc_file, first.offset
    )
    # the revisit holds headers only: far smaller than the response
    assert twin.length < 1000 < first.length
    rec = read_record(tmp_path, twin.warc_file, twin.offset)
    assert rec.record_type == "revisit"
    assert rec.payload == big and rec.sha256 == first.sha256
    assert rec.url == twin.url and rec.date == "2025-03-02T09:30:05Z" and rec.content_type == "text/html"
    assert rec.header("Server") == "TRS"
    assert rec.refers_to.record_id == first.record_id and rec.refers_to.offset == first.offset
    assert rec.warc_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert rec.warc_header("WARC-Refers-To-Target-URI") == first.url
    unresolved = read_record(tmp_path, twin.warc_file, twin.offset, resolve=False)
    assert unresolved.payload == b"" and unresolved.sha256 == first.sha256 and not unresolved.resolved
    check = warcio("check", str(tmp_path / first.warc_file))
    assert check.returncode == 0, check.stdout
    # one response record per payload in the whole file
    types = [(r.record_type, r.sha256) for r in iter_records(tmp_path) if r.record_type in ("response", "revisit")]
    assert [t for t, s in types if s == first.sha256] == ["response", "revisit", "revisit"]


def test_revisit_without_location_fields_is_found_by_record_id(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        first = exchange(writer, known, "http://a.gov.cn/1.html", HTML)
        # a target known only by URI/date/id (e.g. from an older index): no file/offset fields
        known.targets[first.sha256] = RevisitTarget(first.url, first.date, first.record_id)
        twin = exchange(writer, known, "http://a.gov.cn/2.html", HTML)
    rec = read_record(tmp_path, twin.warc_file, twin.offset)
    assert rec.warc_header(REFERS_TO_FILE) is None
    assert rec.payload == HTML and rec.refers_to.offset == first.offset


def test_revisit_whose_original_is_missing_is_a_clear_error(tmp_path: Path) -> None:
    known = Known()
    known.targets[hashlib.sha256(HTML).hexdigest()] = RevisitTarget(
        "http://gone.gov.cn/", "2020-01-01T00:00:00Z", "<urn:uuid:00000000-0000-0000-0000-000000000000>"
    )
    with WarcWriter(tmp_path / "warc") as writer:
        twin = exchange(writer, known, "http://a.gov.cn/2.html", HTML)
    with pytest.raises(WarcError, match="not found"):
        read_record(tmp_path, twin.warc_file, twin.offset)


def test_stored_headers_describe_the_decoded_payload(tmp_path: Path) -> None:
    """Scrapy hands over decoded bodies: the stored headers must not claim gzip/chunked."""
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(
            writer, known, "http://a.gov.cn/gz.html", HTML,
            response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                              ("Transfer-Encoding", "chunked"), ("Content-Length", "77"),
                              ("Content-Disposition", 'attachment; filename="年报.pdf"')],
        )  # fmt: skip
    rec = read_record(tmp_path, ex.warc_file, ex.offset)
    assert rec.payload == HTML
    assert rec.header("Content-Encoding") is None and rec.header("Transfer-Encoding") is None
    assert rec.header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert rec.header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert rec.header("X-Archive-Orig-Content-Length") == "77"
    assert rec.header("Content-Length") == str(len(HTML))
    assert rec.header("Content-Disposition") == "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf"
    assert warcio("check", str(tmp_path / ex.warc_file)).returncode == 0


def test_request_record_keeps_method_headers_and_body(tmp_path: Path) -> None:
    known = Known()
    body = "col=1&webid=1&path=/&columnid=1229&sourceContentType=1&unitid=1&webname=测试".encode()
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(
            writer, known, "http://www.sy.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
            b"<datastore></datastore>", method="post",
            request_headers=[("Content-Type", "application/x-www-form-urlencoded")], request_body=body,
        )  # fmt: skip
    req = read_record(tmp_path, ex.request.warc_file, ex.request.offset)
    assert req.record_type == "request" and req.method == "POST"
    assert req.payload == body
    assert req.header("Host") == "www.sy.gov.cn"
    assert req.concurrent_to == ex.record_id
    assert ex.request.concurrent_to == ex.record_id


def test_bad_input_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        with pytest.raises(ValueError, match="not an http"):
            exchange(writer, known, "ftp://a.gov.cn/x", HTML)
        with pytest.raises(TypeError):
            exchange(writer, known, "http://a.gov.cn/x", "text, not bytes")
        assert writer.files == []
    assert list((tmp_path / "warc").iterdir()) == []
    with pytest.raises(ValueError):
        WarcWriter(tmp_path / "warc", prefix="bad prefix/")
    with pytest.raises(WarcError, match="not found"):
        read_record(tmp_path, "warc/missing.warc.gz", 0)


def test_read_record_at_a_wrong_offset_is_a_clear_error(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(writer, known, "http://a.gov.cn/x", HTML)
    with pytest.raises(WarcError):
        read_record(tmp_path, ex.warc_file, ex.offset + 3)


def test_rotation_names_and_order(tmp_path: Path) -> None:
    known = Known()
    urls = [f"http://www.cbx.gov.cn/nb/{i}.html" for i in range(7)]
    payloads = [f"<p>报告 {i}</p>".encode() + random.Random(i).randbytes(3000) for i in range(7)]
    with WarcWriter(tmp_path / "warc", prefix="nianbao", max_bytes=6000) as writer:
        written = [exchange(writer, known, u, p) for u, p in zip(urls, payloads)]
        files = list(writer.files)
        assert writer.current_file == files[-1]
    assert len(files) >= 3
    assert [Path(f).name for f in files] == [p.name for p in warc_files(tmp_path)]
    serials = [parse_warc_name(f)[2] for f in files]
    assert serials == list(range(len(files)))
    assert all(parse_warc_name(f)[0] == "nianbao" and len(parse_warc_name(f)[1]) == 17 for f in files)
    assert not list((tmp_path / "warc").glob("*.open"))  # markers removed on close
    records = list(iter_records(tmp_path))
    assert [r.url for r in records if r.record_type == "response"] == urls
    assert [r.payload for r in records if r.record_type == "response"] == payloads
    # every file opens with a warcinfo record and passes warcio check
    for name in files:
        first = next(r for r in records if r.warc_file == name)
        assert first.record_type == "warcinfo" and first.offset == 0
    assert warcio("check", *[str(tmp_path / f) for f in files]).returncode == 0
    for ex, rec in zip(written, [r for r in records if r.record_type == "response"]):
        assert (ex.warc_file, ex.offset, ex.length) == (rec.warc_file, rec.offset, rec.length)


def test_metadata_record_round_trip(tmp_path: Path) -> None:
    data = {"type": "report", "page": {"url": "http://a.gov.cn/t.html"}, "attachments": [], "note": "西岩镇"}
    with WarcWriter(tmp_path / "warc") as writer:
        rec = writer.write_metadata("http://a.gov.cn/t.html", data, concurrent_to="<urn:uuid:1>", date=T0)
    stored = read_record(tmp_path, rec.warc_file, rec.offset)
    assert stored.record_type == "metadata" and stored.content_type == "application/json"
    assert stored.json() == data and stored.concurrent_to == "<urn:uuid:1>" and stored.date == "2025-03-01T08:00:00Z"


def test_annotations_have_target_uris_of_their_own(tmp_path: Path) -> None:
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(writer, known, "http://a.gov.cn/t.html", HTML)
        verdict = {"type": "verdict", "url": "http://a.gov.cn/t.html", "verdict": "report"}
        note = writer.write_annotation(verdict, refers_to=ex.record_id, date=T0)
        plain = writer.write_annotation({"type": "listing", "page": "http://a.gov.cn/l.jsp a=1"})
    stored = read_record(tmp_path, note.warc_file, note.offset)
    assert stored.url == note.target_uri == annotation_uri("verdict", note.record_id)
    assert stored.url == "urn:nianbao:verdict:" + note.record_id.strip("<>").removeprefix("urn:uuid:")
    assert stored.warc_header("WARC-Refers-To") == ex.record_id and stored.json() == verdict
    listing = read_record(tmp_path, plain.warc_file, plain.offset)
    assert listing.url.startswith("urn:nianbao:listing:") and listing.warc_header("WARC-Refers-To") is None
    assert listing.json()["page"] == "http://a.gov.cn/l.jsp a=1"  # the page (and POST form) stays in the body
    assert warcio("check", str(tmp_path / note.warc_file)).returncode == 0


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        ("http://a.gov.cn/x.html?q=1&b=%E5%B9%B4", "http://a.gov.cn/x.html?q=1&b=%E5%B9%B4"),
        ("http://a.gov.cn/module/dataproxy.jsp?a=1 col=1", "http://a.gov.cn/module/dataproxy.jsp?a=1%20col=1"),
        ("http://a.gov.cn/年报/2024.html#top", "http://a.gov.cn/%E5%B9%B4%E6%8A%A5/2024.html#top"),
        ('http://a.gov.cn/x?a="b"|{c}^`<d>', "http://a.gov.cn/x?a=%22b%22%7C%7Bc%7D%5E%60%3Cd%3E"),
        ("http://a.gov.cn/100%.html?p=5%2", "http://a.gov.cn/100%25.html?p=5%252"),
        ("http://[::1]:8080/a;b=c?x=[1]&y=@!$'()*+,", "http://[::1]:8080/a;b=c?x=[1]&y=@!$'()*+,"),
    ],
)
def test_warc_uri_percent_encodes_what_a_uri_cannot_hold(url: str, uri: str) -> None:
    assert warc_uri(url) == uri
    assert warc_uri(uri) == uri  # idempotent


def test_exchange_uri_is_written_valid(tmp_path: Path) -> None:
    known = Known()
    url = "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1 col=1&webname=城步"
    with WarcWriter(tmp_path / "warc") as writer:
        ex = exchange(writer, known, url, HTML, method="POST", request_body=b"col=1", metadata={"type": "fetch"})
    assert ex.url == warc_uri(url) and " " not in ex.url and ex.url.isascii()
    records = list(iter_records(tmp_path))
    assert {r.url for r in records if r.record_type in ("response", "request")} == {ex.url}
    request = next(r for r in records if r.record_type == "request")
    assert request.payload == b"col=1"
    check = warcio("check", str(tmp_path / ex.warc_file))
    assert check.returncode == 0 and "Replacing spaces" not in check.stdout + check.stderr


def test_format_warc_date() -> None:
    assert format_warc_date(datetime(2025, 3, 1, 16, 0, 0, 123456, tzinfo=UTC)) == "2025-03-01T16:00:00Z"
    from datetime import timedelta

    beijing = timezone(timedelta(hours=8))
    assert format_warc_date(datetime(2025, 3, 2, 0, 30, tzinfo=beijing)) == "2025-03-01T16:30:00Z"
    assert format_warc_date(datetime(2025, 3, 1, 8)) == "2025-03-01T08:00:00Z"


# --------------------------------------------------------------------------- recovery


def _write_some(tmp_path: Path, n: int = 4) -> tuple[Path, list]:
    known = Known()
    writer = WarcWriter(tmp_path / "warc")
    written = [exchange(writer, known, f"http://a.gov.cn/{i}.html", bytes([65 + i]) * 20000 + HTML) for i in range(n)]
    path = tmp_path / writer.files[0]
    return path, written  # writer left open: its .open marker stays, as after a kill


@pytest.mark.parametrize("cut", [1, 10, 200, -1])
def test_recover_cuts_a_truncated_last_member(tmp_path: Path, cut: int) -> None:
    path, written = _write_some(tmp_path)
    last = written[-1]
    cut_at = last.offset + (cut if cut > 0 else last.length - 1)  # inside the last response member
    with open(path, "r+b") as fh:
        fh.truncate(cut_at)
    assert scan_members(path)[1] == last.offset < cut_at  # the last gzip member is incomplete
    results = recover(tmp_path / "warc")
    assert len(results) == 1 and results[0].good_length == last.offset and results[0].removed == cut_at - last.offset
    assert path.stat().st_size == last.offset
    assert results[0].quarantined.name == f"{path.name}.{last.offset}.tail"
    assert results[0].quarantined.stat().st_size == cut_at - last.offset
    assert not Path(str(path) + ".open").exists()
    check = warcio("check", str(path))
    assert check.returncode == 0, check.stdout
    urls = [r.url for r in iter_records(tmp_path) if r.record_type == "response"]
    assert urls == [w.url for w in written[:-1]]


def test_a_truncated_payload_is_never_returned_as_complete(tmp_path: Path) -> None:
    """warcio accepts a record cut inside its payload; our reader checks the payload digest."""
    known = Known()
    with WarcWriter(tmp_path / "warc") as writer:
        exchange(writer, known, "http://a.gov.cn/1", random.Random(1).randbytes(30000))
        last = exchange(writer, known, "http://a.gov.cn/2", random.Random(2).randbytes(30000))
    path = tmp_path / last.warc_file
    os.truncate(path, last.offset + 5000)
    assert warcio("check", str(path)).returncode == 0  # warcio does not notice
    with pytest.raises(WarcError, match="truncated or corrupt"):
        list(iter_records(tmp_path))
    with pytest.raises(WarcError, match="truncated or corrupt"):
        read_record(tmp_path, last.warc_file, last.offset)
    [result] = recover(tmp_path / "warc", all_files=True)
    assert result.good_length == last.offset
    assert [r.url for r in iter_records(tmp_path) if r.record_type == "response"] == ["http://a.gov.cn/1"]


def test_recover_quarantines_garbage_after_complete_members(tmp_path: Path) -> None:
    path, written = _write_some(tmp_path, 2)
    good = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00garbage that is no deflate stream")
    assert scan_members(path) == (1 + 2 * 2, good)  # warcinfo + 2 x (response, request)
    [result] = recover(tmp_path / "warc")
    assert path.stat().st_size == good and result.removed == 37
    assert warcio("check", str(path)).returncode == 0


def test_recover_leaves_intact_files_alone(tmp_path: Path) -> None:
    path, written = _write_some(tmp_path, 2)
    before = path.read_bytes()
    [result] = recover(tmp_path / "warc")  # the marker says "maybe killed": the scan finds nothing
    assert result.removed == 0 and result.quarantined is None and path.read_bytes() == before
    assert recover(tmp_path / "warc") == []  # marker gone: nothing to check
    assert recover(tmp_path / "warc", all_files=True)[0].removed == 0


def test_recover_removes_a_file_without_any_complete_record(tmp_path: Path) -> None:
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    path = warc_dir / "nianbao-20250301080000000-00000.warc.gz"
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n" + os.urandom(5000))
    path.write_bytes(member[:100])
    Path(str(path) + ".open").write_text("1\n")
    [result] = recover(warc_dir)
    assert not path.exists() and result.quarantined.read_bytes() == member[:100]
    assert warc_files(tmp_path) == []


FULL_DISK = r"""
import random, resource, signal, sys
from datetime import datetime
from pathlib import Path
from archive.store.warc import WarcWriter
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))  # the "disk" holds 200 kB
writer = WarcWriter(Path(sys.argv[1]) / "warc")
n = 0
try:
    while True:
        writer.write_exchange(f"http://a.gov.cn/{n}", method="GET", request_headers=[], request_body=None,
                              status=200, reason="OK", response_headers=[], payload=random.Random(n).randbytes(30_000),
                              fetched=datetime(2025, 3, 1), known_payload=lambda sha: None)
        n += 1
except OSError as exc:
    print(n, exc.errno)
"""


def test_a_failed_write_leaves_no_partial_record(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    written, errno = map(int, proc.stdout.split())
    assert written == 6 and errno == 27  # EFBIG on the 7th record
    [path] = warc_files(tmp_path)
    assert scan_members(path) == (1 + 2 * written, path.stat().st_size)  # no partial member
    assert warcio("check", str(path)).returncode == 0
    assert len([r for r in iter_records(tmp_path) if r.record_type == "response"]) == written
