"""A learned choice among a page's date candidates, trained on one fold of WCXB sites and scored on the other.

    uv run --group bench python benchmarks/date_model_folds.py [--pages DIR] [--gold DIR] [--workers N]

Issue 17 asks to choose between the page's date evidence "with a model or rule set that you validate across
folds". The pipeline uses a rule set (``claimhouse.clean.pagedate``). This script measures the other route: a
classifier over the same evidence. The pipeline does not use it (docs/benchmarks.md, "A learned date choice").

* **Candidates.** Every day the page offers as its date:
  - the dates shown after the ``<h1>`` (first three) and before it (first two), with their labels, as
    ``pagedate.header_dates`` reads them;
  - the metadata's published and modified dates (``pagedate.metadata_dates``: JSON-LD, then ``<meta>``);
  - htmldate's date with trafilatura's settings (the pipeline's fallback);
  - an "originally published on <date>" statement (``pagedate.originally_published``).
* **Features** of a candidate day: which sources give it (position, label, markup-only label), whether
  the page has a JSON-LD published date, whether its URL carries the day's month, whether the day is the
  oldest or newest candidate, how many sources agree on it, and how far it is from the oldest.
  A second table adds one more feature: whether the rule set chose the day (a model that may overrule it).
* **Label.** The day is the gold day.
* **Models.** scikit-learn, in the ``bench`` dependency group only: a logistic regression and gradient-boosted
  trees. Each is trained on fold A's candidates and scored on fold B's pages (the candidate with the highest
  score is the page's date), then the reverse.
* **Scores.** Same day, over every page with a gold date, as ``score.py`` counts it: a page whose gold day
  is no candidate is a miss. The rule set (``pagedate.page_date`` with htmldate's date as fallback, as the
  clean step runs it) and the best any choice could do (the gold day among the candidates) are printed
  beside the models.

Folds are ``extraction_folds.py``'s (sha256 of the site's domain mod 2). About a minute on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import extraction_folds as ef  # noqa: E402

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev"
SOURCES = ("post0", "post1", "post2", "pre0", "pre1", "published", "modified", "htmldate", "originally")
KINDS = ("published", "updated", "unlabelled")


def candidates(path: str) -> dict:
    """The page's date evidence: {day: [source tags]} and page-level facts, plus the rule set's day."""
    from htmldate import find_date
    from trafilatura.metadata import extract_url, set_date_params
    from trafilatura.utils import load_html

    from claimhouse.clean import document, pagedate

    tree = load_html(ef._read(path))
    if tree is None:
        return {"days": {}, "rules": None}
    ld = document._page_meta(tree)["ld"]
    post, pre = pagedate.header_dates(tree)
    published, modified, in_ld = pagedate.metadata_dates(tree, ld)
    config = set_date_params(True)
    config["url"] = extract_url(tree, None)
    try:
        fallback = find_date(load_html(ef._read(path)), **config)
    except (ValueError, TypeError, AttributeError, IndexError):
        fallback = None
    days: dict[str, list[str]] = {}

    def add(d, *tags):
        if d is not None:
            days.setdefault(d.date().isoformat() if hasattr(d, "date") else str(d)[:10], []).extend(tags)

    for name, shown in [(f"post{i}", d) for i, d in enumerate(post[:3])] + [(f"pre{i}", d) for i, d in
                                                                           enumerate(pre[:2])]:
        add(shown.date, name, "kind_" + shown.kind, *(["markup"] if shown.by_markup else []))
    add(published, "published", "ld" if in_ld else "meta_tag")
    add(modified, "modified")
    add(pagedate.local_date(fallback), "htmldate")
    add(pagedate.originally_published(tree), "originally")
    rules = pagedate.page_date(tree, ld, fallback)
    return {"days": days, "rules": rules.date().isoformat() if rules else None, "in_ld": in_ld,
            "url_month": pagedate.url_month(pagedate.page_url(tree)),
            "shows_updated": any(d.kind == pagedate.UPDATED for d in (post + pre)[:5])}


def features(page: dict, with_rules: bool = False) -> list[tuple[str, list[float]]]:
    days = sorted(page["days"])
    if not days:
        return []
    oldest = date.fromisoformat(days[0])
    out = []
    for day in days:
        tags = page["days"][day]
        d = date.fromisoformat(day)
        row = [float(s in tags) for s in SOURCES]
        row += [float(("kind_" + k) in tags) for k in KINDS]
        row += [float("markup" in tags), float("ld" in tags), float("meta_tag" in tags), float(page["in_ld"]),
                float(page["shows_updated"]), float(page["url_month"] == (d.year, d.month)),
                float(day == days[0]), float(day == days[-1]), float(len(days)),
                float(sum(s in tags for s in SOURCES)), math.log1p((d - oldest).days)]
        if with_rules:
            row.append(float(day == page["rules"]))
        out.append((day, row))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=EVAL / "seeds")
    ap.add_argument("--gold", type=Path, default=EVAL / "gold")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from claimhouse.clean.textmeta import registered_domain

    golds, paths = [], []
    for gf in sorted(args.gold.glob("*.json")):
        g = json.loads(gf.read_text())
        if g.get("publish_date"):
            golds.append(g)
            paths.append(str(next(args.pages.glob(gf.stem + ".*"))))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        pages = list(pool.map(candidates, paths, chunksize=8))
    for g, p in zip(golds, pages):
        p["gold"] = str(g["publish_date"])[:10]
        p["fold"] = "AB"[ef.fold_of(registered_domain(g.get("url")), 2)]
    models = {
        "logistic regression": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
        "boosted trees": lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0),
    }
    print(f"WCXB pages with a gold date: {len(pages)}; same day, as score.py counts it")
    for with_rules in (False, True):
        for p in pages:
            p["rows"] = features(p, with_rules)
        print("features: the evidence" + (" and the rule set's choice" if with_rules else ""))
        print(f"  {'train':5} {'test':4} | {'pages':>5} {'rules':>6} {'gold a candidate':>16} | "
              + " | ".join(f"{m:>19}" for m in models))
        for train, test in (("A", "B"), ("B", "A")):
            fold_figures(pages, models, train, test)


def fold_figures(pages: list[dict], models: dict, train: str, test: str) -> None:
    """Each model trained on fold ``train``'s candidates, scored on fold ``test``'s pages (one printed row)."""
    import numpy as np

    tr = [p for p in pages if p["fold"] == train]
    te = [p for p in pages if p["fold"] == test]
    x = np.array([row for p in tr for _, row in p["rows"]])
    y = np.array([day == p["gold"] for p in tr for day, _ in p["rows"]])
    figures = []
    for make in models.values():
        model = make().fit(x, y)
        right = 0
        for p in te:
            if p["rows"]:
                scores = model.predict_proba(np.array([row for _, row in p["rows"]]))[:, 1]
                right += p["rows"][int(np.argmax(scores))][0] == p["gold"]
        figures.append(right / len(te))
    rules = sum(p["rules"] == p["gold"] for p in te) / len(te)
    ceiling = sum(p["gold"] in p["days"] for p in te) / len(te)
    print(f"  {train:5} {test:4} | {len(te):5d} {rules:6.3f} {ceiling:16.3f} | "
          + " | ".join(f"{f:19.3f}" for f in figures))

if __name__ == "__main__":
    main()
