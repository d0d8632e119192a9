-- claimhouse warehouse schema: raw -> staging -> core (marts are built from warehouse/marts/*.sql).
-- Names follow ../shared/docs/warehouse-contract.md; extra columns are additions.
-- Every statement is idempotent: running this file on an existing warehouse changes nothing.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS meta;

-- Files seen in the seeds folder, so unchanged files are not re-read on every run.
CREATE TABLE IF NOT EXISTS raw.files (
    source_path     TEXT PRIMARY KEY,
    byte_size       BIGINT NOT NULL,
    mtime_ns        BIGINT NOT NULL,
    content_sha256  TEXT NOT NULL,
    doc_id          TEXT NOT NULL,
    first_seen_at   TIMESTAMP NOT NULL,
    last_changed_at TIMESTAMP NOT NULL
);

-- Which documents each input file holds now: one row for a single-document file, one per
-- record for a container (JSON Lines, WARC). Staging and core keep only documents listed here.
CREATE TABLE IF NOT EXISTS raw.file_documents (
    source_path     TEXT NOT NULL,
    doc_id          TEXT NOT NULL,
    PRIMARY KEY (source_path, doc_id)
);
CREATE TABLE IF NOT EXISTS raw.documents (
    doc_id          TEXT PRIMARY KEY,
    source_path     TEXT NOT NULL,
    source_format   TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    byte_size       BIGINT NOT NULL,
    ingested_at     TIMESTAMP NOT NULL,
    encoding        TEXT,
    content         BLOB NOT NULL
);

-- Warehouses made before raw.file_documents existed: one document per file.
INSERT INTO raw.file_documents
SELECT f.source_path, f.doc_id FROM raw.files f
WHERE NOT EXISTS (SELECT 1 FROM raw.file_documents d WHERE d.source_path = f.source_path)
  AND f.doc_id IN (SELECT doc_id FROM raw.documents);

CREATE TABLE IF NOT EXISTS staging.documents (
    doc_id          TEXT PRIMARY KEY,
    source_path     TEXT NOT NULL,
    source_format   TEXT NOT NULL,
    url             TEXT,
    outlet          TEXT,
    original_outlet TEXT,
    site_name       TEXT,
    title           TEXT,
    author          TEXT,
    published_at    TIMESTAMP,
    language        TEXT,
    text            TEXT NOT NULL,
    text_sha256     TEXT NOT NULL,
    word_count      INTEGER NOT NULL,
    duplicate_of    TEXT,
    cleaned_at      TIMESTAMP NOT NULL
);

-- Near-duplicate detection (claimhouse/clean/neardup.py): MinHash signatures (128 x 32-bit values of
-- word 5-shingles) and their 32 LSH band keys. No index on band_key on purpose (hash joins).
CREATE TABLE IF NOT EXISTS staging.document_signatures (
    doc_id     TEXT PRIMARY KEY,
    signature  UINTEGER[] NOT NULL
);
CREATE TABLE IF NOT EXISTS staging.document_bands (
    doc_id     TEXT NOT NULL,
    band       INTEGER NOT NULL,
    band_key   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS core.sentences (
    sentence_id     TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    paragraph_index INTEGER NOT NULL,
    sentence_index  INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS core.claims (
    claim_id         TEXT PRIMARY KEY,
    doc_id           TEXT NOT NULL,
    sentence_id      TEXT NOT NULL,
    claim_type       TEXT NOT NULL,
    source_text      TEXT,
    source_canonical TEXT,
    source_kind      TEXT,
    source_role      TEXT,
    cue_text         TEXT,
    content_text     TEXT NOT NULL,
    content_start    INTEGER NOT NULL,
    content_end      INTEGER NOT NULL,
    is_direct_quote  BOOLEAN NOT NULL,
    is_hedged        BOOLEAN NOT NULL,
    is_negated       BOOLEAN NOT NULL,
    model            TEXT,
    confidence       DOUBLE
);
ALTER TABLE core.claims ADD COLUMN IF NOT EXISTS model TEXT;
ALTER TABLE core.claims ADD COLUMN IF NOT EXISTS confidence DOUBLE;

CREATE TABLE IF NOT EXISTS core.quantities (
    quantity_id     TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    sentence_id     TEXT NOT NULL,
    claim_id        TEXT,
    surface         TEXT NOT NULL,
    value           DOUBLE NOT NULL,
    value_max       DOUBLE,
    unit            TEXT,
    normalized_unit TEXT,
    change          TEXT NOT NULL,
    subject         TEXT,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL
);

-- added after the first release: warehouses created before get the column here
ALTER TABLE core.quantities ADD COLUMN IF NOT EXISTS value_max DOUBLE;

CREATE TABLE IF NOT EXISTS core.entities (
    mention_id      TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    sentence_id     TEXT NOT NULL,
    text            TEXT NOT NULL,
    label           TEXT NOT NULL,
    canonical       TEXT NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS core.entity_names (
    name            TEXT PRIMARY KEY,
    canonical       TEXT NOT NULL,
    label           TEXT NOT NULL,
    mentions        BIGINT NOT NULL
);

-- Which cleaned documents the NLP step has analysed (a document may yield no rows).
CREATE TABLE IF NOT EXISTS core.analysed_documents (
    doc_id          TEXT PRIMARY KEY,
    analysed_at     TIMESTAMP NOT NULL,
    sentences       INTEGER NOT NULL,
    claims          INTEGER NOT NULL,
    quantities      INTEGER NOT NULL,
    entities        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine.documents (
    source_path     TEXT NOT NULL,
    doc_id          TEXT,
    stage           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    detail          TEXT,
    seen_at         TIMESTAMP NOT NULL
);

-- Data-quality bookkeeping: rows loaded after `checked_through` have not passed their check yet.
CREATE TABLE IF NOT EXISTS meta.check_watermarks (
    check_name      TEXT PRIMARY KEY,
    checked_through TIMESTAMP NOT NULL
);

-- Story links: one embedding per claim, similar pairs across documents, story clusters.
CREATE TABLE IF NOT EXISTS core.claim_embeddings (
    claim_id        TEXT PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    model           TEXT NOT NULL,
    embedding       FLOAT[384] NOT NULL,
    embedded_at     TIMESTAMP NOT NULL
);
-- the claim's key in the HNSW index beside the warehouse (claimhouse/stories/ann.py); added after the first release
ALTER TABLE core.claim_embeddings ADD COLUMN IF NOT EXISTS ann_key UBIGINT;
-- BLAKE2b of the embedding text: a claim repeated word for word reuses the stored vector; added after the first release
ALTER TABLE core.claim_embeddings ADD COLUMN IF NOT EXISTS text_hash UBIGINT;

-- No PRIMARY KEY: each pair is written once, in the batch that embeds the later of its two claims, and the
-- blocking check gx_core_claim_pairs holds (claim_a, claim_b) unique. A key's index (ART) is loaded whole
-- into memory by every insert: half a gigabyte and two seconds a batch at nine million pairs.
-- (claimhouse.warehouse.db.init_schema moves a table made with the key to this form.)
CREATE TABLE IF NOT EXISTS core.claim_pairs (
    claim_a         TEXT NOT NULL,
    claim_b         TEXT NOT NULL,
    similarity      FLOAT NOT NULL,
    relation        TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS core.story_clusters (
    claim_id        TEXT PRIMARY KEY,
    cluster_id      TEXT NOT NULL,
    clustered_at    TIMESTAMP
);
ALTER TABLE core.story_clusters ADD COLUMN IF NOT EXISTS clustered_at TIMESTAMP;

-- Claims linked (embedded and paired) whose story clusters are not yet recomputed: written with their
-- pairs, emptied when the clusters are updated, so a story step that stops in between is finished by
-- the next run.
CREATE TABLE IF NOT EXISTS meta.story_pending (
    claim_id        TEXT NOT NULL
);

-- Row count of each checked table after its last passing check: a sudden drop stops the run.
CREATE TABLE IF NOT EXISTS meta.check_row_counts (
    check_name      TEXT PRIMARY KEY,
    row_count       BIGINT NOT NULL
);
