-- marts.speakers: one row per resolved speaker (source_canonical of attributed claims).
-- Copies of the same story (staging.documents.duplicate_of set) are counted once.
CREATE OR REPLACE TABLE marts.speakers AS
WITH c AS (
    SELECT c.*, d.outlet, d.published_at
    FROM core.claims c
    JOIN staging.documents d USING (doc_id)
    WHERE c.claim_type = 'attribution'
      AND d.duplicate_of IS NULL
      AND c.source_canonical IS NOT NULL
      AND lower(c.source_canonical) NOT IN ('he', 'she', 'they', 'it', 'we', 'i', 'you', 'him', 'her', 'them')
)
SELECT
    source_canonical                                                     AS speaker,
    mode(source_kind)                                                    AS speaker_kind,
    list_sort(list_distinct(list(source_role) FILTER (WHERE source_role IS NOT NULL)))   AS roles,
    list_sort(list_distinct(list(source_text)))                          AS spellings,
    count(*)                                                             AS claims,
    count(*) FILTER (WHERE is_direct_quote)                              AS direct_quotes,
    count(*) FILTER (WHERE is_hedged)                                    AS hedged_claims,
    count(DISTINCT doc_id)                                               AS documents,
    count(DISTINCT outlet)                                               AS outlets,
    list_sort(list_distinct(list(outlet) FILTER (WHERE outlet IS NOT NULL)))   AS outlet_names,
    CAST(min(published_at) AS DATE)                                      AS first_date,
    CAST(max(published_at) AS DATE)                                      AS last_date
FROM c
GROUP BY source_canonical
ORDER BY claims DESC, speaker;

COMMENT ON TABLE marts.speakers IS 'One row per speaker: who is cited as the source of attributed claims, how often, where and when. Copies of the same story count once.';
COMMENT ON COLUMN marts.speakers.speaker IS 'The speaker resolved within each document (core.claims.source_canonical), e.g. Angelica Evans';
COMMENT ON COLUMN marts.speakers.speaker_kind IS 'Most frequent kind of source: person, organization, publication, unnamed';
COMMENT ON COLUMN marts.speakers.roles IS 'Roles written next to the name, e.g. ISW analyst';
COMMENT ON COLUMN marts.speakers.spellings IS 'How the source was written in the text (names, short names, pronouns)';
COMMENT ON COLUMN marts.speakers.claims IS 'Number of attributed claims';
COMMENT ON COLUMN marts.speakers.direct_quotes IS 'Claims quoted verbatim';
COMMENT ON COLUMN marts.speakers.hedged_claims IS 'Claims hedged or unconfirmed (claimed, reportedly, may ...)';
COMMENT ON COLUMN marts.speakers.documents IS 'Distinct documents citing the speaker';
COMMENT ON COLUMN marts.speakers.outlets IS 'Distinct publishing outlets citing the speaker';
COMMENT ON COLUMN marts.speakers.outlet_names IS 'The publishing outlets citing the speaker';
COMMENT ON COLUMN marts.speakers.first_date IS 'Earliest publication date of a document citing the speaker';
COMMENT ON COLUMN marts.speakers.last_date IS 'Latest publication date of a document citing the speaker';
