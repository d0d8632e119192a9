"""Container files that hold many documents: WARC archives and JSON Lines dumps.

``container_kind(data, source_path)`` looks only at the bytes (never at the name)
and returns ``'warc'``, ``'jsonl'`` or ``None``; for a WARC the first 64 KiB are enough.
``iter_records(data, source_path)`` yields one :class:`Record` per document in the
container, or a :class:`RejectedRecord` for a part that cannot be read, and goes on.
``iter_warc(file, source_path)`` does the same for a WARC read from a binary file
object, record by record: memory is bounded by the largest record, not the file, so
a WARC file may have any size.

WARC (plain or ``.warc.gz``, one gzip member per record; a whole-file gzip also
works, at any size, records before a corrupt point kept): one document per ``response`` record
with a 2xx HTTP status and an HTML ``Content-Type`` (``text/html``,
``application/xhtml+xml``). ``warcinfo``, ``request``, ``metadata``, ``revisit``,
``resource`` records and non-HTML or non-2xx responses are not documents and are
skipped silently. The framing (gzip members, ``Content-Length``) is done here, so a
corrupt record is reported and the next one is still read; warcio parses each
record (WARC and HTTP headers, chunked transfer encoding, ``Content-Encoding``).
A record whose content block is over ``MAX_DECOMPRESSED`` bytes is reported
``too_large`` and skipped (read, or inflated, without being kept).

JSON Lines (optionally gzipped): one document per non-empty line, a JSON object
with ``"url"`` and ``"html"`` (preferred) or ``"text"``. Read whole (at most
``MAX_DECOMPRESSED`` bytes once decompressed).

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
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from claimhouse.ingest.formats import GZIP_MAGIC, MAX_DECOMPRESSED, _gunzip
from claimhouse.types import RejectedInput

WARC_MAGIC = b"WARC/1."
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_HEAD = 64 * 1024  # bytes kept of an oversized record, enough for its WARC and HTTP headers
_MAX_HEADER = 1024 * 1024  # a WARC header block longer than this is corrupt
_FEED = 64 * 1024  # gzip input fed per step
_OUT_STEP = 1024 * 1024  # gzip output produced per step
SNIFF_BYTES = _FEED  # bytes of a file's start that is_warc needs
_REWIND = 16 * 1024 * 1024  # bytes of a gzip member kept to look for the next member when it is corrupt
_JSONL_SAMPLE = 1000  # lines looked at by container_kind
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.I)
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
_WARC_TYPE = re.compile(rb"^warc-type[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.I | re.M)


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


def is_warc(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first ``SNIFF_BYTES`` are enough) is a WARC."""
    return _is_warc(head)


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


