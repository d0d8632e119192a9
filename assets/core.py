"""Core layer: sentences, claims, quantities and entities from one parse per document."""

import dagster as dg

from claimhouse import steps

from .common import CORE_KEYS, DUCKDB_POOL, STAGING_DOCUMENTS, table_metadata
from .resources import WarehouseResource

_DESCRIPTIONS = {
    "sentences": "Sentences of the clean text with character offsets into staging.documents.text.",
    "claims": "Attributions (source, cue, content; quoted or not, hedged or not) and unattributed assertions.",
    "quantities": "Numeric expressions with value, unit, normalized unit, change and subject.",
    "entities": "Named-entity mentions with a canonical name.",
}
_PREVIEWS = {
    "claims": "select claim_type, source_canonical, cue_text, content_text, is_direct_quote, is_hedged "
              "from core.claims where claim_type = 'attribution' order by claim_id",
    "quantities": "select surface, value, unit, normalized_unit, change, subject from core.quantities "
                  "order by quantity_id",
}


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=[STAGING_DOCUMENTS], group_name="core", description=_DESCRIPTIONS[name],
                        kinds={"duckdb", "spacy"}) for name, key in CORE_KEYS.items()],
    pool=DUCKDB_POOL, can_subset=False, name="core_analysis",
)
def core_analysis(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Parse each new clean document once (spaCy) and extract all four core tables from that parse."""
    with warehouse.connect() as con:
        result = steps.analyse_pending(con, workers=warehouse.workers)
        context.log.info(f"analysed {result.written} documents, {result.quarantined} quarantined")
        for name, key in CORE_KEYS.items():
            yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(
                con, f"core.{name}", _PREVIEWS.get(name),
                rows_written=result.extra[f"{name}_written"],
                documents_analysed=result.written, documents_quarantined=result.quarantined))
