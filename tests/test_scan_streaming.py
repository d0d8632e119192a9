"""The scan step reads a WARC file over the input size limit record by record, from a file object."""
from __future__ import annotations

import hashlib
import os
import tracemalloc

import pytest
from warc_pages import big_warc

from claimhouse.ingest import containers
from claimhouse.steps import raw as raw_steps
from claimhouse.warehouse.db import connect


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_bigger_than_the_size_limit_is_streamed(tmp_path, monkeypatch, gz):
    """A WARC file over the input limit is read record by record, from a file object: every record
    lands in raw.documents (an oversized one is quarantined), and re-runs duplicate nothing."""
    limit = 1024 * 1024
    monkeypatch.setattr(raw_steps, "MAX_INPUT_BYTES", limit)
    monkeypatch.setattr(containers, "MAX_DECOMPRESSED", limit)
    monkeypatch.setattr(raw_steps, "SCAN_BATCH_BYTES", limit // 4)  # documents land in several transactions
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    warc = seeds / ("big.warc.gz" if gz else "big.warc")
    urls = big_warc(warc, gz, pages=400, oversized_at=123)
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
        raw_steps.scan(con, tmp_path / "empty")  # imports done, schema made: not counted below
        tracemalloc.start()
        try:
            result = raw_steps.scan(con, seeds)
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
        assert raw_steps.scan(con, seeds).written == 0  # unchanged: not read again
        os.utime(warc, ns=(warc.stat().st_atime_ns, warc.stat().st_mtime_ns + 10**9))
        again = raw_steps.scan(con, seeds)  # touched: read again, same content
        assert again.processed == 1 and again.written == 0
        assert counts() == before
