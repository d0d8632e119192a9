-- marts.entities: one row per canonical entity with mention counts and first/last sighting.
CREATE OR REPLACE TABLE marts.entities AS
WITH labels AS (  -- the most frequent label; ties go to the first in alphabetical order (mode() picks any)
    SELECT e.canonical, e.label
    FROM core.entities e JOIN staging.documents d USING (doc_id)
    WHERE d.duplicate_of IS NULL AND e.label IS NOT NULL
    GROUP BY e.canonical, e.label
    QUALIFY row_number() OVER (PARTITION BY e.canonical ORDER BY count(*) DESC, e.label) = 1
)
SELECT
    e.canonical                                             AS entity,
    any_value(l.label)                                      AS label,
    list_sort(list_distinct(list(e.text)))                  AS spellings,
    count(*)                                                AS mentions,
    count(DISTINCT e.doc_id)                                AS documents,
    count(DISTINCT d.outlet)                                AS outlets,
    list_sort(list_distinct(list(d.outlet) FILTER (WHERE d.outlet IS NOT NULL))) AS outlet_names,
    CAST(min(d.published_at) AS DATE)                       AS first_seen,
    CAST(max(d.published_at) AS DATE)                       AS last_seen
FROM core.entities e
JOIN staging.documents d USING (doc_id)
LEFT JOIN labels l ON l.canonical = e.canonical
WHERE d.duplicate_of IS NULL
GROUP BY e.canonical
ORDER BY mentions DESC, entity;

COMMENT ON TABLE marts.entities IS 'One row per named entity (canonical name): mentions, documents, outlets, first and last seen. Copies of the same story count once.';
COMMENT ON COLUMN marts.entities.entity IS 'Canonical name of the entity (core.entities.canonical)';
COMMENT ON COLUMN marts.entities.label IS 'Most frequent entity type: PERSON, ORG, GPE, LOC, NORP ...';
COMMENT ON COLUMN marts.entities.spellings IS 'Surface forms seen in the text';
COMMENT ON COLUMN marts.entities.mentions IS 'Number of mentions';
COMMENT ON COLUMN marts.entities.documents IS 'Distinct documents mentioning it';
COMMENT ON COLUMN marts.entities.outlets IS 'Distinct outlets mentioning it';
COMMENT ON COLUMN marts.entities.outlet_names IS 'Outlets mentioning it';
COMMENT ON COLUMN marts.entities.first_seen IS 'Earliest publication date of a document mentioning it';
COMMENT ON COLUMN marts.entities.last_seen IS 'Latest publication date of a document mentioning it';
