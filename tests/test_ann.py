"""The HNSW index of claim embeddings (claimhouse/stories/ann.py) and the story step that uses it."""
from __future__ import annotations

import numpy as np
import pytest

from claimhouse.steps import stories as story_steps
from claimhouse.stories import ann
from claimhouse.stories import clusters as stories
from claimhouse.warehouse.db import connect


def _unit(rng, n, dim=ann.DIM):
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_claim_keys_are_stable_63_bit_integers():
    assert ann.claim_key("cl_abc") == ann.claim_key("cl_abc") != ann.claim_key("cl_abd")
    keys = ann.claim_keys([f"cl_{i}" for i in range(10_000)])
    assert keys.dtype == np.uint64 and len(set(keys.tolist())) == 10_000 and int(keys.max()) < 2**63


def test_index_adds_once_finds_neighbours_and_survives_a_reopen(tmp_path):
    rng = np.random.default_rng(1)
    vecs = _unit(rng, 500)
    keys = np.arange(1, 501, dtype=np.uint64)
    idx = ann.ClaimIndex(tmp_path / "w.claims.usearch")
    idx.add(keys, vecs)
    idx.add(keys[:100], vecs[:100])  # again: nothing added twice
    assert len(idx) == 500
    near = vecs[7] + 0.05 * _unit(rng, 1)[0]
    assert 8 in idx.candidates(near[None, :] / np.linalg.norm(near), 0.6).tolist()
    idx.save()
    again = ann.ClaimIndex(tmp_path / "w.claims.usearch")
    assert len(again) == 500 and (again.count, again.xor) == (idx.count, idx.xor)
    idx.remove(keys[:10])
    assert len(idx) == 490


def test_a_half_written_index_file_is_rebuilt(tmp_path, caplog):
    path = tmp_path / "w.claims.usearch"
    path.write_bytes(b"not an index")
    path.with_name(path.name + ".json").write_text('{"count": 3, "xor": "0"}')
    idx = ann.ClaimIndex(path)
    assert len(idx) == 0 and "unusable" in caplog.text


