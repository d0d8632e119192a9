"""Splitting WARC archives and JSON Lines dumps into documents (claimhouse.ingest.containers)."""
from __future__ import annotations

import gzip
import io
import json
import random
from datetime import datetime, timezone

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimhouse.ingest import containers
from claimhouse.ingest.containers import (
    Record,
    RejectedRecord,
    container_kind,
    iter_records,
)

PAGES = [
    ("https://news.example.com/a", "text/html; charset=utf-8",
     "<html><head><title>A</title></head><body><p>Minister said “yes”.</p></body></html>".encode("utf-8")),
    ("https://news.example.com/b", 'text/html; charset="ISO-8859-1"',
     "<!doctype html><html><body><p>Caf\u00e9 owners said no.</p></body></html>".encode("latin-1")),
    ("https://news.example.com/c", "application/xhtml+xml",
     b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>C</p></body></html>'),
]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
WARC_DATE = "2025-03-04T05:06:07Z"


def _response(writer, url, content_type, body, status="200 OK", extra=()):
    http = StatusAndHeaders(status, [("Content-Type", content_type),
                                     ("Content-Length", str(len(body))), *extra], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                     warc_headers_dict={"WARC-Date": WARC_DATE})


def _records(writer):
    """warcinfo, request, HTML, image, HTML, HTML (in that order)."""
    recs = [writer.create_warcinfo_record("crawl.warc", {"software": "claimhouse-tests"})]
    req = StatusAndHeaders("GET /a HTTP/1.1", [("Host", "news.example.com")], is_http_request=True)
    recs.append(writer.create_warc_record(PAGES[0][0], "request", payload=io.BytesIO(b""), http_headers=req))
    recs.append(_response(writer, *PAGES[0]))
    recs.append(_response(writer, "https://news.example.com/logo.png", "image/png", PNG))
    recs.append(_response(writer, *PAGES[1]))
    recs.append(_response(writer, *PAGES[2]))
    return recs


def _warc(gz: bool, records=_records) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for rec in records(writer):
        writer.write_record(rec)
    return buf.getvalue()


@pytest.fixture(params=[False, True], ids=["warc", "warc.gz"])
def warc_bytes(request):
    return _warc(request.param)


def test_warc_detected_from_content(warc_bytes):
    assert container_kind(warc_bytes, "seeds/crawl.bin") == "warc"
    if warc_bytes[:2] == b"\x1f\x8b":
        assert gzip.decompress(warc_bytes).startswith(b"WARC/1.")  # gzip per record, still gzip


def test_warc_yields_one_record_per_html_response(warc_bytes):
    items = list(iter_records(warc_bytes, "seeds/crawl.warc"))
    assert all(isinstance(it, Record) for it in items), items
    assert [it.source_path for it in items] == ["seeds/crawl.warc#0", "seeds/crawl.warc#1", "seeds/crawl.warc#2"]
    assert [it.url for it in items] == [p[0] for p in PAGES]
    assert [it.data for it in items] == [p[2] for p in PAGES]
    assert [it.http_charset for it in items] == ["utf-8", "iso-8859-1", None]
    assert all(it.fetched_at == datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc) for it in items)


def test_warc_is_stable():
    data = _warc(True)
    first = list(iter_records(data, "x"))
    assert first == list(iter_records(data, "x"))


def test_warc_http_encodings_are_decoded():
    html = b"<html><body><p>" + b"compressed words " * 200 + b"</p></body></html>"
    zipped = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(zipped[i:i + 100]), zipped[i:i + 100])
                       for i in range(0, len(zipped), 100)) + b"0\r\n\r\n"

    def records(writer):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                           ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
        return [writer.create_warc_record("https://e.example/z", "response", payload=io.BytesIO(chunked),
                                          http_headers=http)]

    [item] = list(iter_records(_warc(True, records), "z.warc.gz"))
    assert item.data == html


def test_warc_skips_non_2xx_and_non_http_responses():
    def records(writer):
        return [
            _response(writer, "https://e.example/old", "text/html", b"<html>Moved</html>", status="301 Moved",
                      extra=[("Location", "https://e.example/new")]),
            writer.create_warc_record("dns:e.example", "response", payload=io.BytesIO(b"e.example. 60 IN A 1.2.3.4"),
                                      warc_content_type="text/dns"),
            _response(writer, "https://e.example/new", "TEXT/HTML;charset=UTF-8", b"<html>New</html>"),
        ]

    items = list(iter_records(_warc(False, records), "r.warc"))
    assert [(it.source_path, it.url, it.data, it.http_charset) for it in items] == [
        ("r.warc#0", "https://e.example/new", b"<html>New</html>", "utf-8")]


