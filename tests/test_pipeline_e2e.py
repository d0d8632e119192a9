"""End to end: the whole Dagster asset graph on seeds/ into a real DuckDB file, asserting content."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
from conftest import SEEDS, query, run_pipeline, seed_doc_id, slip_bad_document


def test_run_succeeds_with_all_checks_passing(seeds_run):
    _, _, result = seeds_run
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    names = {e.check_name for e in evaluations}
    assert {"gx_raw_documents", "gx_staging_documents", "gx_core_sentences", "gx_core_claims",
            "gx_core_quantities", "gx_core_entities"} <= names
    assert any(n.startswith("gx_marts_") for n in names)
    failed = [(e.check_name, e.description) for e in evaluations if not e.passed]
    assert not failed


def test_every_seed_is_a_document_with_detected_format(seeds_run):
    _, wh, _ = seeds_run
    formats = dict(query(wh, "select regexp_extract(source_path, '/(\\d{3})_[^/]*$', 1), source_format "
                             "from raw.documents"))
    assert formats == {"000": "wordpress_json", "001": "text", "002": "text", "003": "text", "004": "text"}
    assert query(wh, "select count(*) from staging.documents")[0][0] == 5
    assert query(wh, "select count(*) from quarantine.documents")[0][0] == 0


def test_clean_text_has_no_site_chrome(seeds_run):
    _, wh, _ = seeds_run
    for needle in ("SUBSCRIBE TO US", "Loading comments", "Sponsor:", "QWIKET", "Read more:", "<p", "</"):
        hits = query(wh, "select doc_id from staging.documents where contains(text, ?)", [needle])
        assert not hits, f"{needle!r} left in clean text of {hits}"


def test_wordpress_post_is_syndicated_from_cnn(seeds_run):
    _, wh, _ = seeds_run
    doc = seed_doc_id(wh, "000_")
    outlet, original, title, published = query(
        wh, "select outlet, original_outlet, title, published_at from staging.documents where doc_id = ?", [doc])[0]
    assert original == "cnn.com"
    assert outlet == "digitaltradecenter.com"
    assert title == "As Trump pushes for ceasefire talks, Ukraine sees Kursk as a potential bargaining chip"
    assert str(published)[:10] == "2025-02-08"


def test_err_article_date_from_text_header(seeds_run):
    _, wh, _ = seeds_run
    doc = seed_doc_id(wh, "004_")
    assert str(query(wh, "select published_at from staging.documents where doc_id = ?", [doc])[0][0])[:10] \
        == "2025-03-09"


def test_sentences_offsets_match_clean_text(seeds_run):
    _, wh, _ = seeds_run
    bad = query(wh, """select s.sentence_id from core.sentences s join staging.documents d using (doc_id)
                       where substr(d.text, s.start_char + 1, s.end_char - s.start_char) <> s.text""")
    assert not bad
    assert query(wh, "select count(*) from core.sentences")[0][0] > 100


def test_isw_attribution_about_new_assaults_in_kursk(seeds_run):
    _, wh, _ = seeds_run
    doc = seed_doc_id(wh, "000_")
    rows = query(wh, """select source_text, cue_text, content_text from core.claims
                        where doc_id = ? and claim_type = 'attribution'
                          and source_text ilike '%Institute for the Study of War%'""", [doc])
    assert rows, "no claim attributed to the Institute for the Study of War"
    source, cue, content = rows[0]
    assert cue == "said"
    assert "new series of assaults in the Kursk region" in content


def test_angelica_evans_speaker_with_three_claims(seeds_run):
    _, wh, _ = seeds_run
    rows = query(wh, "select claims, documents from marts.speakers where speaker = 'Angelica Evans'")
    assert rows and rows[0][0] >= 3, rows
    spellings = {r[0] for r in query(wh, "select source_text from core.claims where source_canonical = 'Angelica Evans'")}
    assert any(s in spellings for s in ("Evans", "she", "She")), spellings


def test_key_figures_in_quantities(seeds_run):
    _, wh, _ = seeds_run
    values = {r[0] for r in query(wh, "select value from core.quantities")}
    for v in (40000, 16100, 12000, 5, 909):
        assert float(v) in values, f"{v} missing from core.quantities"
    troops = query(wh, "select normalized_unit from core.quantities where value = 40000")
    assert ("troop",) in troops or ("soldier",) in troops, troops


def test_entity_spellings_resolve_across_documents(seeds_run):
    _, wh, _ = seeds_run
    zel = query(wh, "select distinct canonical, label from core.entities where text like '%Zelensk%'")
    assert zel == [("Volodymyr Zelensky", "PERSON")], zel
    docs = query(wh, "select documents, spellings from marts.entities where entity = 'Volodymyr Zelensky'")[0]
    assert docs[0] >= 2 and "Volodymyr Zelenskyy" in docs[1]
    assert query(wh, "select distinct label from core.entities where canonical = 'Donald Trump'") == [("PERSON",)]
    assert query(wh, "select canonical from core.entity_names where name = 'Pevkur'") == [("Hanno Pevkur",)]
    # the README's examples of core.entity_names, as the seeds give them
    readme = {("Telegraph", "The Telegraph"), ("Pevkur", "Hanno Pevkur"), ("Trump", "Donald Trump"),
              ("Volodymyr Zelenskyy", "Volodymyr Zelensky")}
    assert readme <= set(query(wh, "select name, canonical from core.entity_names where name <> canonical"))
    isw = query(wh, "select distinct canonical from core.entities where text in ('ISW', 'Institute for the Study of War')")
    assert isw == [("Institute for the Study of War",)]


def test_figures_mart_puts_reports_side_by_side(seeds_run):
    _, wh, _ = seeds_run
    rows = query(wh, """select reports, min_value, max_value, agree,
                               list_sort([r.reported_by for r in reported])
                        from marts.figures where measure = 'troop' and subject = 'troops'""")
    assert rows, "no troop figures"
    reports, lo, hi, agree, who = rows[0]
    assert reports >= 3 and lo <= 40000 <= hi and not agree
    assert "Ukrainian General Staff" in who
    rng = query(wh, "select min_value, max_value from marts.figures where subject = 'ukrainian defenders'")
    assert rng == [(100.0, 1000.0)]  # "hundreds of Ukrainian defenders"


def test_entities_and_marts_filled(seeds_run):
    _, wh, _ = seeds_run
    labels = dict(query(wh, "select canonical, label from core.entities where text in ('Kursk', 'Kyiv')"))
    assert labels, "no Kursk/Kyiv mentions"
    for table in ("speakers", "outlets", "entities", "quantities", "figures", "claims_per_day"):
        assert query(wh, f"select count(*) from marts.{table}")[0][0] > 0, table
    outlets = {r[0]: r for r in query(wh, "select outlet, syndicated_copies from marts.outlets")}
    assert "cnn.com" in outlets and outlets["cnn.com"][1] == 1


def test_every_mart_column_is_documented(seeds_run):
    _, wh, _ = seeds_run
    undocumented = query(wh, """select table_name, column_name from duckdb_columns()
                                where schema_name in ('marts', 'core', 'staging', 'raw', 'quarantine')
                                  and (comment is null or comment = '')""")
    assert not undocumented
    tables = query(wh, """select schema_name, table_name from duckdb_tables()
                          where schema_name in ('marts', 'core', 'staging', 'raw', 'quarantine')
                            and (comment is null or comment = '')""")
    assert not tables


def _snapshot(warehouse: Path) -> dict[str, str]:
    """A digest of every row of every table."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        for schema, name in tables:
            rows = con.execute(f'select * from "{schema}"."{name}"').fetchall()
            out[f"{schema}.{name}"] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return out


