"""Seconds per mart and for the report, on an existing warehouse.

    uv run python benchmarks/marts.py WAREHOUSE.duckdb [--rounds N]

Writes to WAREHOUSE (the marts and meta.mart_inputs): give it a copy. The report goes to a
temporary folder. Three passes:

1. full: every mart rebuilt from its SQL (``build_mart(force=True)``) and the whole report drawn;
2. unchanged: the same again with nothing changed, as a re-run of the pipeline with no new
   documents does it: each mart checks its inputs' fingerprints and is left as it was, the report
   likewise (``build_report_if_changed``);
3. changed: one claim of ``core.claims`` altered, so the marts that read it are rebuilt (the others
   skipped) and the report redrawn; the claim is then restored and the marts built back.

Each mart's digest after pass 1 and pass 2 is printed, to check that a skipped mart holds what a
rebuild gives.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claimhouse.steps import marts as mart_steps
from claimhouse.warehouse.report import build_report_if_changed  # noqa: E402


def _marts_digest(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Row count and an order-independent digest of the rows of each mart (as claimhouse.warehouse.db.digest)."""
    out = {}
    for path in mart_steps.mart_files():
        table = mart_steps.mart_table(path)
        schema, name = table.split(".")
        cols = ", ".join(f'"{c}"' for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index", [schema, name]).fetchall())
        n, h = con.execute(f"""select count(*), md5(coalesce(string_agg(h, '' order by h), ''))
                               from (select md5(cast(row({cols}) as varchar)) as h from {table})""").fetchone()
        out[table] = f"{n} rows {h}"
    return out


def _marts_pass(con: duckdb.DuckDBPyConnection, force: bool) -> tuple[dict[str, tuple[float, bool]], float]:
    out = {}
    started = time.perf_counter()
    for path in mart_steps.mart_files():
        t0 = time.perf_counter()
        built = mart_steps.build_mart(con, path, force=force)
        out[built.table] = (time.perf_counter() - t0, built.rebuilt)
    return out, time.perf_counter() - started


def _report_pass(wh: Path, out_dir: Path, force: bool) -> tuple[float, bool]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, rebuilt = build_report_if_changed(con, out_dir, source=wh.name, force=force)
        return time.perf_counter() - t0, rebuilt
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warehouse", type=Path, help="warehouse file (written to: use a copy)")
    args = ap.parse_args()
    wh: Path = args.warehouse
    if not wh.is_file():
        sys.exit(f"{wh}: no such file")
    report_dir = Path(tempfile.mkdtemp(prefix="claimhouse-bench-")) / "bench.report"

    con = duckdb.connect(str(wh))
    con.execute("select ?", [1]).fetchall()  # the first query with parameters imports pandas: not ours to time
    docs = con.execute("select count(*) from staging.documents").fetchone()[0]
    claims = con.execute("select count(*) from core.claims").fetchone()[0]
    print(f"warehouse {wh}: {docs:,} documents, {claims:,} claims, duckdb {duckdb.__version__}")

    passes = {}
    passes["full"], full_total = _marts_pass(con, force=True)
    after_full = _marts_digest(con)
    passes["unchanged"], same_total = _marts_pass(con, force=False)
    after_same = _marts_digest(con)
    con.close()
    report = {"full": _report_pass(wh, report_dir, force=True),
              "unchanged": _report_pass(wh, report_dir, force=False)}

    con = duckdb.connect(str(wh))
    claim_id, speaker = con.execute("select claim_id, source_canonical from core.claims "
                                    "where source_canonical is not null order by claim_id limit 1").fetchone()
    con.execute("update core.claims set source_canonical = source_canonical || ' (bench)' where claim_id = ?",
                [claim_id])
    passes["changed"], changed_total = _marts_pass(con, force=False)
    con.close()
    report["changed"] = _report_pass(wh, report_dir, force=False)
    con = duckdb.connect(str(wh))
    con.execute("update core.claims set source_canonical = ? where claim_id = ?", [speaker, claim_id])
    _marts_pass(con, force=False)
    restored = _marts_digest(con)
    con.close()

    print(f"\n{'mart':24s} {'full s':>8s} {'unchanged s':>12s} {'1 claim changed s':>18s}")
    for table in passes["full"]:
        cells = []
        for name in ("full", "unchanged", "changed"):
            s, rebuilt = passes[name][table]
            cells.append(f"{s:.2f}{'' if rebuilt else ' (skip)'}")
        print(f"{table:24s} {cells[0]:>8s} {cells[1]:>12s} {cells[2]:>18s}")
    print(f"{'all marts':24s} {full_total:8.2f} {same_total:12.2f} {changed_total:18.2f}")
    cells = [f"{s:.2f}{'' if rebuilt else ' (skip)'}" for s, rebuilt in report.values()]
    print(f"{'report':24s} {cells[0]:>8s} {cells[1]:>12s} {cells[2]:>18s}")
    same = all(after_same[t] == after_full[t] for t in after_full)
    print(f"\nmarts identical after the unchanged pass: {'yes' if same else 'NO'}; "
          f"after restoring the changed claim: {'yes' if restored == after_full else 'NO'}")
    for t, d in after_full.items():
        print(f"  {t:24s} {d}")


if __name__ == "__main__":
    main()
