"""Story clusters: embeddings, similar pairs, contradictions, clusters, the step and the mart."""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import query

from claimhouse.steps import marts as mart_steps
from claimhouse.steps import stories as story_steps
from claimhouse.stories import clusters as stories
from claimhouse.stories.clusters import Figure
from claimhouse.warehouse.db import SCHEMA_SQL, connect


@pytest.fixture(scope="module")
def embedder():
    return stories.Embedder(threads=1)


# ---------------------------------------------------------------- pure functions
def test_embeddings_agree_with_the_torch_vectors_on_the_seeds_claims(embedder):
    """The onnxruntime vectors agree with those sentence-transformers (torch) gave before the switch.

    tests/data/seed_claim_vectors.npz holds the 99 seed claims' embedding texts and the vectors that
    the torch model (transformers AutoModel + mean pooling, equal to sentence-transformers' to 1e-5)
    computed for them on 2026-12-05, before torch was removed."""
    saved = np.load(Path(__file__).parent / "data" / "seed_claim_vectors.npz")
    texts, reference = [str(t) for t in saved["texts"]], saved["vectors"]
    assert len(texts) == 99 and any("bargaining chip" in t for t in texts)
    ours = embedder.encode(texts)
    assert ours.shape == (99, stories.DIM)
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() >= 0.99, (cosine.min(), texts[int(cosine.argmin())])
    assert cosine.min() >= 0.9999  # what it is in fact: the same model, the same arithmetic in float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_the_onnx_script_writes_the_same_model(tmp_path):
    import onnxruntime as ort

    from claimhouse.stories import minilm_onnx

    minilm_onnx.main(["--out", str(tmp_path / "m.onnx")])
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    ids = np.array([[101, 7556, 1996, 2162, 102]], dtype=np.int64)  # [CLS] ... [SEP]
    vec = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
    assert vec.shape == (1, stories.DIM) and abs(float(np.linalg.norm(vec)) - 1) < 1e-5


def test_paraphrase_is_closer_than_another_story(embedder):
    a, b, c = embedder.encode(["Kyiv sees Kursk as a bargaining chip in negotiations with Moscow.",
                               "Ukraine wants to trade the Kursk land it seized for concessions in peace talks.",
                               "Spot gold was marginally higher at $1,271.2 an ounce."])
    assert a @ b > stories.PAIR_MIN > a @ c


def test_similar_pairs_are_across_documents_once_each():
    v = np.array([[1, 0], [0.8, 0.6], [1, 0], [0, 1]], dtype=np.float32)
    new = stories.similar_pairs(["c1", "c2"], ["d1", "d2"], v[:2],
                                [(["c3", "c4"], ["d1", "d3"], v[2:])], min_similarity=0.6)
    # c1-c3 share document d1: never a pair; c1-c2 (0.8) once; c2-c3 (0.8); c2-c4 (0.6)
    assert [(p.claim_a, p.claim_b, p.similarity) for p in new] == [
        ("c1", "c2", 0.8), ("c2", "c3", 0.8), ("c2", "c4", 0.6)]


def test_figures_for_the_same_thing_that_differ_contradict():
    lost40 = [Figure("troop", 40_000, "Russian troops lost")]
    lost20 = [Figure("troop", 20_000, "troops Russia lost")]
    assert stories.figures_disagree(lost40, lost20) == (lost40[0], lost20[0])
    assert stories.relation(0.65, lost40, lost20) == "contradiction"
    # within 5%, other units, other subjects, or the other side also gives the same value: no contradiction
    assert stories.figures_disagree(lost40, [Figure("troop", 41_000, "Russian troops")]) is None
    assert stories.figures_disagree(lost40, [Figure("kilometre", 20_000, "Russian troops")]) is None
    assert stories.figures_disagree(lost40, [Figure("troop", 78_000, "North Korean soldiers deployed")]) is None
    assert stories.figures_disagree(lost40, [*lost20, Figure("troop", 40_000, "Russian troops")]) is None
    assert stories.figures_disagree(lost40, [Figure("troop", 20_000, "Russian troops", "~")]) is None  # "about"
    assert stories.figures_disagree([Figure("dollar", 9e8, None)], [Figure("dollar", 1e9, None)]) is None
    assert stories.relation(0.55, lost40, lost20) == "related"  # too far apart to be the same matter
    assert stories.relation(0.8) == "paraphrase"


