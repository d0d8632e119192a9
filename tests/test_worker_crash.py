"""A worker process killed mid-batch (SIGKILL, as the out-of-memory killer does) costs one document."""
from __future__ import annotations

import os
import signal

import pytest

from claimhouse.parallel import map_batches
from claimhouse.steps import core as core_steps
from claimhouse.steps import raw as raw_steps
from claimhouse.steps import staging as staging_steps
from claimhouse.steps import stories as story_steps
from claimhouse.warehouse.db import connect

KILLERS = (13, 22)  # in the third and the fifth batch


def _square_or_die(batch: list[int]) -> list[int]:
    out = []
    for x in batch:
        if x in KILLERS:
            os.kill(os.getpid(), signal.SIGKILL)  # a real, uncatchable death of the worker process
        out.append(x * x)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_worker_costs_its_item_only(workers):
    batches = [list(range(i, i + 5)) for i in range(0, 30, 5)]
    deaths = []

    def on_crash(x, how):
        deaths.append(how)
        return -x

    results = list(map_batches(_square_or_die, iter(batches), workers, len(batches), on_crash=on_crash))
    flat = [y for r in results for y in r]
    assert flat == [-x if x in KILLERS else x * x for x in range(30)]  # everything else, in order
    assert deaths == ["was killed by signal 9 (SIGKILL)"] * 2


def test_without_on_crash_the_death_is_reported():
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        list(map_batches(_square_or_die, iter([[12, 13]]), 1, 1))


def _stuck_unless_first(batch: list[int]) -> list[int]:
    """The first batch returns; any other ignores SIGTERM and never ends, like a worker stuck in C code."""
    import time

    if batch[0] == 0:
        return batch
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1)


def test_a_worker_that_never_ends_is_killed_when_its_pool_shuts_down(monkeypatch):
    import multiprocessing
    import time

    from claimhouse import parallel

    monkeypatch.setattr(parallel, "STOP_GRACE", 1.0)
    results = map_batches(_stuck_unless_first, iter([[0], [1], [2]]), 2, 3)
    assert next(results) == [0]
    started = time.monotonic()
    results.close()  # the caller stops reading (an error, a cancelled run): the pool shuts down
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert multiprocessing.active_children() == []  # none left to hang the interpreter at exit


ARTICLE = ("The defence minister said on Tuesday that {n} convoys had reached the border town. "
           "Officials in the capital said the talks would resume next week, according to the ministry. {marker}\n")


def _folder(tmp_path, marker_in: str):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(3):
        (seeds / f"ok{i}.txt").write_text(ARTICLE.format(n=i + 2, marker=""), encoding="utf-8")
    (seeds / "killer.txt").write_text(ARTICLE.format(n=9, marker=marker_in), encoding="utf-8")
    return seeds


def test_a_document_that_kills_its_cleaning_worker_is_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMHOUSE_FAULT_KILL_ON", "staging:OOM-ME")
    monkeypatch.setattr(staging_steps, "CLEAN_BATCH", 2)  # two batches: the killer shares its batch with a good page
    seeds = _folder(tmp_path, "OOM-ME")
    with connect(tmp_path / "w.duckdb") as con:
        raw_steps.scan(con, seeds)
        result = staging_steps.clean_pending(con, workers=2)
        assert result.written == 3 and result.quarantined == 1
        rows = con.execute("select source_path, stage, reason, detail from quarantine.documents").fetchall()
        assert len(rows) == 1 and rows[0][0].endswith("killer.txt") and rows[0][1:3] == ("staging", "worker_crashed")
        assert "was killed by signal 9 (SIGKILL) while cleaning" in rows[0][3]
        names = sorted(os.path.basename(p) for (p,) in con.execute("select source_path from staging.documents")
                       .fetchall())
        assert names == ["ok0.txt", "ok1.txt", "ok2.txt"]
        assert staging_steps.clean_pending(con, workers=2).processed == 0  # not retried on the next run
        assert core_steps.analyse_pending(con, workers=0).written == 3  # the others go on as usual


def test_a_document_that_kills_its_analysis_worker_is_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMHOUSE_FAULT_KILL_ON", "core:OOM-ME")
    seeds = _folder(tmp_path, "OOM-ME")
    with connect(tmp_path / "w.duckdb") as con:
        raw_steps.scan(con, seeds)
        assert staging_steps.clean_pending(con, workers=0).written == 4  # the marker does nothing while cleaning
        result = core_steps.analyse_pending(con, workers=1)
        assert result.written == 3 and result.quarantined == 1
        assert con.execute("select stage, reason from quarantine.documents").fetchall() == [("core", "worker_crashed")]
        assert con.execute("select count(distinct doc_id) from core.sentences").fetchone()[0] == 3
        assert con.execute("select count(*) from staging.documents").fetchone()[0] == 4  # kept, like a foreign text


def test_a_claim_that_kills_its_embedding_worker_costs_its_document(tmp_path, monkeypatch):
    """The claims are embedded on worker processes: a killed worker costs the document of the claim."""
    seeds = _folder(tmp_path, "")
    (seeds / "killer.txt").write_text(ARTICLE.format(n="OOM-ME", marker=""), encoding="utf-8")
    with connect(tmp_path / "w.duckdb") as con:
        raw_steps.scan(con, seeds)
        staging_steps.clean_pending(con, workers=0)
        core_steps.analyse_pending(con, workers=0)
        killer = con.execute("select doc_id from core.claims where content_text like '%OOM-ME%'").fetchall()
        assert killer, "the marker is inside a claim"
        monkeypatch.setenv("CLAIMHOUSE_FAULT_KILL_ON", "stories:OOM-ME")
        monkeypatch.setattr(story_steps, "EMBED_CHUNK", 2)
        result = story_steps.link_stories(con, workers=2)
        assert result.quarantined == 1
        rows = con.execute("select doc_id, stage, reason, detail from quarantine.documents").fetchall()
        assert [r[:3] for r in rows] == [(killer[0][0], "stories", "embedding_error")]
        assert "embedding worker was killed by signal 9 (SIGKILL)" in rows[0][3]
        embedded = con.execute("select count(distinct doc_id) from core.claim_embeddings").fetchone()[0]
        assert embedded == 3  # the three other documents are embedded
