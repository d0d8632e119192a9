"""The quality gate (claimhouse.checks.gate) on a real DuckDB warehouse: row rules quarantine, the rest blocks."""
from __future__ import annotations

import duckdb
import pytest

from claimhouse.checks import gate, quality
from claimhouse.warehouse.db import init_schema

SHA = "ab" * 32


@pytest.fixture()
def con():
    c = duckdb.connect(":memory:")
    init_schema(c)
    quality.prepare_connection(c)
    yield c
    c.close()


def add_doc(con, doc_id: str, text: str, page: str | None = None) -> None:
    con.execute("insert into raw.documents values (?, ?, 'html', ?, 1, now()::timestamp, 'utf-8', ?::blob)",
                [doc_id, f"/seeds/{doc_id}.html", SHA, (page if page is not None else f"<p>{text}</p>").encode()])
    con.execute("insert into raw.file_documents values (?, ?)", [f"/seeds/{doc_id}.html", doc_id])
    con.execute("insert into staging.documents (doc_id, source_path, source_format, text, text_sha256, word_count,"
                " cleaned_at, language) values (?, ?, 'html', ?, 'x', 3, now()::timestamp, 'en')",
                [doc_id, f"/seeds/{doc_id}.html", text])


def test_one_bad_document_is_quarantined_and_the_check_warns(con):
    for i in range(20):
        add_doc(con, f"d{i:02d}", f"The minister said talks would resume on day {i}.")
    add_doc(con, "dbad", 'Talks resume. <div class="share">Share this</div>')
    result = gate.run_gate(con, "staging.documents", "gx_staging_documents", gate.Policy())
    assert result.severity == gate.WARN
    assert result.quarantined == {"markup_in_text": 1}
    assert con.execute("select stage, reason, detail, source_path from quarantine.documents").fetchall() == [
        ("staging", "markup_in_text", '<div class="share">', "/seeds/dbad.html")]
    assert con.execute("select count(*) from staging.documents").fetchone()[0] == 20
    assert result.report.documents_checked == 21 and result.row_count == 20
    assert "1 of 21 documents (4.8%) failed row rules (markup_in_text) and were quarantined" in result.headline()
    # the watermark moved: the next check sees no new rows and passes
    again = gate.run_gate(con, "staging.documents", "gx_staging_documents", gate.Policy())
    assert again.severity == gate.PASS and again.report.rows_checked == 0


def test_a_tenth_of_the_pages_with_markup_stops_the_run_and_quarantines_nothing(con):
    for i in range(90):
        add_doc(con, f"d{i:02d}", f"The minister said talks would resume on day {i}.")
    for i in range(10):  # a cleaner regression leaves markup on a tenth of the pages
        add_doc(con, f"dbad{i}", f'Talks resume. <span class="byline">By staff {i}</span>')
    result = gate.run_gate(con, "staging.documents", "gx_staging_documents", gate.Policy())
    assert result.severity == gate.ERROR
    assert "10 of 100 documents (10.0%) fail row rules, above error_if 5.0%" in result.headline()
    assert con.execute("select count(*) from quarantine.documents").fetchone()[0] == 0
    assert con.execute("select count(*) from meta.check_watermarks").fetchone()[0] == 0  # checked again next run
    # a looser threshold, as an operator may configure it, lets the run go on
    loose = gate.run_gate(con, "staging.documents", "gx_staging_documents", gate.Policy(error_if_share=0.2))
    assert loose.severity == gate.WARN and loose.quarantined == {"markup_in_text": 10}


def test_a_broken_reference_blocks_and_quarantines_nothing(con):
    add_doc(con, "d1", "The minister said talks would resume.")
    con.execute("update staging.documents set duplicate_of = 'd_gone'")
    result = gate.run_gate(con, "staging.documents", "gx_staging_documents", gate.Policy())
    assert result.severity == gate.ERROR and "blocking expectation" in result.headline()
    assert con.execute("select count(*) from quarantine.documents").fetchone()[0] == 0


