"""Nearest neighbours of claim embeddings from an HNSW index (usearch), kept on disk beside the warehouse.

Dagster-free. The story step asks the index for each new claim's nearest stored claims instead of
comparing it with every stored claim, so its cost grows with the new claims (and the logarithm of the
corpus), not with the corpus. The index only *proposes* candidates: their exact cosine similarity is
computed from the float vectors in ``core.claim_embeddings``, so every pair written is exactly what a
brute-force comparison gives, as long as the index finds the neighbour (recall, measured by
``benchmarks/ann_recall.py``).

- **Keys.** A claim's key is the first 63 bits of the BLAKE2b hash of its claim_id
  (``claim_key``), stored in ``core.claim_embeddings.ann_key``.
- **File.** ``<warehouse>.claims.usearch`` plus ``<warehouse>.claims.usearch.json``, which holds the
  count and the XOR of the keys it contains. Both are replaced atomically (temporary file, then
  ``os.replace``) after the step's last commit.
- **Always in step with the table.** On opening, the count and XOR are compared with the table's
  (``count(*)``, ``bit_xor(ann_key)``, one aggregate). After a crash between a commit and the save, or
  when the file is missing or unreadable, the index is repaired: it adds the keys the table has and it
  lacks, and removes the keys the table no longer has. It is never trusted over the table.
- **Exact vectors by position.** The float32 vectors the exact cosine needs are kept beside the index
  too (``VectorStore``: one append-only file of rows, the key of each row in a ``.npy``), so a batch reads
  only the rows of its proposals. Read from the table instead, the proposals of one batch touch every
  block of the embedding column (they are spread over the whole corpus), which cost a scan of 1.5 GB and
  as much memory per batch at a million claims.
- **Storage.** Vectors are held as float16 inside the index (half the memory of float32; cosine to
  about 1e-3, which matters only for the candidate cut-off, ``PREFILTER_MARGIN`` below PAIR_MIN).
"""
from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DIM = 384
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
DTYPE = os.environ.get("CLAIMHOUSE_ANN_DTYPE", "i8")  # vectors inside the index: i8 (half the memory of f16) or f16
I8_SCALE = 3.0  # i8 only: measured on real claim vectors, cosine error sd 0.0009 (max 0.004) at 3, 0.0026 at 1
# below this many stored claims the story step compares exactly with all of them and keeps no index: on this
# machine one exact pass and the index (with its upkeep) cost the same at about 100,000 stored claims
MIN_STORED = int(os.environ.get("CLAIMHOUSE_ANN_MIN_STORED", "100000"))
K = int(os.environ.get("CLAIMHOUSE_ANN_K", "64"))  # neighbours asked per claim, doubled while all qualify
K_MAX = 1024
PREFILTER_MARGIN = 0.02  # candidates down to PAIR_MIN - margin (index similarity) are checked exactly


