"""Cleaning throughput: claimhouse's detect + clean against trafilatura alone, same pages, one process.

    uv run python benchmarks/cleaning.py [--pages DIR] [--limit N]

Both run on one core over the same pages (decompressed in memory beforehand, so
reading files is not timed). trafilatura alone means its default extraction with
metadata, as in the issue's baseline. Each side first warms up on a few pages
(pattern compilation in htmldate/dateparser), then both are timed in turn.
"""
from __future__ import annotations

import argparse
import gzip
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import trafilatura

from claimhouse.clean.document import clean
from claimhouse.ingest.formats import detect
from claimhouse.types import RejectedInput

DEFAULT_PAGES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev" / "seeds"


def load(pages: Path, limit: int | None) -> list[tuple[str, bytes]]:
    files = sorted(p for p in pages.iterdir() if p.is_file())[:limit]
    out = []
    for f in files:
        data = f.read_bytes()
        out.append((str(f), gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
    return out


def run_trafilatura(pages: list[tuple[str, bytes]]) -> int:
    n = 0
    for _, data in pages:
        if trafilatura.bare_extraction(data, with_metadata=True) is not None:
            n += 1
    return n


def run_claimhouse(pages: list[tuple[str, bytes]]) -> int:
    n = 0
    for path, data in pages:
        try:
            clean(detect(data, path), path)
            n += 1
        except RejectedInput:
            pass
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()
    pages = load(args.pages, args.limit)
    warm = pages[: args.warmup]
    run_trafilatura(warm)
    run_claimhouse(warm)
    timings = {}
    for name, fn in (("trafilatura", run_trafilatura), ("claimhouse", run_claimhouse)):
        t = time.perf_counter()
        ok = fn(pages)
        timings[name] = (time.perf_counter() - t, ok)
    print(f"cleaning benchmark  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  {platform.machine()}  "
          f"python {platform.python_version()}  trafilatura {trafilatura.__version__}  one core")
    print(f"pages {len(pages)} from {args.pages}")
    rates = {}
    for name, (dt, ok) in timings.items():
        rates[name] = len(pages) / dt
        print(f"{name:12s} {dt:8.2f} s  {rates[name]:7.1f} pages/s  ({ok} with text)")
    print(f"ratio claimhouse / trafilatura {rates['claimhouse'] / rates['trafilatura']:.2f}")


if __name__ == "__main__":
    main()
