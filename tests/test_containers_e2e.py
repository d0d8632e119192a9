"""JSON Lines and WARC files in the seeds folder, through the whole Dagster graph: one document per record."""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import tracemalloc

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimhouse import containers, steps
from claimhouse.warehouse import connect
from conftest import SEEDS, query, run_pipeline

ARTICLE = ("<html><head><title>{title} | Example News</title></head><body><nav>Home | World | Sport</nav>"
           "<article><h1>{title}</h1><p>{p1}</p><p>{p2}</p></article><footer>Subscribe to our newsletter</footer>"
           "</body></html>")


def _warc() -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    pages = [
        ("https://example.org/a", "Port reopens after storm",
         "The harbour master said on Monday that the port would reopen to cargo ships on Wednesday.",
         "About 40 vessels had been waiting offshore since the storm closed the port last week."),
        ("https://example.org/b", "City council approves new budget",
         "The city council approved a budget of $12 million for road repairs, the mayor said.",
         "According to the finance office, the plan covers 35 kilometres of streets."),
    ]
    for url, title, p1, p2 in pages:
        body = ARTICLE.format(title=title, p1=p1, p2=p2).encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      http_headers=headers))
    png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.org/logo.png", "response",
                                                  payload=io.BytesIO(b"\x89PNG...."), http_headers=png))
    return buf.getvalue()


def test_jsonl_and_warc_records_become_documents(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "crawl.warc.gz").write_bytes(_warc())
    lines = [
        {"url": "https://example.net/x", "text": "Officials said on Friday that 120 families had been evacuated "
                                                  "from the valley after the river rose overnight."},
        {"url": "https://example.net/y", "html": ARTICLE.format(
            title="Train line to close", p1="The rail operator said the line would close for 3 weeks in June.",
            p2="Buses will replace trains between the two towns, a spokeswoman told reporters.")},
        "this line is not json",
    ]
    (seeds / "dump.jsonl").write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n",
                                      encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    docs = {p.rsplit("/", 1)[1]: (fmt, url) for p, fmt, url in query(
        wh, "select r.source_path, r.source_format, d.url from raw.documents r "
            "left join staging.documents d using (doc_id) where r.source_path like '%#%'")}
    assert docs["crawl.warc.gz#0"][0] == "warc" and docs["crawl.warc.gz#1"][0] == "warc"
    assert docs["dump.jsonl#0"][0] == "jsonl" and docs["dump.jsonl#1"][0] == "jsonl"
    assert len([k for k in docs if k.startswith("crawl")]) == 2  # the PNG response is not a document
    rejected = query(wh, "select source_path, reason from quarantine.documents where source_path like '%dump.jsonl#2'")
    assert rejected and rejected[0][1] == "malformed_json"
    claims = query(wh, """select c.source_text, c.content_text from core.claims c join staging.documents d
                          using (doc_id) where d.source_path like '%crawl.warc.gz#0' and c.claim_type = 'attribution'""")
    assert any("harbour master" in (s or "") and "reopen" in c for s, c in claims), claims
    assert query(wh, "select count(*) from raw.file_documents where source_path like '%crawl.warc.gz'")[0][0] == 2
    # the same run again changes nothing
    before = query(wh, "select count(*) from raw.documents")[0][0]
    assert run_pipeline(seeds, wh).success
    assert query(wh, "select count(*) from raw.documents")[0][0] == before


WORDS = ("minister said talks would resume next week after the storm closed the port and about forty vessels "
         "waited offshore while the council approved a budget for road repairs according to the finance office").split()


