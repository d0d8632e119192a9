-- Full-text search for analysts: two table macros over the DuckDB fts indexes that
-- claimhouse/warehouse/search.py builds (schemas fts_core_sentences and fts_core_claims).
--     select * from marts.search_claims('bargaining chip');
--     select * from marts.search_sentences('North Korean soldiers');
-- The fts extension must be loaded on the connection (claimhouse sql does it; see the README).
-- Every word of the query must occur (after stemming: chips = chip, bargaining = bargain);
-- English stopwords in the query are dropped, as they are in the index. any_term := true ranks
-- every row holding at least one of the words instead. Copies of a story (duplicate_of set) are
-- left out, as in the marts. The query text is a macro argument, never spliced into SQL.
--
-- The scores are fts's BM25 (k = 1.2, b = 0.75), the same as fts_core_*.match_bm25(id, q),
-- computed here once for the whole query over the index tables (dict, terms, docs, stats)
-- instead of once per row: match_bm25 with a query that is not a constant literal (a ?
-- parameter, a column) re-plans its subqueries per row and gets slow on large tables.

CREATE OR REPLACE MACRO marts.search_claims(q, any_term := false) AS TABLE
WITH words AS (
    SELECT unnest(fts_core_claims.tokenize(q)) AS w
),
qterms AS (   -- the index drops stopwords before stemming; so does the query
    SELECT DISTINCT stem(w, 'porter') AS term FROM words WHERE w NOT IN (SELECT sw FROM fts_core_claims.stopwords)
),
tf AS (       -- term frequency per indexed row and query term
    SELECT t.docid, t.termid, count(*) AS tf
    FROM fts_core_claims.terms t
    WHERE t.termid IN (SELECT d.termid FROM fts_core_claims.dict d JOIN qterms ON d.term = qterms.term)
    GROUP BY t.docid, t.termid
),
matched AS (  -- every query term present, unless any_term
    SELECT docid FROM (SELECT docid, count(*) AS n FROM tf GROUP BY docid)
    WHERE any_term OR n = (SELECT count(*) FROM qterms)
),
scores AS (
    SELECT docs.name AS claim_id,
           sum(log(((st.num_docs - dict.df + 0.5) / (dict.df + 0.5)) + 1)
               * ((tf.tf * (1.2 + 1)) / (tf.tf + 1.2 * ((1 - 0.75) + 0.75 * (docs.len / st.avgdl))))) AS score
    FROM tf
    JOIN matched USING (docid)
    JOIN fts_core_claims.docs docs USING (docid)
    JOIN fts_core_claims.dict dict USING (termid)
    CROSS JOIN fts_core_claims.stats st
    GROUP BY docs.name
)
SELECT
    h.score,
    c.claim_id,
    c.doc_id,
    c.sentence_id,
    d.outlet,
    CAST(d.published_at AS DATE)   AS published_date,
    c.claim_type,
    c.source_canonical             AS speaker,
    c.cue_text,
    c.content_text,
    c.is_direct_quote,
    c.is_hedged,
    d.title
FROM scores h
JOIN core.claims c USING (claim_id)
JOIN staging.documents d USING (doc_id)
WHERE d.duplicate_of IS NULL
ORDER BY h.score DESC, c.claim_id;

CREATE OR REPLACE MACRO marts.search_sentences(q, any_term := false) AS TABLE
WITH words AS (
    SELECT unnest(fts_core_sentences.tokenize(q)) AS w
),
qterms AS (   -- the index drops stopwords before stemming; so does the query
    SELECT DISTINCT stem(w, 'porter') AS term FROM words WHERE w NOT IN (SELECT sw FROM fts_core_sentences.stopwords)
),
tf AS (       -- term frequency per indexed row and query term
    SELECT t.docid, t.termid, count(*) AS tf
    FROM fts_core_sentences.terms t
    WHERE t.termid IN (SELECT d.termid FROM fts_core_sentences.dict d JOIN qterms ON d.term = qterms.term)
    GROUP BY t.docid, t.termid
),
matched AS (  -- every query term present, unless any_term
    SELECT docid FROM (SELECT docid, count(*) AS n FROM tf GROUP BY docid)
    WHERE any_term OR n = (SELECT count(*) FROM qterms)
),
scores AS (
    SELECT docs.name AS sentence_id,
           sum(log(((st.num_docs - dict.df + 0.5) / (dict.df + 0.5)) + 1)
               * ((tf.tf * (1.2 + 1)) / (tf.tf + 1.2 * ((1 - 0.75) + 0.75 * (docs.len / st.avgdl))))) AS score
    FROM tf
    JOIN matched USING (docid)
    JOIN fts_core_sentences.docs docs USING (docid)
    JOIN fts_core_sentences.dict dict USING (termid)
    CROSS JOIN fts_core_sentences.stats st
    GROUP BY docs.name
),
found AS (
    SELECT h.score, s.*
    FROM scores h JOIN core.sentences s USING (sentence_id)
),
speakers AS (
    SELECT c.sentence_id, list_sort(list_distinct(list(c.source_canonical))) AS speakers
    FROM core.claims c
    WHERE c.sentence_id IN (SELECT sentence_id FROM found)
      AND c.claim_type = 'attribution' AND c.source_canonical IS NOT NULL
    GROUP BY c.sentence_id
)
SELECT
    f.score,
    f.sentence_id,
    f.doc_id,
    d.outlet,
    CAST(d.published_at AS DATE)   AS published_date,
    coalesce(sp.speakers, [])      AS speakers,
    f.text,
    d.title
FROM found f
JOIN staging.documents d USING (doc_id)
LEFT JOIN speakers sp USING (sentence_id)
WHERE d.duplicate_of IS NULL
ORDER BY f.score DESC, f.sentence_id;

COMMENT ON MACRO TABLE marts.search_claims IS 'Full-text search over claims (content, speaker, role), best first: select * from marts.search_claims(''bargaining chip''). Columns: score (BM25), claim_id, doc_id, sentence_id, outlet, published_date, claim_type, speaker, cue_text, content_text, is_direct_quote, is_hedged, title. Every word must occur (stemmed); any_term := true for any word. Needs the fts extension loaded.';
COMMENT ON MACRO TABLE marts.search_sentences IS 'Full-text search over sentences, best first: select * from marts.search_sentences(''North Korean''). Columns: score (BM25), sentence_id, doc_id, outlet, published_date, speakers (of the attributed claims in the sentence), text, title. Every word must occur (stemmed); any_term := true for any word. Needs the fts extension loaded.';