def test_average_linkage_does_not_chain_different_claims():
    pairs = [("a", "b", 0.80), ("b", "c", 0.75), ("x", "y", 0.9), ("y", "z", 0.9), ("x", "z", 0.7)]
    got = stories.clusters(pairs)
    # a-b join (0.80); c would need mean(b-c 0.75, a-c unknown <= 0.6) = 0.675 < 0.72: stays alone
    assert got["a"] == got["b"] and "c" not in got
    assert got["x"] == got["y"] == got["z"] != got["a"]
    assert got["a"].startswith("st_") and stories.clusters(reversed(pairs)) == got  # order does not matter


def test_story_batches_never_split_a_document():
    rows = [(f"c{i}", f"d{i // 3}", "x") for i in range(10)]
    batches = [[r[0] for r in b] for b in story_steps._whole_documents(rows, 4)]
    assert batches == [["c0", "c1", "c2", "c3", "c4", "c5"], ["c6", "c7", "c8", "c9"]]


# ---------------------------------------------------------------- the step on a small real warehouse
class _FailsOn:
    """The real embedder, except that it raises on texts containing a marker (a broken document)."""

    def __init__(self, real: stories.Embedder, marker: str):
        self.real, self.marker = real, marker

    def encode(self, texts):
        if any(self.marker in t for t in texts):
            raise ValueError("cannot embed this text")
        return self.real.encode(texts)


