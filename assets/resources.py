"""Typed Dagster resources: where the corpus is and where the warehouse lives."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from claimhouse.checks import gate
from claimhouse.warehouse import db as warehouse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO_ROOT / "seeds"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "data" / "claimhouse.duckdb"


def default_seeds_dir() -> str:
    return os.environ.get("CLAIMHOUSE_SEEDS", str(DEFAULT_SEEDS))


def default_warehouse_path() -> str:
    return os.environ.get("CLAIMHOUSE_WAREHOUSE", str(DEFAULT_WAREHOUSE))


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. One writer at a time: `connect()` waits while another process writes (up to
    CLAIMHOUSE_LOCK_WAIT_SECONDS, default 120)."""

    path: str = Field(description="Path of the DuckDB warehouse file, or ducklake:<catalog> for a DuckLake warehouse "
                                  "(catalog: a DuckDB file or postgres:dbname=… host=…; data files in "
                                  "CLAIMHOUSE_LAKE_DATA)")
    workers: int = Field(default=1, description="Worker processes for per-document work (0 = in the step's own process, "
                                                 "where a crashing document ends the run)")
    publish_to: str = Field(default_factory=lambda: os.environ.get("CLAIMHOUSE_PUBLISH", "file"),
                            description="Where analysts read: 'file' (a published DuckDB copy), 'lake' (a DuckLake "
                                        "with snapshots) or 'file,lake'")
    lake_catalog: str = Field(default_factory=lambda: os.environ.get("CLAIMHOUSE_LAKE_CATALOG", ""),
                              description="DuckLake catalog: a DuckDB file, or 'postgres:dbname=… host=…' (default: "
                                          "<warehouse>.lake.ducklake beside the warehouse)")
    lake_data: str = Field(default_factory=lambda: os.environ.get("CLAIMHOUSE_LAKE_DATA", ""),
                           description="Folder (or object store path) of the DuckLake's Parquet files (default: "
                                       "<warehouse>.lake/ beside the warehouse)")

    @property
    def is_lake(self) -> bool:
        """The warehouse itself is a DuckLake (``path`` is ``ducklake:<catalog>``): several writers share it."""
        return warehouse.is_lake(self.path)

    def shown_name(self) -> str:
        """What the report and logs call the warehouse: the file's name, or the lake's location (no password)."""
        return warehouse.shown(self.path) if self.is_lake else Path(self.path).name

    def side(self) -> Path:
        """The path the files beside the warehouse are named after (report folder, story index, run logs)."""
        return warehouse.side_path(self.path)

    def targets(self) -> set[str]:
        chosen = {t.strip() for t in self.publish_to.split(",") if t.strip()}
        unknown = chosen - {"file", "lake"}
        if unknown or not chosen:
            raise ValueError(f"CLAIMHOUSE_PUBLISH: 'file', 'lake' or 'file,lake', not {self.publish_to!r}")
        return chosen

    def lake(self) -> tuple[str, str]:
        from claimhouse.warehouse.lake import default_catalog, default_data_path

        return self.lake_catalog or default_catalog(self.path), self.lake_data or default_data_path(self.path)

    @contextlib.contextmanager
    def connect(self, read_only: bool = False, shared: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """``shared``: the per-document steps' connection, which lets go of the file while the step waits for
        its workers if another process (a step of another ingest batch, on another host) asks for it
        (claimhouse.warehouse.db.SharedConnection)."""
        def memory(now: int, peak: int) -> None:  # in the run's log: which step makes a run's peak
            dg.get_dagster_logger().info(f"memory: {now:,} MiB resident after closing the warehouse, "
                                         f"peak of the process so far {peak:,} MiB")

        with warehouse.connect(self.path, read_only=read_only, on_close=memory, shared=shared) as con:
            yield con


class CorpusResource(dg.ConfigurableResource):
    """The folder of raw documents the pipeline reads."""

    seeds_dir: str = Field(description="Folder of input documents (searched recursively)")

    @property
    def path(self) -> Path:
        return Path(self.seeds_dir)


class QualityPolicyResource(dg.ConfigurableResource):
    """Thresholds of the quality gate (claimhouse.checks.gate), as dbt's warn_if / error_if.

    Defaults come from the environment (CLAIMHOUSE_WARN_IF_SHARE, CLAIMHOUSE_ERROR_IF_SHARE,
    CLAIMHOUSE_ERROR_MIN_DOCUMENTS, CLAIMHOUSE_MAX_DROP_SHARE, CLAIMHOUSE_MAX_DROP_ROWS), else
    claimhouse.checks.gate.Policy's.
    """

    warn_if_share: float = Field(default_factory=lambda: gate.Policy.from_env().warn_if_share,
                                 description="Warn when more than this share of a run's checked documents fails "
                                             "row rules (they are quarantined)")
    error_if_share: float = Field(default_factory=lambda: gate.Policy.from_env().error_if_share,
                                  description="Stop the run when more than this share of the checked documents "
                                              "fails row rules (a regression: nothing is quarantined)")
    error_min_documents: int = Field(default_factory=lambda: gate.Policy.from_env().error_min_documents,
                                     description="... and at least this many documents")
    max_drop_share: float = Field(default_factory=lambda: gate.Policy.from_env().max_drop_share,
                                  description="Stop when a table lost more than this share of its rows since its "
                                              "last passing check")
    max_drop_rows: int = Field(default_factory=lambda: gate.Policy.from_env().max_drop_rows,
                               description="... and at least this many rows")

    def policy(self) -> gate.Policy:
        return gate.Policy(self.warn_if_share, self.error_if_share, self.error_min_documents,
                           self.max_drop_share, self.max_drop_rows)
