"""Crash safety with real processes: `claimhouse run` killed with SIGKILL during cleaning, then during
analysis, then during the marts, re-run each time, ends with the same warehouse as a run never killed
(claimhouse.warehouse.db.digest: every row of every table, processing times left out)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, SEEDS

from claimhouse.warehouse.db import connect, digest, published_path

WCXB = REPO / "tests" / "data" / "wcxb"
PAGES = 30  # real pages of the public WCXB dev set (tests/data/wcxb), so each stage runs for a few seconds


def _corpus(folder: Path) -> None:
    shutil.copytree(SEEDS, folder)
    for page in sorted(WCXB.glob("*.html.gz"))[:PAGES]:
        shutil.copy(page, folder / page.name)


def _run(seeds: Path, wh: Path, kill_when: str | None = None, delay: float = 0.0) -> tuple[int, str]:
    """Run `claimhouse run` as its own process group; with ``kill_when``, SIGKILL the whole group
    ``delay`` seconds after the step whose key contains ``kill_when`` starts. (exit code, output)"""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CLAIMHOUSE_CLEAN_BATCH": "8", "CLAIMHOUSE_ANALYSE_BATCH": "4"}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--seeds", str(seeds), "--warehouse",
                             str(wh), "--workers", "2", "--quiet", "--log-level", "DEBUG"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    killed = threading.Event()

    def kill_later():
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed.set()

    for line in proc.stdout:
        lines.append(line)
        if kill_when and not killed.is_set() and "STEP_START" in line and kill_when in line:
            threading.Thread(target=kill_later, daemon=True).start()
            kill_when = None
    code = proc.wait(timeout=1200)
    if killed.is_set():
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass
    return code, "".join(lines)


def _digests(wh: Path) -> tuple[dict, dict]:
    with connect(wh, read_only=True) as con:
        live = digest(con)
    with connect(published_path(wh), read_only=True) as con:
        pub = digest(con)
    return live, pub


def test_sigkill_in_each_stage_then_rerun_equals_an_uninterrupted_run(tmp_path):
    seeds = tmp_path / "seeds"
    _corpus(seeds)
    clean_wh, wh = tmp_path / "clean" / "w.duckdb", tmp_path / "killed" / "w.duckdb"
    code, out = _run(seeds, clean_wh)
    assert code == 0, out[-3000:]
    expected_live, expected_pub = _digests(clean_wh)

    for stage, step, delay in (("cleaning", "staging__documents", 2.0), ("analysis", "core_analysis", 4.0),
                               ("marts", "marts__speakers", 0.0)):
        code, out = _run(seeds, wh, kill_when=step, delay=delay)
        assert code == -signal.SIGKILL, f"the run was not killed during {stage} (exit {code}):\n{out[-2000:]}"
        with connect(wh, read_only=True) as con:
            state = con.execute("""select (select count(*) from raw.documents), (select count(*) from staging.documents),
                                          (select count(*) from core.analysed_documents),
                                          (select count(*) from core.claim_embeddings)""").fetchone()
        print(f"killed during {stage} ({step} started {delay:g} s before): raw {state[0]}, staging {state[1]}, "
              f"analysed {state[2]}, embedded claims {state[3]}")
    code, out = _run(seeds, wh)
    assert code == 0, out[-3000:]
    live, pub = _digests(wh)
    differ = {t: (expected_live.get(t), live.get(t)) for t in set(expected_live) | set(live)
              if expected_live.get(t) != live.get(t)}
    assert not differ, f"tables that differ from the uninterrupted run: {differ}"
    print(f"after the re-run: {len(live)} tables, every digest equal to the uninterrupted run's "
          f"(e.g. core.claims {live['core.claims']}, marts.speakers {live['marts.speakers']})")
    assert pub == expected_pub
    assert not list(wh.parent.glob("*.tmp*")), "a temporary file of the killed publish was left behind"