def test_a_sudden_drop_in_row_count_blocks(con):
    for i in range(40):
        add_doc(con, f"d{i:02d}", f"The minister said talks would resume on day {i}.")
    assert gate.run_gate(con, "raw.documents", "gx_raw_documents", gate.Policy()).severity == gate.PASS
    con.execute("delete from raw.documents where doc_id < 'd20'")  # half the layer gone
    result = gate.run_gate(con, "raw.documents", "gx_raw_documents", gate.Policy())
    assert result.severity == gate.ERROR
    assert result.previous_row_count == 40 and result.row_count == 20 and result.row_count_drop == 0.5
    assert "row count dropped from 40 to 20 (50%)" in result.headline()
    # a few rows fewer is no alarm
    con.execute("delete from raw.documents where doc_id = 'd39'")
    assert gate.run_gate(con, "raw.documents", "gx_raw_documents",
                         gate.Policy(max_drop_share=0.6)).severity == gate.PASS


def test_a_core_rule_quarantines_at_core_and_keeps_the_staging_row(con):
    text = "The minister said talks would resume."
    add_doc(con, "d1", text)
    con.execute("insert into core.analysed_documents values ('d1', now()::timestamp, 2, 0, 0, 0)")
    con.execute("insert into core.sentences values ('d1:s00000', 'd1', 0, 0, 0, 37, ?), "
                "('d1:s00001', 'd1', 0, 1, 5, 9, 'wrong')", [text])
    result = gate.run_gate(con, "core.sentences", "gx_core_sentences", gate.Policy())
    assert result.severity == gate.WARN and result.quarantined == {"sentence_offsets": 1}
    assert con.execute("select stage, reason from quarantine.documents").fetchall() == [("core", "sentence_offsets")]
    assert con.execute("select count(*) from core.sentences").fetchone()[0] == 0
    assert con.execute("select count(*) from core.analysed_documents").fetchone()[0] == 0
    assert con.execute("select count(*) from staging.documents").fetchone()[0] == 1


def test_policy_from_environment(monkeypatch):
    monkeypatch.setenv("CLAIMHOUSE_ERROR_IF_SHARE", "0.02")
    monkeypatch.setenv("CLAIMHOUSE_MAX_DROP_SHARE", "0.5")
    policy = gate.Policy.from_env()
    assert policy.error_if_share == 0.02 and policy.max_drop_share == 0.5 and policy.error_min_documents == 3
    assert "2.0%" in policy.describe()["error_if"]


def test_every_row_rule_names_a_snake_case_reason():
    rules = {c.rule for s in quality.SUITES.values() for c in s.checks if c.rule}
    assert {"markup_in_text", "boilerplate_in_text", "sentence_offsets", "empty_claim"} <= rules
    assert all(r.isidentifier() and r == r.lower() for r in rules)
    # every suite with row rules names the stage its documents are quarantined at
    assert all(s.stage in ("staging", "core") for s in quality.SUITES.values() if s.has_row_rules)


def test_the_story_cluster_check_sees_only_the_clusters_recomputed_since_it_last_passed(con):
    from datetime import datetime, timedelta

    t0 = datetime(2026, 1, 1)
    for i in range(6):
        con.execute("insert into core.claims (claim_id, doc_id, sentence_id, claim_type, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) "
                    "values (?, ?, 's', 'direct', 'x', 0, 1, false, false, false)",
                    [f"c{i}", f"d{i}"])
    con.execute("""insert into core.story_clusters values ('c0', 'st_00000000000000a0', ?),
                   ('c1', 'st_00000000000000a0', ?), ('c2', 'st_00000000000000b0', ?), ('c3', 'st_00000000000000b0', ?)""",
                [t0, t0, t0, t0])
    first = gate.run_gate(con, "core.story_clusters", "gx_core_story_clusters", gate.Policy())
    assert first.severity == gate.PASS and first.report.rows_checked == 4 and first.scope == "every row (first check)"
    # a new claim joins cluster b; cluster b is recomputed, cluster a is not
    later = t0 + timedelta(hours=1)
    con.execute("update core.story_clusters set clustered_at = ? where cluster_id = 'st_00000000000000b0'", [later])
    con.execute("insert into core.story_clusters values ('c4', 'st_00000000000000b0', ?)", [later])
    second = gate.run_gate(con, "core.story_clusters", "gx_core_story_clusters", gate.Policy())
    assert second.severity == gate.PASS and second.report.rows_checked == 3
    # a recomputed cluster that breaks a rule is caught: c5 alone in its cluster
    con.execute("insert into core.story_clusters values ('c5', 'st_00000000000000c0', ?)", [later + timedelta(hours=1)])
    third = gate.run_gate(con, "core.story_clusters", "gx_core_story_clusters", gate.Policy())
    assert third.report.rows_checked == 1
    assert [f.expectation for f in third.report.failures] and third.severity != gate.PASS


