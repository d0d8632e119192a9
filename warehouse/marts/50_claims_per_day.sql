-- marts.claims_per_day: claims per publication day and outlet.
CREATE OR REPLACE TABLE marts.claims_per_day AS
SELECT
    CAST(d.published_at AS DATE)                               AS day,
    d.outlet,
    count(DISTINCT d.doc_id)                                   AS documents,
    count(c.claim_id)                                          AS claims,
    count(c.claim_id) FILTER (WHERE c.claim_type = 'attribution') AS attributions,
    count(c.claim_id) FILTER (WHERE c.claim_type = 'assertion')   AS assertions,
    count(c.claim_id) FILTER (WHERE c.is_direct_quote)         AS direct_quotes,
    count(c.claim_id) FILTER (WHERE c.is_hedged)               AS hedged_claims,
    count(DISTINCT c.source_canonical)                         AS speakers
FROM staging.documents d
LEFT JOIN core.claims c USING (doc_id)
WHERE d.duplicate_of IS NULL
GROUP BY ALL
ORDER BY day NULLS LAST, outlet NULLS LAST;

COMMENT ON TABLE marts.claims_per_day IS 'Claims per publication day and publishing outlet (documents without a date have day NULL). Copies of the same story count once.';
COMMENT ON COLUMN marts.claims_per_day.day IS 'Publication date';
COMMENT ON COLUMN marts.claims_per_day.outlet IS 'Publishing outlet (NULL when unknown)';
COMMENT ON COLUMN marts.claims_per_day.documents IS 'Documents published that day by the outlet';
COMMENT ON COLUMN marts.claims_per_day.claims IS 'All claims in them';
COMMENT ON COLUMN marts.claims_per_day.attributions IS 'Attributed claims';
COMMENT ON COLUMN marts.claims_per_day.assertions IS 'Unattributed assertions';
COMMENT ON COLUMN marts.claims_per_day.direct_quotes IS 'Verbatim quotes';
COMMENT ON COLUMN marts.claims_per_day.hedged_claims IS 'Hedged or unconfirmed claims';
COMMENT ON COLUMN marts.claims_per_day.speakers IS 'Distinct speakers cited';
