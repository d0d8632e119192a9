"""Format detection and decoding of one raw input document.

``detect(data, source_path)`` looks only at the bytes (never at the file name):

* gzip (magic ``1f 8b``) is decompressed first, at most ``MAX_DECOMPRESSED`` bytes;
* the bytes are decoded: byte-order mark, then (HTML only) the declared
  ``<meta charset>`` / ``http-equiv`` charset, then strict UTF-8; only when that
  fails (no declaration and not UTF-8, or a declaration that does not decode the
  bytes), UTF-8 with a few stray bytes replaced, then charset detection
  (charset-normalizer, restricted to the legacy encodings seen on the web);
* the decoded content is classified as ``wordpress_json``, ``html`` or ``text``.

Bad input raises :class:`~claimhouse.types.RejectedInput` with one of the reasons
``too_large``, ``corrupt_gzip``, ``empty``, ``binary``, ``not_utf8_decodable``,
``malformed_json``, ``unsupported_json``.
"""
from __future__ import annotations

import codecs
import json
import re
import unicodedata
import zlib
from collections import Counter

from claimhouse.types import Detected, RejectedInput

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

# Charset detection, used only when the strict decode fails. Candidates: the legacy encodings
# seen on the web (WHATWG), most common first; the order breaks near ties and names the result
# when several encodings give the same text.
_WEB_ENCODINGS = (
    "cp1252", "cp932", "cp1251", "gb18030", "cp949", "euc_jp", "big5hkscs", "iso8859_2", "cp1250",
    "iso8859_15", "cp1256", "cp1254", "cp874", "cp1255", "koi8_r", "koi8_u", "cp1253", "iso8859_7",
    "cp1257", "iso8859_5", "cp866", "iso8859_13", "iso8859_4", "iso8859_8", "mac_cyrillic", "iso8859_16",
    "iso8859_6", "iso8859_10", "iso8859_14",
)
# multi-byte candidates, each with its common core: characters outside it are rare in real text
_CJK_CORE = {"cp932": "shift_jis", "gb18030": "gb2312", "cp949": "euc_kr", "euc_jp": "euc_jp",
             "big5hkscs": "big5"}
_DETECT_SAMPLE = 256 * 1024  # bytes given to charset-normalizer
_DETECT_TEXT = 50_000  # decoded characters scored per candidate
_UTF8_STRAY = 20  # UTF-8 with at most one bad sequence per this many good non-ASCII characters
# non-ASCII letters of the Latin-script languages written in legacy single-byte encodings
_ALPHABETS = tuple(frozenset(a) for a in (
    "àâæçéèêëîïôœùûüÿ", "äöüß", "áéíóúñü", "áâãàçéêíóôõú", "àèéìíîòóùú", "áéèëïöüó", "åäöæøéü",
    "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "ăâîșțşţ", "čćđšž", "çğıöşüâîû",
    "ąčęėįšųūž", "āčēģīķļņšūž", "äõöüšž", "àçèéíïòóúü",
))
_OK_SYMBOLS = frozenset("’‘“”«»„‚–—…·•€£¥¢©®™°§±×÷½¼¾²³µ¡¿\u00a0\u00ad")
_IN_WORD_OK = frozenset("’·")  # punctuation that may stand inside a word
_NEAR_LETTER_BAD = frozenset("±³¹²¼½¾µ")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CJK_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "HALFWIDTH", "FULLWIDTH"})
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
    return _fallback(data, f"declared charset {declared!r} does not decode the bytes and neither does UTF-8")


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 cut inside its last character, or UTF-8 with a few stray bytes (replaced by U+FFFD); else None."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    had = data.count(b"\xef\xbf\xbd")  # U+FFFD already in the input
    bad = text.count("\ufffd") - had
    good = len(text) - len(text.encode("ascii", "ignore")) - bad - had
    return text if good >= _UTF8_STRAY * bad else None


def _script(ch: str) -> str:
    try:
        script = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "?"
    return "CJK" if script in _CJK_SCRIPTS else script


def _implausible(text: str) -> float:
    """Share of the non-ASCII characters that real text seldom has: control characters,
    odd symbols, punctuation inside a word, letters of a second script, Latin letters no
    single language uses together, more capitals than small letters."""
    bad = total = upper = lower = 0
    scripts: Counter = Counter()
    latin: Counter = Counter()
    n = len(text)
    for m in _NON_ASCII.finditer(text):
        i, ch = m.start(), m.group()
        total += 1
        cat = unicodedata.category(ch)
        if cat[0] == "L":
            script = _script(ch)
            scripts[script] += 1
            if script == "LATIN":
                latin[ch.lower()] += 1
            upper += ch.isupper()
            lower += ch.islower()
            continue
        if cat[0] == "M" or cat == "Nd" or ch == "\u00ad" or "\uff00" <= ch <= "\uffef":
            continue  # combining marks, digits, soft hyphens, fullwidth and halfwidth forms
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if cat[0] == "C":
            bad += 1
        elif cat[0] == "P":
            if ch not in _IN_WORD_OK and (prev.isupper() or prev.islower()) and (nxt.isupper() or nxt.islower()):
                bad += 1  # punctuation inside a word (of a script with case: CJK has no spaces)
        elif ch not in _OK_SYMBOLS or (ch in _NEAR_LETTER_BAD and (prev.isalpha() or nxt.isalpha())):
            bad += 1
    if not total:
        return 0.0
    if scripts:
        main, count = scripts.most_common(1)[0]
        bad += sum(scripts.values()) - count  # letters of other scripts
        if main == "LATIN" and latin:
            bad += sum(latin.values()) - max(sum(k for ch, k in latin.items() if ch in a) for a in _ALPHABETS)
        bad += max(0, upper - lower)
    return bad / total


