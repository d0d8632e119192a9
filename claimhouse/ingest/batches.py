"""Ingest batches: how the input folder splits into independent pieces of work (Dagster partitions).

Dagster-free. A batch is a folder directly inside the input folder (a day's crawl ``2026-12-06/``, one
WARC archive's folder of a backfill), and the files lying directly in the input folder form the batch
``.``. Listing the batches reads one directory, so a sensor can do it every 30 seconds on a folder of
millions of files. A batch's documents are those of ``raw.file_documents`` whose file lies in it.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT_BATCH = "."  # the files directly in the input folder
# characters Dagster refuses in a partition key; a folder so named is left to whole-folder runs
_REFUSED = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0", ",", "[", "]")


def valid_key(name: str) -> bool:
    return bool(name) and not name.startswith(".") and not any(s in name for s in _REFUSED)


def list_batches(seeds_dir: Path | str) -> list[str]:
    """The batch keys of the input folder, sorted: ``.`` when files lie directly in it, then each
    non-hidden sub-folder (symbolic links to folders are not batches: the scan never follows them)."""
    keys: set[str] = set()
    try:
        entries = list(os.scandir(seeds_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if valid_key(entry.name):
                keys.add(entry.name)
        else:
            keys.add(ROOT_BATCH)
    return sorted(keys)


def batch_of(path: Path | str, seeds_dir: Path | str) -> str | None:
    """The batch holding ``path`` (a file below ``seeds_dir``, as listed or by its real path: the seeds
    folder may be reached through a link), or None when it lies outside."""
    target = Path(os.path.abspath(path))
    for root in dict.fromkeys((os.path.abspath(seeds_dir), os.path.realpath(seeds_dir))):
        try:
            parts = target.relative_to(root).parts
            break
        except ValueError:
            continue
    else:
        return None
    if not parts:
        return None
    return ROOT_BATCH if len(parts) == 1 else parts[0]


def batch_files(seeds_dir: Path | str, key: str, listed: list[Path]) -> list[Path]:
    """The files of ``listed`` (a listing of the whole input folder) that lie in batch ``key``."""
    return [p for p in listed if batch_of(p, seeds_dir) == key]


def root_files(seeds_dir: Path | str) -> list[Path]:
    """The batch ``.``: every non-hidden entry directly in the input folder that is not a folder (links
    included, as the scan lists them to record what it will not follow), sorted."""
    return sorted(Path(e.path) for e in os.scandir(seeds_dir)
                  if not e.name.startswith(".") and not e.is_dir(follow_symlinks=False))


def batch_folder(seeds_dir: Path | str, key: str) -> Path:
    """Where batch ``key``'s files are: the input folder itself for ``.``, else its sub-folder."""
    return Path(seeds_dir) if key == ROOT_BATCH else Path(seeds_dir) / key


def source_prefix(seeds_dir: Path | str, key: str) -> str:
    """The ``source_path`` prefix of the batch's files in the warehouse (the scan stores real paths)."""
    return os.path.join(os.path.realpath(batch_folder(seeds_dir, key)), "")
