"""Dagster assets of claimhouse, one group per warehouse layer: raw → staging → core → marts
(the last mart step publishes the read-only copy analysts open)."""
from .checks import ASSET_CHECKS as GX_CHECKS
from .core import core_analysis, entity_names, story_links
from .marts import MART_ASSETS
from .publish import published_copy_matches, published_warehouse
from .raw import raw_documents
from .report import report, report_shows_every_section
from .search import search_index, search_index_complete
from .staging import staging_documents

import dagster as dg

ASSET_CHECKS = [*GX_CHECKS, published_copy_matches, search_index_complete, report_shows_every_section]
# per ingest batch (partitioned): what each document needs on its own
BATCH_ASSETS = [raw_documents, staging_documents, core_analysis]
# corpus-wide: they read every batch. Each is brought up to date after new batches land (its
# automation condition: some batch updated, none missing and none in progress), so batches that the
# seeds sensor starts are followed by one pass over the corpus, not by one per batch.
CORPUS_ASSETS = dg.map_asset_specs(
    lambda spec: spec.replace_attributes(automation_condition=dg.AutomationCondition.eager()),
    [entity_names, story_links, *MART_ASSETS, search_index, published_warehouse, report])
ALL_ASSETS = [*BATCH_ASSETS, *CORPUS_ASSETS]

__all__ = ["ALL_ASSETS", "ASSET_CHECKS", "BATCH_ASSETS", "CORPUS_ASSETS"]
