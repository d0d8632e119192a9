-- Descriptions of every table and column analysts see (applied on every connection that writes).
COMMENT ON TABLE raw.files IS 'Every input file seen in the seeds folder, with size and modification time, so unchanged files are not read again.';
COMMENT ON COLUMN raw.files.source_path IS 'Absolute path of the input file';
COMMENT ON COLUMN raw.files.byte_size IS 'File size in bytes at the last scan';
COMMENT ON COLUMN raw.files.mtime_ns IS 'Modification time (ns since the epoch) at the last scan';
COMMENT ON COLUMN raw.files.content_sha256 IS 'SHA-256 of the file bytes at the last scan';
COMMENT ON COLUMN raw.files.doc_id IS 'Id of the file content now (for a single-document file, its raw.documents.doc_id)';

COMMENT ON TABLE raw.file_documents IS 'Which documents each input file holds now: one per single-document file, one per record of a JSON Lines or WARC container.';
COMMENT ON COLUMN raw.file_documents.source_path IS 'Input file (absolute path)';
COMMENT ON COLUMN raw.file_documents.doc_id IS 'raw.documents.doc_id of a document in that file';
COMMENT ON COLUMN raw.files.first_seen_at IS 'When the file was first scanned (UTC)';
COMMENT ON COLUMN raw.files.last_changed_at IS 'When the file content last changed (UTC)';

COMMENT ON TABLE raw.documents IS 'One row per distinct input content (by SHA-256), with the raw bytes. Keeps every version ever seen.';
COMMENT ON COLUMN raw.documents.doc_id IS 'Stable id derived from the content hash: the same bytes always give the same id';
COMMENT ON COLUMN raw.documents.source_path IS 'Where the content was first read from (path; file#record for a record inside a container)';
COMMENT ON COLUMN raw.documents.source_format IS 'Format detected from the content: wordpress_json, html, text; jsonl or warc for a record of a container; unknown when it could not be read';
COMMENT ON COLUMN raw.documents.content_sha256 IS 'SHA-256 of the raw bytes';
COMMENT ON COLUMN raw.documents.byte_size IS 'Size of the raw bytes';
COMMENT ON COLUMN raw.documents.ingested_at IS 'First time this content was seen (UTC)';
COMMENT ON COLUMN raw.documents.encoding IS 'Character encoding used to decode the bytes (BOM, a WARC record''s HTTP charset, the page''s declared charset, UTF-8, or detected); cleaning decodes with it again';
COMMENT ON COLUMN raw.documents.content IS 'The raw bytes as read (gzip kept compressed)';

COMMENT ON TABLE staging.documents IS 'One row per document that could be cleaned: body text without markup or site chrome, and its metadata.';
COMMENT ON COLUMN staging.documents.doc_id IS 'As in raw.documents';
COMMENT ON COLUMN staging.documents.source_path IS 'As in raw.documents';
COMMENT ON COLUMN staging.documents.source_format IS 'As in raw.documents';
COMMENT ON COLUMN staging.documents.url IS 'Canonical URL when known';
COMMENT ON COLUMN staging.documents.outlet IS 'Publisher of this copy (registered domain such as cnn.com, or a name)';
COMMENT ON COLUMN staging.documents.original_outlet IS 'Where a syndicated copy first appeared; else equal to outlet or NULL';
COMMENT ON COLUMN staging.documents.site_name IS 'Display name of the publisher when the page gives one';
COMMENT ON COLUMN staging.documents.title IS 'Headline, without site-name suffixes';
COMMENT ON COLUMN staging.documents.author IS 'Byline names, comma separated';
COMMENT ON COLUMN staging.documents.published_at IS 'Publication date and time when known (UTC or as given)';
COMMENT ON COLUMN staging.documents.language IS 'ISO 639-1 language code of the text';
COMMENT ON COLUMN staging.documents.text IS 'Clean body text, paragraphs separated by a newline';
COMMENT ON COLUMN staging.documents.text_sha256 IS 'SHA-256 of the clean text (exact-duplicate key)';
COMMENT ON COLUMN staging.documents.word_count IS 'Whitespace-separated words in the clean text';
COMMENT ON COLUMN staging.documents.duplicate_of IS 'doc_id of the earliest copy (by ingested_at) when this document is an exact or near duplicate (estimated Jaccard of word 5-shingles >= 0.8), else NULL';
COMMENT ON COLUMN staging.documents.cleaned_at IS 'When the document was cleaned (UTC)';

COMMENT ON TABLE staging.document_signatures IS 'MinHash signature of each clean text (128 x 32-bit values over word 5-shingles), for near-duplicate detection.';
COMMENT ON COLUMN staging.document_signatures.doc_id IS 'Document';
COMMENT ON COLUMN staging.document_signatures.signature IS 'MinHash values; the share of equal positions estimates the Jaccard similarity of two texts';
COMMENT ON TABLE staging.document_bands IS 'LSH band keys of each signature (32 bands of 4 values): documents sharing a key are near-duplicate candidates.';
COMMENT ON COLUMN staging.document_bands.doc_id IS 'Document';
COMMENT ON COLUMN staging.document_bands.band IS 'Band number, 0 to 31';
COMMENT ON COLUMN staging.document_bands.band_key IS 'Hash of the band number and its 4 signature values';

COMMENT ON TABLE core.sentences IS 'Sentences of the clean text with character offsets: text = staging.documents.text[start_char:end_char].';
COMMENT ON COLUMN core.sentences.sentence_id IS 'Stable id: doc_id:s<sentence_index>';
COMMENT ON COLUMN core.sentences.doc_id IS 'Document';
COMMENT ON COLUMN core.sentences.paragraph_index IS 'Index of the paragraph (line of the clean text), from 0';
COMMENT ON COLUMN core.sentences.sentence_index IS 'Index of the sentence in the document, from 0';
COMMENT ON COLUMN core.sentences.start_char IS 'Offset of the first character in the clean text (0-based)';
COMMENT ON COLUMN core.sentences.end_char IS 'Offset just past the last character';
COMMENT ON COLUMN core.sentences.text IS 'Sentence text';

