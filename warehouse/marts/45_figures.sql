-- marts.figures: figures about the same thing side by side, one row per (measure, subject):
-- every report of it with its value, speaker, outlet and date, and whether the reports agree.
-- Copies of the same story (staging.documents.duplicate_of set) count once.
CREATE OR REPLACE TABLE marts.figures AS
WITH f AS (
    SELECT
        coalesce(q.normalized_unit, q.unit)                  AS measure,
        lower(coalesce(q.subject, q.normalized_unit, q.unit)) AS subject,
        q.value, q.value_max, q.change, q.surface,
        coalesce(c.source_canonical, d.outlet)               AS reported_by,
        c.source_canonical IS NULL                           AS outlet_own,
        d.outlet,
        CAST(d.published_at AS DATE)                         AS published_date,
        q.doc_id
    FROM core.quantities q
    JOIN staging.documents d USING (doc_id)
    LEFT JOIN core.claims c ON c.claim_id = q.claim_id AND c.claim_type = 'attribution'
    WHERE d.duplicate_of IS NULL
      AND coalesce(q.normalized_unit, q.unit) IS NOT NULL
)
SELECT
    measure,
    subject,
    count(*)                                                             AS reports,
    count(DISTINCT reported_by)                                          AS sources,
    count(DISTINCT outlet)                                               AS outlets,
    min(value)                                                           AS min_value,
    max(coalesce(value_max, value))                                      AS max_value,
    count(DISTINCT value) = 1 AND count(DISTINCT coalesce(value_max, value)) = 1 AS agree,
    list({'value': value, 'value_max': value_max, 'change': change, 'surface': surface,
          'reported_by': reported_by, 'outlet_own': outlet_own, 'outlet': outlet,
          'published_date': published_date}
         ORDER BY published_date NULLS LAST, value, value_max NULLS FIRST, surface, reported_by, outlet, change)  AS reported,  -- a total order: the same list on every run
    CAST(min(published_date) AS DATE)                                    AS first_date,
    CAST(max(published_date) AS DATE)                                    AS last_date
FROM f
GROUP BY measure, subject
ORDER BY reports DESC, measure, subject;

COMMENT ON TABLE marts.figures IS 'Figures about the same thing side by side: one row per measure and subject (e.g. troop / north korean troops) with every report of it (value, speaker, outlet, date) and whether they agree. Copies of the same story count once.';
COMMENT ON COLUMN marts.figures.measure IS 'What is measured or counted: normalized unit (troop, kilometre, percentage, dollar ...)';
COMMENT ON COLUMN marts.figures.subject IS 'What the figure is about, lower case (core.quantities.subject; the measure when no subject was found)';
COMMENT ON COLUMN marts.figures.reports IS 'Number of figures reported for this measure and subject';
COMMENT ON COLUMN marts.figures.sources IS 'Distinct speakers (or outlets, for figures an outlet states itself) reporting it';
COMMENT ON COLUMN marts.figures.outlets IS 'Distinct outlets carrying it';
COMMENT ON COLUMN marts.figures.min_value IS 'Smallest value reported';
COMMENT ON COLUMN marts.figures.max_value IS 'Largest value reported (upper bounds of ranges included)';
COMMENT ON COLUMN marts.figures.agree IS 'Every report gives the same value (or the same range)';
COMMENT ON COLUMN marts.figures.reported IS 'Each report: value, value_max, change (= ~ > < up down), surface, reported_by, outlet_own (true when no speaker is cited), outlet, published_date; oldest first';
COMMENT ON COLUMN marts.figures.first_date IS 'Earliest publication date of a report';
COMMENT ON COLUMN marts.figures.last_date IS 'Latest publication date of a report';
