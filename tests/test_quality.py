"""Tests for claimhouse.checks.quality (great-expectations suites over pandas frames).

GX is imported once per session (first validation, ~10 s); each validation is ~0.1 s.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from claimhouse.checks import quality as q
from claimhouse.steps import marts as mart_steps

SCHEMA = Path(__file__).resolve().parents[1] / "warehouse" / "schema.sql"
MARTS = SCHEMA.parent / "marts"
SHA = "ab" * 32
DOC_TEXT = "Kyiv’s mayor said the bridge was hit.\nPrices rose 5% in May."  # non-ASCII before offsets
S1 = "Kyiv’s mayor said the bridge was hit."
S2 = "Prices rose 5% in May."


def failure(report: q.QualityReport, expectation: str, column: str | None) -> q.Failure:
    found = [f for f in report.failures if f.expectation == expectation and f.column == column]
    assert found, f"no {expectation} failure on {column}:\n{report.summary()}"
    return found[0]


# --------------------------------------------------------------------------- #
# A small real warehouse
# --------------------------------------------------------------------------- #


def _load_good_rows(con: duckdb.DuckDBPyConnection) -> None:
    s2 = DOC_TEXT.index(S2)
    con.execute(
        "insert into raw.documents values ('d1', 'seeds/a.json', 'wordpress_json', ?, 10, now(), 'utf-8', 'abc'::blob),"
        " ('d2', 'seeds/b.html', 'html', ?, 0, now(), null, ''::blob)", [SHA, "cd" * 32])
    con.execute(
        "insert into staging.documents values"
        " ('d1', 'seeds/a.json', 'wordpress_json', 'https://x.org/a', 'x.org', null, null, 'T', null,"
        "  timestamp '2024-05-01 10:00', 'en', ?, ?, 12, null, now()),"
        " ('d2', 'seeds/b.html', 'html', null, null, null, null, null, null, null, null, ?, ?, 12, 'd1', now())",
        [DOC_TEXT, SHA, DOC_TEXT, SHA])
    con.execute(
        "insert into core.sentences values ('s1', 'd1', 0, 0, 0, ?, ?), ('s2', 'd1', 1, 1, ?, ?, ?)",
        [len(S1), S1, s2, s2 + len(S2), S2])
    con.execute(
        "insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values"
        " ('c1', 'd1', 's1', 'attribution', 'Kyiv’s mayor', 'Kyiv’s mayor', 'person', 'mayor', 'said',"
        "  'the bridge was hit', 18, 36, false, false, false),"
        " ('c2', 'd1', 's2', 'assertion', null, null, null, null, null, 'Prices rose 5% in May', ?, ?, false, false, false)",
        [s2, s2 + 21])
    pct = DOC_TEXT.index("5%")
    con.execute(
        "insert into core.quantities values"
        " ('q1', 'd1', 's2', 'c2', '5%', 5, null, '%', 'percentage', 'up', 'prices', ?, ?),"
        " ('q2', 'd1', 's2', null, '5%', 5, null, '%', 'percentage', '=', null, ?, ?)",
        [pct, pct + 2, pct, pct + 2])
    may = DOC_TEXT.index("May")
    con.execute(
        "insert into core.entities values ('e1', 'd1', 's1', 'Kyiv', 'GPE', 'Kyiv', 0, 4),"
        " ('e2', 'd1', 's2', 'May', 'DATE', 'May', ?, ?)", [may, may + 3])
    con.execute("insert into core.entity_names values ('Kyiv', 'Kyiv', 'GPE', 1), ('Kiev', 'Kyiv', 'GPE', 0)")
    con.execute(
        "insert into quarantine.documents values ('seeds/c.bin', null, 'ingest', 'binary', 'looks binary', now())")
    # a second outlet telling the mayor's claim again: one story cluster
    con.execute("insert into raw.documents values ('d4', 'seeds/d.txt', 'text', ?, 10, now(), 'utf-8', 'x'::blob)",
                ["ef" * 32])
    con.execute(
        "insert into staging.documents values ('d4', 'seeds/d.txt', 'text', null, 'y.org', null, null, 'T2', null,"
        "  timestamp '2024-05-02 10:00', 'en', ?, ?, 7, null, now())", [S1, "ef" * 32])
    con.execute("insert into core.sentences values ('s4', 'd4', 0, 0, 0, ?, ?)", [len(S1), S1])
    con.execute(
        "insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values ('c4', 'd4', 's4', 'attribution', 'Kyiv’s mayor', 'Kyiv’s mayor', 'person',"
        " 'mayor', 'said', 'the bridge was hit', 18, 36, false, false, false)")
    con.execute("""insert into core.claim_embeddings select claim_id, doc_id, 'all-MiniLM-L6-v2',
                   list_transform(range(384), i -> 0.05)::float[384], now(), null, null from core.claims""")
    con.execute("insert into core.claim_pairs values ('c1', 'c4', 0.97, 'paraphrase'), ('c2', 'c4', 0.61, 'related')")
    con.execute("insert into core.story_clusters (claim_id, cluster_id) values ('c1', 'st_00000000000000c1'), ('c4', 'st_00000000000000c1')")


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA.read_text())
    q.prepare_connection(con)
    _load_good_rows(con)
    for mart in sorted(MARTS.glob("*.sql")):  # the marts built from those rows, as the pipeline builds them
        mart_steps.build_mart(con, mart, force=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def bad_warehouse() -> duckdb.DuckDBPyConnection:
    """The good rows plus one broken row per cross-table condition (no constraints violated)."""
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA.read_text())
    q.prepare_connection(con)
    _load_good_rows(con)
    con.execute(
        "insert into staging.documents values ('d3', 'seeds/c.html', 'html', null, null, null, null, null, null,"
        " timestamp '1885-01-01', 'EN', 'Hello <b class=\"x\">world</b>\nSUBSCRIBE TO US', ?, 3, 'd_missing', now())", [SHA])
    con.execute("insert into core.sentences values ('s_bad_offsets', 'd1', 0, 0, 1, 6, 'nope!'),"
                " ('s_orphan', 'd_gone', 0, 0, 0, 3, 'abc')")
    con.execute("insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values ('c_nocue', 'd1', 's_nowhere', 'attribution', 'he', null, null,"
                " null, null, 'x', 0, 1, false, false, false)")
    con.execute("insert into core.quantities values ('q_inf', 'd1', 's2', 'c_missing', 'lots', 'inf'::double,"
                " null, null, null, 'lots', null, 0, 1)")
    con.execute("insert into core.entities values ('e_bad', 'd1', 's1', 'Kiev', 'CITY', 'Kyiv', 0, 4)")
    con.execute("insert into quarantine.documents values ('seeds/d.bin', null, 'clean', 'Bad Reason!', null, now())")
    yield con
    con.close()


def test_suites_queries_and_required_columns_agree(warehouse):
    assert q.suite_names() == sorted(
        ["raw.documents", "staging.documents", "core.sentences", "core.claims", "core.quantities",
         "core.entities", "quarantine.documents", "marts.speakers", "marts.outlets", "marts.entities",
         "marts.quantities", "marts.figures", "marts.claims_per_day", "marts.timeline", "marts.story_clusters",
         "core.claim_pairs", "core.story_clusters", "core.entity_names"])
    assert set(q.REQUIRED_COLUMNS) == set(q.CHECK_QUERIES) == set(q.suite_names())
    for table, query in q.CHECK_QUERIES.items():
        columns = [row[0] for row in warehouse.execute(f"describe {query}").fetchall()]
        missing = set(q.REQUIRED_COLUMNS[table]) - set(columns)
        assert not missing, (table, missing)
        assert "content" not in columns  # no raw blobs in the checked frames


def test_clean_warehouse_passes_every_suite(warehouse):
    for table in q.suite_names():
        report = q.validate_table(warehouse, table)
        assert report.success, report.summary()
        expected_rows = warehouse.execute(f"select count(*) from {table}").fetchone()[0]
        assert report.rows_checked == expected_rows
        assert report.expectations == len(q.SUITES[table].checks) + 1
        assert "OK" in report.summary()


def test_check_queries_wrap_as_subquery_and_give_same_frame(warehouse):
    query = q.CHECK_QUERIES["core.sentences"]
    df = warehouse.sql(f"select * from ({query}) where doc_id in ('d1')").df()
    assert sorted(df["sentence_id"]) == ["s1", "s2"]
    assert df["offsets_match_text"].all()  # DuckDB substr offsets == Python str offsets, even after '’'
    report = q.validate_frame("core.sentences", df)
    assert report.success, report.summary()
    scoped = q.validate_table(warehouse, "core.sentences", where="doc_id = ?", params=["nope"])
    assert scoped.rows_checked == 0 and scoped.success


def test_broken_warehouse_names_offending_rows(bad_warehouse):
    staging = q.validate_table(bad_warehouse, "staging.documents")
    assert not staging.success
    markup = failure(staging, "expect_column_values_to_be_null", "leftover_markup")
    assert markup.rule == "markup_in_text"
    assert markup.examples[0]["doc_id"] == "d3" and "<b class=" in markup.examples[0]["leftover_markup"]
    descriptions = "\n".join(f.description for f in staging.failures)
    assert "staging.documents: text shows markup the page does not display (1 row)" in descriptions
    assert "staging.documents.text contains boilerplate (1 row)" in descriptions
    assert "language" in descriptions and "published_at" in descriptions
    dup = failure(staging, "expect_column_values_to_be_in_set", "duplicate_target_exists")
    assert dup.examples == [{"doc_id": "d3", "duplicate_target_exists": False, "duplicate_of": "d_missing"}]
    assert dup.rule is None and staging.blocking_failures == [dup]  # a broken reference blocks
    # every other failure is a row rule: d3 goes to quarantine for the first rule it breaks
    assert staging.failing_documents == {"d3": ("markup_in_text", '<b class="x">')}
    assert staging.documents_checked == 4 and staging.failing_share == 0.25

    sentences = q.validate_table(bad_warehouse, "core.sentences")
    offsets = failure(sentences, "expect_column_values_to_be_in_set", "offsets_match_text")
    assert {e["sentence_id"] for e in offsets.examples} == {"s_bad_offsets", "s_orphan"}
    orphan = failure(sentences, "expect_column_values_to_be_in_set", "document_exists")
    assert orphan.examples == [{"sentence_id": "s_orphan", "document_exists": False, "doc_id": "d_gone"}]

    claims = q.validate_table(bad_warehouse, "core.claims")
    assert failure(claims, "expect_column_values_to_be_in_set", "attribution_has_cue").examples[0]["claim_id"] == "c_nocue"
    assert failure(claims, "expect_column_values_to_be_in_set", "sentence_exists").unexpected_count == 1

    quantities = q.validate_table(bad_warehouse, "core.quantities")
    finite = failure(quantities, "expect_column_values_to_be_in_set", "value_is_finite")
    assert finite.examples == [{"quantity_id": "q_inf", "value_is_finite": False, "value": float("inf")}]
    assert failure(quantities, "expect_column_values_to_be_in_set", "change").examples[0]["change"] == "lots"
    assert failure(quantities, "expect_column_values_to_be_in_set", "claim_exists").unexpected_count == 1

    entities = q.validate_table(bad_warehouse, "core.entities")
    label = failure(entities, "expect_column_values_to_be_in_set", "label")
    assert label.examples == [{"mention_id": "e_bad", "label": "CITY"}]
    assert failure(entities, "expect_column_values_to_be_in_set", "offsets_match_text").unexpected_count == 1

    quarantine = q.validate_table(bad_warehouse, "quarantine.documents")
    reason = failure(quarantine, "expect_column_values_to_match_regex", "reason")
    assert reason.examples == [{"source_path": "seeds/d.bin", "stage": "clean", "reason": "Bad Reason!"}]

    # failures only in scope when the caller filters
    assert q.validate_table(bad_warehouse, "staging.documents", where="doc_id = 'd1'").success
    # examples and reports are JSON-serialisable (Dagster metadata)
    json.dumps(dataclasses.asdict(quantities))


# --------------------------------------------------------------------------- #
# Frame-level checks
# --------------------------------------------------------------------------- #


def raw_frame(**overrides) -> pd.DataFrame:
    base = {
        "doc_id": ["d1", "d2"],
        "source_path": ["a", "b"],
        "source_format": ["html", "warc"],
        "content_sha256": [SHA, SHA],
        "byte_size": [0, 12],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_raw_documents_pass_and_fail():
    assert q.validate_frame("raw.documents", raw_frame()).success
    report = q.validate_frame(
        "raw.documents",
        raw_frame(doc_id=["d1", "d1"], content_sha256=[SHA.upper(), "xyz"], byte_size=[-1, 3],
                  source_format=["pdf", "html"]))
    assert failure(report, "expect_column_values_to_be_unique", "doc_id").unexpected_count == 2
    sha = failure(report, "expect_column_values_to_match_regex", "content_sha256")
    assert sha.unexpected_count == 2 and {"doc_id": "d1", "content_sha256": "xyz"} in sha.examples
    size = failure(report, "expect_column_values_to_be_between", "byte_size")
    assert size.examples == [{"doc_id": "d1", "byte_size": -1}]
    fmt = failure(report, "expect_column_values_to_be_in_set", "source_format")
    assert fmt.examples == [{"doc_id": "d1", "source_format": "pdf"}]
    assert fmt.description.startswith("raw.documents.source_format is not one of {")
    assert fmt.description.endswith("(1 row)")
    summary = report.summary()
    assert "raw.documents: FAILED" in summary and "source_format='pdf'" in summary


def staging_frame(texts, **overrides) -> pd.DataFrame:
    n = len(texts)
    base = {
        "doc_id": [f"d{i}" for i in range(n)],
        "source_path": ["p"] * n,
        "text": texts,
        "language": ["en"] * n,
        "duplicate_of": [None] * n,
        "duplicate_target_exists": [True] * n,
        "published_at": pd.to_datetime(["2024-01-01"] * n),
        "leftover_markup": [None] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_staging_clean_text_passes():
    texts = ["First paragraph.\nSecond one, 5 minutes later.", "Click to Read more: mid-line is fine.",
             "Tom & Jerry < 3 > 2", "It began 15 years ago.", "In HTML, <p> starts a paragraph; adduser <username>; <!-- note -->; use <iframe> to embed",
             '<tweet tweet-id="7">']
    report = q.validate_frame("staging.documents", staging_frame(texts, language=["en", None, "de", "en", "en", "en"],
                                                                 published_at=[None] * 6))
    assert report.success, report.summary()


def _staging_with_sources(rows: list[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with (clean text, raw page, format) documents d0, d1, ..."""
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA.read_text())
    q.prepare_connection(con)
    for i, (text, page, fmt) in enumerate(rows):
        con.execute("insert into raw.documents values (?, 'p', ?, ?, 1, now(), 'utf-8', ?::blob)",
                    [f"d{i}", fmt, SHA, page.encode()])
        con.execute("insert into staging.documents (doc_id, source_path, source_format, text, text_sha256, word_count,"
                    " cleaned_at) values (?, 'p', ?, ?, 'x', 1, now())", [f"d{i}", fmt, text])
    return con


