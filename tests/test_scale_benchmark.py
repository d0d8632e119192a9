"""benchmarks/scale.py makes its big warehouses from copies of real analysed documents. The copies must
be a warehouse the pipeline accepts (every check passes on it) and then works on like any other."""
from __future__ import annotations

import importlib.util
import re
import shutil

import duckdb
import pytest
from conftest import REPO, SEEDS, run_pipeline


@pytest.fixture(scope="module")
def scale():
    spec = importlib.util.spec_from_file_location("scale_benchmark", REPO / "benchmarks" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_durations_from_the_run_log(scale):
    assert scale._seconds("614ms.") == pytest.approx(0.614)
    assert scale._seconds("9.45s") == pytest.approx(9.45)
    assert scale._seconds("1m39s.") == pytest.approx(99)
    assert scale._seconds("1h2m3s") == pytest.approx(3723)


def test_copies_of_the_seeds_are_a_warehouse_the_pipeline_accepts(scale, seeds_run, tmp_path):
    _, source, result = seeds_run
    assert result.success
    with duckdb.connect(str(source), read_only=True) as con:
        claims = con.execute("select count(*) from core.claims").fetchone()[0]
    target = tmp_path / "big.duckdb"
    made = scale.synthesize(source, target, claims=2 * claims + 10)  # two whole copies and part of a third
    assert made["copies"] == 3 and made["claims"] >= 2 * claims + 10

    with duckdb.connect(str(target), read_only=True) as con:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        # every claim has its embedding, moved away from the original's but not far
        assert q("select count(*) from core.claims")[0][0] == made["claims"]
        assert q("select count(*) from core.claim_embeddings")[0][0] == made["claims"]
        ids = [r[0] for r in q("select claim_id from core.claims")]
        assert all(re.search(r"~[012]$", i) for i in ids) and len(set(ids)) == len(ids)
        # copy 1 of Evans' claim is another speaker, in another outlet, on another day
        evans = q("""select c.source_canonical, d.outlet, d.published_at from core.claims c
                     join staging.documents d using (doc_id)
                     where c.source_canonical like 'Angelica Evans%' order by c.claim_id""")
        assert {r[0] for r in evans} >= {"Angelica Evans 0", "Angelica Evans 1"}
        # story clusters are recomputed per copy: valid ids, and each copy's clusters mirror the source's
        assert all(re.fullmatch(r"st_[0-9a-f]{16}", r[0]) for r in q("select cluster_id from core.story_clusters"))
        sizes = q("""select right(claim_id, 1) as copy, count(*) from core.story_clusters
                     group by copy order by copy""")
        assert sizes[0][1] == sizes[1][1] > 0
    with duckdb.connect(str(source), read_only=True) as con:
        assert con.execute("select count(*) from core.story_clusters").fetchone()[0] == sizes[0][1]

    # the pipeline accepts the copies: a run with nothing new passes every check and builds the marts
    empty = tmp_path / "nothing-new"
    empty.mkdir()
    after = run_pipeline(empty, target)
    assert after.success
    with duckdb.connect(str(target), read_only=True) as con:
        speakers = {r[0] for r in con.execute("select speaker from marts.speakers").fetchall()}
    assert {"Angelica Evans 0", "Angelica Evans 1"} <= speakers

    # and then adds new documents to it like to any warehouse
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    assert run_pipeline(seeds, target).success
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from core.claims where doc_id not like '%~%'").fetchone()[0] == claims
        assert con.execute("""select count(*) from core.claims where doc_id not like '%~%'
                              and source_canonical = 'Angelica Evans'""").fetchone()[0] > 0