def _warehouse(path) -> None:
    with connect(path) as con:
        docs = [("d1", "a.txt", "2025-02-08"), ("d2", "b.txt", "2025-03-14"), ("d3", "c.txt", "2025-03-15")]
        for doc, src, day in docs:
            con.execute("""insert into staging.documents (doc_id, source_path, source_format, outlet, published_at,
                               text, text_sha256, word_count, cleaned_at)
                           values (?, ?, 'text', ?, ?, 'x', 'x', 1, now())""", [doc, src, f"{doc}.com", day])
        claims = [("c1", "d1", "Kyiv sees Kursk as a bargaining chip in future peace negotiations."),
                  ("c2", "d2", "Ukraine sees the Kursk region as a bargaining chip for future peace talks."),
                  ("c3", "d2", "Spot gold was marginally higher at $1,271.2 an ounce."),
                  ("c4", "d1", "Russia lost 40,000 troops in Kursk."),
                  ("c5", "d2", "Russia lost 20,000 troops in Kursk."),
                  ("c6", "d3", "POISON Kyiv sees Kursk as a bargaining chip.")]
        for cid, doc, text in claims:
            con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null, null, ?,
                           0, 1, false, false, false)""", [cid, doc, text])
        for qid, cid, value in (("q4", "c4", 40_000), ("q5", "c5", 20_000)):
            con.execute("""insert into core.quantities (quantity_id, doc_id, sentence_id, claim_id, surface, value,
                               normalized_unit, change, subject, start_char, end_char)
                           values (?, 'dX', 's', ?, 'n troops', ?, 'troop', '=', 'Russian troops lost', 0, 1)""",
                        [qid, cid, value])


def test_link_stories_pairs_clusters_quarantines_and_is_idempotent(tmp_path, embedder):
    wh = tmp_path / "w.duckdb"
    _warehouse(wh)
    with connect(wh) as con:
        result = story_steps.link_stories(con, embedder=_FailsOn(embedder, "POISON"))
        assert result.written == 5 and result.quarantined == 1
        rel = dict(((a, b), r) for a, b, r in con.execute("select claim_a, claim_b, relation from core.claim_pairs").fetchall())
        assert rel[("c1", "c2")] == "paraphrase"
        assert rel[("c4", "c5")] == "contradiction"
        assert ("c1", "c3") not in rel and ("c2", "c3") not in rel
        assert con.execute("select stage, reason, source_path from quarantine.documents").fetchall() == [
            ("stories", "embedding_error", "c.txt")]
        clusters = dict(con.execute("select claim_id, cluster_id from core.story_clusters").fetchall())
        assert set(clusters) == {"c1", "c2"}
        snapshot = [con.execute(f"select * from {t} order by all").fetchall()
                    for t in ("core.claim_embeddings", "core.claim_pairs", "core.story_clusters")]
        again = story_steps.link_stories(con, embedder=embedder)
        assert again.written == 0 and again.quarantined == 0  # the quarantined document is not retried
        assert snapshot == [con.execute(f"select * from {t} order by all").fetchall()
                            for t in ("core.claim_embeddings", "core.claim_pairs", "core.story_clusters")]
        mart_steps.build_mart(con, mart_steps.MARTS_DIR / "60_story_clusters.sql")
        row = con.execute("""select claims, documents, outlets, first_outlet, first_date::text, outlet_names
                             from marts.story_clusters""").fetchall()
        assert row == [(2, 2, 2, "d1.com", "2025-02-08", ["d1.com", "d2.com"])]
        # a retracted claim takes its embedding, pairs and cluster with it
        con.execute("delete from core.claims where claim_id = 'c2'")
        story_steps.link_stories(con, embedder=embedder)
        assert con.execute("select count(*) from core.claim_embeddings where claim_id = 'c2'").fetchone()[0] == 0
        assert con.execute("select count(*) from core.story_clusters").fetchone()[0] == 0


class _Counting:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, real: stories.Embedder):
        self.real, self.seen = real, []

    def encode(self, texts):
        self.seen += list(texts)
        return self.real.encode(texts)


@pytest.mark.parametrize("with_index", [False, True], ids=["exact", "claim-index"])
def test_a_claim_repeated_word_for_word_reuses_the_stored_vector(tmp_path, embedder, monkeypatch, with_index):
    """Syndicated copies repeat claims: each distinct text is embedded once, across batches and runs
    (with the claim index, the stored vector comes from the store beside it)."""
    from claimhouse.stories import ann

    monkeypatch.setattr(story_steps, "STORY_BATCH", 1)  # every document its own batch
    monkeypatch.setattr(ann, "MIN_STORED", 0 if with_index else ann.MIN_STORED)
    wh = tmp_path / "w.duckdb"
    _warehouse(wh)
    with connect(wh) as con:
        con.execute("delete from core.claims where claim_id = 'c6'")
        con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values ('c7', 'd3', 's', 'assertion', null, null, null, null, null,
                       'Kyiv sees  Kursk as a “bargaining chip” in future peace negotiations.', 0, 1, false, false, false)""")
        con.execute("""update core.claims set content_text = 'Kyiv sees Kursk as a "bargaining chip" in future peace negotiations.'
                       where claim_id = 'c1'""")
        first = _Counting(embedder)
        result = story_steps.link_stories(con, embedder=first)
        # c1 (batch d1) and c7 (batch d3) have one embedding text: embedded once, in the first batch
        assert sorted(first.seen) == sorted({stories.embedding_text(t) for (t,) in con.execute(
            "select content_text from core.claims").fetchall()})
        assert len(first.seen) == 5 and result.written == 6
        assert result.extra["claims_embedded"] == 5 and result.extra["claims_reusing_a_vector"] == 1
        sim = con.execute("select similarity, relation from core.claim_pairs where claim_a = 'c1' and claim_b = 'c7'").fetchone()
        assert sim[0] == pytest.approx(1.0, abs=1e-4) and sim[1] == "paraphrase"

        # a later run: the repeated claim takes the stored vector, the new one is embedded
        con.execute("""insert into staging.documents (doc_id, source_path, source_format, outlet, published_at,
                           text, text_sha256, word_count, cleaned_at)
                       values ('d4', 'd.txt', 'text', 'd4.com', '2025-03-16', 'x', 'x', 1, now())""")
        con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values
            ('c8', 'd4', 's', 'assertion', null, null, null, null, null, 'Spot gold was marginally higher at $1,271.2 an ounce.', 0, 1, false, false, false),
            ('c9', 'd4', 's', 'assertion', null, null, null, null, null, 'The harvest in Kherson was the worst in a decade.', 0, 1, false, false, false)""")
        later = _Counting(embedder)
        result = story_steps.link_stories(con, embedder=later)
        assert later.seen == ["The harvest in Kherson was the worst in a decade."]
        assert result.extra["claims_embedded"] == 1 and result.extra["claims_reusing_a_vector"] == 1
        c3, c8 = [np.asarray(v) for (v,) in con.execute(
            "select embedding from core.claim_embeddings where claim_id in ('c3', 'c8') order by claim_id").fetchall()]
        np.testing.assert_array_equal(c3, c8)
        assert con.execute("select count(*) from core.claim_embeddings where text_hash is null").fetchone()[0] == 0


def test_story_suites_catch_bad_rows(tmp_path):
    from claimhouse.checks import quality as q

    con = duckdb.connect(":memory:")
    con.execute(SCHEMA_SQL.read_text())
    con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values
        ('c1', 'd1', 's', 'assertion', null, null, null, null, null, 'x', 0, 1, false, false, false),
        ('c2', 'd1', 's', 'assertion', null, null, null, null, null, 'y', 0, 1, false, false, false)""")
    con.execute("""insert into core.claim_embeddings select claim_id, doc_id, 'm', list_transform(range(384), x -> 0.0)::float[384], now(), null, null
                   from core.claims""")
    con.execute("insert into core.claim_pairs values ('c2', 'c1', 0.9, 'paraphrase')")  # unordered, same doc
    con.execute("insert into core.story_clusters (claim_id, cluster_id) values ('c1', 'st_0123456789abcdef'), ('c2', 'st_0123456789abcdef')")
    pairs = q.validate_table(con, "core.claim_pairs")
    assert {f.description for f in pairs.failures} == {
        "core.claim_pairs: the two claims are from the same document (1 row, across_documents is false)",
        "core.claim_pairs: claim_a is not below claim_b (1 row, ordered is false)"}
    clusters = q.validate_table(con, "core.story_clusters")
    assert [f.description for f in clusters.failures] == [
        "core.story_clusters: the cluster lies within one document (2 rows, spans_documents is false)"]


