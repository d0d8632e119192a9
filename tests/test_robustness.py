"""Hostile input through the real steps and a real DuckDB file: each case is quarantined or repaired,
never stops the run, and leaves the blocking checks passing."""
from __future__ import annotations

import json
import os
import shutil
from datetime import datetime

import dagster as dg
import pytest
from conftest import SEEDS, run_pipeline

from claimhouse.steps import staging as staging_steps
from claimhouse.warehouse.db import connect


def _run_steps(seeds, wh):
    """The whole Dagster graph (scan to publish, with every check), as `claimhouse run` runs it."""
    result = run_pipeline(seeds, wh)
    with connect(wh, read_only=True) as con:
        quarantined = {os.path.basename(p): (stage, reason) for p, stage, reason in
                       con.execute("select source_path, stage, reason from quarantine.documents").fetchall()}
        return con.execute("select count(*) from staging.documents").fetchone()[0], quarantined, result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    # one huge single-line text
    (seeds / "huge.txt").write_text(("The ministry said the talks would continue next week. " * 12000), encoding="utf-8")
    # a WordPress post whose title holds a lone surrogate, with an offset date and a NUL in the body
    post = {"id": 7, "link": "https://example.org/a", "date": "2025-01-01T03:00:00+05:00",
            "title": {"rendered": "Bad \ud800 title"},
            "content": {"rendered": "<p>The governor said on Monday that the bridge would reopen in May.</p>"
                                    "<p>Officials said repairs cost \u0000 about $4 million.</p>"}}
    (seeds / "surrogate.json").write_text(json.dumps(post), encoding="utf-8")
    old = dict(post, id=8, date="1850-05-01T00:00:00", title={"rendered": "Old"})
    (seeds / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (seeds / "nines.txt").write_text("The army has " + "9" * 400 + " soldiers on the border, the minister said "
                                     "on Tuesday in the capital.", encoding="utf-8")
    (seeds / "pipe.txt").unlink(missing_ok=True)
    os.mkfifo(seeds / "pipe.txt")
    bad_name = os.path.join(os.fsencode(seeds), b"caf\xe9.txt")
    with open(bad_name, "wb") as f:
        f.write(b"A perfectly fine article about the weather in the capital city this week.")
    wh = root / "w.duckdb"
    return wh, _run_steps(seeds, wh)


def test_huge_text_is_quarantined_too_long(hostile):
    _, (n, quarantined, _) = hostile
    assert quarantined["huge.txt"] == ("staging", "too_long")


def test_special_file_and_bad_file_name_are_recorded_not_read(hostile):
    _, (_, quarantined, _) = hostile
    assert quarantined["pipe.txt"] == ("raw", "not_a_file")
    assert quarantined["caf\\xe9.txt"] == ("raw", "bad_path")


def test_bad_strings_repaired_dates_normalised(hostile):
    wh, _ = hostile
    with connect(wh, read_only=True) as con:
        rows = dict(con.execute("select title, published_at from staging.documents "
                                "where source_path like '%.json'").fetchall())
        texts = [t for (t,) in con.execute("select text from staging.documents").fetchall()]
    assert "Bad  title" in rows  # the lone surrogate removed
    bad_title = next(t for t in rows if t.startswith("Bad"))
    assert rows[bad_title] == datetime(2024, 12, 31, 22, 0)  # +05:00 converted to UTC
    assert rows["Old"] is None  # 1850 is not a plausible publication date
    assert not any("\x00" in t for t in texts)


def test_everything_else_goes_through_and_checks_pass(hostile):
    wh, (n, quarantined, result) = hostile
    assert n == 5 + 3  # the seeds, surrogate.json, old.json, nines.txt (huge.txt, pipe.txt, caf\xe9.txt refused)
    assert result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert not failed, failed
    # every step ran, down to the story links, the search index and the published copy and report
    done = {"/".join(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert {"core/claim_pairs", "marts/search", "published/warehouse", "published/report"} <= done, done
    with connect(wh, read_only=True) as con:
        assert con.execute("select count(*) from core.quantities where not isfinite(value)").fetchone()[0] == 0


def test_a_page_that_hangs_the_cleaner_is_quarantined_as_timeout(monkeypatch):
    import time

    import claimhouse.clean.document

    def hang(detected, source_path):
        if "hang" in source_path:
            while True:
                time.sleep(0.01)
        return real(detected, source_path)

    page = b"<html><body><article><p>The mayor said the bridge would reopen on Monday after repairs.</p>" \
           b"</article></body></html>"
    assert staging_steps._clean_batch([("d0", "/x/warm.html", page, None)])[0]["ok"]  # first call compiles date patterns
    real = claimhouse.clean.document.clean
    monkeypatch.setattr(claimhouse.clean.document, "clean", hang)
    # 5 s: far above the few milliseconds the good page takes even on a loaded machine (0.5 s could flake)
    monkeypatch.setattr(staging_steps, "CLEAN_SECONDS", 5.0)
    out = staging_steps._clean_batch([("d1", "/x/hang.html", page, None), ("d2", "/x/ok.html", page, None)])
    assert out[0]["ok"] is False and out[0]["reason"] == "timeout" and "5 s" in out[0]["detail"]
    assert out[1]["ok"] is True