@pytest.mark.parametrize("dirty, fragment", [
    ('<p class="lead">Hello</p>', '<p class="lead">'), ("a <div id='x'> b", "<div id='x'>"),
    ("a&nbsp;b", "&nbsp;"), ("Tom &amp; Jerry", "&amp;"), ("<script>var a</script>", "<script>var a</script>"),
    ('x <span data-id="3">y', '<span data-id="3">'),
])
def test_staging_markup_left_behind_is_a_row_rule(dirty, fragment):
    # the page itself holds the markup unescaped: it was markup, and the cleaner let it through
    con = _staging_with_sources([("Clean text.", "<p>Clean text.</p>", "html"),
                                 (dirty, f"<html><body><p>{dirty}</p></body></html>", "html")])
    report = q.validate_table(con, "staging.documents")
    f = failure(report, "expect_column_values_to_be_null", "leftover_markup")
    assert f.description == "staging.documents: text shows markup the page does not display (1 row)"
    assert f.examples[0]["doc_id"] == "d1" and fragment in f.examples[0]["leftover_markup"]
    assert report.failing_documents["d1"][0] == "markup_in_text" and fragment in report.failing_documents["d1"][1]
    assert not report.blocking_failures


def test_markup_the_page_displays_as_text_is_not_flagged():
    code = 'print(&quot;hello&quot;)'  # a code sample: the page shows the entity itself
    escaped = 'Use these <abbr title="HyperText Markup Language">HTML</abbr> tags: <a href="" title=""> <abbr title="">'
    con = _staging_with_sources([
        (code, "<pre>print(&amp;quot;hello&amp;quot;)</pre>", "html"),
        (escaped, '<p>Use these &lt;abbr title=&quot;HyperText Markup Language&quot;&gt;HTML&lt;/abbr&gt; tags: '
                  '&lt;a href=&quot;&quot; title=&quot;&quot;&gt; &lt;abbr title=&quot;&quot;&gt;</p>', "html")])
    report = q.validate_table(con, "staging.documents")
    assert report.success, report.summary()