def test_corrupt_gzip_member_is_rejected_and_iteration_goes_on():
    members = []
    for rec in _records(WARCWriter(io.BytesIO(), gzip=True)):
        buf = io.BytesIO()
        WARCWriter(buf, gzip=True).write_record(rec)
        members.append(buf.getvalue())
    bad = bytearray(members[2])  # first HTML response
    bad[len(bad) // 2:len(bad) // 2 + 8] = b"\xff" * 8
    data = b"".join(members[:2]) + bytes(bad) + b"".join(members[3:])
    assert container_kind(data, "c.warc.gz") == "warc"
    items = list(iter_records(data, "c.warc.gz"))
    assert isinstance(items[0], RejectedRecord) and items[0].reason == "corrupt_record"
    assert items[0].source_path == "c.warc.gz#0"
    assert [(it.source_path, it.url) for it in items[1:]] == [
        ("c.warc.gz#1", PAGES[1][0]), ("c.warc.gz#2", PAGES[2][0])]


def test_garbage_between_plain_records_and_truncated_tail():
    data = _warc(False)
    cut = data.index(b"WARC/1.", data.index(PAGES[1][0].encode()) - 400)  # the record of page b
    data = data[:cut] + b"garbage that is not a record\r\n\r\n" + data[cut:]
    data = data[:-40]  # truncate the last record
    items = list(iter_records(data, "t.warc"))
    assert [type(it).__name__ for it in items] == ["Record", "RejectedRecord", "Record", "RejectedRecord"]
    assert [it.source_path for it in items] == ["t.warc#0", "t.warc#1", "t.warc#2", "t.warc#3"]
    assert items[0].data == PAGES[0][2] and items[2].data == PAGES[1][2]
    assert {items[1].reason, items[3].reason} == {"corrupt_record"}
    assert "truncated" in items[3].detail


def test_whole_file_gzip_warc():
    data = gzip.compress(_warc(False))
    assert container_kind(data, "w.warc.gz") == "warc"
    assert [it.url for it in iter_records(data, "w.warc.gz")] == [p[0] for p in PAGES]


@pytest.mark.parametrize("gz", [False, True])
def test_oversized_record_is_too_large(monkeypatch, gz):
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", 150)

    def records(writer):
        return [_response(writer, "https://e.example/big", "text/html", b"<html>" + b"x" * 500 + b"</html>"),
                _response(writer, "https://e.example/big.png", "image/png", PNG),  # large but not HTML: skipped
                _response(writer, "https://e.example/small", "text/html", b"<p>s</p>")]

    items = list(iter_records(_warc(gz, records), "b.warc"))
    assert [(type(it).__name__, it.source_path) for it in items] == [
        ("RejectedRecord", "b.warc#0"), ("Record", "b.warc#1")]
    assert items[0].reason == "too_large"
    assert items[1].data == b"<p>s</p>"


class _ShortReads(io.RawIOBase):
    """A binary file that returns at most 7 bytes per read, and records how far it was read."""

    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)

    def readable(self):
        return True

    def read(self, n=-1):
        return self._f.read(7 if n is None or n < 0 else min(n, 7))

    def at_end(self) -> bool:
        return self._f.tell() == len(self._f.getvalue())


def test_iter_warc_streams_from_a_file_object(warc_bytes):
    f = _ShortReads(warc_bytes + b"\r\n")
    assert list(containers.iter_warc(f, "s.warc")) == list(iter_records(warc_bytes, "s.warc"))
    assert f.at_end()  # read to the end, so a caller can hash the whole file as it is read


@pytest.mark.parametrize("gz", [False, True])
def test_warc_bigger_than_the_record_limit(monkeypatch, gz):
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", 2000)

    def records(writer):
        return [_response(writer, f"https://e.example/{i}", "text/html", b"<p>%d</p>" % i) for i in range(300)]

    data = _warc(gz, records)
    assert len(data) > 10 * 2000
    items = list(containers.iter_warc(_ShortReads(data), "big.warc"))
    assert [it.url for it in items] == [f"https://e.example/{i}" for i in range(300)]
    assert [it.source_path for it in items] == [f"big.warc#{i}" for i in range(300)]


@pytest.mark.parametrize("limit", [300_000, 100_000])  # the big record is under, then over the limit
def test_gzip_members_that_inflate_in_many_steps(monkeypatch, limit):
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", limit)
    rng = random.Random(5)
    words = [b"minister", b"said", b"talks", b"would", b"resume", b"next", b"week"]
    big = b"<html><body><p>" + b" ".join(rng.choice(words) for _ in range(30_000)) + b"</p></body></html>"

    def records(writer):
        return [_response(writer, "https://e.example/0", "text/html", b"<p>0</p>"),
                _response(writer, "https://e.example/big", "text/html", big),
                _response(writer, "https://e.example/2", "text/html", b"<p>2</p>")]

    items = list(containers.iter_warc(io.BytesIO(_warc(True, records)), "m.warc.gz"))
    assert [(type(it).__name__, it.source_path) for it in items] == [
        ("Record", "m.warc.gz#0"), ("Record" if limit > len(big) else "RejectedRecord", "m.warc.gz#1"),
        ("Record", "m.warc.gz#2")]
    assert items[2].data == b"<p>2</p>"
    if limit > len(big):
        assert items[1].data == big


