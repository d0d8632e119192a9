"""Two more routes to main text beyond trafilatura, each chosen on one fold of WCXB sites and scored on the other.

    uv run --group bench python benchmarks/text_routes_folds.py [--pages DIR] [--gold DIR] [--workers N] [--cache F]

Issue 17 asks for main text beyond trafilatura by a clear margin on unseen pages. The per-page choice of
trafilatura's settings and a learned line filter are measured elsewhere (``line_filter_folds.py``). This script
measures two further routes. The pipeline uses neither, because neither carried over (docs/benchmarks.md,
"Other extractors and trafilatura's XML").

1. **Other extractors, alone and voting with ours** (after Bevendorff et al., SIGIR 2023, whose ensemble of
   extractors beat each member). Five extractors from PyPI, in the ``bench`` dependency group only:
   resiliparse (``main_content=True``), readability-lxml, boilerpy3's ArticleExtractor, jusText (English
   stoplist) and goose3. Two ways to combine them with the clean step's text:
   - **drop** a line of ours that none of the other extractors has (each with 50+ words of output, at least
     ``min_active`` of them), if the line's length is in a range of words;
   - **add** a line of one extractor (``source``) that ours lacks (under 20% of its shingles in ours), when at
     least ``k`` of the other extractors have it and it has ``min_words`` words or more. It goes in after the
     line of ours that precedes it in the source's order.

   A line "has" another extractor's support when half of its 4-word shingles are in that extractor's text.
   Every setting of the grid, and leaving ours unchanged (``None``), is scored on both folds; the one best on
   the training fold is reported on the other fold, both ways.
2. **trafilatura's XML output.** The page is extracted again as trafilatura XML (fast pass, tables on). Each
   element (``p``, ``head`` with its ``rend``, ``item``, ``cell``, ``quote``, ``code``) is labelled by how many
   of its 4-word shingles are in the gold. A class of element whose text is mostly not in the gold on the
   training fold would be a rule to drop it; the table shows each class's share on both folds.

Scores are ``score.py``'s: mean page precision over pages with output, mean page recall over pages with gold,
F1 of the two. Folds are ``extraction_folds.py``'s (sha256 of the site's domain mod 2). ``--cache`` keeps the
extractors' texts (JSON Lines) between runs. About 10 minutes on 2 cores, 5 with the cache.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import extraction_folds as ef  # noqa: E402

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev"
OTHERS = ("resiliparse", "readability", "boilerpy3", "justext", "goose3")
_W = re.compile(r"\w+")
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption")
XML_ELEMENTS = ("p", "head", "item", "cell", "quote", "code")
SUPPORT = 0.5  # share of a line's shingles in another extractor's text for that extractor to "have" it
NEW_BELOW = 0.2  # an added line has under this share of its shingles in ours
ACTIVE_WORDS = 50  # an extractor with fewer words of output takes no part in the vote


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    w = _W.findall(text.lower())
    return {tuple(w[i:i + n]) for i in range(max(1, len(w) - n + 1))} if w else set()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _block_text(html_fragment: str) -> str:
    import lxml.html

    try:
        tree = lxml.html.fromstring(html_fragment)
    except (ValueError, TypeError, SyntaxError):
        return ""
    lines = (" ".join(el.text_content().split()) for el in tree.iter(*_BLOCKS))
    return "\n".join(s for s in lines if s)


def _others(raw: bytes) -> dict[str, str]:
    """Each other extractor's main text of one page ('' where it fails)."""
    html = _decode(raw)
    out = dict.fromkeys(OTHERS, "")
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        out["resiliparse"] = extract_plain_text(HTMLTree.parse(html), main_content=True, alt_texts=False,
                                                links=False, list_bullets=False, noscript=False)
    except Exception:  # noqa: BLE001 - a failing extractor contributes nothing to this page
        pass
    try:
        from readability import Document

        out["readability"] = _block_text(Document(html).summary())
    except Exception:  # noqa: BLE001
        pass
    try:
        from boilerpy3 import extractors

        out["boilerpy3"] = extractors.ArticleExtractor(raise_on_failure=False).get_content(html) or ""
    except Exception:  # noqa: BLE001
        pass
    try:
        import justext

        out["justext"] = "\n".join(p.text for p in justext.justext(raw, justext.get_stoplist("English"))
                                   if not p.is_boilerplate)
    except Exception:  # noqa: BLE001
        pass
    try:
        from goose3 import Goose

        with Goose({"enable_image_fetching": False}) as goose:
            out["goose3"] = goose.extract(raw_html=html).cleaned_text or ""
    except Exception:  # noqa: BLE001
        pass
    return out


