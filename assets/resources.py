"""Typed Dagster resources: where the corpus is and where the warehouse lives."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from claimhouse import warehouse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO_ROOT / "seeds"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "data" / "claimhouse.duckdb"


def default_seeds_dir() -> str:
    return os.environ.get("CLAIMHOUSE_SEEDS", str(DEFAULT_SEEDS))


def default_warehouse_path() -> str:
    return os.environ.get("CLAIMHOUSE_WAREHOUSE", str(DEFAULT_WAREHOUSE))


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. One writer at a time: `connect()` waits while another process writes."""

    path: str = Field(description="Path of the DuckDB warehouse file")
    workers: int = Field(default=1, description="Worker processes for per-document work (1 = in the step's process)")

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.path, read_only=read_only) as con:
            yield con


class CorpusResource(dg.ConfigurableResource):
    """The folder of raw documents the pipeline reads."""

    seeds_dir: str = Field(description="Folder of input documents (searched recursively)")

    @property
    def path(self) -> Path:
        return Path(self.seeds_dir)