# ---------------------------------------------------------------- the seeds, end to end
def test_seeds_story_clusters(seeds_run):
    _, wh, result = seeds_run
    assert result.success
    pub = wh.with_name(wh.stem + ".published.duckdb")
    rows = query(pub, """select claim, documents, outlets, first_outlet, first_date::text, told_as
                         from marts.story_clusters where claim ilike '%bargaining chip%'""")
    assert len(rows) == 1
    claim, documents, outlets, first_outlet, first_date, told_as = rows[0]
    assert documents == 2 and outlets == 2
    # CNN's "Kyiv sees Kursk as a potential bargaining chip" (2025-02-08, the attribution model's claim, with
    # the subject of "sees" as its source) is the closest telling (cosine 0.78); THE AMERICA ONE NEWS's
    # "gaining a bargaining chip" (0.74 to the same claim, 0.62 to CNN's) is not in the cluster: a cluster
    # does not chain
    assert (first_outlet, first_date) == ("digitaltradecenter.com", "2025-02-08")
    told = sorted((t["claim"], t["speaker"]) for t in told_as)
    assert told[0][0].startswith("Invading Kursk as a \"bargaining chip\" in future negotiations")
    assert told[1] == ("Kursk as a potential bargaining chip", "Kyiv")
    # every pair of the seeds lies across documents, and the clusters are built from them only
    assert query(pub, """select count(*) from core.claim_pairs p join core.claims a on a.claim_id = p.claim_a
                         join core.claims b on b.claim_id = p.claim_b where a.doc_id = b.doc_id""") == [(0,)]
    assert query(pub, "select count(*) from core.claim_embeddings") == query(pub, "select count(*) from core.claims")


