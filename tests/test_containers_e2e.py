"""JSON Lines and WARC files in the seeds folder, through the whole Dagster graph: one document per record."""
from __future__ import annotations

import io
import json
import shutil

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimhouse.ingest import containers

pass
from conftest import SEEDS, query, run_pipeline
from warc_pages import ARTICLE, big_warc

from claimhouse.steps import raw as raw_steps
from claimhouse.warehouse.db import connect


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


def test_warc_over_the_size_limit_through_the_whole_graph(tmp_path, monkeypatch):
    """A WARC over the input limit, through the whole Dagster graph (as `claimhouse run`): read
    record by record (never whole), its oversized record quarantined at raw as too_large, every other
    page cleaned and analysed; a second run duplicates nothing. (The scan's memory bound:
    tests/test_scan_streaming.py.)"""
    limit = 64 * 1024
    monkeypatch.setattr(raw_steps, "MAX_INPUT_BYTES", limit)
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", limit)
    monkeypatch.setattr(raw_steps, "SCAN_BATCH_BYTES", limit // 4)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    warc = seeds / "big.warc"
    urls = big_warc(warc, False, pages=24, oversized_at=5, words=120, limit=limit)
    assert warc.stat().st_size > 2 * limit

    def whole_file(data, source_path):
        raise AssertionError("the WARC was read into memory whole")

    monkeypatch.setattr(containers, "iter_records", whole_file)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    path = str(warc.resolve())
    expected = sorted(f"{path}#{i}" for i in range(len(urls)) if i != 5)
    assert sorted(r[0] for r in query(wh, "select source_path from raw.documents")) == expected
    assert query(wh, "select source_path, stage, reason from quarantine.documents") == [(f"{path}#5", "raw", "too_large")]
    assert sorted(r[0] for r in query(wh, "select source_path from staging.documents")) == expected
    assert query(wh, "select count(*) from core.analysed_documents")[0][0] == len(expected)
    assert query(wh, "select title from staging.documents where source_path = ?", [f"{path}#7"]) == [("Story 7",)]
    tables = ("raw.documents", "staging.documents", "core.sentences", "core.claims", "quarantine.documents")
    before = [query(wh, f"select count(*) from {t}")[0][0] for t in tables]
    assert run_pipeline(seeds, wh).success
    assert [query(wh, f"select count(*) from {t}")[0][0] for t in tables] == before


def test_warc_http_charset_decodes_a_page_that_declares_none(tmp_path):
    """A record's HTTP Content-Type charset decodes its bytes (the page itself declares nothing),
    is kept as raw.documents.encoding, and the cleaning step decodes with it again."""
    from claimhouse.ingest.formats import detect

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