def test_staging_boilerplate_patterns_each_flagged():
    dirty = ["SUBSCRIBE TO US now", "Loading comments...", "Story.\nSponsor: Acme", "QWIKET widget",
             "Story.\nRead more: elsewhere", "Story.\n3 hours ago", "Para one.\n\nPara two.", "One.\n  \nTwo."]
    report = q.validate_frame("staging.documents", staging_frame(["Clean."] + dirty))
    f = failure(report, "expect_column_values_to_not_match_regex_list", "text")
    assert f.unexpected_count == len(dirty)
    assert [e["doc_id"] for e in f.examples] == [f"d{i}" for i in range(1, len(dirty) + 1)]
    assert all(e["matched"] for e in f.examples)
    assert f.description == f"staging.documents.text contains boilerplate ({len(dirty)} rows)"


def test_long_offending_text_is_windowed_around_the_match():
    text = "x" * 500 + " SUBSCRIBE TO US " + "y" * 500
    f = failure(q.validate_frame("staging.documents", staging_frame([text])),
                "expect_column_values_to_not_match_regex_list", "text")
    shown = f.examples[0]["text"]
    assert len(shown) <= q.MAX_CHARS + 2 and "SUBSCRIBE TO US" in shown and shown.startswith("…")


def test_staging_other_columns():
    now = datetime.now(UTC).replace(tzinfo=None)
    df = staging_frame(
        ["a", "", "   ", None],
        language=["en", "eng", "EN", None],
        duplicate_of=[None, "d0", "nope", None],
        duplicate_target_exists=[True, True, False, None],  # NULL flag counts as false
        published_at=[now + timedelta(days=1), now + timedelta(days=5), datetime(1899, 12, 31), None],
    )
    report = q.validate_frame("staging.documents", df)
    assert failure(report, "expect_column_values_to_not_be_null", "text").examples == [{"doc_id": "d3", "text": None}]
    assert failure(report, "expect_column_value_lengths_to_be_between", "text").examples[0]["doc_id"] == "d1"
    assert failure(report, "expect_column_values_to_match_regex", "language").unexpected_count == 2
    assert failure(report, "expect_column_values_to_be_in_set", "duplicate_target_exists").unexpected_count == 2
    published = failure(report, "expect_column_values_to_be_between", "published_at")
    assert [e["doc_id"] for e in published.examples] == ["d1", "d2"]
    assert published.examples[1]["published_at"] == "1899-12-31T00:00:00"


