"""Two writers on one DuckDB file: a per-document step's SharedConnection lets go of the file while it waits
for its workers, when another process asks for it, and takes it back at its next statement."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from claimhouse.parallel import map_batches
from claimhouse.warehouse import db

ROOT = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys
    from claimhouse.warehouse import db
    with db.connect(sys.argv[1], wait_seconds=60) as con:
        con.execute("insert into scratch_t values (?)", [int(sys.argv[2])])
    print("wrote", sys.argv[2])
""")


def _other_writer(path: Path, value: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(value)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _double(batch: list[int]) -> list[int]:
    time.sleep(0.3)
    return [x * 2 for x in batch]


def test_a_shared_connection_lets_a_waiting_writer_in_and_takes_the_file_back(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path, shared=True) as con:
        assert isinstance(con, db.SharedConnection)
        con.execute("create table scratch_t (v integer)")
        con.execute("insert into scratch_t values (1)")
        db.idle(con)  # nobody waits: the file stays open
        assert con.releases == 0
        other = _other_writer(path, 2)
        deadline = time.monotonic() + 90
        while other.poll() is None and time.monotonic() < deadline:
            db.idle(con)  # what a step does while its workers parse
            time.sleep(0.1)
        out, err = other.communicate(timeout=30)
        assert other.returncode == 0, err
        assert out.strip() == "wrote 2"
        assert con.releases == 1
        assert not db.waiting_flag(path).exists()  # the waiter took its signal back once it had the file
        con.execute("insert into scratch_t values (3)")  # opens the file again
        assert [r[0] for r in con.execute("select v from scratch_t order by v").fetchall()] == [1, 2, 3]


def test_a_shared_connection_keeps_the_file_inside_a_transaction(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path, shared=True) as con:
        con.execute("create table scratch_t (v integer)")
        db.waiting_flag(path).touch()  # as if another process were waiting
        con.begin()
        con.execute("insert into scratch_t values (1)")
        db.idle(con)
        assert con.releases == 0
        con.commit()
        db.idle(con)
        assert con.releases == 1
        assert con.execute("select count(*) from scratch_t").fetchone()[0] == 1


def test_a_stale_waiting_signal_is_ignored(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path, shared=True) as con:
        flag = db.waiting_flag(path)
        flag.touch()
        old = time.time() - db.WAITING_FRESH_SECONDS - 5
        import os

        os.utime(flag, (old, old))
        db.idle(con)
        assert con.releases == 0


def test_the_waiting_signal_is_read_by_the_disk_s_clock_not_this_host_s(tmp_path, monkeypatch):
    # hosts sharing a disk: a file's time is the file server's; this host's clock may be far off
    path = tmp_path / "w.duckdb"
    with db.connect(path, shared=True) as con:
        db.waiting_flag(path).touch()
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 3600)  # this host's clock an hour ahead
        assert db.others_waiting(path)
        db.idle(con)
        assert con.releases == 1


@pytest.mark.parametrize("workers", [1])
def test_map_batches_calls_on_wait_while_it_waits_for_workers(workers):
    calls = []
    out = list(map_batches(_double, ([i] for i in range(3)), workers, 3, on_wait=lambda: calls.append(1)))
    assert out == [[0], [2], [4]]
    assert len(calls) >= 3  # at least once per result waited for


def test_map_batches_in_this_process_calls_on_wait_before_each_batch():
    calls = []
    out = list(map_batches(_double, ([i] for i in range(3)), 0, 3, on_wait=lambda: calls.append(1)))
    assert out == [[0], [2], [4]]
    assert len(calls) == 3


def test_a_shared_connection_waits_longer_for_its_turn_than_other_steps(tmp_path):
    """A per-document step may overlap a corpus-wide step of another run, which holds the file for its whole
    length: it waits up to CLAIMHOUSE_SHARED_LOCK_WAIT_SECONDS (default an hour), not the 120 s of the others."""
    with db.connect(tmp_path / "w.duckdb", shared=True) as con:
        assert con._wait == db.SHARED_LOCK_WAIT_SECONDS >= db.LOCK_WAIT_SECONDS
    with db.connect(tmp_path / "w.duckdb", shared=True, wait_seconds=5) as con:
        assert con._wait == 5


def _race(monkeypatch, module, step, con):
    """Make ``module``'s step meet a second run of ``step`` (the same documents pending, as for a page found
    in two ingest batches) that writes them all while the first step's workers run its first batch."""
    real = module.map_batches
    other: dict = {}

    def racing(*args, **kwargs):
        for i, out in enumerate(real(*args, **kwargs)):
            if i == 0 and not other:
                monkeypatch.setattr(module, "map_batches", real)
                other["result"] = step(con)
            yield out

    monkeypatch.setattr(module, "map_batches", racing)
    return other


def test_a_document_another_step_wrote_meanwhile_is_written_once(tmp_path, monkeypatch):
    import shutil

    from conftest import SEEDS

    from claimhouse.steps import core as core_steps
    from claimhouse.steps import raw as raw_steps
    from claimhouse.steps import staging as staging_steps

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    with db.connect(tmp_path / "w.duckdb") as con:
        raw_steps.scan(con, seeds)
        n = con.execute("select count(*) from raw.documents").fetchone()[0]
        assert n == 5

        other = _race(monkeypatch, staging_steps, lambda c: staging_steps.clean_pending(c, workers=0), con)
        mine = staging_steps.clean_pending(con, workers=0)
        assert other["result"].written == 5
        assert (mine.processed, mine.written) == (5, 0)  # cleaned too, but found written: not written again
        assert con.execute("select count(*), count(distinct doc_id) from staging.documents").fetchone() == (5, 5)

        other = _race(monkeypatch, core_steps, lambda c: core_steps.analyse_pending(c, workers=0), con)
        mine = core_steps.analyse_pending(con, workers=0)
        assert other["result"].written == 5
        assert (mine.processed, mine.written) == (5, 0)
        assert con.execute("select count(*), count(distinct doc_id) from core.analysed_documents").fetchone() == (5, 5)
        sentences, distinct, recorded = con.execute("""select count(*), count(distinct sentence_id),
            (select sum(sentences) from core.analysed_documents) from core.sentences""").fetchone()
        assert sentences == distinct == recorded > 100
        claims, distinct = con.execute("""select count(*), count(distinct claim_id) from core.claims
                                          where source_text ilike '%Evans%'""").fetchone()
        assert claims == distinct > 0  # the seeds' claims of Evans, once each
