"""Container files that hold many documents: WARC archives and JSON Lines dumps.

``container_kind(data, source_path)`` looks only at the bytes (never at the name)
and returns ``'warc'``, ``'jsonl'`` or ``None``.
``iter_records(data, source_path)`` yields one :class:`Record` per document in the
container, or a :class:`RejectedRecord` for a part that cannot be read, and goes on.

WARC (plain or ``.warc.gz``, one gzip member per record; a whole-file gzip also
works while it stays under the size limit): one document per ``response`` record
with a 2xx HTTP status and an HTML ``Content-Type`` (``text/html``,
``application/xhtml+xml``). ``warcinfo``, ``request``, ``metadata``, ``revisit``,
``resource`` records and non-HTML or non-2xx responses are not documents and are
skipped silently. The framing (gzip members, ``Content-Length``) is done here, so a
corrupt record is reported and the next one is still read; warcio parses each
record (WARC and HTTP headers, chunked transfer encoding, ``Content-Encoding``).

JSON Lines (optionally gzipped): one document per non-empty line, a JSON object
with ``"url"`` and ``"html"`` (preferred) or ``"text"``.

``source_path`` of an item is ``"<container path>#<n>"``, ``n`` the 0-based index of
the item (document or rejected part) in the container: stable for the same bytes.
Rejection reasons: ``malformed_json``, ``missing_field``, ``corrupt_record``,
``too_large`` (a record above ``MAX_DECOMPRESSED`` bytes once decompressed).
"""
from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from warcio.archiveiterator import ArchiveIterator

from .ingest import GZIP_MAGIC, MAX_DECOMPRESSED, _gunzip
from .types import RejectedInput

