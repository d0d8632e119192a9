"""marts.timeline, marts.speakers.organisation and marts.outlets.cited_sources: on the seeds'
published warehouse, and on small hand-made warehouses for the rules (copies, figures outside
claims, the organisation named only in a role)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import query

from claimhouse.warehouse.db import published_path

SCHEMA = Path(__file__).resolve().parents[1] / "warehouse" / "schema.sql"
MARTS = SCHEMA.parent / "marts"


@pytest.fixture(scope="module")
def wh(seeds_run):
    _, warehouse, result = seeds_run
    assert result.success
    return published_path(warehouse)


# --------------------------------------------------------------------------- marts.timeline
def test_timeline_row_of_a_speaker_with_its_figures(wh):
    rows = query(wh, """select documents, claims, figures, figure_surfaces, claim_ids, sample_claims
                        from marts.timeline
                        where day = ? and outlet = ? and speaker = ?""",
                 [dt.date(2025, 2, 8), "digitaltradecenter.com", "Ukrainian General Staff"])
    assert len(rows) == 1
    documents, claims, figures, surfaces, claim_ids, sample = rows[0]
    assert documents == 1 and claims >= 1 and len(claim_ids) == claims
    assert "40,000 troops" in surfaces and figures == len(surfaces)
    assert any("40,000 troops" in s for s in sample)


def test_timeline_unattributed_row_and_totals(wh):
    own = query(wh, """select claims, assertions, figure_surfaces from marts.timeline
                       where day = ? and outlet = ? and speaker is null""",
                [dt.date(2025, 2, 8), "digitaltradecenter.com"])
    assert len(own) == 1 and own[0][1] >= 1
    assert "12,000 North Korean soldiers" in own[0][2]  # the outlet states it itself
    # every claim once, every figure once, every document on the timeline
    assert query(wh, "select sum(claims) from marts.timeline") == query(wh, "select sum(claims) from marts.claims_per_day")
    assert query(wh, "select sum(figures) from marts.timeline") == \
        query(wh, "select count(*) from marts.quantities where measure is not null")
    assert query(wh, "select count(distinct doc_id) from marts.timeline, unnest(claim_ids) as u(c) "
                     "join core.claims on claim_id = c") == query(wh, "select count(distinct doc_id) from core.claims")
    # named speakers as in marts.speakers: no pronouns
    speakers = {s for (s,) in query(wh, "select distinct speaker from marts.timeline where speaker is not null")}
    assert speakers == {s for (s,) in query(wh, "select speaker from marts.speakers")}
    assert query(wh, "select count(*) from marts.timeline where speaker is not null and assertions > 0") == [(0,)]


def _tiny_warehouse() -> duckdb.DuckDBPyConnection:
    """d1 (outlet a.com, 2025-01-02) and d2, an exact copy of it; d3 with no claim at all."""
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    text = "ISW analyst Jane Roe said 300 tanks were lost. Officials say 12 drones fell. It rained."
    for doc, dup, path in (("d1", None, "a.html"), ("d2", "d1", "b.html")):
        con.execute("""insert into staging.documents (doc_id, source_path, source_format, outlet, published_at, text,
                           text_sha256, word_count, duplicate_of, cleaned_at)
                       values (?, ?, 'html', 'a.com', timestamp '2025-01-02 10:00', ?, 'x', 16, ?, now())""",
                    [doc, path, text, dup])
        con.execute("insert into core.sentences values (?, ?, 0, 0, 0, 46, ?), (?, ?, 0, 1, 47, 76, ?)",
                    [f"{doc}:s0", doc, text[:46], f"{doc}:s1", doc, text[47:76]])
        con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values
            (?, ?, ?, 'attribution', 'ISW analyst Jane Roe', 'Jane Roe', 'person', 'ISW analyst', 'said',
             '300 tanks were lost', 26, 45, false, false, false),
            (?, ?, ?, 'assertion', null, null, null, null, null, 'Officials say 12 drones fell', 47, 75, false, true,
             false)""", [f"{doc}:c0", doc, f"{doc}:s0", f"{doc}:c1", doc, f"{doc}:s1"])
        con.execute("""insert into core.quantities values
            (?, ?, ?, ?, '300 tanks', 300, null, 'tanks', 'tank', '=', 'tanks', 26, 35),
            (?, ?, ?, null, '12 drones', 12, null, 'drones', 'drone', '=', 'drones', 61, 70)""",
                    [f"{doc}:q0", doc, f"{doc}:s0", f"{doc}:c0", f"{doc}:q1", doc, f"{doc}:s1"])
        con.execute("insert into core.entities values (?, ?, ?, 'ISW', 'ORG', 'ISW', 0, 3)",
                    [f"{doc}:e0", doc, f"{doc}:s0"])
    con.execute("""insert into staging.documents (doc_id, source_path, source_format, outlet, published_at, text,
                       text_sha256, word_count, cleaned_at)
                   values ('d3', 'c.html', 'html', 'c.com', null, 'Nothing here.', 'y', 2, now())""")
    con.execute("insert into core.entity_names values ('ISW', 'Institute for the Study of War', 'ORG', 5)")
    for mart in sorted(MARTS.glob("*.sql")):
        if mart.stem.split("_", 1)[-1] in ("speakers", "outlets", "quantities", "figures", "claims_per_day",
                                           "timeline"):
            con.execute(mart.read_text(encoding="utf-8"))
    return con


