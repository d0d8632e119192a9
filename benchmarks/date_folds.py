"""Publication-date accuracy on WCXB pages, per fold of sites: claimhouse against trafilatura's own date.

    uv run python benchmarks/date_folds.py [--pages DIR] [--gold DIR] [--limit N] [--cache FILE]

Issue 17 asks for figures that hold on pages never seen. The pages are split by site (the registered
domain of the gold URL, so every page of a site lands in the same fold; fold = sha256(domain) mod K),
into K=2 folds (A, B) and K=4 folds (0-3; fold i of 4 lies inside fold i mod 2 of 2). A date rule
designed on fold A is checked on fold B, and the reverse.

Per page:

* **ours**: ``clean(detect(page))`` as the pipeline's clean step runs it (``published_at``; a page the
  step rejects has no date, as it would be missing from the warehouse);
* **trafilatura**: ``trafilatura.extract_metadata`` with default settings (the same date as
  ``bare_extraction(page, with_metadata=True)``, the README's 'trafilatura alone' baseline).

Both are scored as ``shared/eval/score.py extraction`` scores the date: same day (first ten characters),
over the pages whose gold has a ``publish_date``; pages without one are left out. The right-hand
columns repeat the figures on the pages whose gold day is written somewhere in the HTML (ISO,
numeric or month-name forms): a page without it cannot be got right from the page. trafilatura's dates do
not depend on claimhouse, so ``--cache FILE`` keeps them (JSON) between runs. One process, about
0.1 s a page.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import trafilatura

from claimhouse.clean.document import clean
from claimhouse.ingest.formats import detect
from claimhouse.clean.textmeta import registered_domain
from claimhouse.types import RejectedInput

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev"


def fold_of(domain: str | None, k: int) -> int:
    return int(hashlib.sha256((domain or "").encode()).hexdigest(), 16) % k


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]


def gold_in_html(html: str, gold: str) -> bool:
    """Whether the gold day is written anywhere in the page (ISO, numeric, or with the month's name)."""
    try:
        d = datetime.strptime(str(gold)[:10], "%Y-%m-%d")
    except ValueError:
        return False
    y, m, dd, h = d.year, d.month, d.day, html.lower()
    forms = [f"{y}-{m:02d}-{dd:02d}", f"{y}/{m:02d}/{dd:02d}", f"{y}/{m}/{dd}", f"{y}.{m:02d}.{dd:02d}",
             f"{y}{m:02d}{dd:02d}", f"{m}/{dd}/{y}", f"{m:02d}/{dd:02d}/{y}", f"{dd}/{m}/{y}", f"{dd:02d}/{m:02d}/{y}",
             f"{dd:02d}.{m:02d}.{y}", f"{dd}.{m}.{y}", f"{m:02d}-{dd:02d}-{y}", f"{dd:02d}-{m:02d}-{y}",
             f"{m}/{dd}/{str(y)[2:]}", f"{m:02d}.{dd:02d}.{y}"]
    if any(f in h for f in forms):
        return True
    name = _MONTHS[m - 1]
    return bool(re.search(rf"\b(?:{name}|{name[:3]}\.?|sept\.?)\s+0?{dd}(?:st|nd|rd|th)?,?\s+{y}\b"
                          rf"|\b0?{dd}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{name}|{name[:3]}\.?),?\s+{y}\b", h))


def same_day(pred, gold) -> bool:
    """score.py's rule: the first ten characters of the stored date equal the gold's."""
    return str(pred or "")[:10] == str(gold)[:10]


def ours(data: bytes, path: str):
    try:
        return clean(detect(data, path), path).published_at
    except RejectedInput:
        return None


def theirs(data: bytes):
    try:
        return trafilatura.extract_metadata(data).date
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def table(title: str, names: list[str], rows: list[dict]) -> None:
    print(title)
    print(f"  {'fold':8s} {'pages':>5s} {'ours':>6s} {'trafil.':>7s} {'diff':>6s}   {'gold in HTML':>12s} {'ours':>6s} {'trafil.':>7s}")
    for name in names + ["all"]:
        sel = [r for r in rows if name == "all" or r["fold"] == name]
        n = len(sel)
        a = sum(r["ours_ok"] for r in sel) / n if n else float("nan")
        b = sum(r["traf_ok"] for r in sel) / n if n else float("nan")
        seen = [r for r in sel if r["in_html"]]
        m = len(seen)
        c = sum(r["ours_ok"] for r in seen) / m if m else float("nan")
        e = sum(r["traf_ok"] for r in seen) / m if m else float("nan")
        print(f"  {name:8s} {n:5d} {a:6.3f} {b:7.3f} {a - b:+6.3f}   {m:12d} {c:6.3f} {e:7.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=EVAL / "seeds")
    ap.add_argument("--gold", type=Path, default=EVAL / "gold")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="JSON file keeping trafilatura's dates between runs")
    ap.add_argument("--pages-out", type=Path, default=None, help="write the per-page dates (JSON Lines)")
    args = ap.parse_args()
    cache = json.loads(args.cache.read_text()) if args.cache and args.cache.exists() else {}
    golds = sorted(args.gold.glob("*.json"))[: args.limit]
    rows, skipped = [], 0
    for gf in golds:
        g = json.loads(gf.read_text())
        if not g.get("publish_date"):
            skipped += 1
            continue
        src = next(args.pages.glob(gf.stem + ".*"))
        data = src.read_bytes()
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        if gf.stem not in cache:
            cache[gf.stem] = theirs(data)
        mine = ours(data, str(src))
        dom = registered_domain(g.get("url"))
        rows.append({"page": gf.stem, "domain": dom, "gold": str(g["publish_date"])[:10],
                     "ours": str(mine)[:10] if mine else None, "trafilatura": cache[gf.stem],
                     "in_html": gold_in_html(data.decode("utf-8", "replace"), g["publish_date"]),
                     "ours_ok": same_day(mine, g["publish_date"]),
                     "traf_ok": same_day(cache[gf.stem], g["publish_date"]),
                     "fold2": "AB"[fold_of(dom, 2)], "fold4": str(fold_of(dom, 4))})
    if args.cache:
        args.cache.write_text(json.dumps(cache, sort_keys=True))
    if args.pages_out:
        args.pages_out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"date accuracy (same day) by site fold; {len(rows)} pages with a gold date, {skipped} without (left out)")
    table("2 folds", ["A", "B"], [dict(r, fold=r["fold2"]) for r in rows])
    table("4 folds", ["0", "1", "2", "3"], [dict(r, fold=r["fold4"]) for r in rows])


if __name__ == "__main__":
    main()
