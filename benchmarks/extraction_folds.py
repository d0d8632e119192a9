"""Title, author, date and main text on WCXB pages, per fold of sites: claimhouse against trafilatura alone.

    uv run python benchmarks/extraction_folds.py [--pages DIR] [--gold DIR] [--limit N] [--workers 2]
                                                 [--cache FILE] [--pages-out FILE] [--errors FOLD --field F]
                                                 [--warehouse W.duckdb]

Issue 17 asks for figures that hold on pages never seen. The pages are split by site exactly as
``benchmarks/date_folds.py`` splits them (sha256 of the registered domain of the gold URL, mod K; fold i
of 4 lies inside fold i mod 2 of 2), so every page of a site lands in the same fold. A rule designed on
the errors of fold A is kept only when it does not hurt fold B, and the reverse.

Per page:

* **ours**: ``clean(detect(page))``, the pipeline's own clean step (a page the step rejects has empty
  output, as it would be missing from the warehouse);
* **trafilatura**: ``trafilatura.bare_extraction(page, with_metadata=True)`` with default settings.

Every figure is computed by the functions of ``shared/eval/score.py`` itself (imported from that file):
title equal as lower-cased words, date the same day, author one containing the other, main text the
mean page precision and recall of word 4-shingles and their F1. trafilatura's output does not depend
on claimhouse, so ``--cache FILE`` keeps it (JSON) between runs. ``--warehouse W.duckdb`` takes "ours" from a
``claimhouse run`` over the same pages instead (its ``staging.documents``, as score.py reads it), so the folds
can be shown through the whole pipeline.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
FIELDS = ("title", "author", "date", "text")


def load_score(path: Path = EVAL / "score.py"):
    spec = importlib.util.spec_from_file_location("wcxb_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fold_of(domain: str | None, k: int) -> int:
    return int(hashlib.sha256((domain or "").encode()).hexdigest(), 16) % k


def _read(path: str) -> bytes:
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def ours(path: str) -> dict:
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect
    from claimhouse.types import RejectedInput

    try:
        d = clean(detect(_read(path), path), path)
    except RejectedInput:
        return {}
    return {"title": d.title, "author": d.author, "date": str(d.published_at or "")[:10] or None, "text": d.text}


def theirs(path: str) -> dict:
    import trafilatura

    try:
        d = trafilatura.bare_extraction(_read(path), with_metadata=True)
    except (ValueError, TypeError, AttributeError, IndexError):
        d = None
    if d is None:
        return {}
    return {"title": d.title, "author": d.author, "date": d.date, "text": d.text}


def from_warehouse(score, warehouse: str, golds: list[Path]) -> list[dict]:
    """Each gold page's row of ``staging.documents`` in a warehouse, matched as score.py matches it (the file
    name before its first dot); a page the warehouse lacks has empty output."""
    con = score.connect(warehouse)
    try:
        found = {score.stem_of(r["source_path"]): r for r in score.rows(
            con, "select source_path, title, author, published_at, text from staging.documents")}
    finally:
        con.close()
    out = []
    for gf in golds:
        r = found.get(gf.stem)
        out.append({} if r is None else {"title": r["title"], "author": r["author"],
                                         "date": str(r["published_at"] or "")[:10] or None, "text": r["text"]})
    return out


def judge(score, g: dict, p: dict) -> dict:
    """score.py's per-page verdicts: None where the gold has no such field."""
    out: dict = {}
    out["title"] = (score.lower_words(g["title"]) == score.lower_words(p.get("title"))) if g.get("title") else None
    out["date"] = (str(p.get("date") or "")[:10] == str(g["publish_date"])[:10]) if g.get("publish_date") else None
    if g.get("author"):
        ga = " ".join(score.lower_words(g["author"]))
        pa = " ".join(score.lower_words(p.get("author")))
        out["author"] = bool(pa) and (ga in pa or pa in ga)
    else:
        out["author"] = None
    out["text"] = score.page_tp_fp_fn(g.get("main_content") or "", p.get("text") or "")
    return out


def summary(score, rows: list[dict], who: str) -> dict:
    res = {}
    for f in ("title", "author", "date"):
        vals = [r[who][f] for r in rows if r[who][f] is not None]
        res[f] = (sum(vals) / len(vals) if vals else float("nan"), len(vals))
    page = [r[who]["text"] for r in rows]
    prec = [score.page_precision(*x) for x in page if x[0] + x[1] > 0]
    rec = [score.page_recall(*x) for x in page if x[0] + x[2] > 0]
    p = statistics.mean(prec) if prec else 0.0
    r = statistics.mean(rec) if rec else 0.0
    res["text"] = (2 * p * r / (p + r) if p + r else 0.0, len(page))
    return res