def test_timezone_aware_dates_are_compared_in_utc():
    df = staging_frame(["a"], published_at=pd.to_datetime(["2024-01-01T12:00:00+02:00"]))
    assert q.validate_frame("staging.documents", df).success


def test_sentences_offsets():
    df = pd.DataFrame({
        "sentence_id": ["s1", "s2", "s3", None],
        "doc_id": ["d", "d", "d", "d"],
        "start_char": [0, 5, -1, 0],
        "end_char": [4, 5, 3, 2],
        "offsets_match_text": [True, True, True, False],
        "document_exists": [True, True, True, True],
    })
    report = q.validate_frame("core.sentences", df)
    order = failure(report, "expect_column_pair_values_a_to_be_greater_than_b", "end_char")
    assert order.examples == [{"sentence_id": "s2", "end_char": 5, "start_char": 5, "doc_id": "d"}]
    assert failure(report, "expect_column_values_to_be_between", "start_char").examples[0]["sentence_id"] == "s3"
    assert failure(report, "expect_column_values_to_not_be_null", "sentence_id").unexpected_count == 1
    assert failure(report, "expect_column_values_to_be_in_set", "offsets_match_text").unexpected_count == 1


def test_claims_and_quantities_frames():
    claims = pd.DataFrame({
        "claim_id": ["c1", "c2"], "doc_id": ["d", "d"], "sentence_id": ["s", "s"],
        "claim_type": ["attribution", "opinion"], "cue_text": [None, None], "content_text": ["x", None],
        "is_direct_quote": [True, None], "is_hedged": [False, False], "is_negated": [False, False],
        "attribution_has_cue": [False, True], "sentence_exists": [True, True],
    })
    report = q.validate_frame("core.claims", claims)
    assert failure(report, "expect_column_values_to_be_in_set", "claim_type").examples == [
        {"claim_id": "c2", "claim_type": "opinion"}]
    assert failure(report, "expect_column_values_to_be_in_set", "attribution_has_cue").examples[0]["claim_id"] == "c1"
    assert failure(report, "expect_column_values_to_not_be_null", "content_text").unexpected_count == 1
    assert failure(report, "expect_column_values_to_not_be_null", "is_direct_quote").unexpected_count == 1

    values = pd.Series([1.0, np.nan, np.inf])
    quantities = pd.DataFrame({
        "quantity_id": ["q1", "q2", "q3"], "doc_id": ["d"] * 3, "sentence_id": ["s"] * 3,
        "claim_id": [None, None, "c"], "value": values, "change": ["~", "up", "more"],
        "value_is_finite": np.isfinite(values), "sentence_exists": [True] * 3, "claim_exists": [True, True, False],
    })
    report = q.validate_frame("core.quantities", quantities)
    assert failure(report, "expect_column_values_to_not_be_null", "value").examples == [{"quantity_id": "q2", "value": None}]
    assert failure(report, "expect_column_values_to_be_in_set", "value_is_finite").unexpected_count == 2
    assert failure(report, "expect_column_values_to_be_in_set", "claim_exists").examples[0]["claim_id"] == "c"