def test_whole_file_gzip_warc_bigger_than_the_record_limit(monkeypatch):
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", 2000)

    def records(writer):
        return [_response(writer, f"https://e.example/{i}", "text/html", b"<p>%d</p>" % i) for i in range(300)]

    data = gzip.compress(_warc(False, records))  # one gzip member for the whole file
    items = list(containers.iter_warc(io.BytesIO(data), "w.warc.gz"))
    assert [it.url for it in items] == [f"https://e.example/{i}" for i in range(300)]


def test_truncated_gzip_member_then_good_members():
    members = []
    for rec in _records(WARCWriter(io.BytesIO(), gzip=True)):
        buf = io.BytesIO()
        WARCWriter(buf, gzip=True).write_record(rec)
        members.append(buf.getvalue())
    for cut in (12, len(members[2]) // 2, len(members[2]) - 4):
        data = b"".join(members[:2]) + members[2][:cut] + b"".join(members[3:])
        items = list(containers.iter_warc(io.BytesIO(data), "t.warc.gz"))
        assert [(type(it).__name__, getattr(it, "url", None)) for it in items] == [
            ("RejectedRecord", None), ("Record", PAGES[1][0]), ("Record", PAGES[2][0])]


JSONL_LINES = [
    json.dumps({"url": "https://a.example/1", "html": "<html><body><p>Caf\u00e9 \u2028 one</p></body></html>"}),
    json.dumps({"url": "https://a.example/2", "text": "Plain text of page two.\nSecond line."}),
    "",
    '{"url": "https://a.example/3", "html": "<p>cut',
    json.dumps({"url": "https://a.example/4", "title": "no body"}),
    json.dumps({"url": "https://a.example/5", "text": "Page five."}, ensure_ascii=False),
    json.dumps({"html": "<p>no url</p>"}),
    json.dumps({"url": "https://a.example/7", "html": "<p>seven</p>", "text": "ignored"}),
]


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl(gz):
    data = "\n".join(JSONL_LINES).encode("utf-8") + b"\n"
    if gz:
        data = gzip.compress(data)
    assert container_kind(data, "dump.jsonl") == "jsonl"
    items = list(iter_records(data, "dump.jsonl"))
    assert [it.source_path for it in items] == [f"dump.jsonl#{i}" for i in range(7)]
    docs = [it for it in items if isinstance(it, Record)]
    assert [(d.url, d.data) for d in docs] == [
        ("https://a.example/1", "<html><body><p>Caf\u00e9 \u2028 one</p></body></html>".encode("utf-8")),
        ("https://a.example/2", b"Plain text of page two.\nSecond line."),
        ("https://a.example/5", b"Page five."),
        ("https://a.example/7", b"<p>seven</p>"),
    ]
    assert all(d.fetched_at is None and d.http_charset is None for d in docs)
    rejected = {it.source_path: it.reason for it in items if isinstance(it, RejectedRecord)}
    assert rejected == {"dump.jsonl#2": "malformed_json", "dump.jsonl#3": "missing_field",
                        "dump.jsonl#5": "missing_field"}


WORDPRESS = {"id": 7, "link": "https://blog.example/p/7", "date": "2025-01-01T00:00:00",
             "title": {"rendered": "Post"}, "content": {"rendered": "<p>Body</p>"}}


@pytest.mark.parametrize("data", [
    json.dumps(WORDPRESS, indent=2).encode(),
    json.dumps(WORDPRESS).encode(),
    json.dumps({**WORDPRESS, "url": "https://blog.example/p/7"}, indent=2).encode(),
    gzip.compress(json.dumps(WORDPRESS).encode()),
    b"Officials said on Monday that the bridge would reopen.\nMore text here.\n",
    b"{not json at all}\nplain line\nanother plain line\n",
    b"<!doctype html><html><body><p>WARC/1.0 is a format</p></body></html>",
    b"",
    b"\n\n",
    b"\x1f\x8b\x08\x00garbage",
    json.dumps([{"url": "https://a.example", "html": "<p>x</p>"}]).encode(),
], ids=["wp-pretty", "wp-compact", "wp-with-url", "wp-gz", "text", "text-brace", "html", "empty", "blank",
        "bad-gzip", "json-array"])
def test_not_containers(data):
    assert container_kind(data, "seeds/doc.jsonl") is None


def test_gzip_bomb_record_is_cut_and_too_large(monkeypatch):
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", 2000)
    monkeypatch.setattr(containers, "_MAX_HEADER", 1000)

    def records(writer):
        return [_response(writer, "https://e.example/bomb", "text/html", b"<html>" + b" " * 50_000 + b"</html>"),
                _response(writer, "https://e.example/ok", "text/html", b"<p>ok</p>")]

    data = _warc(True, records)
    assert len(data) < 2000
    items = list(iter_records(data, "g.warc.gz"))
    assert [(type(it).__name__, getattr(it, "reason", None)) for it in items] == [
        ("RejectedRecord", "too_large"), ("Record", None)]
    assert items[1].url == "https://e.example/ok"