def table(score, title: str, names: list[str], rows: list[dict]) -> None:
    print(title)
    print(f"  {'fold':5s} {'pages':>5s} | {'title':>5s} {'trafil.':>7s} | {'author':>6s} {'trafil.':>7s} | "
          f"{'date':>5s} {'trafil.':>7s} | {'text F1':>7s} {'trafil.':>7s}")
    for name in names + ["all"]:
        sel = [r for r in rows if name == "all" or r["fold"] == name]
        a, b = summary(score, sel, "ours"), summary(score, sel, "trafilatura")
        cells = " | ".join(f"{a[f][0]:5.3f} {b[f][0]:7.3f}".rjust(13) for f in ("title", "author", "date"))
        print(f"  {name:5s} {len(sel):5d} | {cells} | {a['text'][0]:7.3f} {b['text'][0]:7.3f}")
    counts = summary(score, rows, "ours")
    print(f"  (pages with a gold title {counts['title'][1]}, author {counts['author'][1]}, date {counts['date'][1]})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=EVAL / "wcxb-dev" / "seeds")
    ap.add_argument("--gold", type=Path, default=EVAL / "wcxb-dev" / "gold")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=None, help="JSON file keeping trafilatura's output between runs")
    ap.add_argument("--pages-out", type=Path, default=None, help="write per-page outputs and verdicts (JSON Lines)")
    ap.add_argument("--warehouse", default=None,
                    help="score a `claimhouse run` warehouse's staging.documents as 'ours' instead of running clean here")
    ap.add_argument("--errors", default=None, help="print this fold's misses (A, B, 0-3) of --field")
    ap.add_argument("--field", default="title", choices=FIELDS)
    args = ap.parse_args()
    score = load_score()
    from claimhouse.clean.textmeta import registered_domain

    golds = sorted(args.gold.glob("*.json"))[: args.limit]
    paths = [str(next(args.pages.glob(gf.stem + ".*"))) for gf in golds]
    cache = json.loads(args.cache.read_text()) if args.cache and args.cache.exists() else {}
    todo = [p for gf, p in zip(golds, paths) if gf.stem not in cache]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for gf, out in zip([g for g, p in zip(golds, paths) if p in set(todo)], pool.map(theirs, todo, chunksize=8)):
            cache[gf.stem] = out
        mine = from_warehouse(score, args.warehouse, golds) if args.warehouse else list(pool.map(ours, paths, chunksize=8))
    if args.cache:
        args.cache.write_text(json.dumps(cache, sort_keys=True))
    rows = []
    for gf, p in zip(golds, mine):
        g = json.loads(gf.read_text())
        dom = registered_domain(g.get("url"))
        rows.append({"page": gf.stem, "url": g.get("url"), "fold2": "AB"[fold_of(dom, 2)], "fold4": str(fold_of(dom, 4)),
                     "ours": judge(score, g, p), "trafilatura": judge(score, g, cache[gf.stem]),
                     "gold": {"title": g.get("title"), "author": g.get("author"), "date": g.get("publish_date")},
                     "pred": {k: p.get(k) for k in ("title", "author", "date")},
                     "traf": {k: cache[gf.stem].get(k) for k in ("title", "author", "date")}})
    if args.pages_out:
        args.pages_out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"WCXB by site fold: {len(rows)} pages; each figure as shared/eval/score.py extraction computes it")
    table(score, "2 folds", ["A", "B"], [dict(r, fold=r["fold2"]) for r in rows])
    table(score, "4 folds", ["0", "1", "2", "3"], [dict(r, fold=r["fold4"]) for r in rows])
    if args.errors:
        key = "fold2" if args.errors in ("A", "B") else "fold4"
        for r in rows:
            if r[key] != args.errors:
                continue
            if args.field == "text":
                tp, fp, fn = r["ours"]["text"]
                if fp + fn > 0.1:
                    print(f"{r['page']} tp {tp:.2f} fp {fp:.2f} fn {fn:.2f}  {r['url']}")
            elif r["ours"][args.field] is False:
                print(f"{r['page']} gold {r['gold'][args.field]!r}\n   ours {r['pred'][args.field]!r}\n"
                      f"   traf {r['traf'][args.field]!r}  {r['url']}")


if __name__ == "__main__":
    main()
