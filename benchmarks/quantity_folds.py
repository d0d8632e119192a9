"""Quantity extraction figures on NewsQuant dev, per fold of items: value, value+unit, value+unit+change F1.

    uv run python benchmarks/quantity_folds.py [--set DIR] [--errors FOLD] [--check] [--warehouse W.duckdb]

Issue 17 asks for figures that hold on sentences never seen. The dev items are split by item
(fold = sha256(file stem) mod K) into K=2 folds (A, B) and K=4 folds (0-3; fold i of 4 lies inside
fold i mod 2 of 2). A rule designed on fold A is checked on fold B, and the reverse.

Each sentence goes through the pipeline's own code, one document at a time: the clean step's worker
(``staging_steps._clean_batch``: detect + clean, the text as stored in ``staging.documents``), the English-only
filter of ``core_steps.analyse_pending``, and the analyse step's worker (``core_steps._analyse_batch``: the same
spaCy model from ``nlp.load_nlp`` and ``nlp.analyze`` -> ``quantities.extract_quantities``; the
quantity rows as written to ``core.quantities``). The rows are scored with the matching rules of
``shared/eval/score.py quantities``: its ``same_value`` and ``unit_key`` are imported from that file,
and the one-to-one matching loop below is a copy of its loop. ``--check`` writes the rows into a
scratch warehouse and runs score.py's own ``score_quantities`` on it, to show that the all-items
figures are the same; ``--warehouse`` scores a real ``claimhouse run`` warehouse the same way.

``--errors A`` (or B, 0-3) lists, per item of that fold, the gold and predicted quantities that did not
match at value+unit+change level. One process, about 10 s for the 295 sentences.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
LEVELS = ("value", "value_unit", "value_unit_change")


def load_score(path: Path = EVAL / "score.py"):
    spec = importlib.util.spec_from_file_location("nq_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fold_of(stem: str, k: int) -> int:
    return int(hashlib.sha256(stem.encode()).hexdigest(), 16) % k


def predict(seeds: Path) -> dict[str, list[dict]]:
    """core.quantities rows per item stem, as the pipeline writes them (one worker, this process)."""
    from claimhouse.steps import staging as staging_steps
    from claimhouse.steps import core as core_steps

    out: dict[str, list[dict]] = {}
    for path in sorted(seeds.glob("*.txt")):
        stem = path.name.split(".", 1)[0]
        doc_id = stem
        cleaned = staging_steps._clean_batch([(doc_id, str(path), path.read_bytes(), None)])[0]
        if not cleaned["ok"] or (cleaned["language"] and cleaned["language"] not in core_steps.ENGLISH):
            out[stem] = []  # missing from the warehouse (or not analysed): scores as empty output
            continue
        rows = core_steps._analyse_batch([(doc_id, cleaned["text"])])[0]
        out[stem] = rows["quantities"] if rows["ok"] else []
        for q in out[stem]:
            q["_text"] = cleaned["text"]
    return out


def match(score, gold: list[dict], pred: list[dict]) -> tuple[Counter, list[bool], list[bool]]:
    """score.py's one-to-one matching of one item (same loop, same order). Also which gold / predicted
    quantities found a partner at value+unit+change level (for the error listing)."""
    c = Counter()
    g_ok, p_ok = [False] * len(gold), [False] * len(pred)
    for level in LEVELS:
        free = list(range(len(pred)))
        for gi, g in enumerate(gold):
            for pi in free:
                p = pred[pi]
                ok = score.same_value(p, g)
                if ok and level != "value":
                    pu = {score.unit_key(p["unit"]), score.unit_key(p["normalized_unit"])}
                    gu = {score.unit_key(g["unit"]), score.unit_key(g["normalized_unit"])}
                    ok = bool(pu & gu)
                if ok and level == "value_unit_change":
                    ok = (p["change"] or "=") == (g["change"] or "=")
                if ok:
                    c[level] += 1
                    free.remove(pi)
                    if level == "value_unit_change":
                        g_ok[gi] = p_ok[pi] = True
                    break
    return c, g_ok, p_ok


def f1(tp: int, n_pred: int, n_gold: int) -> float:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def table(score, golds: dict, preds: dict, k: int, names) -> list[str]:
    rows = []
    groups = [(names[f], [s for s in golds if fold_of(s, k) == f]) for f in range(k)] + [("all", list(golds))]
    for name, stems in groups:
        c = Counter()
        for s in stems:
            m, _, _ = match(score, golds[s], preds.get(s, []))
            c.update(m)
            c["g"] += len(golds[s])
            c["p"] += len(preds.get(s, []))
        rows.append(f"{name:>5} {len(stems):6d} {c['g']:5d} {c['p']:5d}   "
                    + "   ".join(f"{f1(c[lv], c['p'], c['g']):.3f}" for lv in LEVELS))
    head = f"{'fold':>5} {'items':>6} {'gold':>5} {'pred':>5}   value  v+unit  v+u+chg"
    return [f"K={k}", head] + rows


def show_errors(score, golds: dict, preds: dict, which: str):
    k, f = (2, "AB".index(which)) if which in "AB" else (4, int(which))
    for s in sorted(golds):
        if fold_of(s, k) != f:
            continue
        gold, pred = golds[s], preds.get(s, [])
        _, g_ok, p_ok = match(score, gold, pred)
        if all(g_ok) and all(p_ok):
            continue
        text = pred[0]["_text"] if pred else ""
        print(f"== {s}: {text or '(no prediction)'}")
        for g, ok in zip(gold, g_ok):
            if not ok:
                print(f"   gold  {g['value']!s:>14} | {g.get('unit')!s} | {g.get('normalized_unit')!s} | {g.get('change')}"
                      f"   «{g.get('surface', '')}»")
        for p, ok in zip(pred, p_ok):
            if not ok:
                vm = f"-{p['value_max']:g}" if p.get("value_max") is not None else ""
                print(f"   pred  {p['value']:>14g}{vm} | {p['unit']} | {p['normalized_unit']} | {p['change']}"
                      f"   «{p['surface']}»")


def score_warehouse(score, warehouse: str, gold: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        score.score_quantities(argparse.Namespace(warehouse=warehouse, gold=str(gold)))
    return buf.getvalue()


def check(score, preds: dict, seeds: Path, gold: Path) -> str:
    """score.py's own figures on a scratch warehouse holding exactly these rows."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        wh = str(Path(tmp) / "nq.duckdb")
        con = duckdb.connect(wh)
        con.execute("create schema staging; create schema core")
        con.execute("create table staging.documents (doc_id varchar, source_path varchar)")
        con.execute("create table core.quantities (doc_id varchar, value double, value_max double, unit varchar,"
                    " normalized_unit varchar, change varchar)")
        for stem, rows in preds.items():
            con.execute("insert into staging.documents values (?, ?)", [stem, str(seeds / f"{stem}.txt")])
            for q in rows:
                con.execute("insert into core.quantities values (?, ?, ?, ?, ?, ?)",
                            [stem, q["value"], q["value_max"], q["unit"], q["normalized_unit"], q["change"]])
        con.close()
        return score_warehouse(score, wh, gold)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=EVAL / "newsquant-dev")
    ap.add_argument("--errors", choices=["A", "B", "0", "1", "2", "3"], help="list the misses of one fold")
    ap.add_argument("--check", action="store_true", help="also run score.py's scorer on a scratch warehouse")
    ap.add_argument("--warehouse", help="also score this claimhouse warehouse with score.py")
    ap.add_argument("--dump", type=Path, help="write the predicted rows per item (JSON), to diff two versions")
    a = ap.parse_args()
    score = load_score()
    gold_dir, seeds = a.set / "gold", a.set / "seeds"
    golds = {p.stem: json.loads(p.read_text()) for p in sorted(gold_dir.glob("*.json"))}
    preds = predict(seeds)
    if a.dump:
        a.dump.write_text(json.dumps({s: [{k: q[k] for k in ("surface", "value", "value_max", "unit", "normalized_unit",
                                                           "change")} for q in rows] for s, rows in preds.items()},
                                     indent=1, sort_keys=True))
    if a.errors:
        show_errors(score, golds, preds, a.errors)
        return
    for k, names in ((2, "AB"), (4, "0123")):
        print("\n".join(table(score, golds, preds, k, names)))
        print()
    if a.check:
        print("score.py on a scratch warehouse of these rows:")
        print(check(score, preds, seeds, gold_dir))
    if a.warehouse:
        print(f"score.py on {a.warehouse}:")
        print(score_warehouse(score, a.warehouse, gold_dir))


if __name__ == "__main__":
    sys.exit(main())
