"""The quality gate of each layer: a bad row costs its document, a broken pipeline stops the run.

Dagster-free. ``run_gate`` validates a table's great-expectations suite (``claimhouse.checks.quality``)
on the rows loaded since its last passing run and decides, as dbt tests do with
``severity``/``warn_if``/``error_if``:

- **row rules** (markup left in the text, offsets that miss the text, an empty claim, ...):
  every document with a failing row goes to ``quarantine.documents`` (the suite's stage, the
  rule as reason, the matched text as detail) and its rows leave the layer and the layers
  below. The run goes on. The check *warns* when any document was quarantined this way.
- **blocking** expectations (schema, unique keys, references between layers) fail the check
  with severity ERROR: the layers below do not run.
- the **share** of the checked documents failing row rules: above ``error_if_share`` (and with
  at least ``error_min_documents`` documents) the cleaner or the parser has regressed, so the
  check fails with ERROR and quarantines nothing: the rows stay for inspection, and block the
  layers below until fixed.
- a **drop in the table's row count** since its last passing check larger than
  ``max_drop_share`` (and at least ``max_drop_rows`` rows) fails with ERROR.

The thresholds come from ``Policy`` (environment variables ``CLAIMHOUSE_*``, or the Dagster
resource ``quality_policy``) and are reported with the figures in the check's metadata.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from claimhouse.checks import quality
from claimhouse.warehouse.db import upsert

# table -> (table holding the per-document load time, its timestamp column[, the key that ties the two,
# doc_id by default]): the rows a check validates are those of documents (or clusters) loaded after its
# watermark. The first check of a table validates every row.
SCOPES: dict[str, tuple[str, ...]] = {
    "raw.documents": ("raw.documents", "ingested_at"),
    "staging.documents": ("staging.documents", "cleaned_at"),
    "core.sentences": ("core.analysed_documents", "analysed_at"),
    "core.claims": ("core.analysed_documents", "analysed_at"),
    "core.quantities": ("core.analysed_documents", "analysed_at"),
    "core.entities": ("core.analysed_documents", "analysed_at"),
    "core.claim_pairs": ("core.claim_embeddings", "embedded_at"),
    # a cluster is recomputed whole when a new or removed claim touches it (story_steps.update_story_clusters)
    "core.story_clusters": ("core.story_clusters", "clustered_at", "cluster_id"),
}

PASS, WARN, ERROR = "pass", "warn", "error"


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


@dataclass(frozen=True)
class Policy:
    """Thresholds of the gate (dbt's warn_if / error_if)."""

    warn_if_share: float = 0.0  # warn when more than this share of documents fails row rules
    error_if_share: float = 0.05  # stop when more than this share fails row rules ...
    error_min_documents: int = 3  # ... and at least this many documents: one odd page never stops a run
    max_drop_share: float = 0.25  # stop when a table lost more than this share of its rows ...
    max_drop_rows: int = 10  # ... and at least this many rows since its last passing check

    @classmethod
    def from_env(cls) -> Policy:
        d = cls()
        return cls(
            warn_if_share=_env("CLAIMHOUSE_WARN_IF_SHARE", d.warn_if_share),
            error_if_share=_env("CLAIMHOUSE_ERROR_IF_SHARE", d.error_if_share),
            error_min_documents=int(_env("CLAIMHOUSE_ERROR_MIN_DOCUMENTS", d.error_min_documents)),
            max_drop_share=_env("CLAIMHOUSE_MAX_DROP_SHARE", d.max_drop_share),
            max_drop_rows=int(_env("CLAIMHOUSE_MAX_DROP_ROWS", d.max_drop_rows)),
        )

    def describe(self) -> dict[str, str]:
        return {
            "warn_if": f"more than {self.warn_if_share:.1%} of the checked documents fail row rules",
            "error_if": f"more than {self.error_if_share:.1%} of the checked documents (and at least "
                        f"{self.error_min_documents}) fail row rules, or a blocking expectation fails, or the "
                        f"table lost more than {self.max_drop_share:.0%} of its rows (and at least "
                        f"{self.max_drop_rows})",
        }


@dataclass
class GateResult:
    table: str
    severity: str  # pass / warn / error
    report: quality.QualityReport
    policy: Policy
    scope: str
    row_count: int
    previous_row_count: int | None
    quarantined: dict[str, int] = field(default_factory=dict)  # reason -> documents sent to quarantine
    reasons: list[str] = field(default_factory=list)  # why the check warns or fails, one line each

    @property
    def passed(self) -> bool:
        return self.severity == PASS

    @property
    def row_count_drop(self) -> float:
        if not self.previous_row_count:
            return 0.0
        return max(0.0, (self.previous_row_count - self.row_count) / self.previous_row_count)

    def headline(self) -> str:
        if self.reasons:
            return "; ".join(self.reasons)
        return self.report.summary().splitlines()[0]

    def summary(self, examples_per_failure: int = 3) -> str:
        label = {PASS: "passed", WARN: "warned", ERROR: "FAILED"}[self.severity]
        lines = [f"{self.table}: {label}: {self.headline()}"]
        if not self.report.success:
            lines += self.report.summary(examples_per_failure).splitlines()[1:]
        return "\n".join(lines)


def _decide(report: quality.QualityReport, policy: Policy, row_count: int,
            previous: int | None) -> tuple[str, list[str], bool]:
    """(severity, reasons, quarantine the failing documents?)"""
    errors, warnings = [], []
    blocking = report.blocking_failures
    if blocking:
        errors.append(f"{len(blocking)} blocking expectation(s) failed: "
                      + "; ".join(f.description for f in blocking[:3]))
    failing = len(report.failing_documents)
    share = report.failing_share
    too_many = failing >= policy.error_min_documents and share > policy.error_if_share
    if too_many:
        errors.append(f"{failing} of {report.documents_checked} documents ({share:.1%}) fail row rules, above "
                      f"error_if {policy.error_if_share:.1%}: a regression, nothing quarantined")
    elif failing and share > policy.warn_if_share:
        rules = sorted({rule for rule, _ in report.failing_documents.values()})
        warnings.append(f"{failing} of {report.documents_checked} documents ({share:.1%}) failed row rules "
                        f"({', '.join(rules)}) and were quarantined")
    if previous:
        lost = previous - row_count
        if lost >= policy.max_drop_rows and lost / previous > policy.max_drop_share:
            errors.append(f"row count dropped from {previous:,} to {row_count:,} ({lost / previous:.0%}), above "
                          f"max_drop {policy.max_drop_share:.0%}")
    quarantine_rows = bool(failing) and not errors
    if errors:
        return ERROR, errors, quarantine_rows
    return (WARN if warnings else PASS), warnings, quarantine_rows


def run_gate(con: duckdb.DuckDBPyConnection, table: str, check_name: str,
             policy: Policy | None = None) -> GateResult:
    """Validate ``table`` (its new rows where it is loaded per document), quarantine the documents
    that fail row rules, and decide the check's severity. The watermark and the row count move
    only when nothing blocks."""
    from claimhouse.steps import (
        common as step_common,  # imports polars and the pipeline; keep this module light to import
    )

    policy = policy or Policy.from_env()
    suite = quality.SUITES[table]
    scope = SCOPES.get(table)
    new_mark: datetime | None = None
    if scope:
        row = con.execute("select checked_through from meta.check_watermarks where check_name = ?",
                          [check_name]).fetchone()
        watermark = row[0] if row else None
        scope_table, ts, key = (*scope, "doc_id")[:3]
        new_mark = con.execute(f"select max({ts}) from {scope_table}").fetchone()[0]
        if watermark is None:
            report = quality.validate_table(con, table)
        else:
            if key == "doc_id" and suite.per_document:  # the documents' rows of the joined tables only
                con.execute(f"create or replace temp table _checked_documents as "
                            f"select doc_id from {scope_table} where {ts} > ?", [watermark])
                try:
                    report = quality.validate_table(
                        con, table, "doc_id in (select doc_id from _checked_documents)",
                        documents="_checked_documents")
                finally:
                    con.execute("drop table if exists _checked_documents")
            else:
                where = f"{key} in (select {key} from {scope_table} where {ts} > ?)"
                report = quality.validate_table(con, table, where, [watermark])
        scope_text = f"rows loaded after {watermark}" if watermark else "every row (first check)"
    else:
        report = quality.validate_table(con, table)
        scope_text = "whole table"
    row = con.execute("select row_count from meta.check_row_counts where check_name = ?", [check_name]).fetchone()
    previous = row[0] if row else None
    rows_now = con.execute(f"select count(*) from {table}").fetchone()[0]
    severity, reasons, quarantine_rows = _decide(report, policy, rows_now, previous)
    quarantined: dict[str, int] = {}
    if quarantine_rows and suite.stage:
        quarantined = step_common.quarantine_documents(con, suite.stage, report.failing_documents)
        rows_now = con.execute(f"select count(*) from {table}").fetchone()[0]
    if severity != ERROR:
        if new_mark is not None:
            upsert(con, "meta.check_watermarks", "check_name", [check_name, new_mark])
        upsert(con, "meta.check_row_counts", "check_name", [check_name, rows_now])
    return GateResult(table, severity, report, policy, scope_text, rows_now, previous, quarantined, reasons)
