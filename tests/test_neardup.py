"""Near-duplicate detection (claimhouse.clean.neardup) on a real in-memory DuckDB with the warehouse schema."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from claimhouse.clean import neardup as nd

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
T0 = datetime(2025, 3, 1, 12, 0, 0)


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


ARTICLE = seed_text("001")  # "Ukraine prepares for 'bargaining' with Trump by seizing Kursk region"
OTHER = seed_text("002")  # another article on the same story (Kursk, Trump, talks)


def rescrape(text: str) -> str:
    """The same article scraped again: one sentence rewritten, a footer added, other whitespace and case."""
    text = text.replace(
        "Most Western capitals say they want Kyiv to have the strongest bargaining position.",
        "Western capitals insist that Kyiv should go into any talks from the strongest position possible.")
    assert text != ARTICLE
    text = re.sub(r"[ \t]+", "  ", text).replace("\n\n", "\n \n")
    text = text.replace("Donald Trump", "DONALD TRUMP").replace("Kursk", "KURSK")
    return text + "\n\nCopyright 2025 Example Wire. All rights reserved. Share this article.\n"


def change_words(text: str, start_word: int, count: int, step: int = 20) -> str:
    """Replace ``count`` words, ``step`` words apart, from word ``start_word`` on."""
    words = text.split(" ")
    for i in range(start_word, start_word + count * step, step):
        words[i] = f"CHANGED{i}"
    return " ".join(words)


def true_jaccard(a: str, b: str) -> float:
    sa, sb = nd.shingles(a), nd.shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.fixture()
def con():
    con = duckdb.connect(":memory:")
    con.execute((REPO / "warehouse" / "schema.sql").read_text(encoding="utf-8"))
    nd.create_tables(con)
    yield con
    con.close()


def ingest(con, doc_id: str, text: str, minutes: int) -> None:
    """A raw.documents row ingested ``minutes`` after T0 (the order that decides 'earliest')."""
    data = text.encode("utf-8")
    con.execute(
        "insert into raw.documents (doc_id, source_path, source_format, content_sha256, byte_size, ingested_at,"
        " encoding, content) values (?, ?, 'text', ?, ?, ?, 'utf-8', ?)",
        [doc_id, f"/seeds/{doc_id}.txt", hashlib.sha256(data).hexdigest(), len(data),
         T0 + timedelta(minutes=minutes), data])


def load(con, docs: list[tuple[str, str, int]]) -> list[str]:
    """Ingest (doc_id, text, minutes) rows and add their signatures; the doc ids."""
    for doc_id, text, minutes in docs:
        ingest(con, doc_id, text, minutes)
    nd.add_documents(con, [(doc_id, text) for doc_id, text, _ in docs])
    return [d[0] for d in docs]


# ------------------------------------------------------------------ pure functions
def test_signature_shape_and_normalisation():
    sig = nd.signature(ARTICLE)
    assert len(sig) == nd.NUM_PERM == 128
    assert all(isinstance(v, int) and 0 <= v < 2**32 for v in sig)
    assert nd.signature(ARTICLE) == sig
    # casefold + \w+ tokens: case, whitespace and punctuation do not change the signature
    assert nd.signature("  ".join(ARTICLE.upper().split())) == sig
    assert nd.signature(ARTICLE.replace("’", "'")) == sig
    assert nd.signature(OTHER) != sig


def test_band_keys_are_signed_64_bit_and_band_specific():
    keys = nd.band_keys(nd.signature(ARTICLE))
    assert len(keys) == nd.BANDS == 32 and nd.ROWS == 4
    assert all(-2**63 <= k < 2**63 for k in keys)
    assert len(set(keys)) == 32
    # the band index is part of the key: equal rows in two bands give two keys
    same_rows = [7] * nd.NUM_PERM
    assert len(set(nd.band_keys(same_rows))) == nd.BANDS
    with pytest.raises(ValueError):
        nd.band_keys([1, 2, 3])


def test_similarity_estimates_jaccard():
    copy = rescrape(ARTICLE)
    j = true_jaccard(ARTICLE, copy)
    est = nd.similarity(nd.signature(ARTICLE), nd.signature(copy))
    assert 0.8 < j < 1.0
    assert abs(est - j) < 0.1
    assert nd.similarity(nd.signature(ARTICLE), nd.signature(OTHER)) < 0.1
    assert true_jaccard(ARTICLE, OTHER) < 0.05  # same story, different article: few shared 5-shingles
    assert nd.similarity([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5


def test_banding_curve_favours_recall_at_threshold():
    assert nd.candidate_probability(0.8) > 0.9999
    assert nd.candidate_probability(0.7) > 0.999
    assert nd.candidate_probability(0.1) < 0.01


def test_signatures_are_identical_in_other_processes():
    texts = [ARTICLE, rescrape(ARTICLE), OTHER, "short text", ""]
    code = ("import json, sys; from claimhouse.clean.neardup import signature, band_keys; "
            "texts = json.load(sys.stdin); "
            "print(json.dumps([[signature(t), band_keys(signature(t))] for t in texts]))")
    here = [[nd.signature(t), nd.band_keys(nd.signature(t))] for t in texts]
    for hash_seed in ("1", "2"):  # Python's str hash randomisation must not matter
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True,
                             text=True, cwd=REPO, env=env, check=True, timeout=120)
        assert json.loads(out.stdout) == here


# ------------------------------------------------------------------ warehouse
def test_rescraped_copy_is_a_near_duplicate_and_other_article_is_not(con):
    load(con, [("d_first", ARTICLE, 0), ("d_copy", rescrape(ARTICLE), 10), ("d_other", OTHER, 20)])
    assert con.execute("select count(*) from staging.document_signatures").fetchone()[0] == 3
    assert con.execute("select count(*) from staging.document_bands").fetchone()[0] == 3 * 32

    result = nd.find_near_duplicates(con, ["d_first", "d_copy", "d_other"])
    assert [(d, of) for d, of, _ in result] == [("d_copy", "d_first")]
    sim = result[0][2]
    assert sim >= 0.8
    sigs = dict(con.execute("select doc_id, signature from staging.document_signatures").fetchall())
    assert sim == nd.similarity(sigs["d_copy"], sigs["d_first"])  # SQL agrees with Python
    assert sigs["d_copy"] == nd.signature(rescrape(ARTICLE))
    # only the new document's call is needed, and it gives the same answer
    assert nd.find_near_duplicates(con, ["d_copy"]) == result
    assert nd.find_near_duplicates(con, ["d_other"]) == []


def test_unrelated_seed_articles_are_not_duplicates(con):
    ids = load(con, [(f"d{p}", seed_text(p), i) for i, p in enumerate(("001", "002", "003", "004"))])
    assert nd.find_near_duplicates(con, ids) == []
    assert nd.find_near_duplicates(con, ids, threshold=0.3) == []


def test_incremental_third_copy_points_to_the_earliest(con):
    load(con, [("d_a", ARTICLE, 0), ("d_b", rescrape(ARTICLE), 5)])
    assert [(d, of) for d, of, _ in nd.find_near_duplicates(con, ["d_b"])] == [("d_b", "d_a")]
    third = rescrape(ARTICLE).replace("Loading comments...", "") + "\nRead more: Kursk updates\n"
    load(con, [("d_c", third, 60)])  # a later run
    result = nd.find_near_duplicates(con, ["d_c"])
    assert [(d, of) for d, of, _ in result] == [("d_b", "d_a"), ("d_c", "d_a")]
    assert all(s >= 0.8 for _, _, s in result)


def test_chain_resolves_to_the_earliest(con):
    a = ARTICLE
    b = change_words(a, 10, 9)  # true Jaccard 0.82 to a (estimated 0.88)
    c = change_words(b, 250, 9)  # 0.82 to b (estimated 0.85), 0.67 to a (estimated 0.74)
    assert true_jaccard(a, b) > 0.8 and true_jaccard(b, c) > 0.8 and true_jaccard(a, c) < 0.7
    assert nd.similarity(nd.signature(a), nd.signature(c)) < 0.8
    load(con, [("d_a", a, 0), ("d_b", b, 1)])
    load(con, [("d_c", c, 2)])
    result = nd.find_near_duplicates(con, ["d_c"])
    assert [(d, of) for d, of, _ in result] == [("d_b", "d_a"), ("d_c", "d_a")]
    sim_c = dict((d, s) for d, _, s in result)["d_c"]
    assert sim_c < 0.8  # similarity to its duplicate_of, reached through d_b


def test_earlier_new_document_becomes_the_target_and_nobody_points_at_itself(con):
    load(con, [("d_late1", rescrape(ARTICLE), 100), ("d_late2", ARTICLE + "\nUpdated.", 200)])
    assert [(d, of) for d, of, _ in nd.find_near_duplicates(con, ["d_late2"])] == [("d_late2", "d_late1")]
    # a copy ingested earlier than both (e.g. processed late) takes over the cluster
    load(con, [("d_early", ARTICLE, 50)])
    result = nd.find_near_duplicates(con, ["d_early"])
    assert [(d, of) for d, of, _ in result] == [("d_late1", "d_early"), ("d_late2", "d_early")]
    assert all(d != of for d, of, _ in result)


def test_ties_on_ingested_at_break_by_doc_id(con):
    load(con, [("d_2", ARTICLE, 0), ("d_1", rescrape(ARTICLE), 0)])
    assert [(d, of) for d, of, _ in nd.find_near_duplicates(con, ["d_2"])] == [("d_2", "d_1")]


def test_threshold_is_respected(con):
    a = ARTICLE
    b = change_words(a, 10, 20)  # true Jaccard 0.64 (estimated 0.73)
    load(con, [("d_a", a, 0), ("d_b", b, 1)])
    est = nd.similarity(nd.signature(a), nd.signature(b))
    assert true_jaccard(a, b) < 0.7 and 0.7 <= est < 0.8
    assert nd.find_near_duplicates(con, ["d_b"]) == []
    assert [(d, of) for d, of, _ in nd.find_near_duplicates(con, ["d_b"], threshold=0.7)] == [("d_b", "d_a")]


def test_add_documents_is_idempotent_and_skips_empty_texts(con):
    rows = [("d_a", ARTICLE), ("d_b", rescrape(ARTICLE)), ("d_a", "ignored: repeated id"),
            ("d_empty1", ""), ("d_empty2", " ... \n")]
    for doc_id, text in rows:
        if doc_id != "d_a" or text == ARTICLE:
            ingest(con, doc_id, text or "-", 0)
    assert nd.add_documents(con, rows) == 4
    assert nd.add_documents(con, rows) == 0
    assert nd.add_documents(con, []) == 0
    assert con.execute("select count(*) from staging.document_signatures").fetchone()[0] == 4
    # empty texts are stored (so they are not re-done) but have no bands: nobody's duplicate
    assert con.execute("select count(distinct doc_id), count(*) from staging.document_bands").fetchone() == (2, 64)
    assert nd.find_near_duplicates(con, ["d_empty1", "d_empty2"]) == []
    assert [(d, of) for d, of, _ in nd.find_near_duplicates(con, ["d_b"])] == [("d_b", "d_a")]


def test_interrupted_write_is_repaired(con):
    load(con, [("d_a", ARTICLE, 0)])
    ingest(con, "d_b", ARTICLE, 1)
    # bands written, signature not (a crash between the two inserts outside a transaction)
    con.execute("insert into staging.document_bands select 'd_b', band, band_key from staging.document_bands")
    assert nd.add_documents(con, [("d_b", ARTICLE)]) == 1
    assert con.execute("select count(*) from staging.document_bands where doc_id = 'd_b'").fetchone()[0] == 32


def test_remove_documents(con):
    load(con, [("d_a", ARTICLE, 0), ("d_b", rescrape(ARTICLE), 1)])
    nd.remove_documents(con, ["d_a"])
    assert nd.find_near_duplicates(con, ["d_b"]) == []
    assert con.execute("select count(*) from staging.document_bands").fetchone()[0] == 32


def test_many_documents_in_one_call(con):
    """A few hundred documents in one bulk insert; the planted copies are found, nothing else."""
    import random

    words = re.findall(r"\w+", " ".join(seed_text(p) for p in ("000", "001", "002", "003", "004")))
    docs = [(f"d{i:04d}", " ".join(random.Random(i).choices(words, k=300)), i) for i in range(300)]
    planted = [(f"dup{d}", text.upper() + " Subscribe now.", 1000 + n) for n, (d, text, _) in enumerate(docs[:5])]
    load(con, docs)
    load(con, planted)
    assert con.execute("select count(*) from staging.document_bands").fetchone()[0] == 305 * 32
    result = nd.find_near_duplicates(con, [p[0] for p in planted])
    assert [(d, of) for d, of, _ in result] == [(f"dup{d}", d) for d, _, _ in docs[:5]]
    assert nd.find_near_duplicates(con, [d for d, _, _ in docs]) == result
