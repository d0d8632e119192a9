"""`claimhouse sql` and `claimhouse run` as an analyst meets them: messages instead of tracebacks, output
that fits the terminal, and machine-readable formats."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

from conftest import REPO


def cli(*args: str, columns: int = 80, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": str(columns)}, timeout=timeout)


def test_a_rejected_query_prints_the_database_message_alone(seeds_run):
    _, wh, _ = seeds_run
    proc = cli("sql", "--warehouse", str(wh), "select * from marts.speakrs")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.startswith("claimhouse: CatalogException: Catalog Error: Table with name speakrs does not exist")
    assert "speakers" in proc.stderr  # DuckDB's "Did you mean" is kept
    debug = cli("sql", "--warehouse", str(wh), "--log-level", "DEBUG", "select * from marts.speakrs")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_no_warehouse_yet_says_how_to_build_one(tmp_path):
    proc = cli("sql", "--warehouse", str(tmp_path / "none.duckdb"), "select 1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"no warehouse at {tmp_path / 'none.duckdb'} yet" in proc.stderr
    assert "claimhouse run --warehouse" in proc.stderr


def test_csv_json_and_markdown(seeds_run):
    _, wh, _ = seeds_run
    sql = "select speaker, claims from marts.speakers where speaker = 'Angelica Evans'"
    out = cli("sql", "--warehouse", str(wh), "--format", "csv", sql)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["speaker", "claims"] and rows[1][0] == "Angelica Evans" and int(rows[1][1]) >= 3
    out = cli("sql", "--warehouse", str(wh), "--format", "json", sql)
    data = json.loads(out.stdout)
    assert data == [{"speaker": "Angelica Evans", "claims": int(rows[1][1])}]
    out = cli("sql", "--warehouse", str(wh), "--format", "markdown", sql)
    assert out.stdout.splitlines()[:3] == ["| speaker | claims |", "|---|---|", f"| Angelica Evans | {rows[1][1]} |"]
    # every row for a machine format, a limited table (with a note) for people
    many = "select * from range(150) t(n)"
    assert len(cli("sql", "--warehouse", str(wh), "--format", "csv", many).stdout.splitlines()) == 151
    table = cli("sql", "--warehouse", str(wh), many)
    assert "the first 100 rows" in table.stderr


def test_a_table_fits_the_terminal_and_cuts_no_header_or_date(seeds_run):
    _, wh, _ = seeds_run
    sql = ("select c.published_date, c.outlet, c.speaker, c.content_text from marts.search_claims('bargaining chip') c "
           "order by all")
    proc = cli("sql", "--warehouse", str(wh), sql, columns=80)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert "published_date" in proc.stdout and "content_text" in proc.stdout
    assert re.search(r"2025-\d\d-\d\d", proc.stdout)


def test_run_refuses_a_file_and_warns_on_an_empty_folder(tmp_path):
    single = tmp_path / "page.html"
    single.write_text("<html><body><p>hello</p></body></html>")
    proc = cli("run", "--seeds", str(single), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet", columns=200)
    assert proc.returncode == 2 and "is a file" in proc.stdout and "does not exist" not in proc.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = cli("run", "--seeds", str(empty), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet", "--workers", "1",
               columns=200, timeout=900)
    assert "warning: no input files in" in proc.stdout
    assert "(1 worker)" in proc.stdout and "1 workers" not in proc.stdout


def test_too_many_columns_for_the_terminal_show_one_record_per_block(seeds_run):
    _, wh, _ = seeds_run
    proc = cli("sql", "--warehouse", str(wh), "select * from marts.speakers order by claims desc, speaker limit 2",
               columns=70)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("-[ row 1 ]") and any(line.startswith("-[ row 2 ]") for line in lines)
    assert max(len(line) for line in lines) <= 70
    assert any(line.startswith("first_date") and "2025-" in line for line in lines)
    assert any(line.startswith("speaker ") and "Angelica Evans" in line for line in lines)


def test_long_text_columns_share_the_room_and_numbers_and_dates_stay_whole():
    """At 80 columns a long title does not give all the room to an id: text columns shrink together, down
    to 8 characters; a timestamp and a count keep every character."""
    from pipelines.cli import _fit_widths

    names = ["doc_id", "title", "published_at", "claims"]
    cells = [["d3acabda6a01ae5e1d379", "Russia escalates its attacks as Trump pushes for a deal over Kursk",
              "2025-02-08 11:38:30", "12,345"],
             ["d5dc9ce96bf365abdf69e", "As Trump pushes for talks", "", "7"]]
    widths = _fit_widths(names, cells, 60, 80)
    assert sum(widths) + 3 * len(names) + 1 <= 80
    assert widths[2] == len("2025-02-08 11:38:30") and widths[3] == len("claims")
    assert abs(widths[0] - widths[1]) <= 1 and widths[1] >= 8  # the id and the title share the rest
    assert _fit_widths(names, cells, 60, 40) is None  # narrower than headers and dates: records instead
