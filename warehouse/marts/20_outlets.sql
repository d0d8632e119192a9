-- marts.outlets: every outlet that publishes a document, is the original of a syndicated copy, or is cited as a source.
CREATE OR REPLACE TABLE marts.outlets AS
WITH docs AS (
    SELECT doc_id, outlet, original_outlet FROM staging.documents WHERE duplicate_of IS NULL
),
published AS (
    SELECT d.outlet,
           count(DISTINCT d.doc_id)                                          AS documents,
           count(c.claim_id)                                                 AS claims,
           count(c.claim_id) FILTER (WHERE c.claim_type = 'attribution')     AS attributions,
           count(c.claim_id) FILTER (WHERE c.claim_type = 'assertion')       AS assertions,
           count(c.claim_id) FILTER (WHERE c.is_direct_quote)                AS direct_quotes,
           count(DISTINCT c.source_canonical) FILTER (WHERE c.claim_type = 'attribution') AS distinct_sources
    FROM docs d LEFT JOIN core.claims c USING (doc_id)
    WHERE d.outlet IS NOT NULL
    GROUP BY d.outlet
),
cites AS (
    SELECT d.outlet,
           list_sort(list_distinct(list(c.source_canonical) FILTER (
               WHERE lower(c.source_canonical) NOT IN ('he', 'she', 'they', 'it', 'we', 'i', 'you', 'him', 'her', 'them')
           ))) AS cited_sources,
           list_sort(list_distinct(list(c.source_canonical) FILTER (WHERE c.source_kind = 'publication'))) AS cited_outlets,
           list_sort(list_distinct(list(c.source_canonical) FILTER (WHERE c.source_kind = 'organization'))) AS cited_organizations
    FROM docs d JOIN core.claims c USING (doc_id)
    WHERE d.outlet IS NOT NULL AND c.claim_type = 'attribution' AND c.source_canonical IS NOT NULL
    GROUP BY d.outlet
),
originals AS (
    SELECT original_outlet AS outlet, count(*) AS syndicated_copies,
           list_sort(list_distinct(list(outlet))) AS syndicated_by
    FROM docs WHERE original_outlet IS NOT NULL AND original_outlet IS DISTINCT FROM outlet
    GROUP BY original_outlet
),
syndicated_from AS (
    SELECT outlet, list_sort(list_distinct(list(original_outlet))) AS syndicates_from
    FROM docs WHERE original_outlet IS NOT NULL AND original_outlet IS DISTINCT FROM outlet AND outlet IS NOT NULL
    GROUP BY outlet
),
cited AS (
    SELECT c.source_canonical AS outlet, count(*) AS times_cited, count(DISTINCT d.outlet) AS cited_by_outlets
    FROM core.claims c JOIN docs d USING (doc_id)
    WHERE c.claim_type = 'attribution' AND c.source_kind = 'publication' AND c.source_canonical IS NOT NULL
    GROUP BY c.source_canonical
),
names AS (
    SELECT outlet FROM published UNION SELECT outlet FROM originals UNION SELECT outlet FROM cited
)
SELECT
    n.outlet,
    coalesce(p.documents, 0)          AS documents,
    coalesce(p.claims, 0)             AS claims,
    coalesce(p.attributions, 0)       AS attributions,
    coalesce(p.assertions, 0)         AS assertions,
    coalesce(p.direct_quotes, 0)      AS direct_quotes,
    coalesce(p.distinct_sources, 0)   AS distinct_sources,
    coalesce(ct.cited_sources, [])    AS cited_sources,
    coalesce(ct.cited_outlets, [])    AS cited_outlets,
    coalesce(ct.cited_organizations, []) AS cited_organizations,
    coalesce(sf.syndicates_from, [])  AS syndicates_from,
    coalesce(o.syndicated_copies, 0)  AS syndicated_copies,
    coalesce(o.syndicated_by, [])     AS syndicated_by,
    coalesce(ci.times_cited, 0)       AS times_cited,
    coalesce(ci.cited_by_outlets, 0)  AS cited_by_outlets
FROM names n
LEFT JOIN published p USING (outlet)
LEFT JOIN cites ct USING (outlet)
LEFT JOIN syndicated_from sf USING (outlet)
LEFT JOIN originals o USING (outlet)
LEFT JOIN cited ci USING (outlet)
ORDER BY documents DESC, times_cited DESC, n.outlet;

COMMENT ON TABLE marts.outlets IS 'One row per outlet: publishers of documents, original outlets of syndicated copies, and publications cited as sources. Copies of the same story count once.';
COMMENT ON COLUMN marts.outlets.outlet IS 'Outlet name or domain (staging.documents.outlet / original_outlet, or a cited publication)';
COMMENT ON COLUMN marts.outlets.documents IS 'Documents this outlet published in the corpus';
COMMENT ON COLUMN marts.outlets.claims IS 'Claims (attributions and assertions) in its documents';
COMMENT ON COLUMN marts.outlets.attributions IS 'Attributed claims in its documents';
COMMENT ON COLUMN marts.outlets.assertions IS 'Unattributed assertions in its documents';
COMMENT ON COLUMN marts.outlets.direct_quotes IS 'Verbatim quotes in its documents';
COMMENT ON COLUMN marts.outlets.distinct_sources IS 'Distinct speakers its documents cite';
COMMENT ON COLUMN marts.outlets.cited_sources IS 'Every source its documents cite: people, organisations, publications and unnamed sources (speakers as in marts.speakers, unresolved pronouns left out)';
COMMENT ON COLUMN marts.outlets.cited_outlets IS 'Publications its documents cite as sources (e.g. The Telegraph)';
COMMENT ON COLUMN marts.outlets.cited_organizations IS 'Organisations its documents cite as sources';
COMMENT ON COLUMN marts.outlets.syndicates_from IS 'Original outlets of the syndicated copies it published';
COMMENT ON COLUMN marts.outlets.syndicated_copies IS 'Copies of its articles published by other outlets in the corpus';
COMMENT ON COLUMN marts.outlets.syndicated_by IS 'Outlets that republished its articles';
COMMENT ON COLUMN marts.outlets.times_cited IS 'Claims in the corpus attributed to this outlet as a source';
COMMENT ON COLUMN marts.outlets.cited_by_outlets IS 'Distinct outlets whose documents cite it';