def test_scoped_check_queries_read_only_the_checked_documents_and_find_the_same_failures(con):
    for i in range(3):
        add_doc(con, f"d{i}", f"The minister said talks would resume on day {i}.")
    con.execute("insert into core.analysed_documents select 'd' || i, now()::timestamp, 1, 0, 0, 0 from range(3) t(i)")
    # a sentence whose offsets do not match its document's text, in d1 only
    con.execute("insert into core.sentences values ('s0', 'd0', 0, 0, 0, 12, 'The minister'), "
                "('s1', 'd1', 0, 0, 0, 12, 'The ministry')")
    con.execute("create temp table _checked_documents as select 'd1' as doc_id")
    for table, suite in quality.SUITES.items():
        if suite.per_document:
            scoped = suite.scoped_query("_checked_documents")
            assert scoped.count("_checked_documents") == sum(suite.query.count(t) for t in suite.per_document)
            con.execute(scoped).fetchall()  # valid SQL on every suite
    whole = quality.validate_table(con, "core.sentences", "doc_id = 'd1'")
    scoped = quality.validate_table(con, "core.sentences", "doc_id in (select doc_id from _checked_documents)",
                                    documents="_checked_documents")
    assert scoped.rows_checked == whole.rows_checked == 1
    assert scoped.failing_documents == whole.failing_documents and set(scoped.failing_documents) == {"d1"}


def test_claim_pairs_have_no_key_and_the_check_holds_each_pair_once(tmp_path):
    """core.claim_pairs has no PRIMARY KEY (its index is loaded whole by every insert); a warehouse made
    with the key gets the keyless table with the same rows, and a pair written twice fails the blocking
    check instead."""
    import duckdb

    from claimhouse.warehouse.db import connect

    wh = tmp_path / "old.duckdb"
    old = duckdb.connect(str(wh))
    old.execute("create schema core")
    old.execute("""create table core.claim_pairs (claim_a text not null, claim_b text not null,
                   similarity float not null, relation text not null, primary key (claim_a, claim_b))""")
    old.execute("insert into core.claim_pairs values ('c0', 'c1', 0.9, 'paraphrase'), ('c0', 'c2', 0.65, 'related')")
    old.close()
    with connect(wh) as con:
        assert con.execute("""select count(*) from duckdb_constraints() where table_name = 'claim_pairs'
                              and constraint_type = 'PRIMARY KEY'""").fetchone()[0] == 0
        assert con.execute("select claim_a, claim_b, relation from core.claim_pairs order by all").fetchall() == [
            ("c0", "c1", "paraphrase"), ("c0", "c2", "related")]
        assert "keyed" not in str(con.execute("select table_name from duckdb_tables()").fetchall())
        def claim(i: int) -> None:  # a claim of document d<i> and its embedding, embedded now
            con.execute("insert into core.claims (claim_id, doc_id, sentence_id, claim_type, content_text, "
                        "content_start, content_end, is_direct_quote, is_hedged, is_negated) "
                        "values (?, ?, 's', 'assertion', 'x', 0, 1, false, false, false)", [f"c{i}", f"d{i}"])
            con.execute("insert into core.claim_embeddings (claim_id, doc_id, model, embedding, embedded_at) "
                        "values (?, ?, 'm', list_resize([0.0::float], 384, 0.0::float)::float[384], now())",
                        [f"c{i}", f"d{i}"])

        for i in range(3):
            claim(i)
        assert gate.run_gate(con, "core.claim_pairs", "gx_core_claim_pairs", gate.Policy()).severity == gate.PASS
        # a later batch embeds c3 and writes its pair with c0 twice
        claim(3)
        con.execute("insert into core.claim_pairs values ('c0', 'c3', 0.8, 'paraphrase'), ('c0', 'c3', 0.8, 'paraphrase')")
        again = gate.run_gate(con, "core.claim_pairs", "gx_core_claim_pairs", gate.Policy())
        assert again.severity != gate.PASS and again.report.rows_checked == 2
        assert [(f.column, f.unexpected_count) for f in again.report.failures] == [("pair", 2)]