# ---------------------------------------------------------------- incremental clusters
class _TopicEmbedder:
    """Vectors from the text "t<topic> v<variant>": a topic centre plus the variant's own noise, so that
    claims of one topic form chains and groups of paraphrases, as a real story does."""

    def __init__(self, topics: int = 30, noise: float = 0.55):
        rng = np.random.default_rng(7)
        self.centres = rng.normal(size=(topics, stories.DIM))
        self.noise = noise

    def encode(self, texts):
        out = []
        for t in texts:
            topic, variant = (int(x[1:]) for x in t.split()[:2])
            v = self.centres[topic] + self.noise * np.random.default_rng(variant).normal(size=stories.DIM) * 1.0
            out.append(v / np.linalg.norm(v))
        return np.asarray(out, dtype=np.float32)


def test_incremental_clusters_equal_a_full_rebuild(tmp_path):
    """Documents arrive in rounds and some are retracted; after each round the clusters updated from the
    touched components equal those of a rebuild from all pairs."""
    rng = np.random.default_rng(11)
    embedder = _TopicEmbedder()
    variant = 0
    with connect(tmp_path / "w.duckdb") as con:
        recomputed = []
        for round_ in range(6):
            for d in range(12 if round_ < 5 else 2):  # the last round brings two documents
                doc = f"r{round_}d{d}"
                for c in range(int(rng.integers(2, 6))):
                    variant += 1
                    topic = int(rng.integers(0, 30))
                    con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null,
                                   null, ?, 0, 1, false, false, false)""",
                                [f"{doc}c{c}", doc, f"t{topic} v{variant} claim"])
            if round_ in (3, 5):  # retract two earlier documents
                con.execute("delete from core.claims where doc_id in (?, ?)", [f"r{round_ - 2}d1", f"r{round_ - 3}d4"])
            result = story_steps.link_stories(con, embedder=embedder)
            recomputed.append(result.extra.get("reclustered_claims"))
            incremental = con.execute("select claim_id, cluster_id from core.story_clusters order by all").fetchall()
            story_steps.rebuild_story_clusters(con)
            assert incremental == con.execute(
                "select claim_id, cluster_id from core.story_clusters order by all").fetchall(), round_
        pairs = con.execute("select count(*) from core.claim_pairs where relation = 'paraphrase'").fetchone()[0]
        clustered = con.execute("select count(distinct cluster_id), max(n) from (select cluster_id, count(*) n "
                                "from core.story_clusters group by 1)").fetchone()
        assert pairs > 100 and clustered[0] > 10 and clustered[1] >= 3  # real groups, not just pairs
        total = con.execute("select count(*) from core.claims").fetchone()[0]
        assert recomputed[-1] < total / 2  # the last round recomputed only the components it touched


def test_a_component_too_large_is_reclustered_only_around_the_new_claims(tmp_path, monkeypatch):
    """Three tight stories A, B, C chained into one component by single paraphrase-strength bridges
    (average linkage keeps them apart). Above MAX_RECLUSTER claims the component is not reclustered whole:
    a new claim close to A joins A, and B and C keep their ids and members untouched."""
    groups = {g: [f"{g}{i}" for i in range(5)] for g in "abc"}
    pairs = [(x, y, 0.9) for m in groups.values() for i, x in enumerate(m) for y in m[i + 1:]]
    pairs += [("a0", "b0", 0.75), ("b1", "c1", 0.75)]
    with connect(tmp_path / "w.duckdb") as con:
        def store(claims, rows):
            for c in claims:
                con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null,
                               null, 'x', 0, 1, false, false, false)""", [c, "d_" + c])
            con.executemany("insert into core.claim_pairs values (?, ?, ?, 'paraphrase')", rows)
        store([c for m in groups.values() for c in m], pairs)
        story_steps.rebuild_story_clusters(con)
        before = dict(con.execute("select claim_id, cluster_id from core.story_clusters").fetchall())
        assert len(set(before.values())) == 3
        monkeypatch.setattr(story_steps, "MAX_RECLUSTER", 10)
        store(["z"], [("a2", "z", 0.9), ("a3", "z", 0.88), ("a4", "z", 0.8)])
        assert story_steps.update_story_clusters(con, ["z"]) == 6  # A and the new claim, not the 16 of the component
        after = dict(con.execute("select claim_id, cluster_id from core.story_clusters").fetchall())
        assert after["z"] == after["a0"] == before["a0"]
        assert {c: after[c] for c in groups["b"] + groups["c"]} == {c: before[c] for c in groups["b"] + groups["c"]}
        monkeypatch.setattr(story_steps, "MAX_RECLUSTER", 1000)  # here the bounded update equals a full one
        story_steps.rebuild_story_clusters(con)
        assert dict(con.execute("select claim_id, cluster_id from core.story_clusters").fetchall()) == after


