-- marts.story_clusters: the same claim told in several documents (paraphrases), with who carried it first and what contradicts it.
-- Copies of the same story (staging.documents.duplicate_of set) count once; a document without a known outlet counts as an outlet of its own
-- in `outlets`, and its outlet is NULL wherever one is shown (as in every mart).
-- Built for the clusters listed in the temporary table story_cluster_scope (claimhouse.steps.marts.build_mart): all of them
-- on a first build, in slices; after that only those whose members, their documents or their contradictions changed.
CREATE TABLE IF NOT EXISTS marts.story_clusters (
    cluster_id       VARCHAR,
    claim            VARCHAR,
    claims           BIGINT,
    documents        BIGINT,
    outlets          BIGINT,
    outlet_names     VARCHAR[],
    first_outlet     VARCHAR,
    first_date       DATE,
    last_date        DATE,
    speakers         VARCHAR[],
    told_as          STRUCT(claim VARCHAR, speaker VARCHAR, outlet VARCHAR, date DATE)[],
    contradictions   BIGINT,
    contradicted_by  STRUCT(claim VARCHAR, speaker VARCHAR, outlet VARCHAR, date DATE)[]
);
DELETE FROM marts.story_clusters WHERE cluster_id IN (SELECT cluster_id FROM story_cluster_scope);
INSERT INTO marts.story_clusters
WITH members AS (
    SELECT s.cluster_id, c.claim_id, c.doc_id, c.content_text, c.claim_type, c.source_canonical,
           coalesce(d.outlet, 'doc:' || d.doc_id) AS outlet_key,  -- counts an unknown outlet once per document
           d.outlet,
           CAST(d.published_at AS DATE) AS day
    FROM core.story_clusters s
    JOIN core.claims c USING (claim_id)
    JOIN staging.documents d USING (doc_id)
    WHERE d.duplicate_of IS NULL AND s.cluster_id IN (SELECT cluster_id FROM story_cluster_scope)
),
kept AS (  -- clusters still told in two documents once copies are left out
    SELECT * FROM members
    WHERE cluster_id IN (SELECT cluster_id FROM members GROUP BY cluster_id HAVING count(DISTINCT doc_id) >= 2)
),
kept_ids AS (  -- the slim side of the joins below
    SELECT DISTINCT cluster_id, claim_id FROM kept
),
inner_pairs AS (  -- pairs with both claims in the same kept cluster
    SELECT ka.cluster_id, p.claim_a, p.claim_b, p.similarity
    FROM core.claim_pairs p
    JOIN kept_ids ka ON ka.claim_id = p.claim_a
    JOIN kept_ids kb ON kb.claim_id = p.claim_b AND kb.cluster_id = ka.cluster_id
),
centrality AS (  -- the member closest on average to the other members stands for the cluster
    SELECT cluster_id, claim_id, avg(similarity) AS mean_similarity
    FROM (SELECT cluster_id, claim_a AS claim_id, similarity FROM inner_pairs
          UNION ALL
          SELECT cluster_id, claim_b, similarity FROM inner_pairs)
    GROUP BY ALL
),
representative AS (
    SELECT cluster_id, arg_max(claim_id, (mean_similarity, claim_id)) AS claim_id
    FROM centrality GROUP BY cluster_id
),
first_seen AS (
    SELECT cluster_id, arg_min_null(outlet, (day IS NULL, day, claim_id)) AS first_outlet, min(day) AS first_date
    FROM kept GROUP BY cluster_id
),
contradiction_ends AS (  -- each contradicting pair once from either end
    SELECT claim_a AS claim_id, claim_b AS other_id FROM core.claim_pairs WHERE relation = 'contradiction'
    UNION ALL
    SELECT claim_b, claim_a FROM core.claim_pairs WHERE relation = 'contradiction'
),
contradicting AS (
    SELECT DISTINCT k.cluster_id, c.claim_id, c.content_text, c.source_canonical,
           d.outlet,
           CAST(d.published_at AS DATE) AS day
    FROM kept_ids k
    JOIN contradiction_ends p ON p.claim_id = k.claim_id
    JOIN core.claims c ON c.claim_id = p.other_id
    JOIN staging.documents d ON d.doc_id = c.doc_id
    WHERE d.duplicate_of IS NULL
),
contradictions AS (
    SELECT cluster_id,
           count(*) AS contradictions,
           list({'claim': content_text, 'speaker': source_canonical, 'outlet': outlet, 'date': day}
                ORDER BY day NULLS LAST, claim_id) AS contradicted_by
    FROM contradicting GROUP BY cluster_id
)
SELECT
    k.cluster_id,
    any_value(r.content_text)                                               AS claim,
    count(*)                                                                AS claims,
    count(DISTINCT k.doc_id)                                                AS documents,
    count(DISTINCT k.outlet_key)                                            AS outlets,
    coalesce(list_sort(list_distinct(list(k.outlet) FILTER (WHERE k.outlet IS NOT NULL))), []) AS outlet_names,
    any_value(f.first_outlet)                                               AS first_outlet,
    any_value(f.first_date)                                                 AS first_date,
    max(k.day)                                                              AS last_date,
    coalesce(list_sort(list_distinct(list(k.source_canonical) FILTER (WHERE k.source_canonical IS NOT NULL))), []) AS speakers,
    list({'claim': k.content_text, 'speaker': k.source_canonical, 'outlet': k.outlet, 'date': k.day}
         ORDER BY k.day NULLS LAST, k.claim_id)                             AS told_as,
    coalesce(any_value(x.contradictions), 0)                                AS contradictions,
    coalesce(any_value(x.contradicted_by), [])                              AS contradicted_by