def _big_warc(path, gz: bool, pages: int, oversized_at: int) -> list[str]:
    """A WARC of many HTML responses (one of them over the 1 MiB test limit) and some images.

    Returns the URL of each document (HTML 2xx response), in order.
    """
    rng = random.Random(11)
    urls = []
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "claimhouse-tests"}))
        for i in range(pages):
            url = f"https://example.org/story/{i}"
            words = 1024 * 1024 // 5 if i == oversized_at else 1000
            text = " ".join(f"{rng.choice(WORDS)} {rng.randrange(10**6)}" for _ in range(words))
            body = ARTICLE.format(title=f"Story {i}", p1=text, p2=f"Story number {i}.").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
            urls.append(url)
            if i % 50 == 0:
                png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://example.org/{i}.png", "response",
                                                              payload=io.BytesIO(b"\x89PNG" + bytes(2000)),
                                                              http_headers=png))
    return urls


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_bigger_than_the_size_limit_is_streamed(tmp_path, monkeypatch, gz):
    """A WARC file over the input limit is read record by record, from a file object: every record
    lands in raw.documents (an oversized one is quarantined), and re-runs duplicate nothing."""
    limit = 1024 * 1024
    monkeypatch.setattr(steps, "MAX_INPUT_BYTES", limit)
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", limit)
    monkeypatch.setattr(steps, "SCAN_BATCH_BYTES", limit // 4)  # documents land in several transactions
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    warc = seeds / ("big.warc.gz" if gz else "big.warc")
    urls = _big_warc(warc, gz, pages=400, oversized_at=123)
    size = warc.stat().st_size
    assert size > 2 * limit

    readers = []
    iter_warc = containers.iter_warc

    def spy(f, source_path):
        readers.append(f)
        return iter_warc(f, source_path)

    def whole_file(data, source_path):
        raise AssertionError("the WARC was read into memory whole")

    monkeypatch.setattr(containers, "iter_warc", spy)
    monkeypatch.setattr(containers, "iter_records", whole_file)
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        (tmp_path / "empty").mkdir()
        steps.scan(con, tmp_path / "empty")  # imports done, schema made: not counted below
        tracemalloc.start()
        try:
            result = steps.scan(con, seeds)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(readers) == 1 and hasattr(readers[0], "read") and not isinstance(readers[0], bytes)
        assert peak < size  # bounded by the batch and the largest record: the file is never in memory whole

        path = str(warc.resolve())
        docs = dict(con.execute("select source_path, source_format from raw.documents").fetchall())
        expected = [f"{path}#{i}" for i in range(len(urls)) if i != 123]
        assert sorted(docs) == sorted(expected)
        assert set(docs.values()) == {"warc"}
        assert result.written == len(expected)
        assert con.execute("select source_path, reason from quarantine.documents").fetchall() == [
            (f"{path}#123", "too_large")]
        assert con.execute("select count(*) from raw.file_documents where source_path = ?",
                           [path]).fetchone()[0] == len(expected)
        assert con.execute("select content_sha256 from raw.files").fetchall() == [
            (hashlib.sha256(warc.read_bytes()).hexdigest(),)]
        sample = con.execute("select content from raw.documents where source_path = ?", [f"{path}#7"]).fetchone()[0]
        assert b"Story number 7." in sample

        def counts():
            return [con.execute(f"select count(*) from {t}").fetchone()[0]
                    for t in ("raw.documents", "raw.files", "raw.file_documents", "quarantine.documents")]

        before = counts()
        assert steps.scan(con, seeds).written == 0  # unchanged: not read again
        os.utime(warc, ns=(warc.stat().st_atime_ns, warc.stat().st_mtime_ns + 10**9))
        again = steps.scan(con, seeds)  # touched: read again, same content
        assert again.processed == 1 and again.written == 0
        assert counts() == before


def test_warc_http_charset_decodes_a_page_that_declares_none(tmp_path):
    """A record's HTTP Content-Type charset decodes its bytes (the page itself declares nothing),
    is kept as raw.documents.encoding, and the cleaning step decodes with it again."""
    from claimhouse.ingest import detect

    sentence = "Президент заявил, что переговоры продолжатся в понедельник в Стамбуле."
    body = (f"<html><head><title>Новости</title></head><body><article><h1>Переговоры</h1>"
            f"<p>{sentence}</p><p>{sentence}</p></article></body></html>").encode("cp1251")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=windows-1251")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.ru/a", "response", payload=io.BytesIO(body),
                                                  http_headers=headers))
    (seeds / "crawl.warc").write_bytes(buf.getvalue())
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success  # the whole graph, as `claimhouse run`
    with connect(wh, read_only=True) as con:
        path, content, encoding = con.execute("select source_path, content, encoding from raw.documents").fetchone()
        text, language = con.execute("select text, language from staging.documents").fetchone()
        refused = con.execute("select stage, reason from quarantine.documents").fetchall()
    assert encoding == "windows-1251"
    assert sentence in detect(content, path, encoding).content
    assert sentence in text and language == "ru"  # Russian, not mojibake
    assert refused == [("core", "unsupported_language")]  # claims are extracted from English only
