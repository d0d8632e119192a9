"""The seeds' rows, pinned: a change that floods the warehouse with junk claims (or loses real ones) fails
here, not only a change that drops below a floor.

Exact where the output is deterministic (text processing and the spaCy parse on the CPU); bounds on both
sides where it rests on float similarities near a threshold, which may differ in the last bits between
CPUs (pairs and story clusters). A change that moves these on purpose updates the pins in the same commit,
and says why."""
from __future__ import annotations

import pytest
from conftest import query

EXACT = {
    "staging.documents": ("select count(*) from staging.documents", 5),
    "core.sentences": ("select count(*) from core.sentences", 114),
    # with the attribution model (CLAIMHOUSE_ATTRIBUTIONS=combined): 10 of the 74 attributions are the model's
    # (polnear-crf-2; 9 of 73 with polnear-crf-1: one assertion became an attribution, so the total stays)
    "core.claims": ("select count(*) from core.claims", 102),
    "core.claims (attributions)": ("select count(*) from core.claims where claim_type = 'attribution'", 74),
    "core.claims (direct quotes)": ("select count(*) from core.claims where is_direct_quote", 16),
    "core.quantities": ("select count(*) from core.quantities", 21),  # 21 since "one of the epicenters" counts one (NewsQuant convention)
    "core.entities": ("select count(*) from core.entities", 313),
    "core.entity_names": ("select count(*) from core.entity_names", 63),
    "marts.speakers": ("select count(*) from marts.speakers", 33),
    "marts.outlets": ("select count(*) from marts.outlets", 7),
    "marts.figures": ("select count(*) from marts.figures", 17),  # 17 since "one of the epicenters" counts one
    "marts.timeline": ("select count(*) from marts.timeline", 44),  # 44 with polnear-crf-2's extra attribution
    "quarantine.documents": ("select count(*) from quarantine.documents", 0),
}
BOUNDED = {  # measured value, and the range allowed around it
    "core.claim_pairs": ("select count(*) from core.claim_pairs", 204, (185, 225)),
    "core.story_clusters (clusters)": ("select count(distinct cluster_id) from core.story_clusters", 8, (6, 10)),
    "marts.story_clusters": ("select count(*) from marts.story_clusters", 8, (6, 10)),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_seed_rows_exact(seeds_run, name):
    _, wh, result = seeds_run
    assert result.success
    sql, expected = EXACT[name]
    got = query(wh, sql)[0][0]
    assert got == expected, f"{name}: {got} rows on the seeds, pinned at {expected}"


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_seed_rows_bounded(seeds_run, name):
    _, wh, _ = seeds_run
    sql, measured, (low, high) = BOUNDED[name]
    got = query(wh, sql)[0][0]
    assert low <= got <= high, f"{name}: {got} rows on the seeds, expected {low}..{high} (measured {measured})"


def test_every_claim_says_something(seeds_run):
    """Junk claims (an empty or one-word content, a cue without a source) would pass the counts above only
    if they replaced real ones; this catches them directly."""
    _, wh, _ = seeds_run
    junk = query(wh, """select content_text from core.claims
                        where array_length(string_split(trim(content_text), ' ')) < 2
                           or (claim_type = 'attribution' and (cue_text is null or source_text is null))""")
    assert junk == []
    # the two shortest contents on the seeds are real: "Ukraine has not commented on the claim", and Ukraine
    # "promising an international peace conference"
    short = query(wh, """select source_text, cue_text, content_text from core.claims
                         where array_length(string_split(trim(content_text), ' ')) < 5 order by all""")
    assert short == [("Ukraine", "has not commented on", "the claim"),
                     ("Ukraine", "promising", "an international peace conference")]