FROM kept k
JOIN representative rp USING (cluster_id)
JOIN core.claims r ON r.claim_id = rp.claim_id
JOIN first_seen f USING (cluster_id)
LEFT JOIN contradictions x USING (cluster_id)
GROUP BY k.cluster_id
ORDER BY outlets DESC, documents DESC, claims DESC, k.cluster_id;

COMMENT ON TABLE marts.story_clusters IS 'One row per story: a claim told in at least two documents, in the same or other words (claims grouped by average linkage over core.claim_pairs, mean similarity at least 0.72), with the first outlet that carried it and the claims that contradict it. Copies of the same story count once.';
COMMENT ON COLUMN marts.story_clusters.cluster_id IS 'Story cluster id (core.story_clusters.cluster_id)';
COMMENT ON COLUMN marts.story_clusters.claim IS 'The member claim closest on average to the others, standing for the story';
COMMENT ON COLUMN marts.story_clusters.claims IS 'Claims in the cluster';
COMMENT ON COLUMN marts.story_clusters.documents IS 'Distinct documents telling the story';
COMMENT ON COLUMN marts.story_clusters.outlets IS 'Distinct outlets telling the story (a document with no known outlet counts as one of its own)';
COMMENT ON COLUMN marts.story_clusters.outlet_names IS 'The known outlets telling the story (empty when none is known)';
COMMENT ON COLUMN marts.story_clusters.first_outlet IS 'Outlet of the earliest dated document telling it (NULL when that outlet is not known)';
COMMENT ON COLUMN marts.story_clusters.first_date IS 'Earliest publication date of a document telling it';
COMMENT ON COLUMN marts.story_clusters.last_date IS 'Latest publication date of a document telling it';
COMMENT ON COLUMN marts.story_clusters.speakers IS 'Speakers the story is attributed to (empty when only asserted by outlets)';
COMMENT ON COLUMN marts.story_clusters.told_as IS 'Every member claim: its text, speaker, outlet (NULL when not known) and date, earliest first';
COMMENT ON COLUMN marts.story_clusters.contradictions IS 'Claims from other documents that contradict a member (core.claim_pairs.relation = contradiction)';
COMMENT ON COLUMN marts.story_clusters.contradicted_by IS 'Those contradicting claims: text, speaker, outlet and date';
