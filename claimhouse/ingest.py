"""Format detection and decoding of one raw input document.

``detect(data, source_path)`` looks only at the bytes (never at the file name):

* gzip (magic ``1f 8b``) is decompressed first, at most ``MAX_DECOMPRESSED`` bytes;
* the bytes are decoded: byte-order mark, then (HTML only) the declared
  ``<meta charset>`` / ``http-equiv`` charset, then strict UTF-8;
* the decoded content is classified as ``wordpress_json``, ``html`` or ``text``.

Bad input raises :class:`~claimhouse.types.RejectedInput` with one of the reasons
``too_large``, ``corrupt_gzip``, ``empty``, ``binary``, ``not_utf8_decodable``,
``malformed_json``, ``unsupported_json``.
"""
from __future__ import annotations

import codecs
import json
import re
import zlib

from .types import Detected, RejectedInput

MAX_DECOMPRESSED = 64 * 1024 * 1024  # 64 MiB
GZIP_MAGIC = b"\x1f\x8b"

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# markup sniffing on the first bytes (ASCII-compatible encodings only)
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.I | re.S)
_HTML_ANYWHERE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head>|body[\s>]|meta\s|title>)", re.I)
_TAG = re.compile(rb"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>")
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)

# encodings a page may declare although the bytes are a superset (WHATWG label mapping)
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252", "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254", "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
    "x-sjis": "shift_jis", "unicode": "utf-16-le", "utf-16": "utf-16-le",
}
_SNIFF = 4096
_CTRL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CTRL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _gunzip(data: bytes) -> bytes:
    """Decompress (possibly multi-member) gzip data, at most MAX_DECOMPRESSED bytes."""
    out = bytearray()
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, MAX_DECOMPRESSED + 1 - len(out))
        except zlib.error as exc:
            raise RejectedInput("corrupt_gzip", f"gzip decompression failed: {exc}") from None
        out += chunk
        if len(out) > MAX_DECOMPRESSED or d.unconsumed_tail:
            raise RejectedInput("too_large", f"decompressed size exceeds {MAX_DECOMPRESSED} bytes")
        if not d.eof:
            raise RejectedInput("corrupt_gzip", "gzip stream is truncated")
        rest = d.unused_data
        if rest and not rest.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member: ignore, like gzip(1) does
    return bytes(out)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or many C0 control bytes other than whitespace, near the start."""
    head = data[:_SNIFF]
    if b"\x00" in head:
        return True
    ctrl = len(head) - len(head.translate(None, _CTRL_BYTES))
    return ctrl > max(4, len(head) // 10)


def _control_share(text: str) -> float:
    head = text[:_SNIFF]
    if not head:
        return 0.0
    return len(_CTRL_CHARS.findall(head)) / len(head)


def _is_html_bytes(head: bytes) -> bool:
    if _HTML_START.match(head):
        return True
    if head.lstrip()[:1] == b"<" and len(_TAG.findall(head)) >= 3:
        return True
    if _HTML_ANYWHERE.search(head[:1024]) and len(_TAG.findall(head)) >= 5:
        return True
    return len(_TAG.findall(head)) >= 15


def _declared_charset(head: bytes) -> str | None:
    m = _META_CHARSET.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "ignore").strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode_html(data: bytes, declared: str) -> tuple[str, str]:
    # A legacy charset declared on bytes that are valid, non-ASCII UTF-8 is almost
    # always a stale declaration: the page is UTF-8.
    if declared not in ("utf-8", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode("utf-8")
            if not text.isascii():
                return text, "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(declared), declared
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # the declaration is wrong and the bytes are not UTF-8: guess (HTML with a declared charset only)
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise RejectedInput("not_utf8_decodable",
                        f"declared charset {declared!r} does not decode the bytes and neither does UTF-8")


def _decode(data: bytes) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc
            except UnicodeDecodeError as exc:
                raise RejectedInput("not_utf8_decodable", f"bytes after the {enc} BOM do not decode: {exc}") from None
    if _looks_binary(data):
        raise RejectedInput("binary", "NUL or control bytes: not a text document")
    head = data[:_SNIFF]
    if _is_html_bytes(head):
        declared = _declared_charset(head)
        if declared:
            return _decode_html(data, declared)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise RejectedInput("not_utf8_decodable",
                            f"not valid UTF-8 at byte {exc.start} and no charset declared") from None


_JSON_ARRAY_START = re.compile(r"\[\s*(?:[\[{\"\]\-0-9]|true\b|false\b|null\b)")


def _is_wordpress_post(obj) -> bool:
    if not isinstance(obj, dict):
        return False
    content = obj.get("content")
    return isinstance(content, dict) and isinstance(content.get("rendered"), str)


def _classify(text: str) -> str:
    s = text.lstrip()
    if s.startswith("{") or (s.startswith("[") and _JSON_ARRAY_START.match(s)):
        try:
            obj = json.loads(s)
        except (ValueError, RecursionError) as exc:
            raise RejectedInput("malformed_json", f"starts like JSON but does not parse: {exc}") from None
        if _is_wordpress_post(obj):
            return "wordpress_json"
        kind = type(obj).__name__
        raise RejectedInput("unsupported_json", f"JSON {kind} is not a WordPress post (no content.rendered)")
    head = s[:_SNIFF].encode("utf-8", "ignore")
    return "html" if _is_html_bytes(head) else "text"


def detect(data: bytes, source_path: str) -> Detected:
    """Recognise the format of one raw input from its content and decode it.

    Raises RejectedInput(reason, detail) for bad input.
    """
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data)
    if not data.strip():
        raise RejectedInput("empty", "no bytes" if not data else "only whitespace")
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise RejectedInput("empty", "only whitespace after decoding")
    if "\x00" in text[:_SNIFF] or _control_share(text) > 0.1:
        raise RejectedInput("binary", "decoded content is mostly control characters")
    return Detected(source_format=_classify(text), content=text, encoding=encoding)