def test_timeline_counts_copies_once_and_places_loose_figures():
    con = _tiny_warehouse()
    rows = con.execute("""select day, outlet, speaker, documents, claims, assertions, hedged_claims, figures,
                                 figure_surfaces, claim_ids
                          from marts.timeline order by all""").fetchall()
    day = dt.date(2025, 1, 2)
    assert rows == [
        (day, "a.com", "Jane Roe", 1, 1, 0, 0, 1, ["300 tanks"], ["d1:c0"]),
        (day, "a.com", None, 1, 1, 1, 1, 1, ["12 drones"], ["d1:c1"]),  # figure outside any claim: speaker NULL
        (None, "c.com", None, 1, 0, 0, 0, 0, [], []),  # a document without claims keeps its place
    ]


def test_organisation_from_the_role_resolved_through_entity_names():
    con = _tiny_warehouse()
    # the ORG mention "ISW" lies inside the source "ISW analyst Jane Roe"; entity_names resolves it
    assert con.execute("select speaker, roles, organisation from marts.speakers").fetchall() == [
        ("Jane Roe", ["ISW analyst"], "Institute for the Study of War")]
    # no mention inside the source: the role alone still names it (an ORG of core.entity_names)
    con.execute("delete from core.entities")
    con.execute((MARTS / "10_speakers.sql").read_text(encoding="utf-8"))
    assert con.execute("select organisation from marts.speakers").fetchall() == [("Institute for the Study of War",)]
    # nothing named anywhere: NULL
    con.execute("update core.claims set source_role = null, source_text = 'Jane Roe'")
    con.execute((MARTS / "10_speakers.sql").read_text(encoding="utf-8"))
    assert con.execute("select organisation from marts.speakers").fetchall() == [(None,)]


# --------------------------------------------------------------------------- marts.speakers / outlets
def test_speakers_organisation_on_the_seeds(wh):
    org = dict(query(wh, "select speaker, organisation from marts.speakers"))
    assert org["Angelica Evans"] == "Institute for the Study of War"  # "ISW analyst Angelica Evans"
    assert org["Nikolai Beleskov"] == "National Institute for Strategic Studies"  # the first one named
    assert org["The Telegraph"] == "The Telegraph"  # a publication speaks for itself
    assert org["Ukrainian General Staff"] == "Ukrainian General Staff"
    assert org["Donald Trump"] is None


def test_outlets_list_the_sources_they_cite(wh):
    cited = dict(query(wh, "select outlet, cited_sources from marts.outlets"))
    assert {"Angelica Evans", "Ukrainian General Staff", "Institute for the Study of War"} <= \
        set(cited["digitaltradecenter.com"])
    # Kyiv: "Kyiv hoped to 'galvanise international support ...'", an attribution of the trained model
    assert cited["THE AMERICA ONE NEWS"] == ["Kyiv", "The Telegraph"]
    assert not {"he", "she", "He", "She"} & set(cited["digitaltradecenter.com"])
