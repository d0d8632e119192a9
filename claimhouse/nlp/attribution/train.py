"""Rebuild the attribution model from PolNeAR's train split.

    uv run claimhouse train-attributions [--train ../shared/train/polnear-train] [--output DIR]
                                         [--holdout-share 0.2] [--iterations 150] [--dev FOLDER]

Every article is parsed with the pipeline's spaCy model, and the rules (claimhouse.nlp.claims) run on it, as in
the analyse step; the parses (and the parser's token vectors, for the word classes) are cached in ``--cache``.
The word classes are learnt (k-means on unit vectors, scipy) on the token vectors of the articles a model is
trained on. Then:
1. with ``--holdout-share`` > 0, a model is trained on the other articles and scored on the held-out
   share of train (articles chosen by a hash of their name): rules only, model only, combined. This is
   where settings are chosen; dev is never used for that.
2. the model is trained on every train article and written to ``--output`` (default: the package's
   model folder, claimhouse/nlp/attribution/model).
3. with ``--dev``, the shipped model is scored once on that folder (``seeds/*.txt`` and ``gold/*.ann``),
   with the same matching as ``score.py attribution``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from claimhouse.nlp.attribution import brat
from claimhouse.nlp.attribution.features import doc_features, has_vectors, rule_labels, unit_rows
from claimhouse.nlp.attribution.model import (
    CLUSTERS_FILE,
    CRF_FILE,
    META_FILE,
    MODEL_DIR,
    AttributionModel,
    save_centroids,
)

DEFAULT_TRAIN = Path(__file__).resolve().parents[4] / "shared" / "train" / "polnear-train"
MODEL_NAME = "polnear-crf-3"
CLUSTER_SIZES = (64, 256, 1024)
CLUSTER_SAMPLE = 150_000  # token vectors the centroids are learnt from (a seeded sample)


def _parse(folder: Path, cache: Path | None, limit: int | None = None) -> list[tuple[str, object, list, list]]:
    """(name, doc, rule claims, gold attributions) of every article of ``folder``."""
    from spacy.tokens import DocBin

    from claimhouse.nlp.claims import extract_claims
    from claimhouse.nlp.pipeline import load_nlp, split_sentences

    names = sorted(p.stem for p in (folder / "seeds").glob("*.txt"))[:limit]
    texts = [(folder / "seeds" / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    nlp = load_nlp()
    key = hashlib.sha256(("\n".join(names) + str(len("".join(texts)))).encode()).hexdigest()[:16]
    path = cache / f"{folder.name}-{key}.spacy" if cache else None
    vectors = path.with_suffix(".vectors.npz") if path is not None else None
    if path is not None and path.exists() and vectors.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        with np.load(vectors) as z:  # DocBin keeps no doc.tensor
            for k, doc in enumerate(docs):
                doc.tensor = z[str(k)].astype(np.float32)
    else:
        docs = list(nlp.pipe(texts, batch_size=8))
        for doc in docs:  # as the cache holds them, so a cached and a fresh rebuild learn the same model
            doc.tensor = doc.tensor.astype(np.float16).astype(np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            DocBin(store_user_data=False, docs=docs).to_disk(path)
            np.savez(vectors, **{str(k): d.tensor.astype(np.float16) for k, d in enumerate(docs)})
    out = []
    for name, doc in zip(names, docs):
        claims = extract_claims(doc, split_sentences(doc), attributions_from="rules")
        gold = brat.parse((folder / "gold" / f"{name}.ann").read_text(encoding="utf-8")) \
            if (folder / "gold" / f"{name}.ann").exists() else []
        out.append((name, doc, claims, gold))
    return out


def _held_out(name: str, share: float) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def learn_clusters(articles, sizes=CLUSTER_SIZES, sample: int = CLUSTER_SAMPLE) -> list[np.ndarray]:
    """Word-class centroids (unit rows, one array per size) from the token vectors of ``articles``:
    k-means (scipy's kmeans2) on unit vectors, seeded, so a rebuild gives the same classes; the centroids
    are scaled back to unit length, and a token takes the nearest by cosine.
    A size needs four vectors per class; a tiny corpus gets the sizes it can fill."""
    from scipy.cluster.vq import kmeans2

    rows = [d.tensor for _, d, _, _ in articles if has_vectors(d)]
    if not rows:
        return []
    v = unit_rows(np.concatenate(rows))
    if len(v) > sample:
        v = v[np.random.default_rng(0).choice(len(v), sample, replace=False)]
    out = []
    for k in sizes:
        if k * 4 > len(v):
            continue
        centroids, _ = kmeans2(v, k, iter=20, minit="points", seed=1)
        # rounded as they are saved, so the model is trained on the classes the pipeline will compute
        out.append(unit_rows(centroids).astype(np.float16).astype(np.float32))
    return out


def fit(articles, output: Path, cue_lemmas: frozenset[str], iterations: int, c1: float, c2: float,
        centroids: list[np.ndarray] | None = None) -> None:
    import pycrfsuite

    centroids = learn_clusters(articles) if centroids is None else centroids
    trainer = pycrfsuite.Trainer(verbose=False)
    for _, doc, claims, gold in articles:
        labels = brat.token_labels(doc, gold)
        for (lo, hi), feats in doc_features(doc, rule_labels(doc, claims), cue_lemmas, centroids):
            trainer.append(feats, labels[lo:hi])
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 2})
    output.mkdir(parents=True, exist_ok=True)
    trainer.train(str(output / CRF_FILE))
    clusters = output / CLUSTERS_FILE
    if centroids:
        save_centroids(clusters, centroids)
    elif clusters.exists():
        clusters.unlink()
    (output / META_FILE).write_text(json.dumps(
        {"name": MODEL_NAME, "cue_lemmas": sorted(cue_lemmas), "c1": c1, "c2": c2, "iterations": iterations,
         "articles": len(articles), "word_classes": [len(c) for c in centroids]}, indent=1) + "\n", encoding="utf-8")


def learn_cue_lemmas(articles, min_count: int = 5, min_share: float = 0.2) -> frozenset[str]:
    """Lemmas tagged as (part of) a cue at least ``min_count`` times and in ``min_share`` of their uses."""
    cue, seen = Counter(), Counter()
    for _, doc, _, gold in articles:
        labels = brat.token_labels(doc, gold)
        for tok, lab in zip(doc, labels):
            lem = tok.lemma_.lower()
            seen[lem] += 1
            if lab.endswith("-C"):
                cue[lem] += 1
    return frozenset(l for l, n in cue.items() if n >= min_count and n / seen[l] >= min_share and l.isalpha())


# ------------------------------------------------------------------ scoring (as score.py attribution)

def _words(text: str | None) -> list[str]:
    import re

    return re.findall(r"\w+", (text or "").lower())


def _bag(text):
    return Counter(_words(text))


def _overlap(a, b):
    return sum((a & b).values()), sum(a.values()), sum(b.values())


def _tok_f1(a, b):
    s, na, nb = _overlap(_bag(a), _bag(b))
    return 2 * s / (na + nb) if na + nb else 0.0


def gold_texts(doc_text: str, gold: list[brat.GoldAttribution]) -> list[dict]:
    def text(frags):
        return " ".join(doc_text[a:b] for a, b in frags) if frags else None
    return [{"source": text(g.source), "cue": text(g.cue), "content": text(g.content)} for g in gold if g.content]


def score(pairs: list[tuple[list[dict], list[dict]]]) -> dict:
    """Attribution F1 and per-role overlap and exact F1 over (predicted, gold) lists of documents."""
    soft = {k: Counter() for k in ("source", "cue", "content")}
    exact = {k: Counter() for k in ("source", "cue", "content")}
    match = Counter()
    for pred, gold in pairs:
        for role in soft:
            g_spans = [_bag(x[role]) for x in gold if x[role]]
            p_spans = [_bag(x[role]) for x in pred if x[role]]
            for p in p_spans:
                soft[role]["p_sum"] += max((_overlap(p, g)[0] / max(1, sum(p.values())) for g in g_spans), default=0.0)
                soft[role]["p_n"] += 1
            for g in g_spans:
                soft[role]["r_sum"] += max((_overlap(p, g)[0] / max(1, sum(g.values())) for p in p_spans), default=0.0)
                soft[role]["r_n"] += 1
            ge = Counter(tuple(_words(x[role])) for x in gold if x[role])
            pe = Counter(tuple(_words(x[role])) for x in pred if x[role])
            exact[role]["tp"] += sum((ge & pe).values())
            exact[role]["p_n"] += sum(pe.values())
            exact[role]["g_n"] += sum(ge.values())
        cand = sorted(((_tok_f1(p["content"], g["content"]), i, j) for i, p in enumerate(pred)
                       for j, g in enumerate(gold)), reverse=True)
        used_p, used_g = set(), set()
        for f, i, j in cand:
            if f < 0.5 or i in used_p or j in used_g:
                continue
            if gold[j]["source"] and _tok_f1(pred[i]["source"], gold[j]["source"]) < 0.5:
                continue
            used_p.add(i)
            used_g.add(j)
        match["tp"] += len(used_g)
        match["p_n"] += len(pred)
        match["g_n"] += len(gold)

    def f1(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0
    out = {}
    for role in soft:
        s, e = soft[role], exact[role]
        sp, sr = (s["p_sum"] / s["p_n"] if s["p_n"] else 0.0), (s["r_sum"] / s["r_n"] if s["r_n"] else 0.0)
        ep, er = (e["tp"] / e["p_n"] if e["p_n"] else 0.0), (e["tp"] / e["g_n"] if e["g_n"] else 0.0)
        out[f"{role}_overlap_f1"] = f1(sp, sr)
        out[f"{role}_exact_f1"] = f1(ep, er)
    mp = match["tp"] / match["p_n"] if match["p_n"] else 0.0
    mr = match["tp"] / match["g_n"] if match["g_n"] else 0.0
    out.update(attribution_f1=f1(mp, mr), p=mp, r=mr, gold=match["g_n"], predicted=match["p_n"])
    return out


def format_score(label: str, s: dict) -> str:
    return (f"{label:10s} attribution F1 {s['attribution_f1']:.3f} (P {s['p']:.3f} R {s['r']:.3f}; gold {s['gold']}, "
            f"predicted {s['predicted']})  overlap F1 source {s['source_overlap_f1']:.3f} cue {s['cue_overlap_f1']:.3f} "
            f"content {s['content_overlap_f1']:.3f}  exact F1 source {s['source_exact_f1']:.3f} "
            f"cue {s['cue_exact_f1']:.3f} content {s['content_exact_f1']:.3f}")


def predictions(model: AttributionModel, articles, mode: str) -> list[tuple[list[dict], list[dict]]]:
    from claimhouse.nlp.attribution.combine import attribution_texts

    out = []
    for _, doc, claims, gold in articles:
        out.append((attribution_texts(model, doc, claims, mode), gold_texts(doc.text, gold)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="claimhouse train-attributions", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    ap.add_argument("--output", type=Path, default=MODEL_DIR)
    ap.add_argument("--cache", type=Path, default=Path(".cache") / "attribution")
    ap.add_argument("--holdout-share", type=float, default=0.2)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles (a quick test)")
    ap.add_argument("--no-final", action="store_true", help="stop after the held-out figures")
    ap.add_argument("--dev", type=Path, help="score the written model once on this folder (seeds/, gold/)")
    args = ap.parse_args(argv)
    if not (args.train / "seeds").is_dir():
        print(f"train-attributions: no {args.train / 'seeds'}: pass --train FOLDER (PolNeAR's train split)",
              file=sys.stderr)
        return 2
    t0 = time.monotonic()
    articles = _parse(args.train, args.cache, args.limit)
    words = sum(len(d.text.split()) for _, d, _, _ in articles)
    print(f"parsed {len(articles)} articles ({words:,} words) in {time.monotonic() - t0:.1f} s", flush=True)
    if args.holdout_share > 0:
        fit_part = [a for a in articles if not _held_out(a[0], args.holdout_share)]
        held = [a for a in articles if _held_out(a[0], args.holdout_share)]
        t1 = time.monotonic()
        folder = args.cache / "holdout-model"
        fit(fit_part, folder, learn_cue_lemmas(fit_part), args.iterations, args.c1, args.c2)
        print(f"held-out check: trained on {len(fit_part)} articles in {time.monotonic() - t1:.1f} s, "
              f"scored on {len(held)} held-out train articles", flush=True)
        model = AttributionModel(folder)
        for mode in ("rules", "model", "combined"):
            print(format_score(mode, score(predictions(model, held, mode))), flush=True)
    if args.no_final:
        return 0
    t2 = time.monotonic()
    fit(articles, args.output, learn_cue_lemmas(articles), args.iterations, args.c1, args.c2)
    size = sum(p.stat().st_size for p in args.output.iterdir())
    print(f"model {MODEL_NAME} trained on {len(articles)} articles in {time.monotonic() - t2:.1f} s: {args.output} "
          f"({size / 1e6:.1f} MB); total {time.monotonic() - t0:.1f} s", flush=True)
    if args.dev:
        dev = _parse(args.dev, args.cache)
        model = AttributionModel(args.output)
        for mode in ("rules", "model", "combined"):
            print("dev " + format_score(mode, score(predictions(model, dev, mode))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
