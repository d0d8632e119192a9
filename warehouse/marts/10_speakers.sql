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
),
-- The organisation a speaker belongs to or speaks for, from three kinds of evidence, best first:
-- 1. the speaker is an organisation or a publication: it speaks for itself;
-- 2. an ORG mention lies inside the source as written in its sentence
--    ("ISW analyst Angelica Evans", "Nikolai Beleskov, a research fellow at the National Institute ...");
-- 3. a run of words of the role is an ORG name of the corpus (core.entity_names) or of an ORG
--    mention in the same document.
-- Per speaker: the best kind, then the organisation with the most evidence, then the first in the text.
spans AS (
    SELECT c.source_canonical, c.sentence_id,
           s.start_char + strpos(s.text, c.source_text) - 1                        AS src_start,
           s.start_char + strpos(s.text, c.source_text) - 1 + length(c.source_text) AS src_end
    FROM c JOIN core.sentences s USING (sentence_id)
    WHERE c.source_text IS NOT NULL AND strpos(s.text, c.source_text) > 0
),
role_words AS (
    SELECT source_canonical, doc_id,
           string_split(trim(regexp_replace(source_role, '[\s,;:()\[\]"“”]+', ' ', 'g')), ' ') AS ws
    FROM c WHERE source_role IS NOT NULL
),
role_grams AS (  -- every run of up to 8 words of a role
    SELECT DISTINCT source_canonical, doc_id, i AS word, array_to_string(ws[i:i + n - 1], ' ') AS gram
    FROM role_words, range(1, len(ws) + 1) AS r(i), range(1, 9) AS k(n)
    WHERE i + n - 1 <= len(ws)
),
org_evidence AS (
    SELECT source_canonical AS speaker, source_canonical AS organisation, 1 AS kind, 0 AS pos
    FROM c WHERE source_kind IN ('organization', 'publication')
    UNION ALL
    SELECT sp.source_canonical, e.canonical, 2, e.start_char - sp.src_start
    FROM spans sp
    JOIN core.entities e ON e.sentence_id = sp.sentence_id AND e.label = 'ORG'
                        AND e.start_char >= sp.src_start AND e.end_char <= sp.src_end
    UNION ALL
    SELECT g.source_canonical, n.canonical, 3, 100000 + g.word  -- after any position inside a source
    FROM role_grams g JOIN core.entity_names n ON n.name = g.gram AND n.label = 'ORG'
    UNION ALL
    SELECT g.source_canonical, e.canonical, 3, 100000 + g.word
    FROM role_grams g JOIN core.entities e ON e.doc_id = g.doc_id AND e.text = g.gram AND e.label = 'ORG'
),
kinds AS (  -- the most frequent kind of source; ties go to the first in alphabetical order (mode() picks any)
    SELECT source_canonical AS speaker, source_kind AS speaker_kind
    FROM c WHERE source_kind IS NOT NULL
    GROUP BY source_canonical, source_kind
    QUALIFY row_number() OVER (PARTITION BY source_canonical ORDER BY count(*) DESC, source_kind) = 1
),
organisations AS (
    SELECT o.speaker, coalesce(n.canonical, o.organisation) AS organisation
    FROM (SELECT speaker, organisation, min(kind) AS kind, count(*) AS support, min(pos) AS pos
          FROM org_evidence WHERE organisation IS DISTINCT FROM speaker OR kind = 1
          GROUP BY speaker, organisation) o
    LEFT JOIN core.entity_names n ON n.name = o.organisation
    QUALIFY row_number() OVER (PARTITION BY o.speaker ORDER BY o.kind, o.support DESC, o.pos, o.organisation) = 1
)
SELECT
    source_canonical                                                     AS speaker,
    any_value(k.speaker_kind)                                            AS speaker_kind,
    list_sort(list_distinct(list(source_role) FILTER (WHERE source_role IS NOT NULL)))   AS roles,
    any_value(o.organisation)                                            AS organisation,
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
LEFT JOIN organisations o ON o.speaker = c.source_canonical
LEFT JOIN kinds k ON k.speaker = c.source_canonical
GROUP BY source_canonical
ORDER BY claims DESC, speaker;

COMMENT ON TABLE marts.speakers IS 'One row per speaker: who is cited as the source of attributed claims, how often, where and when. Copies of the same story count once.';
COMMENT ON COLUMN marts.speakers.speaker IS 'The speaker resolved within each document (core.claims.source_canonical), e.g. Angelica Evans';
COMMENT ON COLUMN marts.speakers.speaker_kind IS 'Most frequent kind of source: person, organization, publication, unnamed';
COMMENT ON COLUMN marts.speakers.roles IS 'Roles written next to the name, e.g. ISW analyst';
COMMENT ON COLUMN marts.speakers.organisation IS 'Organisation the speaker belongs to or speaks for: the speaker itself for an organisation or publication, else an organisation named in the source as written (ISW analyst Angelica Evans: Institute for the Study of War) or in the role, resolved through core.entity_names; NULL when none is named';
COMMENT ON COLUMN marts.speakers.spellings IS 'How the source was written in the text (names, short names, pronouns)';
COMMENT ON COLUMN marts.speakers.claims IS 'Number of attributed claims';
COMMENT ON COLUMN marts.speakers.direct_quotes IS 'Claims quoted verbatim';
COMMENT ON COLUMN marts.speakers.hedged_claims IS 'Claims hedged or unconfirmed (claimed, reportedly, may ...)';
COMMENT ON COLUMN marts.speakers.documents IS 'Distinct documents citing the speaker';
COMMENT ON COLUMN marts.speakers.outlets IS 'Distinct publishing outlets citing the speaker';
COMMENT ON COLUMN marts.speakers.outlet_names IS 'The publishing outlets citing the speaker';
COMMENT ON COLUMN marts.speakers.first_date IS 'Earliest publication date of a document citing the speaker';
COMMENT ON COLUMN marts.speakers.last_date IS 'Latest publication date of a document citing the speaker';
