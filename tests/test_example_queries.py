"""The example questions of the README (warehouse/queries/*.sql), each run against the seeds'
published warehouse with its expected answer."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

from claimhouse.warehouse.db import load_fts, published_path

QUERIES = REPO / "warehouse" / "queries"


def rows_of(seeds_run, name: str) -> list[tuple]:
    _, wh, result = seeds_run
    assert result.success
    with duckdb.connect(str(published_path(wh)), read_only=True) as con:
        load_fts(con)  # as `claimhouse sql` does: the search macros need it
        return con.execute((QUERIES / name).read_text(encoding="utf-8")).fetchall()


def test_every_question_is_documented():
    files = sorted(QUERIES.glob("*.sql"))
    assert len(files) >= 12
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # the README's table lists exactly these files
    assert sorted(re.findall(r"^\| `(\d\d_\w+\.sql)` \|", readme, re.M)) == [f.name for f in files]
    for f in files:
        question = f.read_text(encoding="utf-8").splitlines()[0]
        assert question.startswith("-- ") and question.endswith("?"), f.name
        assert f.name in readme, f"{f.name} not in the README"


def test_01_top_speakers(seeds_run):
    rows = rows_of(seeds_run, "01_top_speakers.sql")
    assert rows[0][0] == "Angelica Evans" and rows[0][2] >= 5
    assert {"The Telegraph", "Donald Trump", "Hanno Pevkur"} <= {r[0] for r in rows}


def test_02_what_did_evans_say(seeds_run):
    rows = rows_of(seeds_run, "02_what_did_evans_say.sql")
    assert len(rows) >= 5
    assert any(quoted and "nothing inherently valuable" in content for _, quoted, content in rows)
    assert any(cue == "according to" for cue, _, _ in rows)


def test_03_troop_figures_side_by_side(seeds_run):
    rows = rows_of(seeds_run, "03_troop_figures.sql")
    troops = next(r for r in rows if r[:2] == ("troop", "troops"))
    _, _, reports, lo, hi, agree, who = troops
    assert reports >= 3 and lo <= 40000 <= hi and hi >= 78000 and agree is False
    assert "Ukrainian General Staff: 40,000 troops" in who
    assert any(r[1] == "north korean soldiers" and r[3] == 12000 for r in rows)


def test_04_who_reported_40000_troops(seeds_run):
    rows = rows_of(seeds_run, "04_who_reported_40000.sql")
    assert len(rows) == 1
    speaker, outlet, day, surface, sentence = rows[0]
    assert (speaker, outlet, day, surface) == ("Ukrainian General Staff", "digitaltradecenter.com",
                                               dt.date(2025, 2, 8), "40,000 troops")
    assert "Russia lost 40,000 troops" in sentence


def test_05_outlet_citations(seeds_run):
    rows = {r[0]: r for r in rows_of(seeds_run, "05_outlet_citations.sql")}
    assert "The Telegraph" in rows["THE AMERICA ONE NEWS"][3]
    assert "cnn.com" in rows["digitaltradecenter.com"][4]


def test_06_people_across_outlets(seeds_run):
    rows = rows_of(seeds_run, "06_people_across_outlets.sql")
    assert rows[0][0] == "Donald Trump" and rows[0][3] >= 3
    zel = next(r for r in rows if r[0] == "Volodymyr Zelensky")
    assert "Volodymyr Zelenskyy" in zel[1] and zel[3] >= 2


def test_07_hedged_claims(seeds_run):
    rows = rows_of(seeds_run, "07_hedged_claims.sql")
    assert any(s == "Russia" and cue == "claimed" and "Toretsk" in content for s, cue, content in rows)
    assert any(s == "Andreas Kaju" and cue == "believes" for s, cue, _ in rows)


def test_08_timeline(seeds_run):
    rows = rows_of(seeds_run, "08_timeline.sql")
    assert sum(r[2] for r in rows) == 5  # every seed on the timeline once
    day = {(r[0], r[1]): r for r in rows}
    assert day[(dt.date(2025, 2, 8), "digitaltradecenter.com")][3] >= 20


def test_09_what_the_telegraph_reports(seeds_run):
    rows = rows_of(seeds_run, "09_telegraph_reports.sql")
    assert len(rows) >= 5 and {r[0] for r in rows} == {"THE AMERICA ONE NEWS"}
    assert {"according to", "as per"} <= {r[1] for r in rows}
    assert any("withdrawal from Russia’s Kursk region" in r[2] for r in rows)


def test_10_negated_claims(seeds_run):
    rows = rows_of(seeds_run, "10_negated_and_denied.sql")
    assert ("Ukraine", "has not commented on", "the claim") in rows


def test_11_search_bargaining_chip(seeds_run):
    rows = rows_of(seeds_run, "11_search_bargaining_chip.sql")
    assert len(rows) >= 4 and all("bargaining chip" in r[4].lower() for r in rows)
    assert {"digitaltradecenter.com", "THE AMERICA ONE NEWS"} <= {r[2] for r in rows}
    assert ("digitaltradecenter.com", dt.date(2025, 2, 8)) in {(r[2], r[3]) for r in rows}


def test_12_timeline_for_a_speaker(seeds_run):
    rows = rows_of(seeds_run, "12_timeline_for_a_speaker.sql")
    day, outlet, claims, _, figures, surfaces, sample = rows[0]
    assert (day, outlet) == (dt.date(2025, 2, 8), "digitaltradecenter.com")
    assert claims >= 1 and figures >= 1 and "40,000 troops" in surfaces
    assert any("Russia lost 40,000 troops" in s for s in sample)


def test_13_repeated_stories(seeds_run):
    rows = rows_of(seeds_run, "13_repeated_stories.sql")
    assert rows and all(r[1] >= 2 and r[2] >= 1 for r in rows)
    chip = [r for r in rows if "bargaining chip" in r[0]]
    assert len(chip) == 1
    claim, documents, outlets, first_outlet, first_date, told_as, contradictions = chip[0]
    # first told by CNN (digitaltradecenter.com): Zelensky made it clear "Kyiv sees Kursk as a potential
    # bargaining chip" (tests/test_stories.py::test_seeds_story_clusters says why THE AMERICA ONE NEWS is not in it)
    assert (documents, outlets, first_outlet, first_date) == (2, 2, "digitaltradecenter.com", dt.date(2025, 2, 8))
    assert any(t.startswith("digitaltradecenter.com: Kursk as a potential bargaining chip") for t in told_as)
