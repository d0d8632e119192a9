"""`claimhouse` command line: run the asset graph through Dagster in-process, or query the warehouse.

    claimhouse run [--seeds DIR] [--warehouse PATH] [--workers N] [--executor in_process|celery]
    claimhouse sql "select * from marts.speakers limit 5" [--warehouse PATH] [--live] [--format csv|json|markdown]
    claimhouse train-attributions [--train FOLDER] [--dev FOLDER]
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table  # noqa: E402

from claimhouse import progress as ch_progress  # noqa: E402

console = Console(stderr=False)

STAGE_LABELS = {"scan": "raw: scan files", "clean": "staging: clean documents", "analyse": "core: analyse documents"}


class RichReporter(ch_progress.Reporter):
    def __init__(self, bar: Progress):
        self.bar = bar
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int) -> None:
        self.tasks[stage] = self.bar.add_task(STAGE_LABELS.get(stage, stage), total=max(total, 0))

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.tasks:
            self.bar.advance(self.tasks[stage], n)

    def finish(self, stage: str) -> None:
        if stage in self.tasks:
            task = self.tasks[stage]
            self.bar.update(task, completed=self.bar.tasks[task].total)


def _summary(warehouse_path: str) -> Table:
    from claimhouse.warehouse.db import connect

    table = Table(title="claimhouse warehouse", show_header=True)
    table.add_column("what")
    table.add_column("rows", justify="right")
    with connect(warehouse_path, read_only=True) as con:
        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]
        rows = [
            ("raw documents", one("select count(*) from raw.documents")),
            ("documents (clean)", one("select count(*) from staging.documents")),
            ("  of which duplicates", one("select count(*) from staging.documents where duplicate_of is not null")),
            ("sentences", one("select count(*) from core.sentences")),
            ("claims", one("select count(*) from core.claims")),
            ("  attributions", one("select count(*) from core.claims where claim_type = 'attribution'")),
            ("  assertions", one("select count(*) from core.claims where claim_type = 'assertion'")),
            ("quantities", one("select count(*) from core.quantities")),
            ("entities", one("select count(*) from core.entities")),
            ("quarantined", one("select count(*) from quarantine.documents")),
        ]
        for what, n in rows:
            table.add_row(what, f"{n:,}")
        for stage, reason, n in con.execute(
                "select stage, reason, count(*) from quarantine.documents group by all order by all").fetchall():
            table.add_row(f"  {stage}: {reason}", f"{n:,}")
    return table


def cmd_run(args: argparse.Namespace) -> int:
    import dagster as dg

    from assets.resources import default_seeds_dir, default_warehouse_path
    from claimhouse.parallel import default_workers
    from claimhouse.warehouse.db import shown
    from pipelines.definitions import build_definitions
    from pipelines.runs import run_whole_folder, targeted_assets

    seeds = str(Path(args.seeds or default_seeds_dir()).resolve())
    wh = _warehouse_location(args.warehouse or default_warehouse_path())
    if Path(seeds).is_file():
        console.print(f"[red]--seeds takes a folder, and {seeds} is a file: put it in a folder of its own and pass "
                      "that folder[/red]")
        return 2
    if not Path(seeds).is_dir():
        console.print(f"[red]seeds folder {seeds} does not exist[/red]")
        return 2
    if not any(p.is_file() for p in Path(seeds).rglob("*")):
        console.print(f"[yellow]warning: no input files in {seeds}: nothing new to add; the marts, search index "
                      "and report are brought up to date from what the warehouse holds[/yellow]")
    workers = args.workers if args.workers is not None else default_workers()
    console.print(f"claimhouse: seeds [bold]{seeds}[/bold] → warehouse [bold]{shown(wh)}[/bold] ({workers} worker{'s' if workers != 1 else ''})")
    defs = build_definitions(seeds_dir=seeds, warehouse_path=wh, workers=workers)
    started = time.monotonic()
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=False, disable=args.quiet)
    if args.executor == "celery":  # steps on celery workers (pipelines/cluster.py): no progress bars here
        from pipelines import cluster

        console.print("steps run on the celery workers of "
                      f"{os.environ.get('CLAIMHOUSE_CELERY_BROKER', '(CLAIMHOUSE_CELERY_BROKER unset)')}")
        result, instance_logs = cluster.execute(seeds, wh, workers, log_level=args.log_level)
    else:
        with bar:
            ch_progress.set_reporter(RichReporter(bar))
            try:
                with dg.DagsterInstance.ephemeral() as instance:
                    result = run_whole_folder(
                        defs, instance, seeds,
                        run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}})
                    instance_logs = instance.all_logs(result.run_id)
            finally:
                ch_progress.set_reporter(None)
    elapsed = time.monotonic() - started

    log_path = _write_run_log(instance_logs, wh, result.run_id)
    console.print(_summary(wh))
    failed_checks = _print_checks(result)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    skipped = [k for k in targeted_assets(defs, result) if k not in materialized]
    layers: dict[str, list[str]] = {}
    for key in sorted(skipped, key=lambda k: k.path):
        layers.setdefault(key.path[0], []).append("/".join(key.path[1:]))
    for layer, names in layers.items():
        console.print(f"[yellow]blocked[/yellow] {layer}: {', '.join(names)} (not materialized: a check or step "
                      "above failed)")
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            while error.cause is not None:  # Dagster wraps the step's own exception: show that one
                error = error.cause
            message = error.message.strip().splitlines()
            console.print(f"[red]step failed[/red] {event.step_key}: {message[-1][:300] if message else ''}")
    if dg.AssetKey(["published", "report"]) in materialized:
        from claimhouse.warehouse.db import side_path
        from claimhouse.warehouse.report import report_dir

        console.print(f"report: [bold]{report_dir(side_path(wh)) / 'index.html'}[/bold]")
    if log_path:
        console.print(f"log: {log_path}")
    console.print(f"finished in {elapsed:.1f} s: run {'succeeded' if result.success and not failed_checks else 'FAILED'}, "
                  f"{failed_checks} failed checks")
    return 0 if result.success and failed_checks == 0 and not skipped else 1


def _print_checks(result) -> int:
    """A count of the checks; a line for each that warned or failed, and for the failing ones
    (severity ERROR) a few of their rows. Returns the number that failed."""
    import dagster as dg

    table = Table(title="checks that warned or failed (row rules quarantine; the others block)")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    passed, warned, failed = 0, 0, []
    for ev in result.get_asset_check_evaluations():
        if ev.passed:
            passed += 1
            continue
        if ev.severity == dg.AssetCheckSeverity.WARN:
            warned += 1
            table.add_row(ev.check_name, "[yellow]warned[/yellow]", (ev.description or "")[:300])
        else:
            failed.append(ev)
            table.add_row(ev.check_name, "[red]FAILED[/red]", (ev.description or "")[:300])
    if table.row_count:
        console.print(table)
    for ev in failed:
        summary = ev.metadata.get("summary")
        text = summary.value if summary else ""
        console.print(f"[red]{ev.check_name}[/red]\n" + "\n".join(text.splitlines()[:12]))
    console.print(f"checks: {passed} passed, {warned} warned, {len(failed)} failed")
    return len(failed)


def _warehouse_location(location: str) -> str:
    """A DuckDB file's absolute path, or ``ducklake:<catalog>`` with a file catalog's path made absolute."""
    from claimhouse.warehouse.db import LAKE_PREFIX, is_lake

    if not is_lake(location):
        return str(Path(location).resolve())
    catalog = location[len(LAKE_PREFIX):]
    return LAKE_PREFIX + (catalog if catalog.startswith("postgres:") else str(Path(catalog).resolve()))


def _write_run_log(logs, warehouse_path: str, run_id: str) -> Path | None:
    """Dagster's event log of the run, one line per event, in logs/ beside the warehouse."""
    if not logs:
        return None
    from claimhouse.warehouse.db import side_path

    folder = side_path(warehouse_path).parent / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"run-{time.strftime('%Y%m%dT%H%M%S')}-{run_id[:8]}.log"
        with open(path, "w", encoding="utf-8") as f:
            for entry in logs:
                when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.timestamp))
                level = logging.getLevelName(entry.level)
                kind = entry.dagster_event.event_type_value if entry.dagster_event else "LOG"
                f.write(f"{when} {level} {kind} {entry.step_key or '-'} {entry.message}\n")
                if kind == "STEP_FAILURE":  # the error and its causes, with their stacks
                    error = entry.dagster_event.event_specific_data.error
                    f.write("    " + error.to_string().rstrip().replace("\n", "\n    ") + "\n")
        return path
    except OSError:
        return None