COMMENT ON TABLE core.claims IS 'One row per claim: attributions (a source said something through a cue) and unattributed assertions.';
COMMENT ON COLUMN core.claims.claim_id IS 'Stable id: doc_id:c<n>';
COMMENT ON COLUMN core.claims.doc_id IS 'Document';
COMMENT ON COLUMN core.claims.sentence_id IS 'First sentence the claim lies in';
COMMENT ON COLUMN core.claims.claim_type IS 'attribution or assertion';
COMMENT ON COLUMN core.claims.source_text IS 'The speaker as written (ISW analyst Angelica Evans, she, sources); NULL for assertions';
COMMENT ON COLUMN core.claims.source_canonical IS 'The speaker resolved within the document (Angelica Evans)';
COMMENT ON COLUMN core.claims.source_kind IS 'person, organization, publication, pronoun or unnamed';
COMMENT ON COLUMN core.claims.source_role IS 'Role written with the name (ISW analyst)';
COMMENT ON COLUMN core.claims.cue_text IS 'The cue as written (said, according to, reports); NULL for assertions';
COMMENT ON COLUMN core.claims.content_text IS 'What is claimed';
COMMENT ON COLUMN core.claims.content_start IS 'Offset of the content in the clean text';
COMMENT ON COLUMN core.claims.content_end IS 'Offset just past the content';
COMMENT ON COLUMN core.claims.is_direct_quote IS 'The content is quoted verbatim';
COMMENT ON COLUMN core.claims.is_hedged IS 'The claim is hedged or unconfirmed (claimed, reportedly, may, if confirmed)';
COMMENT ON COLUMN core.claims.is_negated IS 'The claim is denied or negated (denied, did not say)';

COMMENT ON TABLE core.quantities IS 'One row per numeric expression (figures, amounts, distances, percentages); dates, years and ordinals excluded.';
COMMENT ON COLUMN core.quantities.quantity_id IS 'Stable id: doc_id:q<n>';
COMMENT ON COLUMN core.quantities.doc_id IS 'Document';
COMMENT ON COLUMN core.quantities.sentence_id IS 'Sentence containing the figure';
COMMENT ON COLUMN core.quantities.claim_id IS 'The claim whose content carries the figure, if any';
COMMENT ON COLUMN core.quantities.surface IS 'As written (40,000 troops, five kilometres)';
COMMENT ON COLUMN core.quantities.value IS 'Numeric value (40000, 5)';
COMMENT ON COLUMN core.quantities.unit IS 'Unit as written (troops, kilometres, $, %)';
COMMENT ON COLUMN core.quantities.normalized_unit IS 'Canonical unit (kilometre, dollar, percentage; counted things in the singular: troop)';
COMMENT ON COLUMN core.quantities.change IS '= exact, ~ about, > more than, < less than, up or down for a change';
COMMENT ON COLUMN core.quantities.subject IS 'What is counted or measured (Russian troops)';
COMMENT ON COLUMN core.quantities.start_char IS 'Offset of the figure in the clean text';
COMMENT ON COLUMN core.quantities.end_char IS 'Offset just past the figure';

COMMENT ON TABLE core.entities IS 'One row per named-entity mention.';
COMMENT ON COLUMN core.entities.mention_id IS 'Stable id: doc_id:e<n>';
COMMENT ON COLUMN core.entities.doc_id IS 'Document';
COMMENT ON COLUMN core.entities.sentence_id IS 'Sentence containing the mention';
COMMENT ON COLUMN core.entities.text IS 'As written';
COMMENT ON COLUMN core.entities.label IS 'PERSON, ORG, GPE, LOC, NORP, ...';
COMMENT ON COLUMN core.entities.canonical IS 'One name for all spellings of the entity';
COMMENT ON COLUMN core.entities.start_char IS 'Offset into staging.documents.text';
COMMENT ON COLUMN core.entities.end_char IS 'Offset just past the mention';

COMMENT ON TABLE core.analysed_documents IS 'Bookkeeping: which cleaned documents the NLP step has analysed, and how many rows each gave.';
COMMENT ON COLUMN core.analysed_documents.doc_id IS 'Document';
COMMENT ON COLUMN core.analysed_documents.analysed_at IS 'When it was analysed (UTC)';
COMMENT ON COLUMN core.analysed_documents.sentences IS 'Sentences found';
COMMENT ON COLUMN core.analysed_documents.claims IS 'Claims found';
COMMENT ON COLUMN core.analysed_documents.quantities IS 'Quantities found';
COMMENT ON COLUMN core.analysed_documents.entities IS 'Entity mentions found';

COMMENT ON TABLE quarantine.documents IS 'One row per input that a stage could not handle, with the stage and the reason. Nothing is dropped silently.';
COMMENT ON COLUMN quarantine.documents.source_path IS 'Input path';
COMMENT ON COLUMN quarantine.documents.doc_id IS 'raw.documents.doc_id of the refused content';
COMMENT ON COLUMN quarantine.documents.stage IS 'Which step refused it: raw, staging, core';
COMMENT ON COLUMN quarantine.documents.reason IS 'Machine-readable reason: empty, binary, malformed_json, not_utf8_decodable, no_text, timeout, unsupported_language ...';
COMMENT ON COLUMN quarantine.documents.detail IS 'Human-readable error';
COMMENT ON COLUMN quarantine.documents.seen_at IS 'When it was refused (UTC)';