def test_a_story_step_stopped_before_the_clusters_is_finished_by_the_next_run(tmp_path, monkeypatch):
    """The pairs of a batch are committed, then the step dies before updating the clusters: the next run
    (with nothing new) recomputes the clusters those claims touch, as if the step had never stopped."""
    embedder = _TopicEmbedder()
    runs = {}
    for name in ("stopped", "whole"):
        with connect(tmp_path / f"{name}.duckdb") as con:
            for d in range(8):
                for c in range(3):
                    con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null,
                                   null, ?, 0, 1, false, false, false)""",
                                [f"d{d}c{c}", f"d{d}", f"t{c} v{d * 3 + c} claim"])
            story_steps.link_stories(con, embedder=embedder)  # first run: clusters built
            for c in range(3):
                con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, null, null, null,
                               null, ?, 0, 1, false, false, false)""", [f"d9c{c}", "d9", f"t{c} v{90 + c} claim"])
            if name == "stopped":
                real = story_steps.update_story_clusters
                monkeypatch.setattr(story_steps, "update_story_clusters",
                                    lambda *a, **k: (_ for _ in ()).throw(MemoryError("killed")))
                with pytest.raises(MemoryError):
                    story_steps.link_stories(con, embedder=embedder)
                assert con.execute("select count(*) from meta.story_pending").fetchone()[0] == 3
                monkeypatch.setattr(story_steps, "update_story_clusters", real)
                assert con.execute("select count(*) from core.story_clusters where claim_id like 'd9%'"
                                   ).fetchone()[0] == 0
            story_steps.link_stories(con, embedder=embedder)
            assert con.execute("select count(*) from meta.story_pending").fetchone()[0] == 0
            runs[name] = con.execute("select claim_id, cluster_id from core.story_clusters order by all").fetchall()
    assert runs["stopped"] == runs["whole"]
    assert any(c.startswith("d9") for c, _ in runs["whole"])  # the new claims joined stories


def test_an_unknown_outlet_is_null_in_every_mart_and_counts_once_per_document(tmp_path, embedder):
    """One label for an unknown outlet across the marts: NULL (the report draws it as "unknown outlet").
    In marts.story_clusters two documents without a known outlet still count as two outlets."""
    wh = tmp_path / "w.duckdb"
    _warehouse(wh)
    with connect(wh) as con:
        con.execute("update staging.documents set outlet = null where doc_id in ('d1', 'd2')")
        con.execute("delete from core.claims where claim_id = 'c6'")
        story_steps.link_stories(con, embedder=embedder)
        for path in mart_steps.mart_files():
            mart_steps.build_mart(con, path, force=True)
        row = con.execute("""select documents, outlets, outlet_names, first_outlet, [t.outlet for t in told_as]
                             from marts.story_clusters""").fetchall()
        assert row == [(2, 2, [], None, [None, None])]
        labelled = []
        for table, column in con.execute("""select table_schema || '.' || table_name, column_name
                                            from information_schema.columns
                                            where table_schema = 'marts' and data_type <> 'DATE'""").fetchall():
            hits = con.execute(f'select count(*) from {table} where cast("{column}" as varchar) ilike ?',
                               ["%unknown%"]).fetchone()[0]
            if hits:
                labelled.append((table, column))
        assert not labelled


