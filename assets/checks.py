"""great-expectations suites (claimhouse.checks.quality) run as blocking Dagster asset checks, through the
quality gate (claimhouse.checks.gate).

Each check validates the rows loaded since its last passing run (a watermark in
meta.check_watermarks), chunk by chunk, so its cost grows with new documents. A row that
breaks a row rule sends its document to quarantine.documents, and the check warns; the check
fails with severity ERROR, which stops the layers below, only when the pipeline itself looks
broken: a blocking expectation (schema, keys, references), too large a share of documents
failing row rules, or a sudden drop in the table's row count. A failed check keeps its
watermark: the same rows are checked again until fixed. Marts are rebuilt whole and checked whole.
"""

import dagster as dg

from claimhouse.checks import gate, quality

from .common import CORE_KEYS, DUCKDB_POOL, ENTITY_NAMES, RAW_DOCUMENTS, STAGING_DOCUMENTS, STORY_KEYS
from .marts import MART_ASSETS
from .resources import QualityPolicyResource, WarehouseResource


def _failures_markdown(report: quality.QualityReport) -> str:
    lines = ["| expectation | kind | column | rows | examples |", "|---|---|---|---|---|"]
    for f in report.failures:
        ex = "; ".join(" ".join(f"{k}={v!r}" for k, v in e.items()) for e in f.examples[:5])
        ex = ex.replace("|", "\\|").replace("\n", " ")
        kind = f"row rule `{f.rule}`" if f.rule else "blocking"
        lines.append(f"| {f.expectation} | {kind} | {f.column or ''} | {f.unexpected_count} | {ex[:600]} |")
    return "\n".join(lines)


def _quarantined_markdown(result: gate.GateResult) -> str:
    lines = ["| document | rule | detail |", "|---|---|---|"]
    for doc, (rule, detail) in list(result.report.failing_documents.items())[:20]:
        shown = detail.replace("|", "\\|").replace("\n", " ")[:200]
        lines.append(f"| {doc} | {rule} | {shown} |")
    return "\n".join(lines)


def check_result(result: gate.GateResult) -> dg.AssetCheckResult:
    """The gate's decision as a Dagster check result, with thresholds and figures as metadata."""
    report, policy = result.report, result.policy
    metadata = {
        "severity": result.severity,
        "rows_checked": report.rows_checked,
        "documents_checked": report.documents_checked,
        "documents_failing_row_rules": len(report.failing_documents),
        "failing_share": dg.MetadataValue.float(round(report.failing_share, 6)),
        "warn_if_share": dg.MetadataValue.float(policy.warn_if_share),
        "error_if_share": dg.MetadataValue.float(policy.error_if_share),
        "error_min_documents": policy.error_min_documents,
        "row_count": result.row_count,
        "previous_row_count": result.previous_row_count if result.previous_row_count is not None else -1,
        "row_count_drop": dg.MetadataValue.float(round(result.row_count_drop, 6)),
        "max_drop_share": dg.MetadataValue.float(policy.max_drop_share),
        "expectations": report.expectations,
        "failed_expectations": len(report.failures),
        "scope": result.scope,
        "summary": dg.MetadataValue.text(result.summary()),
        **{f"thresholds/{k}": v for k, v in policy.describe().items()},
    }
    if result.quarantined:
        metadata["quarantined_by_rule"] = dg.MetadataValue.json(result.quarantined)
    if report.failing_documents:
        metadata["failing_documents"] = dg.MetadataValue.md(_quarantined_markdown(result))
    if report.failures:
        metadata["failures"] = dg.MetadataValue.md(_failures_markdown(report))
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR if result.severity == gate.ERROR else dg.AssetCheckSeverity.WARN,
        metadata=metadata, description=result.headline()[:1000])


def _check_for(asset_key: dg.AssetKey, table: str) -> dg.AssetChecksDefinition:
    name = "gx_" + table.replace(".", "_")

    @dg.asset_check(asset=asset_key, name=name, blocking=True, pool=DUCKDB_POOL,
                    description=f"great-expectations suite for {table} (row rules quarantine the document; "
                                "the others block): "
                                + "; ".join(c.describe() for c in quality.SUITES[table].checks)[:900])
    def _check(warehouse: WarehouseResource, quality_policy: QualityPolicyResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            return check_result(gate.run_gate(con, table, name, quality_policy.policy()))

    return _check


def build_checks() -> list[dg.AssetChecksDefinition]:
    pairs = [(RAW_DOCUMENTS, "raw.documents"), (RAW_DOCUMENTS, "quarantine.documents"),
             (STAGING_DOCUMENTS, "staging.documents")]
    pairs += [(key, f"core.{name}") for name, key in {**CORE_KEYS, **STORY_KEYS}.items()]
    pairs.append((ENTITY_NAMES, "core.entity_names"))
    for mart in MART_ASSETS:
        key = mart.key
        table = ".".join(key.path)
        if table in quality.SUITES:
            pairs.append((key, table))
    return [_check_for(key, table) for key, table in pairs if table in quality.SUITES]


ASSET_CHECKS = build_checks()