FORMATS = ("table", "csv", "json", "markdown")


def _cell(value) -> str:
    return "" if value is None else str(value)


def _write_rows(fmt: str, names: list[str], rows: list[tuple], width: int) -> None:
    """Print a result as a table fitted to the terminal, or as CSV, JSON (an array of objects) or a
    Markdown table for other tools."""
    out = sys.stdout
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([[_cell(v) for v in r] for r in rows])
    elif fmt == "json":
        import json

        json.dump([dict(zip(names, r)) for r in rows], out, default=str, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "markdown":
        def esc(v) -> str:
            return _cell(v).replace("|", "\\|").replace("\n", " ")
        out.write("| " + " | ".join(esc(n) for n in names) + " |\n")
        out.write("|" + "|".join("---" for _ in names) + "|\n")
        for r in rows:
            out.write("| " + " | ".join(esc(v) for v in r) + " |\n")
    else:
        cells = [[_cell(v) for v in r] for r in rows]
        widths = _fit_widths(names, cells, width, console.width)
        if widths is None:  # too many columns for the terminal: one record per block, as psql's \x
            label = max(len(n) for n in names)
            room = max(console.width - label - 3, 10)
            for k, r in enumerate(cells, 1):
                out.write(f"-[ row {k} ]" + "-" * max(0, min(console.width, 40) - len(f"-[ row {k} ]")) + "\n")
                for name, v in zip(names, r):
                    v = v.replace("\n", " ")
                    out.write(f"{name.ljust(label)} | {v if len(v) <= room else v[:room - 1] + '…'}\n")
            return
        table = Table(show_lines=False)
        for i, (name, w) in enumerate(zip(names, widths)):
            numeric = any(r[i] for r in cells) and all(_NUMBER.match(r[i]) for r in cells if r[i])
            table.add_column(name, no_wrap=True, overflow="ellipsis", width=w, justify="right" if numeric else "left")
        for r in cells:
            table.add_row(*r)
        console.print(table)


# values a table never cuts: numbers, dates and times (a cut "2025-…" or "1,2…" says nothing)
_WHOLE = re.compile(r"^[-+]?[\d.,:eE%]+$|^\d{4}-\d\d-\d\d([ T][\d:.]+)?([+-]\d\d(:?\d\d)?)?$")
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?([eE][-+]?\d+)?$")
_TEXT_FLOOR = 8  # a text column gives way down to this many characters (or its header)


def _fit_widths(names: list[str], cells: list[list[str]], widest: int, total: int) -> list[int] | None:
    """Column widths that fit a table into ``total`` characters: each column as wide as its longest value
    (at most ``widest``). When that is too wide, the column with the most room to give shrinks first, one
    character at a time, so long text columns share what is left; headers, numbers and dates are never
    cut, and other text not below 8 characters. None when even that does not fit."""
    natural, floor = [], []
    for i, name in enumerate(names):
        values = [r[i] for r in cells]
        longest = max([len(name), *map(len, values)])
        natural.append(min(longest, max(widest, len(name))))
        whole = [len(v) for v in values if v and _WHOLE.match(v)]
        floor.append(min(natural[-1], max([len(name), _TEXT_FLOOR, *whole])))
    room = total - (3 * len(names) + 1)  # borders and padding of a box table
    widths = list(natural)
    while sum(widths) > room:
        wide = max(range(len(widths)), key=lambda i: (widths[i] - floor[i], widths[i]))
        if widths[wide] <= floor[wide]:
            return None  # the terminal is narrower than the headers and short values: show records instead
        widths[wide] -= 1
    return widths


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from assets.resources import default_warehouse_path
    from claimhouse.warehouse.db import WarehouseBusy, is_lake, lake_locations, published_path

    wh = args.warehouse or default_warehouse_path()
    if is_lake(wh):  # the warehouse itself is a DuckLake: its latest snapshot, or --as-of N
        opened = _lake_connection(lake_locations(wh)[0], args.as_of)
    elif args.lake or args.as_of is not None:
        from claimhouse.warehouse.lake import default_catalog

        catalog = os.environ.get("CLAIMHOUSE_LAKE_CATALOG") or default_catalog(wh)
        if not catalog.startswith("postgres:") and not Path(catalog).exists():
            print(f"claimhouse: no DuckLake catalog at {catalog} yet. Publish one with: CLAIMHOUSE_PUBLISH=file,lake "
                  f"claimhouse run --warehouse {wh}", file=sys.stderr)
            return 2
        opened = _lake_connection(catalog, args.as_of)
    else:
        published = published_path(wh)
        if not args.live and published.exists():
            wh = str(published)  # the copy the last successful run published: never locked by a run
        elif not Path(wh).exists():
            print(f"claimhouse: no warehouse at {wh} yet. Build one with: claimhouse run --warehouse {wh} "
                  "(--seeds FOLDER for your own documents)", file=sys.stderr)
            return 2
        opened = _file_connection(wh)
    limit = args.limit if args.limit is not None else (100 if args.format == "table" else None)
    try:
        with opened as con:
            cur = con.execute(args.query)
            if cur.description is None:
                return 0
            names = [d[0] for d in cur.description]
            rows = cur.fetchall() if limit is None else cur.fetchmany(limit + 1)
    except (duckdb.Error, WarehouseBusy) as exc:  # the database's message, not a Python traceback
        if args.log_level.upper() == "DEBUG":
            raise
        print(f"claimhouse: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    more = limit is not None and len(rows) > limit
    _write_rows(args.format, names, rows[:limit] if more else rows, args.width)
    if more:
        print(f"(the first {limit} rows; --limit N shows more)", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _file_connection(wh: str):
    """The DuckDB file read-only, with the fts extension the search macros need."""
    from claimhouse.warehouse.db import connect, load_fts

    with connect(wh, read_only=True) as con:
        try:
            load_fts(con)  # marts.search_claims(q) / marts.search_sentences(q) need it
        except Exception as exc:  # noqa: BLE001 - queries without search still work
            print(f"fts extension not loaded ({exc}); the search macros will fail", file=sys.stderr)
        yield con


@contextlib.contextmanager
def _lake_connection(catalog: str, as_of: int | None):
    """The DuckLake the runs publish to (CLAIMHOUSE_PUBLISH=lake), as of its latest snapshot or of snapshot
    ``as_of``: what analysts get from `ATTACH 'ducklake:<catalog>' AS lake; USE lake`. The publish step keeps
    its catalog tables in the default place, so CLAIMHOUSE_LAKE_METADATA_SCHEMA (a lake warehouse's) is not
    applied here."""
    import duckdb

    from claimhouse.warehouse.lake import attach

    con = duckdb.connect()
    try:
        attach(con, catalog, read_only=True, snapshot=as_of)
        con.execute("USE lake")
        yield con
    finally:
        con.close()


def cmd_backfill(args: argparse.Namespace) -> int:
    """Run the per-document layers batch by batch (one Dagster run per ingest batch), then the
    corpus-wide assets once: what a backfill launched from the UI does, in this process."""
    import dagster as dg

    from assets.resources import default_seeds_dir, default_warehouse_path
    from claimhouse.ingest.batches import list_batches
    from claimhouse.parallel import default_workers
    from pipelines.definitions import build_definitions
    from pipelines.runs import register_batches

    seeds = str(Path(args.seeds or default_seeds_dir()).resolve())
    wh = _warehouse_location(args.warehouse or default_warehouse_path())
    if not Path(seeds).is_dir():
        console.print(f"[red]seeds folder {seeds} does not exist[/red]")
        return 2
    found = list_batches(seeds)
    keys = args.batch or found
    unknown = [k for k in keys if k not in found]
    if unknown:
        console.print(f"[red]no such ingest batch in {seeds}: {', '.join(unknown)} (batches: "
                      f"{', '.join(found) or 'none'})[/red]")
        return 2
    workers = args.workers if args.workers is not None else default_workers()
    if args.executor == "celery":
        return _backfill_on_celery(args, seeds, wh, keys, workers)
    defs = build_definitions(seeds_dir=seeds, warehouse_path=wh, workers=workers)
    quiet = {"loggers": {"console": {"config": {"log_level": args.log_level}}}}
    ok = True
    with (dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()) as instance:
        register_batches(instance, seeds)
        for key in keys:
            started = time.monotonic()
            result = defs.resolve_job_def("ingest_batches").execute_in_process(
                instance=instance, partition_key=key, run_config=quiet, raise_on_error=False)
            ok &= result.success
            console.print(f"batch {key}: {'done' if result.success else '[red]FAILED[/red]'} in "
                          f"{time.monotonic() - started:.1f} s (run {result.run_id})")
        if not args.no_corpus:
            started = time.monotonic()
            result = defs.resolve_job_def("corpus").execute_in_process(instance=instance, run_config=quiet,
                                                                       raise_on_error=False)
            ok &= result.success
            console.print(f"corpus-wide assets: {'done' if result.success else '[red]FAILED[/red]'} in "
                          f"{time.monotonic() - started:.1f} s (run {result.run_id})")
    console.print(_summary(wh))
    return 0 if ok else 1


def _backfill_on_celery(args: argparse.Namespace, seeds: str, wh: str, keys: list[str], workers: int) -> int:
    """One run per ingest batch on the celery workers, ``--parallel`` of them at a time (each its own
    process, the run's orchestrator), then the corpus-wide assets once. The per-document steps of the
    runs share the warehouse file (claimhouse.warehouse.db.SharedConnection); the pool
    claimhouse_documents gets ``--parallel`` slots so that they may run at once."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import dagster as dg

    from pipelines import cluster
    from pipelines.runs import register_batches

    with dg.DagsterInstance.get() as instance:
        register_batches(instance, seeds)
        if len(keys) > 1 or args.parallel > 1:
            cluster.set_document_slots(instance, max(1, args.parallel))
    if len(keys) == 1 and args.no_corpus:  # one batch: this process is the run's orchestrator
        started = time.monotonic()
        result = cluster.execute_part(seeds, wh, workers, keys[0], log_level=args.log_level)
        console.print(f"batch {keys[0]}: {'done' if result.success else '[red]FAILED[/red]'} in "
                      f"{time.monotonic() - started:.1f} s (run {result.run_id})")
        return 0 if result.success else 1

    def one(key: str) -> tuple[str, int, float, str]:
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "pipelines.cli", "backfill", "--executor", "celery",
                              "--batch", key, "--no-corpus", "--seeds", seeds, "--warehouse", wh,
                              "--workers", str(workers), "--log-level", args.log_level],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
        return key, out.returncode, time.monotonic() - started, (out.stdout + out.stderr)[-2000:]

    ok = True
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        for key, code, seconds, tail in pool.map(one, keys):
            ok &= code == 0
            console.print(f"batch {key}: {'done' if code == 0 else '[red]FAILED[/red]'} in {seconds:.1f} s")
            if code != 0:
                console.print(tail, markup=False, highlight=False)
    if not args.no_corpus:
        started = time.monotonic()
        result = cluster.execute_part(seeds, wh, workers, None, log_level=args.log_level)
        ok &= result.success
        console.print(f"corpus-wide assets: {'done' if result.success else '[red]FAILED[/red]'} in "
                      f"{time.monotonic() - started:.1f} s (run {result.run_id})")
    console.print(_summary(wh))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="claimhouse", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the whole asset graph (scan, clean, analyse, marts, checks)")
    run.add_argument("--seeds", help="folder of input documents (default: seeds/)")
    run.add_argument("--warehouse", help="DuckDB file (default: warehouse/data/claimhouse.duckdb)")
    run.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores; 0: in this process, where a crashing document ends the run)")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--executor", choices=("in_process", "celery"), default="in_process",
                     help="in_process (default): every step in this process; celery: the steps on celery workers, "
                          "Dagster's instance in PostgreSQL (README 'Running on several machines')")
    run.add_argument("--log-level", default="CRITICAL",
                     help="Dagster's events on the console from this level (DEBUG, INFO, WARNING, ERROR; default: "
                          "none). Every event also goes to the run's log file in logs/ beside the warehouse")
    run.set_defaults(fn=cmd_run)
    backfill = sub.add_parser("backfill", help="run the per-document layers one ingest batch (a folder of the "
                                               "seeds folder; '.': the files lying in it) at a time, then the "
                                               "corpus-wide assets once")
    backfill.add_argument("--batch", action="append", help="an ingest batch to run (repeat; default: all)")
    backfill.add_argument("--seeds", help="folder of input documents (default: seeds/)")
    backfill.add_argument("--warehouse", help="DuckDB file (default: warehouse/data/claimhouse.duckdb)")
    backfill.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    backfill.add_argument("--log-level", default="CRITICAL", help="Dagster's events on the console from this level")
    backfill.add_argument("--executor", choices=("in_process", "celery"), default="in_process",
                          help="in_process (default): the runs one after the other in this process; celery: "
                               "on the celery workers (README 'Running on several machines')")
    backfill.add_argument("--parallel", type=int, default=1,
                          help="with --executor celery: batches run at once (default 1)")
    backfill.add_argument("--no-corpus", action="store_true", help="only the batches, not the corpus-wide assets")
    backfill.set_defaults(fn=cmd_backfill)
    sql = sub.add_parser("sql", help="run one SQL query against the warehouse (read-only) and print a table")
    sql.add_argument("query")
    sql.add_argument("--warehouse", help="DuckDB file (default: warehouse/data/claimhouse.duckdb); its published "
                                         "copy (claimhouse.published.duckdb) is read when there is one")
    sql.add_argument("--live", action="store_true",
                     help="read the pipeline's working file instead of the published copy (waits while a run writes)")
    sql.add_argument("--lake", action="store_true",
                     help="read the DuckLake the runs publish to (CLAIMHOUSE_PUBLISH=lake or file,lake) instead of "
                          "the DuckDB copy")
    sql.add_argument("--as-of", type=int, default=None, metavar="SNAPSHOT",
                     help="with the lake: the warehouse as of this snapshot (time travel; snapshots are listed by "
                          "select * from ducklake_snapshots('lake'))")
    sql.add_argument("--format", choices=FORMATS, default="table",
                     help="table (default: fitted to the terminal), csv, json (an array of objects) or markdown")
    sql.add_argument("--limit", type=int, default=None,
                     help="rows to print (default: 100 for a table, every row for csv, json and markdown)")
    sql.add_argument("--width", type=int, default=60, help="widest column of a table, in characters (default 60)")
    sql.add_argument("--log-level", default="ERROR",
                     help="DEBUG also prints the Python traceback of a failed query (default: the database's "
                          "message only)")
    sql.set_defaults(fn=cmd_sql)
    train = sub.add_parser("train-attributions", add_help=False,
                           help="rebuild the attribution model from PolNeAR's train split (--help for its options)")
    train.set_defaults(fn=None)
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "train-attributions":  # its own options: claimhouse/nlp/attribution/train.py
        from claimhouse.nlp.attribution.train import main as train_main

        return train_main(argv[1:])
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