def _xml_elements(raw: bytes, gold: set) -> list[tuple[str, int, int]]:
    """(element class, shingles, shingles in the gold) for each element of trafilatura's XML output."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(raw, output_format="xml", include_comments=False, include_tables=True, fast=True,
                                  with_metadata=False)
    except (ValueError, TypeError, AttributeError, IndexError):
        return []
    if not xml:
        return []
    out = []
    for el in etree.fromstring(xml.encode()).iter(*XML_ELEMENTS):
        text = " ".join("".join(el.itertext()).split())
        if len(text.split()) < 4:
            continue  # no 4-word shingle to label
        s = shingles(text)
        parent = el.getparent().tag if el.getparent() is not None else ""
        name = el.tag + (f"[{el.get('rend')}]" if el.tag == "head" and el.get("rend") else "")
        out.append((f"{name} in {parent}", len(s), len(s & gold)))
    return out


def page(args: tuple[str, str, str]) -> dict:
    gold_path, path, fold = args
    g = json.loads(Path(gold_path).read_text())
    raw = ef._read(path)
    gold = g.get("main_content") or ""
    return {"page": Path(gold_path).stem, "fold": fold, "gold": gold, "ours": ef.ours(path).get("text") or "",
            **_others(raw), "xml": _xml_elements(raw, shingles(gold))}


def score(score_mod, pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """score.py's F1, precision and recall over (gold, prediction) pairs."""
    tps = [score_mod.page_tp_fp_fn(g, p) for g, p in pairs]
    prec = statistics.mean(score_mod.page_precision(*x) for x in tps if x[0] + x[1] > 0)
    rec = statistics.mean(score_mod.page_recall(*x) for x in tps if x[0] + x[2] > 0)
    return (2 * prec * rec / (prec + rec) if prec + rec else 0.0), prec, rec


def prepare(r: dict) -> None:
    r["sh"] = {o: shingles(r[o]) for o in OTHERS}
    r["active"] = [o for o in OTHERS if len(r[o].split()) >= ACTIVE_WORDS]
    r["ours_sh"] = shingles(r["ours"])
    r["lines"] = []
    for line in r["ours"].split("\n"):
        s = shingles(line)
        support = {o: bool(s) and len(s & r["sh"][o]) / len(s) >= SUPPORT for o in OTHERS}
        r["lines"].append((line, len(_W.findall(line)), s, support))


def dropped(r: dict, words: tuple[int, int], min_active: int) -> str:
    if len(r["active"]) < min_active:
        return r["ours"]
    keep = [line for line, n, _, support in r["lines"]
            if not (words[0] <= n <= words[1] and not any(support[o] for o in r["active"]))]
    return "\n".join(keep)