def test_missing_required_column_is_a_failure_not_a_crash():
    df = raw_frame().drop(columns=["content_sha256"])
    report = q.validate_frame("raw.documents", df)
    f = failure(report, "expect_table_columns_to_match_set", None)
    assert "content_sha256" in f.description and f.examples == [{"missing_column": "content_sha256"}]
    assert len(report.failures) == 1  # the other expectations still ran and passed


# --------------------------------------------------------------------------- #
# Chunking
# --------------------------------------------------------------------------- #


def test_chunks_merge_counts_and_cap_examples():
    n = 60
    df = raw_frame(doc_id=[f"d{i}" for i in range(n)], source_path=["p"] * n, source_format=["pdf"] * n,
                   content_sha256=[SHA] * n, byte_size=[1] * n)
    chunks = [df.iloc[i:i + 17] for i in range(0, n, 17)]
    report = q.validate_frames("raw.documents", chunks)
    f = failure(report, "expect_column_values_to_be_in_set", "source_format")
    assert report.rows_checked == n and f.unexpected_count == n
    assert len(f.examples) == q.MAX_EXAMPLES and f.examples[0] == {"doc_id": "d0", "source_format": "pdf"}
    assert f"({n} rows)" in f.description
    assert report.expectations == len(q.SUITES["raw.documents"].checks) + 1


