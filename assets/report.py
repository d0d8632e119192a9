"""The report: an HTML page with PNG charts over the marts, written beside the warehouse after publishing."""

from pathlib import Path

import dagster as dg

from claimhouse.warehouse.report import (
    SECTIONS,
    build_report_if_changed,
    read_report,
    report_dir,
    verify_report,
)

from .common import DUCKDB_POOL
from .marts import MART_ASSETS
from .publish import published_warehouse
from .resources import WarehouseResource


@dg.asset(key=["published", "report"], deps=[*(m.key for m in MART_ASSETS), published_warehouse.key],
          group_name="marts", kinds={"html"}, pool=DUCKDB_POOL,
          description="HTML report of the marts (claimhouse.report/index.html beside the warehouse file): top "
                      "speakers, claims per day, figures side by side and the largest story clusters, with PNG "
                      "charts. Replaced as a whole folder, after the warehouse is published; left as it was when the "
                      "marts did not change.")
def report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        summary, rebuilt = build_report_if_changed(con, report_dir(warehouse.side()),
                                                   source=warehouse.shown_name())
    context.log.info(f"report written to {summary.index}" if rebuilt
                     else f"report at {summary.index} left as it was: the marts did not change")
    metadata: dict = {
        "path": dg.MetadataValue.path(str(summary.index)),
        "rebuilt": rebuilt,
        "sections": dg.MetadataValue.json({s: {"rows": n, **({"note": summary.notes[s]} if s in summary.notes
                                                            else {})} for s, n in summary.sections.items()}),
        "charts": ", ".join(summary.charts),
        "preview": dg.MetadataValue.md(summary.markdown()),
    }
    chart = summary.chart_markdown("speakers.png")
    if chart:
        metadata["speakers chart"] = dg.MetadataValue.md(chart)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=report, name="report_shows_every_section", blocking=True, pool=DUCKDB_POOL,
                description="index.html has every section (" + ", ".join(f"#{s}" for s in SECTIONS) + "); every "
                            "image it shows is a PNG file in the report folder; the speakers table is as long "
                            "as marts.speakers allows.")
def report_shows_every_section(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    out = report_dir(warehouse.side())
    with warehouse.connect(read_only=True) as con:
        problems = verify_report(out, con)
    sections, images = read_report(out) if (out / "index.html").is_file() else ({}, [])
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={"sections": ", ".join(sections), "images": len(images),
                  "problems": "\n".join(problems) or "none"},
        description=(f"{len(sections)} sections, {len(images)} images, all present" if not problems
                     else "; ".join(problems)[:500]))
