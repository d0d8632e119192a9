"""Full-text search (DuckDB fts, shipped by the PyPI package duckdb-extension-fts): the indexes the
pipeline builds, the one-line macros marts.search_claims(q) / marts.search_sentences(q) on the
published copy of the seeds' warehouse, the `claimhouse sql` command, and skipping unchanged rebuilds."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import REPO

from claimhouse.warehouse import search
from claimhouse.warehouse.db import fts_extension_path, load_fts, published_path


@pytest.fixture(scope="module")
def published(seeds_run):
    """A read-only connection to the published copy with the fts extension loaded."""
    _, wh, result = seeds_run
    assert result.success
    con = duckdb.connect(str(published_path(wh)), read_only=True)
    load_fts(con)
    yield con
    con.close()


def test_the_extension_ships_with_the_locked_package():
    path = fts_extension_path()
    assert path.is_file() and path.parent.name == f"v{duckdb.__version__}"
    con = duckdb.connect()
    load_fts(con)
    load_fts(con)  # idempotent
    assert con.execute("select loaded from duckdb_extensions() where extension_name = 'fts'").fetchone() == (True,)
    assert con.execute("select stem('bargaining', 'porter')").fetchone() == ("bargain",)


def test_search_claims_bargaining_chip(published):
    rows = published.execute("select score, doc_id, outlet, content_text from marts.search_claims(?)",
                             ["bargaining chip"]).fetchall()
    assert len(rows) >= 4
    assert all("bargaining chip" in content.lower() for _, _, _, content in rows)  # every word must occur
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)  # best first
    assert len({r[1] for r in rows}) >= 4  # four different articles ...
    assert {"digitaltradecenter.com", "THE AMERICA ONE NEWS"} <= {r[2] for r in rows}  # ... several outlets
    # stemming and stopwords: "The bargaining chips" finds the same claims
    same = published.execute("select doc_id, content_text from marts.search_claims(?)",
                             ["The bargaining chips"]).fetchall()
    assert sorted(same) == sorted((r[1], r[3]) for r in rows)
    # any_term: also "bargain" alone (the Financial Times on Ukraine's plan to "bargain" with Trump)
    loose = published.execute("select speaker, content_text from marts.search_claims(?, any_term := true)",
                              ["bargaining chip"]).fetchall()
    assert len(loose) > len(rows) and ("Financial Times" in {s for s, _ in loose})


def test_search_claims_finds_speakers_and_roles(published):
    rows = published.execute("select speaker, claim_type, content_text from marts.search_claims(?)",
                             ["ISW analyst"]).fetchall()
    assert rows and {r[0] for r in rows} == {"Angelica Evans"}


def test_search_sentences_north_korean(published):
    rows = published.execute("select score, outlet, published_date, speakers, text from marts.search_sentences(?)",
                             ["North Korean"]).fetchall()
    texts = [r[4] for r in rows]
    assert any("12,000 North Korean soldiers" in t for t in texts)
    assert all("north korean" in t.lower() for t in texts)
    assert len(rows) >= 5
    said = next(r for r in rows if "4,000 of those North Korean troops" in r[4])
    assert said[3] == ["Ukrainian officials and Western intelligence"]  # who says it, in that sentence
    # figures are searchable: digits are kept as terms
    figure = published.execute("select text from marts.search_sentences(?)", ["12,000 soldiers"]).fetchall()
    assert len(figure) == 1 and "12,000 North Korean soldiers" in figure[0][0]


def test_scores_are_fts_bm25(published):
    ours = published.execute("select sentence_id, score from marts.search_sentences(?)", ["Kursk troops"]).fetchall()
    theirs = published.execute("""
        select sentence_id, score from (
            select sentence_id, fts_core_sentences.match_bm25(sentence_id, ?, conjunctive := 1) as score
            from core.sentences) where score is not null order by score desc, sentence_id""",
                               ["Kursk troops"]).fetchall()
    assert ours and [r[0] for r in ours] == [r[0] for r in theirs]
    assert all(abs(a[1] - b[1]) < 1e-9 for a, b in zip(ours, theirs))


def test_user_text_stays_text(published):
    for q in ["'); drop table core.claims; --", "", "the of and", '"quoted" \\ %_']:
        assert published.execute("select count(*) from marts.search_claims(?)", [q]).fetchone()[0] == 0, q
    assert published.execute("select count(*) from core.claims").fetchone()[0] > 0


def test_the_published_copy_holds_the_index(seeds_run, published):
    _, _, result = seeds_run
    checks = {ev.check_name: ev.passed for ev in result.get_asset_check_evaluations()}
    assert checks["search_index_covers_every_row"] is True
    assert checks["published_copy_matches_the_warehouse"] is True  # fts_* tables counted too
    assert {"fts_core_sentences", "fts_core_claims"} <= {
        s for (s,) in published.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert published.execute("select count(*) from fts_core_claims.docs").fetchone() == \
        published.execute("select count(*) from core.claims").fetchone()
    assert search.index_problems(published) == []


def test_claimhouse_sql_loads_the_extension(seeds_run):
    _, wh, _ = seeds_run
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sql", "--warehouse", str(wh),
         "select outlet, content_text from marts.search_claims('bargaining chip')"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "bargaining chip" in proc.stdout and "digitaltradecenter.com" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sql", "--warehouse", str(wh), "--width", "300",
         "select text from marts.search_sentences('North Korean')"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "COLUMNS": "400"}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "12,000 North Korean soldiers" in proc.stdout


def test_rebuild_only_what_changed(seeds_run, tmp_path):
    _, wh, _ = seeds_run
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(wh, copy)
    con = duckdb.connect(str(copy))
    try:
        assert [b.rebuilt for b in search.build_search_index(con)] == [False, False, False]  # the run built them
        claim = con.execute("select claim_id from core.claims order by claim_id limit 1").fetchone()[0]
        con.execute("delete from core.claims where claim_id = ?", [claim])
        built = {b.name: (b.rebuilt, b.how, b.added, b.removed) for b in search.build_search_index(con)}
        assert built == {"core.sentences": (False, "unchanged", 0, 0), "core.claims": (True, "update", 0, 1),
                         "macros": (False, "", 0, 0)}
        assert search.index_problems(con) == []
        con.execute("update core.sentences set text = text || ' Quuxville' where sentence_id = "
                    "(select min(sentence_id) from core.sentences)")  # same row count, new content
        built = {b.name: b.rebuilt for b in search.build_search_index(con)}
        assert built["core.sentences"] is True
        assert con.execute("select count(*) from marts.search_sentences(?)", ["Quuxville"]).fetchone()[0] == 1
        assert all(b.rebuilt for b in search.build_search_index(con, force=True))
    finally:
        con.close()


def _index_contents(con, ix) -> tuple:
    """What an fts index holds, independent of its internal numbering."""
    fts = ix.schema
    return (
        sorted(con.execute(f"select name, len from {fts}.docs").fetchall()),
        sorted(con.execute(f"select term, df from {fts}.dict where df > 0").fetchall()),
        sorted(con.execute(f"""select d.name, t.fieldid, w.term, count(*) from {fts}.terms t
                              join {fts}.docs d using (docid) join {fts}.dict w using (termid)
                              group by all""").fetchall()),
        [tuple(round(v, 9) for v in r) for r in con.execute(f"select num_docs, avgdl from {fts}.stats").fetchall()],
    )


def test_an_updated_index_equals_a_full_rebuild(seeds_run, tmp_path):
    """Rows added, changed and removed are brought into the index without rebuilding it; the index then
    holds what create_fts_index builds from scratch, and every query scores the same."""
    _, wh, _ = seeds_run
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(wh, copy)
    queries = ["bargaining chip", "North Korean soldiers", "Quuxville", "Évans said", "the"]
    con = duckdb.connect(str(copy))
    try:
        search.build_search_index(con)
        con.execute("delete from core.claims where claim_id in (select claim_id from core.claims order by claim_id limit 3)")
        con.execute("update core.claims set source_canonical = 'Quuxville Mayor' where claim_id = "
                    "(select max(claim_id) from core.claims where source_canonical is not null)")
        con.execute("""insert into core.sentences select sentence_id || 'x', doc_id, paragraph_index, sentence_index + 1000,
                       start_char, end_char, 'Quuxville''s mayor called Kursk a bargaining chip; the the the.'
                       from core.sentences order by sentence_id limit 2""")
        con.execute("""insert into core.claims select claim_id || 'x', doc_id, sentence_id, claim_type, 'Résumé Évans',
                       'Résumé Évans', source_kind, source_role, cue_text, 'Kursk is a bargaining chip, Évans said.',
                       content_start, content_end, is_direct_quote, is_hedged, is_negated, model, confidence
                       from core.claims order by claim_id limit 1""")
        con.execute("delete from core.sentences where sentence_id = (select max(sentence_id) from core.sentences where sentence_id not like '%x')")
        built = {b.name: b for b in search.build_search_index(con)}
        assert built["core.claims"].how == "update" and built["core.claims"].added == 2
        assert built["core.claims"].removed == 4  # three gone, one changed
        assert built["core.sentences"].how == "update" and (built["core.sentences"].added, built["core.sentences"].removed) == (2, 1)
        assert search.index_problems(con) == []
        updated = [_index_contents(con, ix) for ix in search.INDEXES]
        answers = {q: con.execute("select claim_id, round(score, 9) from marts.search_claims(?, any_term := true)",
                                  [q]).fetchall() for q in queries}
        answers |= {"s:" + q: con.execute("select sentence_id, round(score, 9) from marts.search_sentences(?)",
                                          [q]).fetchall() for q in queries}
        assert any(answers["Quuxville"]) and answers["s:Quuxville"] and answers["Évans said"]
        assert all(b.how == "full" for b in search.build_search_index(con, force=True) if b.name != "macros")
        assert [_index_contents(con, ix) for ix in search.INDEXES] == updated
        assert answers == {q: con.execute("select claim_id, round(score, 9) from marts.search_claims(?, any_term := true)",
                                          [q]).fetchall() for q in queries} | {
            "s:" + q: con.execute("select sentence_id, round(score, 9) from marts.search_sentences(?)", [q]).fetchall()
            for q in queries}
    finally:
        con.close()