def test_uniqueness_is_checked_across_chunks():
    df = raw_frame(doc_id=["a", "b", "c", "a", "d", "b", "b", "e"], source_path=["p"] * 8,
                   source_format=["html"] * 8, content_sha256=[SHA] * 8, byte_size=[1] * 8)
    whole = failure(q.validate_frame("raw.documents", df), "expect_column_values_to_be_unique", "doc_id")
    chunked = failure(q.validate_frames("raw.documents", [df.iloc[:3], df.iloc[3:6], df.iloc[6:]]),
                      "expect_column_values_to_be_unique", "doc_id")
    assert whole.unexpected_count == chunked.unexpected_count == 5
    assert {e["doc_id"] for e in chunked.examples} == {"a", "b"}


def test_large_frame_is_split_by_suite_chunk_rows(monkeypatch):
    suite = dataclasses.replace(q.SUITES["raw.documents"], chunk_rows=3)
    monkeypatch.setitem(q.SUITES, "raw.documents", suite)
    df = raw_frame(doc_id=list("abcdefga"), source_path=["p"] * 8, source_format=["html"] * 7 + ["pdf"],
                   content_sha256=[SHA] * 8, byte_size=[1] * 8)
    report = q.validate_frame("raw.documents", df)
    assert report.rows_checked == 8
    assert failure(report, "expect_column_values_to_be_unique", "doc_id").unexpected_count == 2
    assert failure(report, "expect_column_values_to_be_in_set", "source_format").examples == [
        {"doc_id": "a", "source_format": "pdf"}]


