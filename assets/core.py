"""Core layer: sentences, claims, quantities and entities from one parse per document."""

import dagster as dg

from claimhouse.steps import core as core_steps
from claimhouse.steps import stories as story_steps
from claimhouse.steps.common import batch_doc_ids

from .common import (
    CORE_KEYS,
    DOCUMENTS_POOL,
    DUCKDB_POOL,
    ENTITY_NAMES,
    PER_BATCH,
    STAGING_DOCUMENTS,
    STORY_KEYS,
    run_batches,
    table_metadata,
)
from .resources import CorpusResource, WarehouseResource

_DESCRIPTIONS = {
    "sentences": "Sentences of the clean text with character offsets into staging.documents.text.",
    "claims": "Attributions (source, cue, content; quoted or not, hedged or not) and unattributed assertions.",
    "quantities": "Numeric expressions with value, unit, normalized unit, change and subject.",
    "entities": "Named-entity mentions with a canonical name.",
    "claim_pairs": "Claims from different documents with similar content (sentence embeddings, all-MiniLM-L6-v2): "
                   "paraphrase, contradiction or related.",
    "story_clusters": "The story cluster of each claim that is told again in another document "
                      "(average linkage over the stored pairs).",
}
_PREVIEWS = {
    "claims": "select claim_type, source_canonical, cue_text, content_text, is_direct_quote, is_hedged "
              "from core.claims where claim_type = 'attribution' order by claim_id",
    "quantities": "select surface, value, unit, normalized_unit, change, subject from core.quantities "
                  "order by quantity_id",
    "claim_pairs": "select p.relation, p.similarity, a.content_text as claim_a, b.content_text as claim_b "
                   "from core.claim_pairs p join core.claims a on a.claim_id = p.claim_a "
                   "join core.claims b on b.claim_id = p.claim_b where p.relation <> 'related' "
                   "order by p.similarity desc",
    "story_clusters": "select s.cluster_id, count(*) as claims, any_value(c.content_text) as a_claim "
                      "from core.story_clusters s join core.claims c using (claim_id) group by all "
                      "order by claims desc, cluster_id",
}


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=[STAGING_DOCUMENTS], group_name="core", description=_DESCRIPTIONS[name],
                        kinds={"duckdb", "spacy"}) for name, key in CORE_KEYS.items()],
    pool=DOCUMENTS_POOL, can_subset=False, name="core_analysis", **PER_BATCH,
)
def core_analysis(context: dg.AssetExecutionContext, corpus: CorpusResource, warehouse: WarehouseResource):
    """Parse each new clean document once (spaCy) and extract all four core tables from that parse."""
    batches = run_batches(context)
    with warehouse.connect(shared=True) as con:
        scope = batch_doc_ids(con, corpus.path, batches) if batches is not None else None
        result = core_steps.analyse_pending(con, workers=warehouse.workers, scope=scope, resolve_names=False)
        context.log.info(f"analysed {result.written} documents, {result.quarantined} quarantined")
        for name, key in CORE_KEYS.items():
            yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(
                con, f"core.{name}", _PREVIEWS.get(name),
                rows_written=result.extra[f"{name}_written"],
                documents_analysed=result.written, documents_quarantined=result.quarantined,
                warehouse_handovers=getattr(con, "releases", 0)))


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=[CORE_KEYS["claims"]], group_name="core", description=_DESCRIPTIONS[name],
                        kinds={"duckdb", "onnx"}) for name, key in STORY_KEYS.items()],
    pool=DUCKDB_POOL, can_subset=False, name="story_links",
)
def story_links(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Embed each new claim once, pair it with similar claims of other documents, update the story clusters."""
    with warehouse.connect() as con:
        result = story_steps.link_stories(con, workers=warehouse.workers)
        context.log.info(f"linked {result.written} new claims ({result.extra['claims_embedded']} texts embedded, "
                         f"{result.extra['claims_reusing_a_vector']} claims took a stored vector), "
                         f"{result.extra['pairs_written']} new pairs, "
                         f"{result.extra['clusters']} story clusters, {result.quarantined} documents quarantined")
        yield dg.MaterializeResult(asset_key=STORY_KEYS["claim_pairs"], metadata=table_metadata(
            con, "core.claim_pairs", _PREVIEWS["claim_pairs"], claims_linked=result.written,
            claims_embedded=result.extra["claims_embedded"],
            claims_reusing_a_vector=result.extra["claims_reusing_a_vector"],
            pairs_written=result.extra["pairs_written"], documents_quarantined=result.quarantined))
        yield dg.MaterializeResult(asset_key=STORY_KEYS["story_clusters"], metadata=table_metadata(
            con, "core.story_clusters", _PREVIEWS["story_clusters"], clusters=result.extra["clusters"],
            reclustered_claims=result.extra.get("reclustered_claims", 0)))


@dg.asset(key=ENTITY_NAMES, deps=[CORE_KEYS["entities"], CORE_KEYS["claims"]], group_name="core",
          kinds={"duckdb", "python"}, pool=DUCKDB_POOL,
          description="One canonical name per entity across the corpus (a one-word ORG that joins a person "
                      "becomes PERSON); corpus-wide, so it runs once after the batches of a run.")
def entity_names(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        changed = core_steps.resolve_names_if_changed(con)
        context.log.info("entity names: no new analysed document, not resolved again" if changed is None else
                         f"entity names resolved: {changed} rows of core.entities and core.claims renamed")
        return dg.MaterializeResult(metadata=table_metadata(
            con, "core.entity_names",
            "select name, canonical, label, mentions from core.entity_names where name <> canonical "
            "order by mentions desc, name", resolved=changed is not None, rows_renamed=changed or 0))
