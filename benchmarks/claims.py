"""Claim-extraction throughput on one core: spaCy parse + extract_claims, words/s.

    uv run python benchmarks/claims.py [--texts DIR] [--repeat N] [--batch-size B]

Reads every *.txt file of DIR (default: the PolNeAR dev articles), turns each into
clean text exactly as the pipeline does (detect + clean; not timed), loads the spaCy
model with claimhouse.nlp.pipeline.load_nlp() and warms it up on one text (not timed). Then it
times, separately, the parse (nlp.pipe) and claim extraction
(extract_claims(doc, split_sentences(doc))) over all documents, --repeat times over
the corpus. Words are len(text.split()) of the clean texts. Runs pinned to one core
with BLAS/OpenMP threads set to 1.
"""
from __future__ import annotations

import os

# One core: thread counts must be set before numpy/spacy are imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from claimhouse.nlp.claims import extract_claims
from claimhouse.clean.document import clean
from claimhouse.ingest.formats import detect
from claimhouse.nlp.pipeline import load_nlp, split_sentences
from claimhouse.types import RejectedInput

DEFAULT_TEXTS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "polnear-dev" / "seeds"


def load_texts(folder: Path) -> tuple[list[str], int]:
    """Clean texts of folder/*.txt, as the pipeline makes them; and how many files were rejected."""
    texts, rejected = [], 0
    for f in sorted(folder.glob("*.txt")):
        path = str(f)
        try:
            texts.append(clean(detect(f.read_bytes(), path), path).text)
        except RejectedInput:
            rejected += 1
    return texts, rejected


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=Path, default=DEFAULT_TEXTS, help="folder of *.txt articles")
    ap.add_argument("--repeat", type=int, default=1, help="run the corpus N times")
    ap.add_argument("--batch-size", type=int, default=16, help="nlp.pipe batch size")
    args = ap.parse_args()

    texts, rejected = load_texts(args.texts)
    if not texts:
        raise SystemExit(f"no usable *.txt files in {args.texts}")
    corpus = texts * max(1, args.repeat)
    words = sum(len(t.split()) for t in corpus)

    t = time.perf_counter()
    nlp = load_nlp()
    dt_load = time.perf_counter() - t
    extract_claims(warm := nlp(texts[0]), split_sentences(warm))  # warm-up, not timed

    t = time.perf_counter()
    docs = list(nlp.pipe(corpus, batch_size=args.batch_size))
    dt_parse = time.perf_counter() - t

    t = time.perf_counter()
    claims = [c for doc in docs for c in extract_claims(doc, split_sentences(doc))]
    dt_claims = time.perf_counter() - t

    attributions = sum(1 for c in claims if c.cue_text)
    total = dt_parse + dt_claims
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"claims benchmark  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {platform.machine()}  "
          f"python {platform.python_version()}  {nlp.meta.get('lang', '')}_{nlp.meta.get('name', '?')} {nlp.meta.get('version', '?')}  "
          f"one core" + (f" (cpu {cpus[0]})" if cpus and len(cpus) == 1 else ""))
    print(f"texts {len(texts)} from {args.texts}" + (f"  ({rejected} rejected)" if rejected else "")
          + (f"  x{args.repeat}" if args.repeat > 1 else "")
          + f"  batch size {args.batch_size}  model load {dt_load:.2f} s (not timed)")
    print(f"documents {len(corpus):8d}")
    print(f"words     {words:8d}")
    print(f"parse     {dt_parse:8.2f} s  {words / dt_parse:8.0f} words/s  (nlp.pipe)")
    print(f"claims    {dt_claims:8.2f} s  {words / dt_claims:8.0f} words/s  (split_sentences + extract_claims)")
    print(f"claims step (parse + claims)  {words / total:.0f} words/s on one core  ({total:.2f} s)")
    print(f"found     {len(claims):8d} claims  {attributions} attributions (non-empty cue_text)")
    print(f"peak RSS  {peak_rss_mb():8.0f} MB")


if __name__ == "__main__":
    main()