def test_rerun_changes_nothing(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    first = _snapshot(wh)
    assert run_pipeline(seeds, wh).success
    assert _snapshot(wh) == first
    # a second copy of the same file: no new document, no duplicate rows
    shutil.copy(seeds / "001_8f5fbcc5a9dbdb78.txt", seeds / "copy_of_001.txt")
    assert run_pipeline(seeds, wh).success
    assert query(wh, "select count(*) from raw.documents")[0][0] == 5
    assert query(wh, "select count(*) from raw.files")[0][0] == 6


def test_bad_inputs_are_quarantined_and_the_rest_goes_through(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "blob.bin").write_bytes(bytes(range(256)) * 8)
    (seeds / "broken.json").write_text('{"id": 1, "content": {"rendered": "<p>unterminated', encoding="utf-8")
    (seeds / "undecodable.txt").write_bytes(bytes(range(0x80, 0x100)) * 8)  # no charset fits
    wh = tmp_path / "w.duckdb"
    result = run_pipeline(seeds, wh)
    assert result.success
    reasons = {Path(p).name: (stage, reason) for p, stage, reason in
               query(wh, "select source_path, stage, reason from quarantine.documents")}
    assert reasons["empty.txt"] == ("raw", "empty")
    assert reasons["blob.bin"] == ("raw", "binary")
    assert reasons["broken.json"] == ("raw", "malformed_json")
    assert reasons["undecodable.txt"] == ("raw", "not_utf8_decodable")
    details = query(wh, "select detail from quarantine.documents where detail is null or detail = ''")
    assert not details, "every quarantined document needs a human-readable detail"
    assert query(wh, "select count(*) from staging.documents")[0][0] == 5
    assert query(wh, "select count(*) from core.analysed_documents")[0][0] == 5
    # running again records nothing twice
    assert run_pipeline(seeds, wh).success
    assert query(wh, "select count(*) from quarantine.documents")[0][0] == 4


def test_changed_file_replaces_its_old_version(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEEDS / "004_0d1d3b4136f24779.txt", seeds / "article.txt")
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    old = query(wh, "select doc_id from staging.documents")[0][0]
    text = (seeds / "article.txt").read_text(encoding="utf-8")
    (seeds / "article.txt").write_text(text + "\nEstonia's defence minister said on Monday that talks would resume.\n",
                                       encoding="utf-8")
    assert run_pipeline(seeds, wh).success
    docs = query(wh, "select doc_id from staging.documents")
    assert len(docs) == 1 and docs[0][0] != old
    assert query(wh, "select count(*) from core.sentences where doc_id = ?", [old])[0][0] == 0
    assert query(wh, "select count(*) from raw.documents")[0][0] == 2  # raw keeps both versions


def _materialized(result) -> set[str]:
    return {"/".join(e.asset_key.path) for e in result.get_asset_materialization_events()}


def test_a_bad_row_costs_its_document_not_the_run(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    slip_bad_document(wh)  # boilerplate slips into staging behind the pipeline's back
    result = run_pipeline(seeds, wh)
    assert result.success
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["gx_staging_documents"]
    assert not check.passed and check.severity.value == "WARN"  # warns; blocks nothing
    assert check.metadata["documents_failing_row_rules"].value == 1
    assert check.metadata["quarantined_by_rule"].value == {"boilerplate_in_text": 1}
    assert check.metadata["error_if_share"].value == 0.05
    assert query(wh, "select stage, reason, detail from quarantine.documents where doc_id = 'dbad'") == [
        ("staging", "boilerplate_in_text", "Loading comments")]
    assert query(wh, "select count(*) from staging.documents where doc_id = 'dbad'")[0][0] == 0
    assert {"core/claims", "marts/speakers", "published/warehouse"} <= _materialized(result)
    # the next run has nothing left to warn about
    again = run_pipeline(seeds, wh)
    assert all(e.passed for e in again.get_asset_check_evaluations())


def test_a_regression_on_many_documents_stops_the_marts(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    for i in range(3):  # 3 of 3 new documents keep markup: the cleaner regressed
        slip_bad_document(wh, f"dbad{i}", f'Story {i}. <div class="share-bar">Share</div>')
    result = run_pipeline(seeds, wh)
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["gx_staging_documents"]
    assert not check.passed and check.severity.value == "ERROR"
    assert check.metadata["failing_share"].value == 1.0
    assert "dbad0" in check.metadata["summary"].value  # the failure names the rows
    assert query(wh, "select count(*) from quarantine.documents where doc_id like 'dbad%'")[0][0] == 0
    materialized = _materialized(result)
    assert "staging/documents" in materialized
    assert not any(k.startswith(("core/", "marts/")) for k in materialized), materialized


def test_a_broken_reference_blocks(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    slip_bad_document(wh, "dorphan", "A clean sentence about the talks.", duplicate_of="d_missing")
    result = run_pipeline(seeds, wh)
    check = {e.check_name: e for e in result.get_asset_check_evaluations()}["gx_staging_documents"]
    assert check.severity.value == "ERROR" and "duplicate_of" in check.description
    assert not any(k.startswith("marts/") for k in _materialized(result))


def test_near_duplicate_copy_points_to_the_first_and_counts_once(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    wh = tmp_path / "w.duckdb"
    assert run_pipeline(seeds, wh).success
    original = seed_doc_id(wh, "004_")
    speakers_before = dict(query(wh, "select speaker, claims from marts.speakers"))
    # the same ERR article re-scraped later: one sentence reworded, a footer added, spacing changed
    text = (seeds / "004_0d1d3b4136f24779.txt").read_text(encoding="utf-8")
    text = text.replace("Next week, representatives", "Next week,  representatives") \
               .replace("will meet in Saudi Arabia", "are due to meet in Saudi Arabia")
    (seeds / "rescrape_of_004.txt").write_text(text + "\nFollow ERR News on Facebook and Twitter!\n", encoding="utf-8")
    assert run_pipeline(seeds, wh).success
    copy = seed_doc_id(wh, "rescrape_of_004")
    assert copy != original
    assert query(wh, "select duplicate_of from staging.documents where doc_id = ?", [copy])[0][0] == original
    assert dict(query(wh, "select speaker, claims from marts.speakers")) == speakers_before