def _claim(con, claim_id: str, doc_id: str, text: str) -> None:
    """An assertion of ``doc_id`` whose content is ``text``."""
    con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null,
                   null, ?, 0, 1, false, false, false)""", [claim_id, doc_id, text])


class _Vectors:
    """An embedder that reads the vector from a table of texts, so the test controls the geometry."""

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table

    def encode(self, texts):
        return np.stack([self.table[t] for t in texts])


def _brute_force_pairs(con) -> list[tuple[str, str, float]]:
    ids, docs, vecs = [], [], []
    for i, d, v in story_steps._stored_embeddings(con):
        ids += i
        docs += d
        vecs.append(v)
    pairs = stories.similar_pairs(ids, docs, np.concatenate(vecs), [])
    return [(p.claim_a, p.claim_b, p.similarity) for p in pairs]


@pytest.fixture
def always_index(monkeypatch):
    monkeypatch.setattr(ann, "MIN_STORED", 0)


def test_the_step_with_the_index_writes_the_pairs_brute_force_finds(tmp_path, always_index):
    """Documents arrive in four runs; one story is told by 150 outlets (more than K neighbours qualify);
    the index file is deleted before the third run (as after a crash). The pairs written are pairs an
    all-against-all comparison keeps, with the same similarity, and at least 99% of them."""
    rng = np.random.default_rng(5)
    centres = _unit(rng, 40)
    table: dict[str, np.ndarray] = {}
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        n = 0
        for run in range(4):
            for d in range(60):
                doc = f"r{run}d{d}"
                for c in range(3):
                    n += 1
                    topic = 0 if (c == 0 and d % 2 == 0) else int(rng.integers(1, 40))  # topic 0: the big story
                    noise = 0.15 if topic == 0 else 0.6
                    v = centres[topic] + noise * _unit(rng, 1)[0]
                    text = f"claim {n} on topic {topic}"
                    table[text] = (v / np.linalg.norm(v)).astype(np.float32)
                    _claim(con, f"{doc}c{c}", doc, text)
            if run == 2:
                ann.index_path(wh).unlink()
            result = story_steps.link_stories(con, embedder=_Vectors(table))
            assert result.extra["index_size"] == con.execute("select count(*) from core.claim_embeddings").fetchone()[0]
        written = con.execute("select claim_a, claim_b, similarity from core.claim_pairs order by all").fetchall()
        expected = sorted(_brute_force_pairs(con))
        assert len(expected) > 5000  # the big story alone: 120 claims, about 7,000 pairs
        topic_of = dict(con.execute("select claim_id, content_text from core.claims").fetchall())

        def table_topic(claim_id: str) -> int:
            return int(topic_of[claim_id].rsplit(" ", 1)[1])
        exact = {(a, b): s for a, b, s in expected}
        found = {(a, b): s for a, b, s in written}
        assert set(found) <= set(exact)  # nothing the exact comparison would not keep
        # similarities are exact, not the index's (int8: errors near 1e-3): the exact cosine summed in
        # another order may round to the neighbouring fourth decimal, no further
        bad = [(p, found[p], exact[p]) for p in found if abs(found[p] - exact[p]) > 1.5e-4]
        assert not bad, (len(bad), bad[:5])
        recall = len(found) / len(exact)
        print(f"pairs found {len(found)} of {len(exact)}: recall {recall:.4f}")
        assert recall >= 0.98  # HNSW is approximate: a few pairs of a crowded neighbourhood may be missed
        big = [p for p in exact if table_topic(p[0]) == table_topic(p[1]) == 0]
        assert len(big) > 5000 and sum(p in found for p in big) / len(big) >= 0.98  # K doubled for the big story
        assert ann.index_path(wh).exists()


@pytest.mark.parametrize("removed", [True])
def test_retracted_claims_leave_the_index(tmp_path, removed, always_index):
    rng = np.random.default_rng(9)
    table = {f"t{i}": v for i, v in enumerate(_unit(rng, 6))}
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        for i in range(6):
            _claim(con, f"c{i}", f"d{i}", f"t{i}")
        story_steps.link_stories(con, embedder=_Vectors(table))
        con.execute("delete from core.claims where doc_id in ('d1', 'd2')")
        result = story_steps.link_stories(con, embedder=_Vectors(table))
        assert result.extra["index_size"] == 4
        reopened = ann.ClaimIndex(ann.index_path(wh))
        assert len(reopened) == 4
        assert not reopened.index.contains(np.array([ann.claim_key("c1")], dtype=np.uint64))[0]


def test_temporary_files_of_a_killed_save_are_removed(tmp_path):
    path = tmp_path / "w.duckdb.claims.usearch"
    for name in (f".{path.name}.123.tmp", f".{path.name}.json.123.tmp"):
        (tmp_path / name).write_bytes(b"half")
    ann.ClaimIndex(path)
    assert not list(tmp_path.glob("*.tmp"))


def test_a_small_corpus_is_compared_exactly_and_keeps_no_index(tmp_path):
    rng = np.random.default_rng(3)
    table = {f"t{i}": v for i, v in enumerate(_unit(rng, 4))}
    table["t3"] = table["t0"]  # the same claim in two documents
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        for i in range(4):
            _claim(con, f"c{i}", f"d{i}", f"t{i}")
        result = story_steps.link_stories(con, embedder=_Vectors(table))
        assert result.extra["index_size"] == 0 and not ann.index_path(wh).exists()
        assert con.execute("select claim_a, claim_b, similarity from core.claim_pairs").fetchall() == [("c0", "c3", 1.0)]
        keys = con.execute("select ann_key from core.claim_embeddings order by claim_id").fetchall()
        assert [k for (k,) in keys] == ann.claim_keys(["c0", "c1", "c2", "c3"]).tolist()  # ready for an index later


def test_the_vectors_beside_the_index_are_exact_survive_a_crash_and_compact(tmp_path):
    """The float32 vectors the exact cosine is computed from are read back bit for bit by key; rows
    appended after the last save (a crash) are cut off on reopening; removing most rows and saving
    writes a new generation that holds only the live rows."""
    rng = np.random.default_rng(11)
    vecs = _unit(rng, 12_000)
    keys = np.arange(1, 12_001, dtype=np.uint64)
    path = tmp_path / "w.claims.usearch.vectors"
    store = ann.VectorStore(path)
    store.add(keys[:10_000], vecs[:10_000])
    store.save()
    store.add(keys[10_000:], vecs[10_000:])  # not saved: as if the process died here
    again = ann.VectorStore(path)
    assert again.rows == 10_000 and (tmp_path / "w.claims.usearch.vectors.0").stat().st_size == 10_000 * 384 * 4
    found, got = again.get(np.array([5, 10_500, 9_999], dtype=np.uint64))
    assert found.tolist() == [True, False, True]
    assert np.array_equal(got, vecs[[4, 9_998]])
    again.remove(keys[:8_000])
    again.save()  # 80% removed: compacted into generation 1
    assert again.generation == 1 and again.rows == 2_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "w.claims.usearch.vectors.1", "w.claims.usearch.vectors.1.keys.npy", "w.claims.usearch.vectors.json"]
    third = ann.VectorStore(path)
    found, got = third.get(keys[7_990:8_010])
    assert found.tolist() == [False] * 10 + [True] * 10 and np.array_equal(got, vecs[8_000:8_010])


def test_lost_vectors_are_refilled_from_the_table(tmp_path, always_index, caplog):
    rng = np.random.default_rng(12)
    table = {f"t{i}": v for i, v in enumerate(_unit(rng, 8))}
    table["t7"] = table["t0"]
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        for i in range(7):
            _claim(con, f"c{i}", f"d{i}", f"t{i}")
        story_steps.link_stories(con, embedder=_Vectors(table))
        for f in tmp_path.glob("w.duckdb.claims.usearch.vectors*"):
            f.unlink()
        _claim(con, "c7", "d7", "t7")
        story_steps.link_stories(con, embedder=_Vectors(table))
        assert "7 vectors added beside it" in caplog.text
        assert con.execute("select claim_a, claim_b, similarity from core.claim_pairs").fetchall() == [("c0", "c7", 1.0)]
        store = ann.VectorStore(ann.index_path(wh).with_name(ann.index_path(wh).name + ".vectors"))
        assert store.rows == 8
        stored = dict(zip(*[np.asarray(x) for x in con.execute(
            "select ann_key, embedding from core.claim_embeddings").fetchnumpy().values()]))
        found, got = store.get(np.array(list(stored), dtype=np.uint64))
        assert found.all() and np.array_equal(got, np.stack([np.asarray(v, np.float32) for v in stored.values()]))


def test_a_proposal_whose_vector_the_store_lacks_is_dropped_not_misread(tmp_path, always_index, monkeypatch):
    """Never expected after sync; if it happens, the other proposals keep their own vectors."""
    monkeypatch.setattr(story_steps, "PROPOSAL_CHUNK", 2)  # several chunks
    rng = np.random.default_rng(13)
    table = {f"t{i}": v for i, v in enumerate(_unit(rng, 5))}
    wh = tmp_path / "w.duckdb"
    with connect(wh) as con:
        for i in range(5):
            _claim(con, f"c{i}", f"d{i}", f"t{i}")
        story_steps.link_stories(con, embedder=_Vectors(table))
        index = ann.ClaimIndex(ann.index_path(wh))
        keys = ann.claim_keys([f"c{i}" for i in range(5)])
        index.vectors.remove(keys[2:3])
        rows = np.array([0, 0, 0, 1, 1], dtype=np.int64)
        asked = keys[[1, 2, 3, 2, 4]]
        chunks = list(story_steps._proposed(con, index, rows, asked))
        got = [(int(r), i, v[w].tolist()) for rs, ids, _, v, at in chunks for r, i, w in zip(rs, ids, at)]
        assert [(r, i) for r, i, _ in got] == [(0, "c1"), (0, "c3"), (1, "c4")]
        assert all(np.allclose(v, table[f"t{i[1]}"]) for _, i, v in got)


def test_the_story_step_holds_duckdb_to_a_smaller_limit_while_the_index_is_in_memory(tmp_path, always_index,
                                                                                       monkeypatch):
    """While the index is in memory the step's DuckDB queries run under STORY_LOOP_MEMORY_LIMIT (its cached
    blocks made the run's peak at a million claims); afterwards the connection's own limit is back, also
    when a batch fails."""
    rng = np.random.default_rng(3)
    table = {f"t{i}": v for i, v in enumerate(_unit(rng, 8))}
    seen: list[str] = []
    real = story_steps._pair_relations

    def spy(con, pairs):
        seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return real(con, pairs)

    monkeypatch.setattr(story_steps, "_pair_relations", spy)
    with connect(tmp_path / "w.duckdb") as con:
        configured = con.execute("select current_setting('memory_limit')").fetchone()[0]
        for i in range(8):
            _claim(con, f"c{i}", f"d{i}", f"t{i}")
        story_steps.link_stories(con, embedder=_Vectors(table))
        con.execute(f"SET memory_limit = '{story_steps.STORY_LOOP_MEMORY_LIMIT}'")
        lowered = con.execute("select current_setting('memory_limit')").fetchone()[0]
        assert seen and set(seen) == {lowered} and lowered != configured
        con.execute("SET memory_limit = '1GiB'")  # a limit set by hand is put back too
        _claim(con, "c9", "d9", "missing text")  # the embedder raises a KeyError for it: the step quarantines d9
        story_steps.link_stories(con, embedder=_Vectors(table))
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "1.0 GiB"
    with connect(tmp_path / "w.duckdb") as con:
        _claim(con, "c10", "d10", "t1")
        story_steps.link_stories(con, embedder=_Vectors(table))
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == configured