def test_the_story_mart_rebuilds_only_changed_clusters_and_equals_a_whole_build(tmp_path, monkeypatch):
    """marts.story_clusters after each round of new, retracted, renamed and copied documents: built for the
    clusters whose inputs changed, it holds the same rows as a whole build, and it rebuilt few of them."""
    rng = np.random.default_rng(5)
    embedder = _TopicEmbedder()
    path = mart_steps.MARTS_DIR / "60_story_clusters.sql"
    built: list[tuple[bool, int]] = []
    real = mart_steps._build_story_mart

    def spy(con, p, whole, since):
        n = real(con, p, whole, since)
        built.append((whole, n))
        return n

    monkeypatch.setattr(mart_steps, "_build_story_mart", spy)
    monkeypatch.setattr(mart_steps, "STORY_MART_SLICE", 7)  # several slices even on a small corpus
    variant = 0
    with connect(tmp_path / "w.duckdb") as con:
        for round_ in range(6):
            for d in range(10 if round_ < 5 else 2):
                doc = f"r{round_}d{d}"
                con.execute("""insert into staging.documents (doc_id, source_path, source_format, outlet,
                                   published_at, text, text_sha256, word_count, cleaned_at)
                               values (?, ?, 'text', ?, ?, 'x', ?, 1, now())""",
                            [doc, f"{doc}.txt", f"o{d % 4}.com" if d % 5 else None,
                             f"2025-03-{1 + round_ * 4 + d % 4:02d}", doc])
                for c in range(int(rng.integers(2, 5))):
                    variant += 1
                    topic = int(rng.integers(0, 12))
                    cid = f"{doc}c{c}"
                    con.execute("""insert into core.claims (claim_id, doc_id, sentence_id, claim_type, source_text, source_canonical, source_kind, source_role, cue_text, content_text, content_start, content_end, is_direct_quote, is_hedged, is_negated) values (?, ?, 's', 'assertion', null, ?, null, null,
                                   null, ?, 0, 1, false, false, false)""",
                                [cid, doc, f"Speaker {topic % 3}", f"t{topic} v{variant} claim"])
                    if topic < 4:  # figures that differ: contradictions
                        con.execute("""insert into core.quantities (quantity_id, doc_id, sentence_id, claim_id,
                                           surface, value, normalized_unit, change, subject, start_char, end_char)
                                       values (?, ?, 's', ?, 'n troops', ?, 'troop', '=', 'troops lost', 0, 1)""",
                                    [f"q{cid}", doc, cid, int(rng.integers(1, 4)) * 1000])
            if round_ == 2:
                con.execute("update staging.documents set outlet = 'renamed.com' where doc_id = 'r0d1'")
            if round_ == 3:
                con.execute("delete from core.claims where doc_id in ('r1d2', 'r2d3')")
                con.execute("delete from staging.documents where doc_id in ('r1d2', 'r2d3')")
            if round_ == 4:
                con.execute("update staging.documents set duplicate_of = 'r0d0' where doc_id = 'r3d6'")
            story_steps.link_stories(con, embedder=embedder)
            assert mart_steps.build_mart(con, path).rebuilt
            incremental = con.execute("select * from marts.story_clusters order by cluster_id").fetchall()
            mart_steps.build_mart(con, path, force=True)
            whole = con.execute("select * from marts.story_clusters order by cluster_id").fetchall()
            assert incremental == whole, (round_, [str(a) + ' != ' + str(b) for a, b in zip(incremental, whole) if a != b][:1])
        assert [whole for whole, _ in built] == [True, True] + [False, True] * 5  # each round: incremental, then forced
        clusters = con.execute("select count(*), sum(contradictions) from marts.story_clusters").fetchone()
        assert clusters[0] > 10 and clusters[1] > 0  # real stories, with contradictions among them
        changed = [n for whole, n in built[1:] if not whole]
        assert max(changed[-1:]) < clusters[0]  # the last round (two documents) rebuilt only what they touched
        assert mart_steps.build_mart(con, path).rebuilt is False  # nothing new: nothing rebuilt
