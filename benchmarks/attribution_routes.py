"""Other attribution taggers tried against the shipped CRF (issue 15), on the held-out fifth of PolNeAR's
train split (the same split as ``claimhouse train-attributions``; dev is never used here).

    uv run python benchmarks/attribution_routes.py cnn [--epochs 12] [--report 3,6,12] [--width 128] [--depth 3]
    uv run python benchmarks/attribution_routes.py stacked [--folds 4]
    uv run python benchmarks/attribution_routes.py encoder

- ``cnn``: the shape of spaCy's own tagger (hashed feature embeddings, a maxout layer, a window CNN with
  residual layers, softmax; thinc, which spaCy is built on), trained on the same token features as the CRF
  (one embedding per feature: word, lemma, tags, dependency, head, entity, quotes, the rules' label, cue
  ancestor, word classes); the CNN sees the neighbours, so the CRF's window features are left out. Its labels
  go through the shipped linking step and the shipped rules/model combination.
- ``stacked``: a second CRF over the features plus the first CRF's labels (neighbours' labels, the head's
  label, a predicted cue above the token, the nearest predicted cue in the sentence). It is trained on
  out-of-fold labels of the first CRF (``--folds``) and applied to the first CRF's labels on held-out train.
- ``encoder``: how fast the smallest transformer encoder the project ships (all-MiniLM-L6-v2, onnxruntime,
  one thread) reads PolNeAR dev text, in chunks of 90 words (about 115 word pieces, under its 128 cap): what
  a transformer tagger would cost before its tagging head, beside the parse.

Each prints the same figures as ``train-attributions`` (model only, and combined with the rules).
The parses are cached in ``--cache`` as ``train-attributions`` caches them.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import time
from pathlib import Path

import numpy as np

from claimhouse.nlp.attribution import brat
from claimhouse.nlp.attribution import train as T
from claimhouse.nlp.attribution.combine import attribution_texts
from claimhouse.nlp.attribution.features import MAX_CLIMB, doc_features, rule_labels
from claimhouse.nlp.attribution.model import link, spans_of

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["O", "B-S", "I-S", "B-C", "I-C", "B-T", "I-T"]
SLOTS = ["w", "l", "s3", "sh", "p", "t", "d", "hl", "hp", "hd", "dhp", "e", "q", "r", "cue", "sc", "ss",
         "k0", "k1", "k2", "hk", "anc", "ancs", "ancl", "ancd", "cuel", "rr"]
WIDE = {"w", "l", "hl", "ancl", "s3", "cuel"}  # features with many values: bigger hash tables


class Tagged:
    """A stand-in for AttributionModel: labels computed beforehand, then the shipped linking step."""

    def __init__(self, name: str, labels: dict[int, tuple[list[str], list[float]]]):
        self.name, self.labels = name, labels

    def attributions(self, doc, claims):
        labels, probs = self.labels[id(doc)]
        return link(doc, spans_of(labels, probs))


def report(tag: str, model: Tagged, held) -> None:
    for mode in ("model", "combined"):
        pairs = [(attribution_texts(model, d, c, mode), T.gold_texts(d.text, g)) for _, d, c, g in held]
        print(f"{tag:8s} " + T.format_score(mode, T.score(pairs)), flush=True)


def load(args):
    t0 = time.monotonic()
    articles = T._parse(args.train, args.cache)
    fit_part = [a for a in articles if not T._held_out(a[0], 0.2)]
    held = [a for a in articles if T._held_out(a[0], 0.2)]
    centroids, cues = T.learn_clusters(fit_part), T.learn_cue_lemmas(fit_part)
    feats = {a[0]: doc_features(a[1], rule_labels(a[1], a[2]), cues, centroids) for a in articles}
    print(f"{len(fit_part)} articles to train on, {len(held)} held out; parsed and described in "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    return articles, fit_part, held, feats


# ------------------------------------------------------------------ cnn

def cnn(args) -> None:
    from spacy.strings import hash_string
    from thinc.api import Adam, HashEmbed, Maxout, Softmax, chain, concatenate, expand_window, fix_random_seed, \
        residual, with_array

    fix_random_seed(0)
    articles, fit_part, held, feats = load(args)
    index = {s: i for i, s in enumerate(SLOTS)}
    lid = {lab: i for i, lab in enumerate(LABELS)}

    def encode(name):
        out = []
        for (lo, hi), rows in feats[name]:
            x = np.zeros((hi - lo, len(SLOTS)), dtype="uint64")
            for k, row in enumerate(rows):
                have = {f.partition("=")[0]: f for f in row if f.partition("=")[0] in index}
                x[k] = [hash_string(have.get(s, s + "=<none>")) for s in SLOTS]
            out.append(((lo, hi), x))
        return out

    train_x, train_y = [], []
    for name, doc, _, gold in fit_part:
        labels = brat.token_labels(doc, gold)
        for (lo, hi), x in encode(name):
            train_x.append(x)
            train_y.append(np.array([lid[lab] for lab in labels[lo:hi]], dtype="int32"))
    held_x = {a[0]: encode(a[0]) for a in held}
    embed = concatenate(*[HashEmbed(nO=32, nV=20000 if s in WIDE else 2000, column=c, seed=c)
                          for c, s in enumerate(SLOTS)])
    layers = [Maxout(nO=args.width, nP=3, normalize=True, dropout=0.1)]
    for _ in range(args.depth):
        layers.append(residual(chain(expand_window(window_size=1),
                                     Maxout(nO=args.width, nP=3, normalize=True, dropout=0.1))))
    model = chain(with_array(embed), with_array(chain(*layers), pad=args.depth), with_array(Softmax(nO=len(LABELS))))
    eye = np.eye(len(LABELS), dtype="f")
    model.initialize(X=train_x[:8], Y=[eye[y] for y in train_y[:8]])
    print(f"cnn: {sum(len(y) for y in train_y):,} train tokens; width {args.width}, depth {args.depth}", flush=True)
    opt, order, rng = Adam(0.001), list(range(len(train_x))), random.Random(0)
    wanted = {int(e) for e in args.report.split(",")}
    for epoch in range(1, args.epochs + 1):
        t0 = time.monotonic()
        rng.shuffle(order)
        for b in range(0, len(order), 32):
            bx = [train_x[i] for i in order[b:b + 32]]
            by = [train_y[i] for i in order[b:b + 32]]
            guesses, backprop = model.begin_update(bx)
            n = sum(len(y) for y in by)
            backprop([(g - eye[y]) / n for g, y in zip(guesses, by)])
            model.finish_update(opt)
        print(f"cnn: epoch {epoch} in {time.monotonic() - t0:.0f} s", flush=True)
        if epoch in wanted:
            labels = {}
            for name, doc, _, _ in held:
                lab, prob = ["O"] * len(doc), [1.0] * len(doc)
                parts = held_x[name]
                for ((lo, hi), _), p in zip(parts, model.predict([x for _, x in parts])):
                    best = p.argmax(1)
                    lab[lo:hi] = [LABELS[j] for j in best]
                    prob[lo:hi] = p[np.arange(hi - lo), best].tolist()
                labels[id(doc)] = (lab, prob)
            report(f"ep{epoch}", Tagged("cnn", labels), held)


# ------------------------------------------------------------------ stacked

def _second_features(doc, paras, seqs) -> list[list[list[str]]]:
    role = ["O"] * len(doc)
    full = ["O"] * len(doc)
    for ((lo, hi), _), seq in zip(paras, seqs):
        full[lo:hi] = seq
        role[lo:hi] = [lab[-1] if lab != "O" else "O" for lab in seq]
    sent_cues = {}
    for s in doc.sents:
        cs = [i for i in range(s.start, s.end) if role[i] == "C"]
        for i in range(s.start, s.end):
            sent_cues[i] = cs
    out = []
    for (lo, hi), _ in paras:
        rows = []
        for i in range(lo, hi):
            f = [f"y={full[i]}", f"y-1y={role[i - 1] if i > lo else 'E'}|{role[i]}"]
            f += [f"y{k}={role[i + k] if lo <= i + k < hi else 'E'}" for k in (-3, -2, -1, 1, 2, 3)]
            tok = doc[i]
            f += [f"hy={role[tok.head.i]}", f"hy|d={role[tok.head.i]}|{tok.dep_}"]
            node, anc = tok, "none"
            for d in range(MAX_CLIMB):
                if node.head.i == node.i:
                    break
                node = node.head
                if role[node.i] == "C":
                    anc = f"C{min(d, 3)}"
                    break
            f.append(f"ycanc={anc}")
            cs = sent_cues[i]
            if cs:
                side = "L" if all(i < c for c in cs) else "R" if all(i > c for c in cs) else "M"
                f.append(f"ysc={side}{min(min(abs(i - c) for c in cs) // 3, 5)}")
            else:
                f.append("ysc=none")
            rows.append(f)
        out.append(rows)
    return out


def stacked(args) -> None:
    import pycrfsuite

    articles, fit_part, held, feats = load(args)
    gold = {a[0]: brat.token_labels(a[1], a[3]) for a in articles}
    docs = {a[0]: a[1] for a in articles}
    params = {"c1": 0.05, "c2": 0.01, "max_iterations": 100, "feature.possible_transitions": True,
              "feature.minfreq": 2}
    work = args.cache / "stacked"
    work.mkdir(parents=True, exist_ok=True)

    def rows(name, extra):
        for k, ((lo, hi), f) in enumerate(feats[name]):
            yield (lo, hi), (f if extra is None else [a + b for a, b in zip(f, extra[name][k])])

    def train(names, path, extra=None):
        tr = pycrfsuite.Trainer(verbose=False)
        for n in names:
            for (lo, hi), f in rows(n, extra):
                tr.append(f, gold[n][lo:hi])
        tr.set_params(params)
        tr.train(str(path))

    def tag(path, names, extra=None):
        tg = pycrfsuite.Tagger()
        tg.open(str(path))
        out = {}
        for n in names:
            out[n] = []
            for _, f in rows(n, extra):
                seq = tg.tag(f)
                out[n].append((seq, [tg.marginal(lab, k) for k, lab in enumerate(seq)]))
        return out

    fit_names, held_names = [a[0] for a in fit_part], [a[0] for a in held]
    fold = {n: int(hashlib.sha256(("f" + n).encode()).hexdigest()[:8], 16) % args.folds for n in fit_names}
    oof = {}
    for k in range(args.folds):
        t0 = time.monotonic()
        train([n for n in fit_names if fold[n] != k], work / f"fold{k}.crfsuite")
        oof.update(tag(work / f"fold{k}.crfsuite", [n for n in fit_names if fold[n] == k]))
        print(f"stacked: fold {k} in {time.monotonic() - t0:.0f} s", flush=True)
    second = {n: _second_features(docs[n], feats[n], [s for s, _ in oof[n]]) for n in fit_names}
    train(fit_names, work / "first.crfsuite")
    train(fit_names, work / "second.crfsuite", second)
    first = tag(work / "first.crfsuite", held_names)
    held_second = {n: _second_features(docs[n], feats[n], [s for s, _ in first[n]]) for n in held_names}
    final = tag(work / "second.crfsuite", held_names, held_second)
    for label, tagged in (("first", first), ("second", final)):
        labels = {}
        for n in held_names:
            lab, prob = ["O"] * len(docs[n]), [1.0] * len(docs[n])
            for ((lo, hi), _), (seq, ps) in zip(feats[n], tagged[n]):
                lab[lo:hi], prob[lo:hi] = seq, ps
            labels[id(docs[n])] = (lab, prob)
        report(label, Tagged(label, labels), held)


# ------------------------------------------------------------------ encoder

def encoder(args) -> None:
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from claimhouse.stories.clusters import MAX_TOKENS, Embedder

    texts = [p.read_text(encoding="utf-8") for p in sorted((args.dev / "seeds").glob("*.txt"))]
    chunks = []
    for t in texts:
        words = t.split()
        chunks += [" ".join(words[i:i + 90]) for i in range(0, len(words), 90)]
    n_words = sum(len(c.split()) for c in chunks)
    e = Embedder(threads=1)
    e.encode(chunks[:64])
    t0 = time.perf_counter()
    e.encode(chunks)
    dt = time.perf_counter() - t0
    pieces = sum(len(x.ids) for x in e.tokenizer.encode_batch(chunks))
    print(f"encoder  all-MiniLM-L6-v2, onnxruntime, one thread: {n_words:,} words in {len(chunks)} chunks "
          f"({pieces:,} word pieces with padding, cap {MAX_TOKENS}) in {dt:.1f} s = {n_words / dt:,.0f} words/s",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("route", choices=("cnn", "stacked", "encoder"))
    ap.add_argument("--train", type=Path, default=T.DEFAULT_TRAIN)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "polnear-dev")
    ap.add_argument("--cache", type=Path, default=Path(".cache") / "attribution")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--report", default="3,6,12", help="epochs after which the held-out figures are printed")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--folds", type=int, default=4)
    args = ap.parse_args()
    {"cnn": cnn, "stacked": stacked, "encoder": encoder}[args.route](args)


if __name__ == "__main__":
    main()