def _guess_charset(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) for bytes in a legacy charset, or None when no candidate fits.

    charset-normalizer proposes candidates (single-byte and multi-byte encodings in two passes:
    in one pass a multi-byte match hides the single-byte ones); each is scored by
    charset-normalizer's mess and coherence ratios, by how plausible its text is
    (``_implausible``) and by how common the encoding is. Deterministic for the same bytes.
    """
    from charset_normalizer import from_bytes

    sample = data
    if len(data) > _DETECT_SAMPLE:
        # cut after a byte below 0x40: never inside a multi-byte character
        cut = max(data.rfind(b, 0, _DETECT_SAMPLE) for b in (b"\n", b" ", b"<", b">"))
        sample = data[:cut + 1] if cut > 0 else data[:_DETECT_SAMPLE]
    matches = {}
    for group in ([e for e in _WEB_ENCODINGS if e not in _CJK_CORE], [e for e in _WEB_ENCODINGS if e in _CJK_CORE]):
        for m in from_bytes(sample, cp_isolation=group, preemptive_behaviour=False):
            if m.encoding in _WEB_ENCODINGS:
                matches.setdefault(m.encoding, m)
    scored = []
    for enc, m in matches.items():
        try:
            head = sample.decode(enc)[:_DETECT_TEXT]
        except (UnicodeDecodeError, LookupError):
            continue
        implausible = _implausible(head)
        core = _CJK_CORE.get(enc)
        if core:
            chars = Counter(_NON_ASCII.findall(head))
            rare = sum(k for ch, k in chars.items() if len(ch.encode(core, "ignore")) != 2)
            implausible += rare / max(1, sum(chars.values()))
        rank = _WEB_ENCODINGS.index(enc)
        scored.append((m.chaos + implausible - 0.3 * m.coherence + 0.002 * rank, rank, enc, head))
    for _, rank, enc, head in sorted(scored):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue  # the sample decodes, the rest does not: next candidate
        for name in _WEB_ENCODINGS[:rank]:  # the most common name for the same text
            try:
                if sample.decode(name)[:_DETECT_TEXT] == head and data.decode(name) == text:
                    enc = name
                    break
            except UnicodeDecodeError:
                pass
        return text, codecs.lookup(enc).name
    return None


def _fallback(data: bytes, why: str) -> tuple[str, str]:
    """Decode bytes the declared charset and strict UTF-8 do not: UTF-8 with a few stray bytes,
    else a detected legacy charset, else quarantine (not_utf8_decodable)."""
    text = _mostly_utf8(data)
    if text is not None:
        return text, "utf-8"
    guess = _guess_charset(data)
    if guess is not None:
        return guess
    raise RejectedInput("not_utf8_decodable", f"{why}, and no charset detected fits the bytes")


def _decode(data: bytes, transport: str | None = None) -> tuple[str, str]:
    """Text and encoding: BOM, then the transport's charset (a WARC record's HTTP header), then the
    page's own declaration, then UTF-8, then detection (the order browsers follow)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc
            except UnicodeDecodeError as exc:
                if enc != "utf-8":
                    raise RejectedInput("not_utf8_decodable",
                                        f"bytes after the {enc} BOM do not decode: {exc}") from None
                data = data[len(bom):]  # a UTF-8 BOM on bytes that are not UTF-8: read on without it
                break
    if _looks_binary(data):
        raise RejectedInput("binary", "NUL or control bytes: not a text document")
    if transport:
        try:
            codecs.lookup(transport)
        except LookupError:
            transport = None  # an unknown name in a header: read on as if none were given
    if transport:
        return _decode_html(data, transport)
    head = data[:_SNIFF]
    if _is_html_bytes(head):
        declared = _declared_charset(head)
        if declared:
            return _decode_html(data, declared)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        return _fallback(data, f"not valid UTF-8 at byte {exc.start} and no charset declared")


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


def detect(data: bytes, source_path: str, charset: str | None = None) -> Detected:
    """Recognise the format of one raw input from its content and decode it.

    ``charset``: what the transport says the bytes are (a WARC record's HTTP Content-Type),
    or the encoding scan recorded for them; a BOM still wins, and bytes it does not decode
    fall back to the usual rules.

    Raises RejectedInput(reason, detail) for bad input.
    """
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data)
    if not data.strip():
        raise RejectedInput("empty", "no bytes" if not data else "only whitespace")
    text, encoding = _decode(data, charset)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise RejectedInput("empty", "only whitespace after decoding")
    if "\x00" in text[:_SNIFF] or _control_share(text) > 0.1:
        raise RejectedInput("binary", "decoded content is mostly control characters")
    return Detected(source_format=_classify(text), content=text, encoding=encoding)
