"""Dagster assets of claimhouse, one group per warehouse layer: raw → staging → core → marts
(the last mart step publishes the read-only copy analysts open)."""
from .checks import ASSET_CHECKS as GX_CHECKS
from .core import core_analysis
from .marts import MART_ASSETS
from .publish import published_copy_matches, published_warehouse
from .raw import raw_documents
from .staging import staging_documents

ASSET_CHECKS = [*GX_CHECKS, published_copy_matches]
ALL_ASSETS = [raw_documents, staging_documents, core_analysis, *MART_ASSETS, published_warehouse]

__all__ = ["ALL_ASSETS", "ASSET_CHECKS"]