WARC_MAGIC = b"WARC/1."
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_HEAD = 64 * 1024  # bytes kept of an oversized record, enough for its WARC and HTTP headers
_MAX_HEADER = 1024 * 1024  # a WARC header block longer than this is corrupt
_FEED = 64 * 1024  # gzip input fed per step
_OUT_STEP = 1024 * 1024  # gzip output produced per step
_JSONL_SAMPLE = 1000  # lines looked at by container_kind
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.I)
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
_WARC_TYPE = re.compile(rb"^warc-type[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.I | re.M)
_RESYNC = re.compile(rb"(?:^|\n)(WARC/1\.)")


@dataclass
class Record:
    """One document taken out of a container."""

    source_path: str  # "<container path>#<n>"
    data: bytes  # the document as a standalone file: HTML bytes, or UTF-8 text
    url: str | None = None
    fetched_at: datetime | None = None  # WARC-Date (timezone aware)
    http_charset: str | None = None  # charset of the HTTP Content-Type header (WARC only)


@dataclass
class RejectedRecord:
    """A part of a container that cannot be read; it goes to quarantine."""

    source_path: str
    reason: str  # malformed_json | missing_field | corrupt_record | too_large
    detail: str


# ---------------------------------------------------------------- detection

def _gzip_head(data: bytes, size: int = 64) -> bytes:
    """The first decompressed bytes of gzip data ('' when it does not decompress)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return d.decompress(data[:_FEED], size)
    except zlib.error:
        return b""


def _is_warc(data: bytes) -> bool:
    if data[:2] == GZIP_MAGIC:
        data = _gzip_head(data)
    return data.lstrip(b"\r\n")[:len(WARC_MAGIC)] == WARC_MAGIC


def _jsonl_lines(data: bytes) -> Iterator[bytes]:
    """Non-empty lines (split on LF only: JSON strings may hold U+2028 and friends)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for line in data.split(b"\n"):
        line = line.strip()
        if line:
            yield line


def _document_fields(obj) -> tuple[str, str, bytes] | None:
    """(url, field, document bytes) of a JSONL document object, None when not one."""
    if not isinstance(obj, dict):
        return None
    url = obj.get("url")
    if not isinstance(url, str) or not url.strip():
        return None
    for name in ("html", "text"):
        value = obj.get(name)
        if isinstance(value, str):
            return url.strip(), name, value.encode("utf-8", "replace")
    return None


def _looks_jsonl(data: bytes) -> bool:
    lines = []
    for line in _jsonl_lines(data):
        lines.append(line)
        if len(lines) >= _JSONL_SAMPLE:
            break
    if not lines or sum(line[:1] == b"{" for line in lines) * 2 < len(lines):
        return False  # cheap exit for text, HTML and pretty-printed JSON
    valid = 0
    for line in lines:
        try:
            if _document_fields(json.loads(line)) is not None:
                valid += 1
        except (ValueError, RecursionError):
            pass
    # at least one document line, and document lines are the majority: a few bad
    # lines do not turn a dump into one big rejected document
    return valid > 0 and valid * 2 >= len(lines)


def container_kind(data: bytes, source_path: str) -> str | None:
    """'warc' or 'jsonl' when the content is a container, else None."""
    if _is_warc(data):
        return "warc"
    if data[:2] == GZIP_MAGIC:
        try:
            data = _gunzip(data)
        except RejectedInput:
            return None  # ingest.detect reports it (corrupt_gzip, too_large)
    return "jsonl" if _looks_jsonl(data) else None


# ---------------------------------------------------------------- JSON Lines

def _iter_jsonl(data: bytes, source_path: str) -> Iterator[Record | RejectedRecord]:
    if data[:2] == GZIP_MAGIC:
        try:
            data = _gunzip(data)
        except RejectedInput as exc:
            yield RejectedRecord(f"{source_path}#0", exc.reason, exc.detail)
            return
    for n, line in enumerate(_jsonl_lines(data)):
        path = f"{source_path}#{n}"
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield RejectedRecord(path, "malformed_json", f"line {n}: {exc}")
            continue
        if not isinstance(obj, dict):
            yield RejectedRecord(path, "malformed_json", f"line {n}: JSON {type(obj).__name__}, not an object")
            continue
        fields = _document_fields(obj)
        if fields is None:
            missing = [] if isinstance(obj.get("url"), str) and obj["url"].strip() else ["url"]
            if not any(isinstance(obj.get(k), str) for k in ("html", "text")):
                missing.append("html or text")
            yield RejectedRecord(path, "missing_field",
                                 f"line {n}: no string field {' and no '.join(missing)}")
            continue
        url, _, payload = fields
        yield Record(path, payload, url=url)


# ---------------------------------------------------------------- WARC framing

@dataclass
class _Chunk:
    """A piece of a WARC: record bytes, or a problem found while framing."""

    offset: int  # byte offset in the container (compressed offset for .warc.gz)
    data: bytes = b""  # the record (header block and content block), or its head when oversized
    size: int = 0  # full decompressed size
    problem: str | None = None  # None | 'corrupt_record' | 'too_large'
    detail: str = ""


def _inflate_member(view: memoryview, pos: int) -> tuple[bytes, int, int, bool]:
    """Decompress the gzip member at ``pos``.

    Returns (output, or its first _HEAD bytes when the record is too large;
    decompressed size; position after the member; whether the output was cut).
    Raises zlib.error for a corrupt member, EOFError for a truncated one.
    """
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    size = 0
    cut = False
    i = pos
    while not d.eof:
        if i >= len(view):
            raise EOFError("gzip member is truncated")
        chunk = view[i:i + _FEED]
        i += len(chunk)
        while chunk and not d.eof:
            piece = d.decompress(chunk, _OUT_STEP)
            chunk = d.unconsumed_tail
            size += len(piece)
            if not cut:
                out += piece
                if len(out) > MAX_DECOMPRESSED + _MAX_HEADER:  # content block + WARC headers
                    del out[_HEAD:]
                    cut = True
    return bytes(out), size, i - len(d.unused_data), cut


def _next_member(view: memoryview, start: int) -> int:
    """Offset of the next gzip member that decompresses to a WARC record, or len(view)."""
    data = view.obj
    i = start
    while True:
        i = data.find(GZIP_MAGIC + b"\x08", i)
        if i < 0:
            return len(view)
        if _gzip_head(bytes(view[i:i + _FEED]), len(WARC_MAGIC)) == WARC_MAGIC:
            return i
        i += 1


def _gzip_chunks(data: bytes) -> Iterator[_Chunk]:
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        if data[pos:pos + 2] != GZIP_MAGIC:
            if not data[pos:].strip(b"\x00\r\n\t "):
                return  # trailing padding
            nxt = _next_member(view, pos)
            yield _Chunk(pos, problem="corrupt_record",
                         detail=f"{nxt - pos} bytes at offset {pos} are not a gzip member")
            pos = nxt
            continue
        try:
            out, size, end, cut = _inflate_member(view, pos)
        except (zlib.error, EOFError) as exc:
            nxt = _next_member(view, pos + 1)
            yield _Chunk(pos, problem="corrupt_record", detail=f"gzip member at offset {pos}: {exc}")
            pos = nxt
            continue
        if cut:
            yield _Chunk(pos, out, size, "too_large",
                         f"record at offset {pos} decompresses to {size} bytes, "
                         f"more than {MAX_DECOMPRESSED}")
        else:
            # normally one record per member; a whole-file gzip holds them all
            for chunk in _plain_chunks(out):
                chunk.offset = pos
                yield chunk
        pos = end


def _plain_chunks(data: bytes) -> Iterator[_Chunk]:
    pos = 0
    n = len(data)
    while True:
        while pos < n and data[pos] in b"\r\n":
            pos += 1
        if pos >= n:
            return
        problem = None
        if not data.startswith(b"WARC/", pos):
            problem = f"no WARC version line at offset {pos}"
        else:
            end = data.find(b"\r\n\r\n", pos, pos + _MAX_HEADER)
            sep = 4
            if end < 0:
                end = data.find(b"\n\n", pos, pos + _MAX_HEADER)
                sep = 2
            if end < 0:
                problem = f"WARC header block at offset {pos} does not end"
            else:
                m = _CONTENT_LENGTH.search(data, pos, end + sep)
                if not m:
                    problem = f"WARC record at offset {pos} has no valid Content-Length"
        if problem:
            m = _RESYNC.search(data, pos + 1)
            nxt = m.start(1) if m else n
            yield _Chunk(pos, problem="corrupt_record", detail=problem)
            pos = nxt
            continue
        body = end + sep
        length = int(m.group(1))
        stop = body + length
        if length > MAX_DECOMPRESSED:
            yield _Chunk(pos, data[pos:body + _HEAD], stop - pos, "too_large",
                         f"record at offset {pos} has a {length}-byte content block, "
                         f"more than {MAX_DECOMPRESSED}")
            if stop > n:
                return
        elif stop > n:
            yield _Chunk(pos, problem="corrupt_record",
                         detail=f"record at offset {pos} is truncated: Content-Length {length}, "
                                f"{n - body} bytes left")
            return
        else:
            yield _Chunk(pos, data[pos:stop], stop - pos)
        pos = stop


# ---------------------------------------------------------------- WARC records

def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _http_charset(content_type: str) -> str | None:
    m = _CHARSET.search(content_type)
    return m.group(1).lower() if m else None


def _read_limited(stream, limit: int) -> bytes | None:
    """The whole stream, or None when it holds more than ``limit`` bytes."""
    out = bytearray()
    while True:
        piece = stream.read(min(_OUT_STEP, limit + 1 - len(out)))
        if not piece:
            return bytes(out)
        out += piece
        if len(out) > limit:
            return None


def _header_end(data: bytes) -> int:
    end = data.find(b"\r\n\r\n", 0, _MAX_HEADER)
    return end if end >= 0 else max(data.find(b"\n\n", 0, _MAX_HEADER), 0)


def _warc_item(chunk: _Chunk, path: str) -> Record | RejectedRecord | None:
    """The document in a framed record, a rejection, or None when it is not a document."""
    if chunk.problem == "corrupt_record":
        return RejectedRecord(path, "corrupt_record", chunk.detail)
    m = _WARC_TYPE.search(chunk.data, 0, _header_end(chunk.data))
    if not m or m.group(1).lower() != b"response":
        return None  # warcinfo, request, metadata, revisit, resource, conversion ...
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(chunk.data))))
        http = record.http_headers
        if http is None:
            return None  # dns:, whois: ... responses carry no HTTP message
        content_type = http.get_header("Content-Type") or ""
        if content_type.split(";")[0].strip().lower() not in HTML_MEDIA_TYPES:
            return None
        status = http.get_statuscode() or ""
        if not (status.isdigit() and 200 <= int(status) < 300):
            return None  # redirects, error pages, 304s: not documents
        if chunk.problem == "too_large":
            return RejectedRecord(path, "too_large", chunk.detail)
        payload = _read_limited(record.content_stream(), MAX_DECOMPRESSED)
    except Exception as exc:  # warcio raises a wide range of errors on bad input
        return RejectedRecord(path, "corrupt_record",
                              f"record at offset {chunk.offset}: {type(exc).__name__}: {exc}")
    if payload is None:
        return RejectedRecord(path, "too_large",
                              f"record at offset {chunk.offset}: payload decodes to more than "
                              f"{MAX_DECOMPRESSED} bytes")
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    return Record(path, payload, url=url.strip() if url else None,
                  fetched_at=_parse_date(headers.get_header("WARC-Date")),
                  http_charset=_http_charset(content_type))


def _iter_warc(data: bytes, source_path: str) -> Iterator[Record | RejectedRecord]:
    chunks = _gzip_chunks(data) if data[:2] == GZIP_MAGIC else _plain_chunks(data)
    n = 0
    for chunk in chunks:
        item = _warc_item(chunk, f"{source_path}#{n}")
        if item is not None:
            yield item
            n += 1


def iter_records(data: bytes, source_path: str) -> Iterator[Record | RejectedRecord]:
    """One item per document of a container (see the module docstring).

    Raises ValueError when ``data`` is not a container (``container_kind`` is None).
    """
    if _is_warc(data):
        yield from _iter_warc(data, source_path)
        return
    if container_kind(data, source_path) != "jsonl":
        raise ValueError(f"{source_path} is not a WARC or JSON Lines container")
    yield from _iter_jsonl(data, source_path)