def claim_key(claim_id: str) -> int:
    """The index key of a claim: 63 bits of BLAKE2b of its id (collisions: about 1 in 10^12 at 3 million)."""
    return int.from_bytes(hashlib.blake2b(claim_id.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def claim_keys(claim_ids) -> np.ndarray:
    return np.fromiter((claim_key(c) for c in claim_ids), dtype=np.uint64, count=len(claim_ids))


def index_path(warehouse: str | Path) -> Path:
    p = Path(warehouse)
    return p.with_name(p.name + ".claims.usearch") if p.suffix != ".usearch" else p


def _new_index():
    from usearch.index import Index

    return Index(ndim=DIM, metric="cos", dtype=DTYPE, connectivity=CONNECTIVITY,
                 expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)


def _stored(vectors: np.ndarray) -> np.ndarray:
    """Vectors as the index is given them: float32, times I8_SCALE when the index holds int8 (cosine does
    not see the factor; usearch rounds x * 127 to an integer, and unit vectors of 384 dimensions have
    components of about 0.05, so without it most would land on a handful of levels)."""
    v = np.asarray(vectors, dtype=np.float32)
    return v * I8_SCALE if DTYPE == "i8" else v


def _xor(keys: np.ndarray) -> int:
    return int(np.bitwise_xor.reduce(keys.astype(np.uint64))) if len(keys) else 0


GET_PAGES_ROWS = 1024  # VectorStore.get: rows read before the mapped pages are let go


class VectorStore:
    """The float32 vector of each indexed claim, readable by key without scanning the table.

    ``<index>.vectors.<generation>`` holds rows of DIM float32, appended; ``<index>.vectors.<generation>.keys.npy``
    the key of each row (0 where the claim was removed); ``<index>.vectors.json`` which generation is current
    and how many rows of it count. Rows appended after the last save (a crash in between) are cut off on
    opening; the owner (``ClaimIndex.sync``) then adds what the table has and the store lacks. A save that
    finds more than a quarter of the rows removed writes a new generation with the live rows only, and
    switches to it by replacing the json file: a crash at any point leaves one whole generation current.
    ``path`` None: in memory only.
    """

    ROW = DIM * 4

    def __init__(self, path: Path | None):
        self.path = path
        self.generation, self.rows = 0, 0
        self.keys = np.zeros(0, dtype=np.uint64)
        self._memory: list[np.ndarray] = []
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None
        if path is None:
            return
        meta_path = path.with_name(path.name + ".json")
        try:
            if meta_path.exists():
                meta = json.loads(meta_path.read_text())
                gen, rows = int(meta["generation"]), int(meta["rows"])
                keys = np.load(self._keys_file(gen))[:rows].astype(np.uint64)
                data = self._data_file(gen)
                if len(keys) != rows or data.stat().st_size < rows * self.ROW:
                    raise ValueError(f"{len(keys)} keys and {data.stat().st_size // self.ROW} rows, {rows} recorded")
                if data.stat().st_size > rows * self.ROW:  # appended after the last save
                    os.truncate(data, rows * self.ROW)
                self.generation, self.rows, self.keys = gen, rows, keys
        except Exception as exc:  # noqa: BLE001 - refilled from the table by ClaimIndex.sync
            log.warning("claim vectors %s unusable (%s); refilling them from core.claim_embeddings", path, exc)
            self.generation, self.rows, self.keys = 0, 0, np.zeros(0, dtype=np.uint64)
        for old in path.parent.glob(f"{path.name}.*"):  # other generations, half-written keys
            if old.name not in {meta_path.name, self._data_file(self.generation).name,
                                self._keys_file(self.generation).name}:
                old.unlink(missing_ok=True)
        if self.rows == 0:
            self._data_file(self.generation).unlink(missing_ok=True)

    def _data_file(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{generation}")

    def _keys_file(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{generation}.keys.npy")

    def held(self) -> np.ndarray:
        return self.keys[self.keys != 0]

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if not len(keys):
            return
        rows = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(keys), DIM)
        if self.path is None:
            self._memory.append(rows.copy())
        else:
            with open(self._data_file(self.generation), "ab") as f:
                f.seek(self.rows * self.ROW)
                f.truncate()
                f.write(rows.tobytes())
        self.keys = np.concatenate([self.keys, keys])
        self.rows += len(keys)
        self._lookup = None

    def remove(self, keys: np.ndarray) -> None:
        if len(keys) and len(self.keys):
            self.keys[np.isin(self.keys, np.asarray(keys, dtype=np.uint64))] = 0
            self._lookup = None

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, float32 vectors of the found keys, in the order given)."""
        keys = np.asarray(keys, dtype=np.uint64)
        if self._lookup is None:
            order = np.argsort(self.keys, kind="stable")
            self._lookup = (self.keys[order], order)
        sorted_keys, slots = self._lookup
        if not len(sorted_keys) or not len(keys):
            return np.zeros(len(keys), bool), np.zeros((0, DIM), np.float32)
        at = np.clip(np.searchsorted(sorted_keys, keys), 0, len(sorted_keys) - 1)
        found = (sorted_keys[at] == keys) & (keys != 0)
        rows = slots[at[found]]
        if self.path is None:
            return found, np.concatenate(self._memory)[rows]
        # read through a mapping whose pages are let go every GET_PAGES_ROWS rows: the kernel maps the
        # neighbours of each page read (fault-around, 64 KiB), so rows spread over the file would otherwise
        # bring most of it into the process's resident memory
        order = np.argsort(rows)  # in file order
        out = np.empty((len(rows), DIM), dtype=np.float32)
        with open(self._data_file(self.generation), "rb") as f, \
                mmap.mmap(f.fileno(), self.rows * self.ROW, access=mmap.ACCESS_READ) as mapped:
            data = np.frombuffer(mapped, dtype=np.float32, count=self.rows * DIM).reshape(self.rows, DIM)
            for start in range(0, len(order), GET_PAGES_ROWS):
                part = order[start:start + GET_PAGES_ROWS]
                out[part] = data[rows[part]]
                if hasattr(mmap, "MADV_DONTNEED"):
                    mapped.madvise(mmap.MADV_DONTNEED)
            del data
        return found, out

    def save(self) -> None:
        if self.path is None:
            return
        live = self.keys != 0
        if self.rows >= 10_000 and (~live).sum() * 4 > self.rows:  # compact into a new generation
            new = self.generation + 1
            data = np.memmap(self._data_file(self.generation), dtype=np.float32, mode="r", shape=(self.rows, DIM))
            with open(self._data_file(new), "wb") as f:
                for start in range(0, self.rows, 65_536):
                    part = live[start:start + 65_536]
                    f.write(np.ascontiguousarray(data[start:start + 65_536][part]).tobytes())
                f.flush()
                os.fsync(f.fileno())
            del data
            old = self.generation
            self.generation, self.keys, self.rows = new, self.keys[live], int(live.sum())
            self._lookup = None
            self._write_meta()
            self._data_file(old).unlink(missing_ok=True)
            self._keys_file(old).unlink(missing_ok=True)
            return
        if self.rows:
            with open(self._data_file(self.generation), "ab") as f:
                os.fsync(f.fileno())
        self._write_meta()

    def _write_meta(self) -> None:
        keys_tmp = self.path.with_name(f".{self.path.name}.keys.{os.getpid()}.tmp")
        with open(keys_tmp, "wb") as f:
            np.save(f, self.keys)
        os.replace(keys_tmp, self._keys_file(self.generation))
        meta_tmp = self.path.with_name(f".{self.path.name}.json.{os.getpid()}.tmp")
        meta_tmp.write_text(json.dumps({"generation": self.generation, "rows": self.rows}))
        os.replace(meta_tmp, self.path.with_name(self.path.name + ".json"))


class ClaimIndex:
    """The HNSW index of ``core.claim_embeddings`` (see the module docstring); ``path`` None: in memory only."""

    def __init__(self, path: Path | None):
        self.path = path
        self.index = _new_index()
        self.count, self.xor = 0, 0
        self.repaired = 0  # keys added or removed to bring the file in step with the table
        if path is not None:  # temporary files of a save that was killed
            for stale in path.parent.glob(f".{path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
        if path is not None and path.exists():
            try:
                meta = json.loads(path.with_name(path.name + ".json").read_text())
                if meta.get("dtype", "f16") != DTYPE:
                    raise ValueError(f"it holds {meta.get('dtype', 'f16')} vectors, {DTYPE} wanted")
                self.index.load(str(path))
                self.count, self.xor = int(meta["count"]), int(meta["xor"])
                if len(self.index) != self.count:
                    raise ValueError(f"{len(self.index)} vectors, {self.count} in its record")
            except Exception as exc:  # noqa: BLE001 - unreadable or half-written: rebuilt from the table
                log.warning("claim index %s unusable (%s); rebuilding it from core.claim_embeddings", path, exc)
                self.index, self.count, self.xor = _new_index(), 0, 0
        self.vectors = VectorStore(path.with_name(path.name + ".vectors") if path is not None else None)

    def __len__(self) -> int:
        return len(self.index)

    # ------------------------------------------------------------ keep in step with the table
    def sync(self, con) -> None:
        """Make the index, and the vectors beside it, hold exactly the keys of core.claim_embeddings."""
        _fill_keys(con)
        n, x = con.execute("select count(*), coalesce(bit_xor(ann_key), 0) from core.claim_embeddings").fetchone()
        held_vectors = self.vectors.held()
        if ((n, int(x)) == (self.count, self.xor) == (len(held_vectors), _xor(held_vectors))
                and len(self.index) == n):
            return
        table_keys = np.unique(con.execute("select ann_key from core.claim_embeddings").fetchnumpy()["ann_key"]
                               .astype(np.uint64))
        held = np.asarray(self.index.keys, dtype=np.uint64) if len(self.index) else np.zeros(0, np.uint64)
        extra = np.setdiff1d(held, table_keys)
        if len(extra):
            self.index.remove(extra)
        self.vectors.remove(np.setdiff1d(held_vectors, table_keys))
        missing = np.setdiff1d(table_keys, held)
        missing_vectors = np.setdiff1d(table_keys, held_vectors)
        wanted = np.union1d(missing, missing_vectors)
        for keys, vecs in _table_vectors(con, wanted, len(table_keys)):
            into_index = np.isin(keys, missing)
            if into_index.any():
                self.index.add(keys[into_index], _stored(vecs[into_index]))
            into_store = np.isin(keys, missing_vectors)
            self.vectors.add(keys[into_store], vecs[into_store])
        self.repaired += len(extra) + len(missing)
        if self.repaired or len(missing_vectors):
            log.warning("claim index brought in step with core.claim_embeddings: %d added, %d removed; "
                        "%d vectors added beside it", len(missing), len(extra), len(missing_vectors))
        self.count, self.xor = len(table_keys), _xor(table_keys)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        fresh = ~self.index.contains(keys) if len(self.index) else np.ones(len(keys), bool)
        if fresh.any():
            self.index.add(keys[fresh], _stored(np.asarray(vectors)[fresh]))
            self.vectors.add(keys[fresh], np.asarray(vectors)[fresh])
            self.count += int(fresh.sum())
            self.xor ^= _xor(keys[fresh])

    def remove(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        held = keys[self.index.contains(keys)] if len(self.index) and len(keys) else keys[:0]
        if len(held):
            self.index.remove(held)
            self.vectors.remove(held)
            self.count -= len(held)
            self.xor ^= _xor(held)

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.index.save(str(tmp))
        os.replace(tmp, self.path)
        meta_tmp = self.path.with_name(f".{self.path.name}.json.{os.getpid()}.tmp")
        meta_tmp.write_text(json.dumps({"count": self.count, "xor": str(self.xor), "dtype": DTYPE}))
        os.replace(meta_tmp, self.path.with_name(self.path.name + ".json"))
        self.vectors.save()

    def stored_vectors(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, float32 vectors of the found keys): the exact vectors behind proposals."""
        return self.vectors.get(keys)

    # ------------------------------------------------------------ search
    def candidate_pairs(self, vectors: np.ndarray, min_similarity: float) -> tuple[np.ndarray, np.ndarray]:
        """(row of ``vectors``, key) of each stored claim the index proposes for that vector: those whose
        index similarity reaches ``min_similarity`` minus PREFILTER_MARGIN (K neighbours asked, doubled
        while all qualify, up to K_MAX)."""
        if not len(self.index) or not len(vectors):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        cut = 1.0 - (min_similarity - PREFILTER_MARGIN)  # cosine distance
        rows_out: list[np.ndarray] = []
        keys_out: list[np.ndarray] = []
        todo, k = np.arange(len(vectors)), K
        while len(todo):
            k_eff = min(k, len(self.index))
            matches = self.index.search(_stored(vectors[todo]), k_eff)
            keys = np.asarray(matches.keys).reshape(len(todo), -1)
            dist = np.asarray(matches.distances).reshape(len(todo), -1)
            ok = dist <= cut
            full = ok.all(axis=1)
            last = k_eff >= len(self.index) or k >= K_MAX
            done = ~full | last  # a vector asked again gives all its pairs on the wider search
            r, c = np.nonzero(ok & done[:, None])
            rows_out.append(todo[r])
            keys_out.append(keys[r, c].astype(np.uint64))
            if last:
                break
            todo, k = todo[full], k * 2
        rows = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
        keys = np.concatenate(keys_out) if keys_out else np.zeros(0, dtype=np.uint64)
        return rows.astype(np.int64), keys

    def candidates(self, vectors: np.ndarray, min_similarity: float) -> np.ndarray:
        """Keys of the stored claims the index proposes for some vector (``candidate_pairs``)."""
        return np.unique(self.candidate_pairs(vectors, min_similarity)[1])


def _table_vectors(con, keys: np.ndarray, table_rows: int):
    """(keys, float32 vectors) of the table's rows with these keys, in chunks. Many keys: one pass over
    the table; a few: looked up."""
    if not len(keys):
        return
    if len(keys) * 20 > table_rows:
        reader = con.execute("select ann_key, embedding from core.claim_embeddings").to_arrow_reader(50_000)
        for batch in reader:
            got = batch.column(0).to_numpy().astype(np.uint64)
            pick = np.isin(got, keys)
            if pick.any():
                vecs = batch.column(1).flatten().to_numpy().reshape(-1, DIM)[pick]
                yield got[pick], np.ascontiguousarray(vecs, dtype=np.float32)
        return
    for start in range(0, len(keys), 50_000):
        part = keys[start:start + 50_000]
        rows = con.execute("""select ann_key, embedding from core.claim_embeddings
                              where ann_key in (select unnest(?::ubigint[]))""", [part.tolist()]).fetchnumpy()
        if len(rows["ann_key"]):
            yield rows["ann_key"].astype(np.uint64), np.stack(rows["embedding"]).astype(np.float32)


def _fill_keys(con) -> None:
    """ann_key for rows written before the column existed (once per warehouse)."""
    import polars as pl

    ids = [r[0] for r in con.execute("select claim_id from core.claim_embeddings where ann_key is null").fetchall()]
    if not ids:
        return
    frame = pl.DataFrame({"claim_id": ids, "ann_key": claim_keys(ids)}, schema={"claim_id": pl.Utf8, "ann_key": pl.UInt64})
    con.register("_ann_keys", frame.to_arrow())
    try:
        con.execute("""update core.claim_embeddings e set ann_key = k.ann_key from _ann_keys k
                       where e.claim_id = k.claim_id""")
    finally:
        con.unregister("_ann_keys")