class _Stream:
    """Forward reading with look-ahead over the bytes that ``_more`` produces.

    Memory stays bounded: consumed bytes are dropped, except the last ``_REWIND``
    bytes after ``mark()``, which ``rewind()`` goes back to (to just after the mark).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0  # index in _buf of the next unread byte
        self._base = 0  # stream offset of _buf[0]
        self._mark: int | None = None  # index in _buf of the mark
        self._mark_moved = False  # the rewind window dropped the bytes at the mark
        self._eof = False

    def _more(self, n: int) -> bytes:  # about n more bytes; b"" at the end
        raise NotImplementedError

    @property
    def offset(self) -> int:
        return self._base + self._pos

    def _compact(self) -> None:
        keep = self._pos
        if self._mark is not None:
            if self._pos - self._mark > _REWIND:
                self._mark, self._mark_moved = self._pos - _REWIND, True
            keep = self._mark
        if keep and (keep >= _FEED or keep * 2 >= len(self._buf)):
            del self._buf[:keep]
            self._pos -= keep
            self._base += keep
            if self._mark is not None:
                self._mark -= keep

    def _fill(self, n: int) -> int:
        """Buffer at least ``n`` unread bytes when the stream has them; the number buffered."""
        while len(self._buf) - self._pos < n and not self._eof:
            self._compact()
            piece = self._more(max(n - (len(self._buf) - self._pos), _FEED))
            if piece:
                self._buf += piece
            else:
                self._eof = True
        return len(self._buf) - self._pos

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return bytes(self._buf[self._pos:self._pos + n])

    def read(self, n: int) -> bytes:
        data = self.peek(n)
        self._pos += len(data)
        return data

    def skip(self, n: int) -> int:
        """Consume up to ``n`` bytes without keeping them; the number consumed."""
        done = 0
        while done < n:
            step = min(n - done, self._fill(min(n - done, _FEED)))
            if not step:
                break
            self._pos += step
            done += step
        return done

    def skip_to(self, pattern: re.Pattern) -> None:
        """Consume the bytes before the first match of a one-byte ``pattern`` (all when none)."""
        while self._fill(1):
            m = pattern.search(self._buf, self._pos)
            if m:
                self._pos = m.start()
                return
            self._pos = len(self._buf)

    def find(self, needle: bytes, limit: int) -> int:
        """Index (from the current position) of ``needle`` within the next ``limit`` bytes, or -1."""
        want, searched = min(limit, _FEED), 0
        while True:
            have = min(self._fill(want), limit)
            i = self._buf.find(needle, self._pos + max(0, searched - len(needle) + 1), self._pos + have)
            if i >= 0:
                return i - self._pos
            if have >= limit or have < want:
                return -1
            searched, want = have, min(limit, want * 4)

    def seek(self, needle: bytes, limit: int | None = None) -> bool:
        """Consume the bytes before the next ``needle``: True when found, False at the end of the
        stream or after ``limit`` bytes."""
        skipped = 0
        while True:
            have = self._fill(_FEED)
            i = self._buf.find(needle, self._pos)
            if i >= 0 and (limit is None or skipped + i - self._pos <= limit):
                self._pos = i
                return True
            step = len(self._buf) - self._pos if self._eof else max(0, have - len(needle) + 1)
            self._pos += step
            skipped += step
            if self._eof or (limit is not None and skipped > limit):
                return False

    def drain(self) -> None:
        """Consume the rest of the stream."""
        while self._fill(_OUT_STEP):
            self._pos = len(self._buf)

    def mark(self) -> None:
        self._mark, self._mark_moved = self._pos, False

    def unmark(self) -> None:
        self._mark = None

    def rewind(self) -> None:
        """Go back to the byte after the mark (or to the oldest byte kept, when the window moved)."""
        if self._mark is not None:
            self._fill(self._mark + 1 - self._pos)
            self._pos = min(self._mark + (0 if self._mark_moved else 1), len(self._buf))
            self._mark = None


class _FileStream(_Stream):
    def __init__(self, f: BinaryIO) -> None:
        super().__init__()
        self._f = f

    def _more(self, n: int) -> bytes:
        return self._f.read(n)


class _MemberStream(_Stream):
    """The decompressed bytes of the gzip member that starts at the current position of ``src``.

    Reading it moves ``src`` to the end of the member; raises zlib.error for a corrupt member
    and EOFError for a truncated one.
    """

    def __init__(self, src: _Stream) -> None:
        super().__init__()
        self._src = src
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _more(self, n: int) -> bytes:
        d = self._d
        while not d.eof:
            data = self._src.peek(_FEED)
            if not data:
                raise EOFError("gzip member is truncated")
            out = d.decompress(data, max(n, _FEED))
            # at the end of the member the rest of the input is in unused_data (and, after an
            # earlier call cut by max_length, in unconsumed_tail too)
            self._src.skip(len(data) - len(d.unused_data if d.eof else d.unconsumed_tail))
            if out:
                return out
        return b""


_NOT_NEWLINE = re.compile(rb"[^\r\n]")
_NOT_PADDING = re.compile(rb"[^\x00\r\n\t ]")


def _seek_member(src: _Stream) -> None:
    """Move to the next gzip member that decompresses to a WARC record, or to the end."""
    while src.seek(GZIP_MAGIC + b"\x08"):
        if _gzip_head(src.peek(_FEED), len(WARC_MAGIC)) == WARC_MAGIC:
            return
        src.skip(1)


def _gzip_chunks(src: _Stream) -> Iterator[_Chunk]:
    while True:
        pos = src.offset
        if src.peek(2) != GZIP_MAGIC:
            src.skip_to(_NOT_PADDING)
            if not src.peek(1):
                return  # trailing padding
            _seek_member(src)
            yield _Chunk(pos, problem="corrupt_record",
                         detail=f"{src.offset - pos} bytes at offset {pos} are not a gzip member")
            continue
        src.mark()
        try:
            # normally one record per member; a whole-file gzip holds them all
            yield from _plain_chunks(_MemberStream(src), pos)
        except (zlib.error, EOFError) as exc:
            src.rewind()
            _seek_member(src)
            yield _Chunk(pos, problem="corrupt_record", detail=f"gzip member at offset {pos}: {exc}")
        else:
            src.unmark()


def _plain_chunks(src: _Stream, member_offset: int | None = None) -> Iterator[_Chunk]:
    """The records of an uncompressed WARC stream, or of one gzip member (``member_offset``:
    the member's offset, reported for its records). Memory: one record (the head of an
    oversized one) and a look-ahead buffer."""
    while True:
        src.skip_to(_NOT_NEWLINE)
        if not src.peek(1):
            return
        pos = src.offset if member_offset is None else member_offset
        problem = None
        if src.peek(5) != b"WARC/":
            problem = f"no WARC version line at offset {pos}"
        else:
            end, sep = src.find(b"\r\n\r\n", _MAX_HEADER), 4
            if end < 0:
                end, sep = src.find(b"\n\n", _MAX_HEADER), 2
            if end < 0:
                problem = f"WARC header block at offset {pos} does not end"
            else:
                m = _CONTENT_LENGTH.search(src.peek(end + sep))
                if not m:
                    problem = f"WARC record at offset {pos} has no valid Content-Length"
        if problem:
            src.skip(1)
            src.seek(b"\nWARC/1.")
            src.skip(1)  # the newline before the next record
            yield _Chunk(pos, problem="corrupt_record", detail=problem)
            continue
        body = end + sep
        length = int(m.group(1))
        if length > MAX_DECOMPRESSED:
            head = src.read(body + min(length, _HEAD))
            rest = length - (len(head) - body)
            cut = src.skip(rest) < rest  # read (inflated) and dropped, never kept whole
            if not cut:
                src.skip_to(_NOT_NEWLINE)
            yield _Chunk(pos, head, body + length, "too_large",
                         f"record at offset {pos} has a {length}-byte content block, more than {MAX_DECOMPRESSED}")
            if cut:
                return
            continue
        record = src.read(body + length)
        if len(record) < body + length:
            yield _Chunk(pos, problem="corrupt_record",
                         detail=f"record at offset {pos} is truncated: Content-Length {length}, "
                                f"{max(0, len(record) - body)} bytes left")
            return
        src.skip_to(_NOT_NEWLINE)  # in a gzip member: reach its end (and CRC check) before yielding
        yield _Chunk(pos, record, len(record))


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


def iter_warc(f: BinaryIO, source_path: str) -> Iterator[Record | RejectedRecord]:
    """One item per document of the WARC (plain or gzipped) read from the binary file ``f``.

    Streams record by record: memory is bounded by the largest record, not the file.
    Reads ``f`` to its end (callers may hash the bytes as they are read).
    """
    src = _FileStream(f)
    chunks = _gzip_chunks(src) if src.peek(2) == GZIP_MAGIC else _plain_chunks(src)
    n = 0
    for chunk in chunks:
        item = _warc_item(chunk, f"{source_path}#{n}")
        if item is not None:
            yield item
            n += 1
    src.drain()  # whatever framing left unread


def iter_records(data: bytes, source_path: str) -> Iterator[Record | RejectedRecord]:
    """One item per document of a container (see the module docstring).

    Raises ValueError when ``data`` is not a container (``container_kind`` is None).
    """
    if _is_warc(data):
        yield from iter_warc(io.BytesIO(data), source_path)
        return
    if container_kind(data, source_path) != "jsonl":
        raise ValueError(f"{source_path} is not a WARC or JSON Lines container")
    yield from _iter_jsonl(data, source_path)
