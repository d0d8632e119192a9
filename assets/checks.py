"""great-expectations suites (claimhouse.quality) run as blocking Dagster asset checks.

Each check validates the rows loaded since its last successful run (a watermark in
meta.check_watermarks), chunk by chunk, so its cost grows with new documents. A
failed check keeps its watermark: the failing rows are checked again, and keep
blocking the assets below, until they are fixed. Marts are rebuilt whole and are
checked whole.
"""

from datetime import datetime

import dagster as dg
import duckdb

from claimhouse import quality

from .common import CORE_KEYS, DUCKDB_POOL, RAW_DOCUMENTS, STAGING_DOCUMENTS, STORY_KEYS
from .marts import MART_ASSETS
from .resources import WarehouseResource

# table -> (table holding the per-document load time, its timestamp column)
SCOPES: dict[str, tuple[str, str]] = {
    "raw.documents": ("raw.documents", "ingested_at"),
    "staging.documents": ("staging.documents", "cleaned_at"),
    "core.sentences": ("core.analysed_documents", "analysed_at"),
    "core.claims": ("core.analysed_documents", "analysed_at"),
    "core.quantities": ("core.analysed_documents", "analysed_at"),
    "core.entities": ("core.analysed_documents", "analysed_at"),
    "core.claim_pairs": ("core.claim_embeddings", "embedded_at"),
}


def _failures_markdown(report: quality.QualityReport) -> str:
    lines = ["| expectation | column | rows | examples |", "|---|---|---|---|"]
    for f in report.failures:
        ex = "; ".join(" ".join(f"{k}={v!r}" for k, v in e.items()) for e in f.examples[:5])
        ex = ex.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {f.expectation} | {f.column or ''} | {f.unexpected_count} | {ex[:600]} |")
    return "\n".join(lines)


def run_check(con: duckdb.DuckDBPyConnection, table: str, check_name: str) -> dg.AssetCheckResult:
    """Validate ``table`` (new rows only, where the table is loaded per document) and report."""
    scope = SCOPES.get(table)
    watermark: datetime | None = None
    new_mark: datetime | None = None
    if scope:
        row = con.execute("select checked_through from meta.check_watermarks where check_name = ?",
                          [check_name]).fetchone()
        watermark = row[0] if row else None
        scope_table, ts = scope
        new_mark = con.execute(f"select max({ts}) from {scope_table}").fetchone()[0]
        where = f"doc_id in (select doc_id from {scope_table} where {ts} > ?)"
        report = quality.validate_table(con, table, where, [watermark or datetime(1900, 1, 1)])
    else:
        report = quality.validate_table(con, table)
    if report.success and new_mark is not None:
        con.execute("insert into meta.check_watermarks values (?, ?) on conflict (check_name) "
                    "do update set checked_through = excluded.checked_through", [check_name, new_mark])
    metadata = {
        "rows_checked": report.rows_checked,
        "expectations": report.expectations,
        "failed_expectations": len(report.failures),
        "scope": f"rows loaded after {watermark}" if scope else "whole table",
        "summary": dg.MetadataValue.text(report.summary()),
    }
    if report.failures:
        metadata["failures"] = dg.MetadataValue.md(_failures_markdown(report))
    return dg.AssetCheckResult(passed=report.success, metadata=metadata,
                               description=report.summary().splitlines()[0])


def _check_for(asset_key: dg.AssetKey, table: str) -> dg.AssetChecksDefinition:
    name = "gx_" + table.replace(".", "_")

    @dg.asset_check(asset=asset_key, name=name, blocking=True, pool=DUCKDB_POOL,
                    description=f"great-expectations suite for {table}: "
                                + "; ".join(c.describe() if hasattr(c, "describe") else str(c)
                                            for c in quality.SUITES[table].checks)[:900])
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            return run_check(con, table, name)

    return _check


def build_checks() -> list[dg.AssetChecksDefinition]:
    pairs = [(RAW_DOCUMENTS, "raw.documents"), (RAW_DOCUMENTS, "quarantine.documents"),
             (STAGING_DOCUMENTS, "staging.documents")]
    pairs += [(key, f"core.{name}") for name, key in {**CORE_KEYS, **STORY_KEYS}.items()]
    for mart in MART_ASSETS:
        key = mart.key
        table = ".".join(key.path)
        if table in quality.SUITES:
            pairs.append((key, table))
    return [_check_for(key, table) for key, table in pairs if table in quality.SUITES]


ASSET_CHECKS = build_checks()