def added(r: dict, source: str, k: int, min_words: int) -> str:
    if not r["ours"].strip():
        return r["ours"]
    after: dict[int, list[str]] = defaultdict(list)
    last = -1
    for line in r[source].split("\n"):
        s = shingles(line)
        if not s:
            continue
        if len(s & r["ours_sh"]) / len(s) >= SUPPORT:  # a line ours has: where the next new one goes
            last = next((i for i, (_, _, ls, _) in enumerate(r["lines"]) if ls and len(s & ls) / len(s) >= SUPPORT),
                        last)
            continue
        if len(s & r["ours_sh"]) / len(s) > NEW_BELOW or len(_W.findall(line)) < min_words:
            continue
        if sum(len(s & r["sh"][o]) / len(s) >= SUPPORT for o in OTHERS if o != source) >= k:
            after[last].append(line)
    out = list(after.get(-1, []))
    for i, (line, _, _, _) in enumerate(r["lines"]):
        out.append(line)
        out += after.get(i, [])
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=EVAL / "seeds")
    ap.add_argument("--gold", type=Path, default=EVAL / "gold")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=None, help="JSON Lines file keeping every extractor's text")
    args = ap.parse_args()
    score_mod = ef.load_score()
    from claimhouse.clean.textmeta import registered_domain

    if args.cache and args.cache.exists():
        rows = [json.loads(line) for line in args.cache.open()]
    else:
        todo = []
        for gf in sorted(args.gold.glob("*.json")):
            g = json.loads(gf.read_text())
            todo.append((str(gf), str(next(args.pages.glob(gf.stem + ".*"))),
                         "AB"[ef.fold_of(registered_domain(g.get("url")), 2)]))
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            rows = list(pool.map(page, todo, chunksize=4))
        if args.cache:
            args.cache.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for r in rows:
        prepare(r)
    folds = {f: [r for r in rows if r["fold"] == f] for f in "AB"}
    print(f"WCXB by site fold: {len(rows)} pages (A {len(folds['A'])}, B {len(folds['B'])}); "
          "text F1 / P / R as score.py computes them")
    print("\n1a. each extractor alone")
    for name in ("ours", *OTHERS):
        print(f"  {name:12}" + "".join(f"  {f} {score(score_mod, [(r['gold'], r[name]) for r in fs])[0]:.4f}"
                                       for f, fs in folds.items()))
    grids = {  # None: ours unchanged, so a route that helps nowhere is not chosen
        "drop": [None, *itertools.product(((1, 3), (4, 20), (1, 30), (1, 10**6)), (3, 4, 5))],
        "add": [None, *itertools.product(("resiliparse", "readability"), (2, 3, 4), (5, 10, 20))],
    }
    combine = {"drop": lambda r, s: r["ours"] if s is None else dropped(r, *s),
               "add": lambda r, s: r["ours"] if s is None else added(r, *s)}
    for route, grid in grids.items():
        print(f"\n1b. {route}: {len(grid) - 1} settings and None; the best on the training fold, scored on the other")
        table = {s: {f: score(score_mod, [(r["gold"], combine[route](r, s)) for r in fs]) for f, fs in folds.items()}
                 for s in grid}
        for train, test in (("A", "B"), ("B", "A")):
            best = max(grid, key=lambda s: table[s][train][0])
            base = {f: score(score_mod, [(r["gold"], r["ours"]) for r in folds[f]])[0] for f in (train, test)}
            print(f"  chosen on {train}: {best}  {train} {base[train]:.4f} -> {table[best][train][0]:.4f}   "
                  f"held-out {test} {base[test]:.4f} -> {table[best][test][0]:.4f}")
    print("\n2. trafilatura XML elements (4+ words): share of their shingles in the gold, by fold")
    stats: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"A": [0, 0, 0], "B": [0, 0, 0]})
    for r in rows:
        for name, n, inside in r["xml"]:
            s = stats[name][r["fold"]]
            s[0] += 1
            s[1] += n
            s[2] += inside
    print(f"  {'element':22} {'A: n':>7} {'shingles':>9} {'in gold':>7}  {'B: n':>7} {'shingles':>9} {'in gold':>7}")
    for name, s in sorted(stats.items(), key=lambda kv: -(kv[1]["A"][1] + kv[1]["B"][1])):
        if s["A"][1] + s["B"][1] < 500:
            continue
        print(f"  {name:22}" + "".join(f" {s[f][0]:7d} {s[f][1]:9d} {s[f][2] / max(1, s[f][1]):7.2f} "
                                       for f in "AB"))


if __name__ == "__main__":
    main()
