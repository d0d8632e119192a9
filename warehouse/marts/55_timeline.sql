-- marts.timeline: who said what when: one row per publication day, outlet and speaker.
-- speaker is the source_canonical of attributed claims (pronouns left unresolved excluded, as in
-- marts.speakers); speaker NULL holds the outlet's own voice: unattributed assertions, attributions
-- whose source is an unresolved pronoun, figures outside any claim, and documents with no claim.
-- Figures are core.quantities rows with a unit (counted or measured: troops, kilometres ...), as in
-- marts.figures. Copies of the same story (staging.documents.duplicate_of set) count once.
-- The claims' texts stay out of the ranking and the grouping of every event (at a million claims they
-- made this build the run's memory peak): only the first three of each row are looked up, at the end.
CREATE OR REPLACE TABLE marts.timeline AS
WITH docs AS (
    SELECT doc_id, outlet, CAST(published_at AS DATE) AS day
    FROM staging.documents
    WHERE duplicate_of IS NULL
),
claims AS (
    SELECT c.claim_id, c.doc_id, c.content_start, c.claim_type, c.is_direct_quote, c.is_hedged,
           CASE WHEN c.claim_type = 'attribution' AND c.source_canonical IS NOT NULL
                 AND lower(c.source_canonical) NOT IN ('he', 'she', 'they', 'it', 'we', 'i', 'you', 'him', 'her', 'them')
                THEN c.source_canonical END AS speaker
    FROM core.claims c
    JOIN docs USING (doc_id)
),
figures AS (
    SELECT q.quantity_id, q.doc_id, q.surface, q.start_char, cl.speaker
    FROM core.quantities q
    JOIN docs USING (doc_id)
    LEFT JOIN claims cl ON cl.claim_id = q.claim_id
    WHERE coalesce(q.normalized_unit, q.unit) IS NOT NULL
),
events AS (
    SELECT doc_id, speaker, claim_id, content_start AS pos, claim_type, is_direct_quote, is_hedged,
           NULL::TEXT AS quantity_id, NULL::TEXT AS surface
    FROM claims
    UNION ALL
    SELECT doc_id, speaker, NULL, start_char, NULL, NULL, NULL, quantity_id, surface
    FROM figures
    UNION ALL  -- a document with no claim and no figure still has its day on the timeline
    SELECT doc_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM docs
    WHERE doc_id NOT IN (SELECT doc_id FROM claims) AND doc_id NOT IN (SELECT doc_id FROM figures)
),
ranked AS (  -- the first three claims of each row in text order: only their texts are gathered
    SELECT e.*, d.day, d.outlet,
           CASE WHEN e.claim_id IS NOT NULL
                THEN row_number() OVER (PARTITION BY d.day, d.outlet, e.speaker, e.claim_id IS NOT NULL
                                        ORDER BY e.doc_id, e.pos, e.claim_id) END AS claim_rank
    FROM events e
    JOIN docs d USING (doc_id)
),
grouped AS (
    SELECT
        e.day,
        e.outlet,
        e.speaker,
        count(DISTINCT e.doc_id)                                                     AS documents,
        count(e.claim_id)                                                            AS claims,
        count(e.claim_id) FILTER (WHERE e.claim_type = 'assertion')                  AS assertions,
        count(e.claim_id) FILTER (WHERE e.is_direct_quote)                           AS direct_quotes,
        count(e.claim_id) FILTER (WHERE e.is_hedged)                                 AS hedged_claims,
        count(e.quantity_id)                                                         AS figures,
        coalesce(list(e.surface ORDER BY e.doc_id, e.pos, e.quantity_id)
                 FILTER (WHERE e.quantity_id IS NOT NULL), [])                       AS figure_surfaces,
        coalesce(list(e.claim_id ORDER BY e.doc_id, e.pos, e.claim_id)
                 FILTER (WHERE e.claim_id IS NOT NULL), [])                          AS claim_ids
    FROM ranked e
    GROUP BY e.day, e.outlet, e.speaker
),
samples AS (  -- the texts of the first three claims of each row, and only those
    SELECT r.day, r.outlet, r.speaker,
           list(CASE WHEN length(c.content_text) > 160 THEN left(c.content_text, 159) || '…'
                     ELSE c.content_text END ORDER BY r.claim_rank)                  AS sample_claims
    FROM (SELECT day, outlet, speaker, claim_id, claim_rank FROM ranked WHERE claim_rank <= 3) r
    JOIN core.claims c USING (claim_id)
    GROUP BY r.day, r.outlet, r.speaker
)
SELECT g.day, g.outlet, g.speaker, g.documents, g.claims, g.assertions, g.direct_quotes, g.hedged_claims,
       g.figures, g.figure_surfaces, g.claim_ids, coalesce(s.sample_claims, []) AS sample_claims
FROM grouped g
LEFT JOIN samples s ON s.day IS NOT DISTINCT FROM g.day AND s.outlet IS NOT DISTINCT FROM g.outlet
                   AND s.speaker IS NOT DISTINCT FROM g.speaker
ORDER BY g.day NULLS LAST, g.outlet NULLS LAST, g.claims DESC, g.speaker NULLS FIRST;

COMMENT ON TABLE marts.timeline IS 'Who said what when: one row per publication day, publishing outlet and speaker, with claims, quotes, hedges and the figures they carry. Speaker NULL is the outlet''s own voice (assertions, unresolved pronouns, figures outside claims, documents without claims). Copies of the same story count once.';
COMMENT ON COLUMN marts.timeline.day IS 'Publication date (NULL when the document has none)';
COMMENT ON COLUMN marts.timeline.outlet IS 'Publishing outlet (NULL when unknown)';
COMMENT ON COLUMN marts.timeline.speaker IS 'Speaker of the attributed claims (core.claims.source_canonical, as in marts.speakers); NULL for unattributed assertions, attributions to an unresolved pronoun, figures outside any claim and documents without claims';
COMMENT ON COLUMN marts.timeline.documents IS 'Documents of that day and outlet in which the speaker has a claim or a figure (for speaker NULL: documents with unattributed claims or figures, or with no claim at all)';
COMMENT ON COLUMN marts.timeline.claims IS 'Claims of the speaker that day in that outlet';
COMMENT ON COLUMN marts.timeline.assertions IS 'Of which unattributed assertions (only in the speaker NULL row)';
COMMENT ON COLUMN marts.timeline.direct_quotes IS 'Of which verbatim quotes';
COMMENT ON COLUMN marts.timeline.hedged_claims IS 'Of which hedged or unconfirmed (claimed, reportedly, may ...)';
COMMENT ON COLUMN marts.timeline.figures IS 'Figures with a unit (core.quantities with a counted or measured unit, as in marts.figures) inside those claims; for speaker NULL also the figures outside any claim';
COMMENT ON COLUMN marts.timeline.figure_surfaces IS 'The figures as written, in text order, e.g. [40,000 troops, 16,100 of whom]';
COMMENT ON COLUMN marts.timeline.claim_ids IS 'The claims (core.claims.claim_id), in text order';
COMMENT ON COLUMN marts.timeline.sample_claims IS 'The first three claim contents in text order, cut at 160 characters';
