"""JSON Lines and WARC files in the seeds folder, through the whole Dagster graph: one document per record."""
from __future__ import annotations

import io
import json
import shutil

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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