def test_empty_input():
    report = q.validate_frame("core.entities", pd.DataFrame({c: [] for c in q.REQUIRED_COLUMNS["core.entities"]}))
    assert report.success and report.rows_checked == 0


def test_new_suite_is_a_few_lines(monkeypatch):
    monkeypatch.setattr(q, "SUITES", dict(q.SUITES))
    monkeypatch.setattr(q, "REQUIRED_COLUMNS", dict(q.REQUIRED_COLUMNS))
    monkeypatch.setattr(q, "CHECK_QUERIES", dict(q.CHECK_QUERIES))
    q.register_suite(
        "marts.claims_per_day",
        key=("day", "outlet"),
        query="select day, outlet, claims from marts.claims_per_day",
        checks=[q.not_null("day"), q.between("claims", 0, None, "is negative")],
    )
    assert "marts.claims_per_day" in q.suite_names()
    assert q.REQUIRED_COLUMNS["marts.claims_per_day"] == ("day", "outlet", "claims")
    df = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-01-02"]), "outlet": ["x", "y"], "claims": [3, -1]})
    report = q.validate_frame("marts.claims_per_day", df)
    assert [f.description for f in report.failures] == ["marts.claims_per_day.claims is negative (1 row)"]
    assert report.failures[0].examples == [{"day": "2024-01-02T00:00:00", "outlet": "y", "claims": -1}]


def test_unknown_table():
    with pytest.raises(KeyError, match="no quality suite"):
        q.validate_frame("core.nope", pd.DataFrame())


def test_checks_describe_themselves():
    rules = [c.describe() for c in q.SUITES["raw.documents"].checks]
    assert "expect_column_values_to_be_unique(doc_id)" in rules
