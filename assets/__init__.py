"""Dagster assets of claimhouse, one group per warehouse layer: raw → staging → core → marts
(the last mart step publishes the read-only copy analysts open)."""
from .checks import ASSET_CHECKS as GX_CHECKS
from .core import core_analysis, story_links
from .marts import MART_ASSETS
from .publish import published_copy_matches, published_warehouse
from .raw import raw_documents
from .report import report, report_shows_every_section
from .search import search_index, search_index_complete
from .staging import staging_documents

ASSET_CHECKS = [*GX_CHECKS, published_copy_matches, search_index_complete, report_shows_every_section]
ALL_ASSETS = [raw_documents, staging_documents, core_analysis, story_links, *MART_ASSETS, search_index, published_warehouse,
              report]

__all__ = ["ALL_ASSETS", "ASSET_CHECKS"]
