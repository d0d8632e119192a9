"""Publishing the warehouse (claimhouse.warehouse.db.publish): a copy whose cost is what changed.

The version replaced is kept under a hidden name and brought up to date next time by writing only the
blocks whose checksum differs; a reader holding that older version open, or a file of another layout,
makes the publish copy the whole file instead. Whatever the route, the published file is byte for byte
the checkpointed working file, and a reader keeps the complete version it opened.
"""
from __future__ import annotations

import filecmp
import os

import duckdb
import pytest

from claimhouse.warehouse.db import connect, publish, published_path, spare_path


def _add_documents(con, first: int, n: int, words: int = 400) -> None:
    con.execute("create table if not exists core.notes (doc_id varchar, body varchar)")
    con.execute("insert into core.notes select 'd' || (? + i)::varchar, repeat('claim text ' || i::varchar || ' ', ?) "
                "from range(?) t(i)", [first, words, n])


def _notes(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from core.notes").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path):
    wh = tmp_path / "claimhouse.duckdb"
    with connect(wh) as con:
        _add_documents(con, 0, 20_000)  # about 80 MB of text: a few hundred blocks
        yield wh, con


def test_the_second_publish_writes_only_what_changed_and_is_byte_identical(warehouse):
    wh, con = warehouse
    first = publish(con, wh)
    assert first["how"] == "copied" and not spare_path(published_path(wh)).exists()
    second = publish(con, wh)  # nothing new: the first version becomes the spare, then the copy is patched
    assert second["how"] == "copied" and spare_path(published_path(wh)).exists()
    _add_documents(con, 20_000, 50)
    third = publish(con, wh)
    size = wh.stat().st_size
    print(f"file {size:,} bytes; patched with {third['written']:,} bytes")
    assert third["how"] == "patched"
    assert third["written"] < size / 5
    assert filecmp.cmp(wh, published_path(wh), shallow=False)
    assert _notes(published_path(wh)) == 20_050
    fourth = publish(con, wh)  # the spare is two versions old now: both changes are written
    assert fourth["how"] == "patched" and filecmp.cmp(wh, published_path(wh), shallow=False)


def test_a_reader_of_the_older_version_keeps_it_whole_and_the_publish_copies(warehouse):
    wh, con = warehouse
    publish(con, wh)
    reader = duckdb.connect(str(published_path(wh)), read_only=True)  # holds version 1 open
    try:
        _add_documents(con, 20_000, 10)
        publish(con, wh)  # version 1 is now the spare, still open in the reader
        _add_documents(con, 30_000, 10)
        third = publish(con, wh)
        assert third["how"] == "copied"  # the spare was locked by the reader: not written
        assert reader.execute("select count(*) from core.notes").fetchone()[0] == 20_000
        assert reader.execute("select count(distinct body) from core.notes").fetchone()[0] == 20_000
    finally:
        reader.close()
    assert filecmp.cmp(wh, published_path(wh), shallow=False) and _notes(published_path(wh)) == 20_020
    _add_documents(con, 40_000, 10)
    assert publish(con, wh)["how"] == "patched"  # the reader is gone: patching again
    assert filecmp.cmp(wh, published_path(wh), shallow=False)


def test_a_foreign_spare_is_replaced_by_a_whole_copy_and_a_cut_one_is_completed(warehouse):
    wh, con = warehouse
    publish(con, wh)
    publish(con, wh)
    spare = spare_path(published_path(wh))
    spare.write_bytes(b"not a duckdb file" * 1000)
    _add_documents(con, 20_000, 10)
    done = publish(con, wh)
    assert done["how"] == "copied" and filecmp.cmp(wh, published_path(wh), shallow=False)
    with open(spare, "r+b") as f:  # a real older version whose blocks are cut short
        f.truncate(os.path.getsize(spare) // 2 + 12345)
    _add_documents(con, 30_000, 10)
    done = publish(con, wh)  # the whole blocks that are left are compared, the rest is written
    assert done["how"] == "patched" and filecmp.cmp(wh, published_path(wh), shallow=False)
    assert _notes(published_path(wh)) == 20_020


def test_leftovers_of_a_killed_publish_are_removed(warehouse):
    wh, con = warehouse
    pub = published_path(wh)
    stale = pub.with_name(f".{pub.name}.99999.old.tmp")
    stale.write_bytes(b"x")
    publish(con, wh)
    assert not stale.exists()
    assert sorted(p.name for p in wh.parent.iterdir() if p.name.startswith(".")) == []
