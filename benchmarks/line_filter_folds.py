"""A learned filter over the clean step's main-text lines, trained on one fold of WCXB sites, scored on the other.

    uv run --group bench python benchmarks/line_filter_folds.py [--pages DIR] [--gold DIR] [--workers N]

Issue 17 names "a learned block classifier over DOM features" as an untried route to main text beyond
trafilatura. This measures it. The pipeline does not use it: it did not carry over to sites it had not seen
(docs/benchmarks.md, "A learned line filter").

* **Lines.** Every line of ``clean(detect(page)).text``, the text the clean step stores.
* **Labels.** A line of four or more scorer words is main text when half of its 4-word shingles are in the
  gold main text (``score.py``'s shingles). A shorter line is main text when it appears in the gold.
* **Features.** Each line is found in the parsed page: the first block element whose whole text equals the
  line. 87% of lines are found. The features are:
  - the class, id, role and itemprop words of the element and its five nearest ancestors;
  - their tags, and the landmark elements around it (``article``, ``aside``, ``footer``, ``nav``, ``form`` ...);
  - link density of the element and of its parent, its depth, and the parent's text length;
  - from the line itself: its length, its position in the text, its last character, and list or table markup.
* **Models.** scikit-learn, in the ``bench`` dependency group only:
  - a logistic regression over the hashed words plus the scaled numbers;
  - gradient-boosted trees over the numbers alone.
* **Protocol.** Each model is trained on fold A's pages and scored on fold B's, then the reverse. The folds
  are ``extraction_folds.py``'s: by site, sha256 of the domain mod 2. The keep threshold is chosen on
  the training fold. Lines below it are dropped, and the text is scored with ``score.py``'s page
  precision, recall and F1.

About 4 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import extraction_folds as ef  # noqa: E402

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev"
BLOCK = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "blockquote", "pre", "dd", "dt", "span",
         "a", "figcaption", "section", "article", "tr", "strong", "em", "b", "label", "time", "small", "button",
         "caption", "summary"}
LANDMARKS = ("article", "main", "aside", "footer", "header", "nav", "form", "section")
_WORD = re.compile(r"[a-z]+")
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4)


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def page_lines(path: str) -> tuple[str, list[str], list[tuple[list[float], list[str]]]]:
    """(page id, the clean step's lines, per line: numeric features and word features)."""
    from trafilatura.utils import load_html

    name = Path(path).name.split(".")[0]
    text = ef.ours(path).get("text") or ""
    lines = text.split("\n") if text else []
    tree = load_html(ef._read(path).decode("utf-8", "replace")) if lines else None
    index: dict[str, object] = {}
    if tree is not None:
        for el in tree.iter():
            if isinstance(el.tag, str) and el.tag in BLOCK:
                t = _norm(el.text_content())
                if t and len(t) < 3000 and t not in index:
                    index[t] = el
    n, total = len(lines), sum(len(ln.split()) for ln in lines) or 1
    out = []
    for i, line in enumerate(lines):
        el = index.get(_norm(line.lstrip("-| ").strip()))
        nw = len(line.split())
        num = [np.log1p(nw), i / n, np.log1p(i), np.log1p(n - 1 - i), np.log1p(n), nw / total,
               float(line.rstrip().endswith((".", "!", "?", '"', "\u201d"))), float(line.rstrip().endswith(":")),
               float(line.startswith("- ")), float(line.startswith("|")), float(el is None)]
        words: list[str] = ["unmatched"]
        if el is not None:
            words = []
            e, depth = el, 0
            while e is not None and depth < 6:
                if isinstance(e.tag, str):
                    words.append("tag:" + e.tag)
                    for attr in ("class", "id", "role", "itemprop"):
                        for w in _WORD.findall((e.get(attr) or "").lower()):
                            words += [f"{min(depth, 3)}:{w}", f"any:{w}"]
                e, depth = e.getparent(), depth + 1
            ancestors = {a.tag for a in el.iterancestors() if isinstance(a.tag, str)}
            words += ["in:" + t for t in LANDMARKS if t in ancestors]
            tl = len(el.text_content()) or 1
            parent = el.getparent() if el.getparent() is not None else el
            ptl = len(parent.text_content()) or 1
            num += [sum(len(a.text_content()) for a in el.iter("a")) / tl,
                    sum(len(a.text_content()) for a in parent.iter("a")) / ptl,
                    float(len(ancestors)), np.log1p(ptl)]
        else:
            num += [-1.0, -1.0, -1.0, -1.0]
        out.append((num, words))
    return name, lines, out


def main() -> None:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=EVAL / "seeds")
    ap.add_argument("--gold", type=Path, default=EVAL / "gold")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    score = ef.load_score()
    golds = {g.stem: json.loads(g.read_text()) for g in sorted(args.gold.glob("*.json"))}
    paths = sorted(str(p) for p in args.pages.iterdir() if p.name.split(".")[0] in golds)
    with ProcessPoolExecutor(args.workers) as pool:
        pages = list(pool.map(page_lines, paths, chunksize=8))
    fold = {name: "AB"[ef.fold_of(score_domain(golds[name]), 2)] for name, _, _ in pages}

    rows = []  # (page, line, label, numbers, words)
    for name, lines, feats in pages:
        gtext = golds[name].get("main_content") or ""
        gs, gflat = score.shingle_counts(gtext), _norm(gtext)
        for line, (num, words) in zip(lines, feats):
            ls = score.shingle_counts(line)
            if len(score.words(line)) >= 4:
                label = sum(min(ls[k], gs[k]) for k in ls) / sum(ls.values()) >= 0.5
            else:
                label = _norm(line) in gflat
            rows.append((name, line, label, num, words))
    y = np.array([r[2] for r in rows])
    num = np.array([r[3] for r in rows], dtype=float)
    scaled = (num - num.mean(0)) / (num.std(0) + 1e-9)
    hashed = FeatureHasher(n_features=2 ** 15, input_type="string", alternate_sign=False).transform(
        [r[4] for r in rows])
    both = hstack([hashed, csr_matrix(scaled)]).tocsr()
    row_fold = np.array([fold[r[0]] for r in rows])

    def f1(names: list[str], keep) -> tuple[float, float, float]:
        kept: dict[str, list[str]] = {}
        for r, k in zip(rows, keep):
            if k:
                kept.setdefault(r[0], []).append(r[1])
        page = [score.page_tp_fp_fn(golds[n].get("main_content") or "", "\n".join(kept.get(n, []))) for n in names]
        p = statistics.mean(score.page_precision(*x) for x in page if x[0] + x[1] > 0)
        r = statistics.mean(score.page_recall(*x) for x in page if x[0] + x[2] > 0)
        return 2 * p * r / (p + r), p, r

    print(f"WCXB main-text lines: {len(rows)} on {len(pages)} pages, "
          f"{sum(1 for p in pages for f in p[2] if f[1] != ['unmatched'])} found in the page's markup; "
          f"{y.mean():.3f} of lines are main text")
    print("  train test | model                    threshold | train F1 | test F1     P     R | test, no filter")
    for train, test in (("A", "B"), ("B", "A")):
        tr_names = [n for n, _, _ in pages if fold[n] == train]
        te_names = [n for n, _, _ in pages if fold[n] == test]
        everything = np.ones(len(rows), bool)
        base = f1(te_names, everything)
        mask = row_fold == train
        models = [("logistic, words+numbers", LogisticRegression(C=0.3, max_iter=3000), both),
                  ("boosted trees, numbers",
                   HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0), num)]
        for label, model, X in models:
            model.fit(X[mask], y[mask])
            prob = model.predict_proba(X)[:, 1]
            th = max(THRESHOLDS, key=lambda t: f1(tr_names, prob >= t)[0])
            tr = f1(tr_names, prob >= th)[0]
            te = f1(te_names, prob >= th)
            print(f"  {train:5s} {test:4s} | {label:24s} {th:9.2f} | {tr:8.3f} | {te[0]:7.3f} {te[1]:5.3f} "
                  f"{te[2]:5.3f} | {base[0]:.3f} (P {base[1]:.3f} R {base[2]:.3f})")


def score_domain(gold: dict) -> str | None:
    from claimhouse.clean.textmeta import registered_domain

    return registered_domain(gold.get("url"))


if __name__ == "__main__":
    main()
