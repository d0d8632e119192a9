-- marts.quantities: every figure with its context: who reported it, in which outlet, when.
CREATE OR REPLACE TABLE marts.quantities AS
SELECT
    q.quantity_id,
    q.doc_id,
    coalesce(q.normalized_unit, q.unit)      AS measure,
    q.subject,
    q.change,
    q.value,
    q.value_max,
    q.unit,
    q.surface,
    c.source_canonical                        AS reported_by,
    c.claim_type,
    d.outlet,
    d.original_outlet,
    CAST(d.published_at AS DATE)              AS published_date,
    d.title,
    s.text                                    AS sentence
FROM core.quantities q
JOIN staging.documents d USING (doc_id)
JOIN core.sentences s ON s.sentence_id = q.sentence_id
LEFT JOIN core.claims c ON c.claim_id = q.claim_id
WHERE d.duplicate_of IS NULL
ORDER BY measure, value DESC, published_date;

COMMENT ON TABLE marts.quantities IS 'Every figure (core.quantities) with its unit, subject, the claim and speaker that carry it, outlet and date, for comparing figures across outlets. Copies of the same story count once.';
COMMENT ON COLUMN marts.quantities.quantity_id IS 'core.quantities.quantity_id';
COMMENT ON COLUMN marts.quantities.doc_id IS 'Document the figure appears in';
COMMENT ON COLUMN marts.quantities.measure IS 'What is measured or counted: the normalized unit (troop, kilometre, percentage, dollar ...)';
COMMENT ON COLUMN marts.quantities.subject IS 'What is counted or measured, as phrased in the sentence';
COMMENT ON COLUMN marts.quantities.change IS '= exact, ~ about, > more than, < less than, up / down for changes';
COMMENT ON COLUMN marts.quantities.value IS 'Numeric value';
COMMENT ON COLUMN marts.quantities.value_max IS 'Upper bound when the figure is a range (hundreds of: 1000); NULL for a single value';
COMMENT ON COLUMN marts.quantities.unit IS 'Unit as written';
COMMENT ON COLUMN marts.quantities.surface IS 'The figure as written, e.g. 40,000 troops';
COMMENT ON COLUMN marts.quantities.reported_by IS 'Speaker of the attributed claim carrying the figure; NULL when the outlet states it itself';
COMMENT ON COLUMN marts.quantities.claim_type IS 'attribution or assertion of the carrying claim; NULL when no claim carries it';
COMMENT ON COLUMN marts.quantities.outlet IS 'Publishing outlet';
COMMENT ON COLUMN marts.quantities.original_outlet IS 'Original outlet of a syndicated copy';
COMMENT ON COLUMN marts.quantities.published_date IS 'Publication date of the document';
COMMENT ON COLUMN marts.quantities.title IS 'Document title';
COMMENT ON COLUMN marts.quantities.sentence IS 'The sentence containing the figure';
