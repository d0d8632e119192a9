"""A hostile corpus: bad and odd inputs, each with the fate a careful pipeline gives it.

``build(folder, outside)`` writes the files into ``folder`` (``outside``: a folder beside it, for
the targets of symbolic links that leave the seeds folder) and returns ``{kind: Expected}``.
``KINDS`` lists the kind names without writing anything (for test parametrization).

An ``Expected`` is one of

* ``quarantine(stage, reason)``: a row in ``quarantine.documents`` with that stage and reason for
  the input (and the input is not in the layers that stage feeds);
* ``reaches("marts")``: the document is in ``staging.documents`` and ``core.sentences`` (it flows
  through), and nothing quarantined it; ``check`` may assert more about its staging row;
* ``ignored()``: nothing about the input anywhere in the warehouse (hidden files).

``path`` is the input, relative to ``folder`` (``file#n`` a record of a container, ``file#*`` any
record of it, with ``marker`` the one whose content holds that text); ``url``: the URL the document
must carry in ``staging.documents.url`` (a container record's URL). ``check(ctx, row)`` gets the
test's context (``ctx.q(sql, params)``, ``ctx.abs(rel)``: the source_path of a relative path) and the
document's ``staging.documents`` row as a dict (None when it has none).

Everything is generated deterministically and cheaply (about 7 MB in all).
"""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import shutil
import socket
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

SECRET = "XYZZY-OUTSIDE-SECRET-51f3c0de"  # in the files the outward links point at: must never be read
HIDDEN_MARKER = "HIDDENMARKER-7d1e"  # in hidden files: must never be read


@dataclass(frozen=True)
class Expected:
    fate: str  # 'quarantine' | 'reaches' | 'ignored'
    stage: str | None = None  # quarantine: raw | staging | core | stories
    reason: str | tuple[str, ...] | None = None  # quarantine: the reason (or the reasons accepted)
    layer: str = "marts"  # reaches: how far
    path: str | None = None  # relative to the folder; 'file#n' a container record, 'file#*' any record
    marker: str | None = None  # with 'file#*': the record whose content holds this text
    url: str | None = None  # reaches: the URL staging.documents.url must hold
    check: Callable | None = None  # check(ctx, staging_row_or_None): more assertions
    why: str = ""  # what a careful pipeline does, and why

    def reasons(self) -> tuple[str, ...]:
        return self.reason if isinstance(self.reason, tuple) else (self.reason,)

    def describe(self) -> str:
        if self.fate == "quarantine":
            return f"quarantine {self.stage}/{'|'.join(self.reasons())}"
        return "reaches marts" if self.fate == "reaches" else "ignored"


def quarantine(stage: str, reason: str | tuple[str, ...], **kw) -> Expected:
    return Expected("quarantine", stage=stage, reason=reason, **kw)


def reaches(layer: str = "marts", **kw) -> Expected:
    assert layer == "marts"
    return Expected("reaches", layer=layer, **kw)


def ignored(**kw) -> Expected:
    return Expected("ignored", **kw)


# ------------------------------------------------------------------ realistic English news text
_TOWNS = ["Alderbrook", "Kestrel Bay", "Marlow Heights", "Port Ellery", "Quinsford", "Redmoor", "Stanwick",
          "Thornbury", "Upton Vale", "Westcombe", "Brackley", "Dunmore", "Fenwick", "Galloway", "Harrowgate"]
_OFFICIALS = ["Mayor Helen Ortiz", "Councillor James Whitfield", "Governor Paula Brennan", "Minister Ravi Chandra",
              "Police Chief Maria Lindqvist", "Fire Commissioner Owen Tate", "Senator Grace Mbeki",
              "Deputy Mayor Tomas Reyes", "Harbour Master Ian Doyle", "Health Director Amina Yusuf"]
_AGENCIES = ["transport department", "regional water authority", "county emergency office", "finance ministry",
             "national weather service", "port authority", "environment agency", "housing board"]
_THINGS = ["bridge", "ferry terminal", "rail line", "hospital wing", "school", "water treatment plant",
           "library", "tunnel", "market hall", "bus depot"]
_RIVERS = ["Aln", "Brent", "Colne", "Derwent", "Exe", "Frome", "Granta", "Humber"]
_COMPANIES = ["Northgate Engineering", "Calder & Sons", "Meridian Works", "Bluestone Civil", "Ashford Structures"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
_TEMPLATES = [
    "{official} said on {day} that the {thing} in {town} would reopen in {month} after repairs costing about "
    "${n} million.",
    "According to the {agency}, {n2} families were evacuated from {town} when the {river} river rose overnight.",
    "The {agency} said {n3} kilometres of road had been damaged, and crews were working in shifts to clear the debris.",
    "\u201cWe expect the work to take at least {n4} weeks,\u201d {official} told reporters in {town}.",
    "Residents of {town} said the {thing} had been closed since {month}, forcing commuters to take a "
    "{n5}-kilometre detour.",
    "Local businesses reported losses of around {n6} percent during the closure, the chamber of commerce said.",
    "The regional council approved an emergency budget of ${n7} million on {day}, a spokeswoman for the "
    "{agency} said.",
    "Engineers from {company} inspected the {thing} last week and found cracks in {n8} of its supports.",
    "{official} warned that further delays were possible if the weather worsened over the {month} holidays.",
    "Opposition members criticised the plan, arguing that the {agency} had ignored warnings issued in {month}.",
    "A survey by the {agency} found that {n6} percent of households in {town} had been affected by the outage.",
    "The {thing} carries about {n9} vehicles a day and is the main link between {town} and the coast.",
]


def _sentence(rng: random.Random, template: str) -> str:
    return template.format(
        official=rng.choice(_OFFICIALS), day=rng.choice(_DAYS), thing=rng.choice(_THINGS), town=rng.choice(_TOWNS),
        month=rng.choice(_MONTHS), agency=rng.choice(_AGENCIES), river=rng.choice(_RIVERS),
        company=rng.choice(_COMPANIES), n=rng.randint(2, 90), n2=rng.randint(20, 900), n3=rng.randint(3, 60),
        n4=rng.randint(2, 20), n5=rng.randint(5, 40), n6=rng.randint(5, 60), n7=rng.randint(2, 80),
        n8=rng.randint(3, 30), n9=rng.randint(2000, 40000))


def paragraphs(seed: str, n: int = 3, per: int = 3) -> list[str]:
    """``n`` paragraphs of ``per`` news sentences, different for each seed (not near-duplicates)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(" ".join(_sentence(rng, t) for t in rng.sample(_TEMPLATES, per)))
    return out


def title_for(seed: str) -> str:
    rng = random.Random("title:" + seed)
    return f"{rng.choice(_THINGS).capitalize()} in {rng.choice(_TOWNS)} to reopen after {rng.randint(2, 30)}-week closure"


def html_page(seed: str, *, title: str | None = None, paras: list[str] | None = None, head: str = "",
              body_extra: str = "", charset: str | None = "utf-8", date: str = "2025-03-04T10:00:00Z") -> str:
    title = title or title_for(seed)
    paras = paras or paragraphs(seed)
    meta = f'<meta charset="{charset}">' if charset else ""
    ps = "".join(f"<p>{p}</p>\n" for p in paras)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head>{meta}<title>{title} | The Example Gazette</title>\n"
            f"<meta property=\"og:title\" content=\"{title}\">\n"
            f"<meta property=\"article:published_time\" content=\"{date}\">\n{head}</head>\n"
            f"<body><nav><a href=\"/\">Home</a> | <a href=\"/local\">Local</a> | <a href=\"/sport\">Sport</a></nav>\n"
            f"<main><article><h1>{title}</h1>\n<p class=\"byline\">By Jane Holloway</p>\n{ps}</article>{body_extra}"
            f"</main>\n<footer><p>&copy; 2025 The Example Gazette. All rights reserved.</p></footer></body></html>\n")


def text_page(seed: str, *, title: str | None = None, paras: list[str] | None = None, nl: str = "\n") -> str:
    title = title or title_for(seed)
    paras = paras or paragraphs(seed)
    return nl.join([title, "", *[p + nl for p in paras]])


def wp_post(seed: str, *, title: str | None = None, paras: list[str] | None = None, date: str = "2025-03-04T10:00:00",
            **extra) -> dict:
    title = title or title_for(seed)
    paras = paras or paragraphs(seed)
    return {"id": zlib.crc32(seed.encode()) % 100000, "date": date, "date_gmt": date,
            "link": f"https://wp.example.org/2025/03/{seed}/", "title": {"rendered": title},
            "content": {"rendered": "".join(f"<p>{p}</p>\n" for p in paras)}, **extra}


def _warc_record(url: str, body: bytes, status: str = "200 OK", ctype: str = "text/html; charset=utf-8") -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return buf.getvalue()


def _lie_about_length(record: bytes, delta: int) -> bytes:
    """The record with its WARC Content-Length changed by ``delta`` (the bytes themselves unchanged)."""
    head, sep, rest = record.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(b"content-length:"):
            lines[i] = b"Content-Length: " + str(int(line.split(b":", 1)[1]) + delta).encode()
    return b"\r\n".join(lines) + sep + rest


# ------------------------------------------------------------------ the kinds
_BUILDERS: list[tuple[tuple[str, ...], Callable]] = []


def kinds(*names: str):
    def deco(fn):
        _BUILDERS.append((names, fn))
        return fn
    return deco


def _letters(rng: random.Random, n: int, alphabet: str) -> str:
    table = bytes(ord(alphabet[b % len(alphabet)]) for b in range(256))
    return rng.randbytes(n).translate(table).decode("ascii")


def _write(folder: Path, rel: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    p = folder / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return p


# ---- raw: content that cannot be read as a document
@kinds("empty_file", "whitespace_only", "gzip_of_nothing")
def _empty(folder, outside):
    _write(folder, "raw/empty.txt", b"")
    _write(folder, "raw/blank.txt", b"   \n\t\r\n  \n")
    _write(folder, "raw/gzip_of_nothing.txt", gzip.compress(b"", mtime=0))
    return {"empty_file": quarantine("raw", "empty", path="raw/empty.txt"),
            "whitespace_only": quarantine("raw", "empty", path="raw/blank.txt"),
            "gzip_of_nothing": quarantine("raw", "empty", path="raw/gzip_of_nothing.txt",
                                          why="a .txt that is a gzip of zero bytes: nothing to read")}


@kinds("png_bytes", "elf_header", "random_bytes", "pdf_file", "gzipped_png")
def _binary(folder, outside):
    rng = random.Random(7)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
           + rng.randbytes(2000) + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    _write(folder, "raw/logo.png.txt", png)
    _write(folder, "raw/program.html", b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00>\x00\x01\x00\x00\x00"
           + rng.randbytes(4000))
    _write(folder, "raw/noise.txt", rng.randbytes(8192))
    stream = zlib.compress(" ".join(paragraphs("pdf", 6, 4)).encode() + rng.randbytes(3000))
    pdf = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
           b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream
           + b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    _write(folder, "raw/report.pdf", pdf)
    _write(folder, "raw/image.html.gz", gzip.compress(png, mtime=0))
    return {"png_bytes": quarantine("raw", "binary", path="raw/logo.png.txt"),
            "elf_header": quarantine("raw", "binary", path="raw/program.html"),
            "random_bytes": quarantine("raw", "binary", path="raw/noise.txt"),
            "pdf_file": quarantine("raw", "binary", path="raw/report.pdf",
                                   why="PDF is not a supported format; its compressed streams are binary"),
            "gzipped_png": quarantine("raw", "binary", path="raw/image.html.gz")}


@kinds("truncated_gzip", "gzip_garbage", "gzip_bomb", "html_gz_valid", "multi_member_gzip")
def _gzips(folder, outside):
    article = html_page("gzip-ok").encode()
    _write(folder, "gz/truncated.txt", gzip.compress(text_page("gz-trunc").encode(), mtime=0)[:-30])
    _write(folder, "gz/garbage.html.gz", b"\x1f\x8b\x08\x00" + random.Random(3).randbytes(500))
    # 70 MB of zeros: about 70 KB compressed, a ratio over 1000
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    bomb = b"".join(comp.compress(block) for _ in range(70)) + comp.flush()
    assert len(bomb) * 1000 < 70 * len(block)
    _write(folder, "gz/bomb.html.gz", bomb)
    _write(folder, "gz/article.html.gz", gzip.compress(article, mtime=0))
    half = len(article) // 2
    _write(folder, "gz/members.html.gz", gzip.compress(article.replace(b"gzip", b"gzmm")[:half], mtime=0)
           + gzip.compress(html_page("gzip-two-members").encode()[half:], mtime=0))
    return {
        "truncated_gzip": quarantine("raw", "corrupt_gzip", path="gz/truncated.txt"),
        "gzip_garbage": quarantine("raw", "corrupt_gzip", path="gz/garbage.html.gz"),
        "gzip_bomb": quarantine("raw", "too_large", path="gz/bomb.html.gz",
                                why="decompresses to 70 MB, over the 64 MiB limit: stopped at the limit"),
        "html_gz_valid": reaches(path="gz/article.html.gz"),
        "multi_member_gzip": reaches(path="gz/members.html.gz",
                                     why="gzip(1) reads concatenated members as one stream"),
    }


@kinds("malformed_json", "json_list_of_numbers", "json_object_not_a_post", "deeply_nested_json",
       "wp_empty_content")
def _json(folder, outside):
    _write(folder, "json/malformed.json", '{"id": 1, "title": {"rendered": "Cut off"}, "content": {"rendered": "<p>The')
    _write(folder, "json/numbers.json", "[1, 2, 3, 4.5, -6]")
    _write(folder, "json/config.json", json.dumps({"name": "settings", "debug": True, "retries": 3}))
    _write(folder, "json/nested.json", "[" * 100_000 + "]" * 100_000)
    _write(folder, "json/empty_post.json", json.dumps(wp_post("wp-empty", paras=[""]) | {"content": {"rendered": ""}}))
    return {
        "malformed_json": quarantine("raw", "malformed_json", path="json/malformed.json"),
        "json_list_of_numbers": quarantine("raw", "unsupported_json", path="json/numbers.json"),
        "json_object_not_a_post": quarantine("raw", "unsupported_json", path="json/config.json"),
        "deeply_nested_json": quarantine("raw", ("malformed_json", "unsupported_json"), path="json/nested.json",
                                         why="100,000 nested arrays: refused as JSON, without a crash"),
        "wp_empty_content": quarantine("staging", "no_text", path="json/empty_post.json"),
    }


@kinds("jsonl_html_record", "jsonl_text_record", "jsonl_malformed_line", "jsonl_missing_field",
       "jsonl_not_an_object", "jsonl_oversized_record")
def _jsonl(folder, outside):
    rng = random.Random("jsonl-long")
    long_paras, size = [], 0
    while size < 600_000:
        long_paras.append(" ".join(_sentence(rng, rng.choice(_TEMPLATES)) for _ in range(4)))
        size += len(long_paras[-1]) + 1
    long_text = "\n".join(long_paras)
    lines = [
        json.dumps({"url": "https://jsonl.example.org/html", "html": html_page("jsonl-html")}),
        json.dumps({"url": "https://jsonl.example.org/text", "text": text_page("jsonl-text")}),
        '{"url": "https://jsonl.example.org/broken", "html": "<p>unterminated',
        json.dumps({"url": "https://jsonl.example.org/nofield", "body": "<p>wrong field name</p>"}),
        "[1, 2, 3]",
        json.dumps({"url": "https://jsonl.example.org/long", "text": long_text}),
    ]
    _write(folder, "jsonl/dump.jsonl", "\n".join(lines) + "\n")
    return {
        "jsonl_html_record": reaches(path="jsonl/dump.jsonl#0", url="https://jsonl.example.org/html",
                                     why="the record's url is the document's URL (the page declares none)"),
        "jsonl_text_record": reaches(path="jsonl/dump.jsonl#1", url="https://jsonl.example.org/text"),
        "jsonl_malformed_line": quarantine("raw", "malformed_json", path="jsonl/dump.jsonl#2"),
        "jsonl_missing_field": quarantine("raw", "missing_field", path="jsonl/dump.jsonl#3"),
        "jsonl_not_an_object": quarantine("raw", "malformed_json", path="jsonl/dump.jsonl#4"),
        "jsonl_oversized_record": quarantine("staging", "too_long", path="jsonl/dump.jsonl#5",
                                             why="a record whose clean text is over 500,000 characters"),
    }


# ---- WARC
@kinds("warc_record_before_short_length", "warc_content_length_too_short", "warc_record_after_short_length",
       "warc_record_before_long_length", "warc_content_length_too_long", "warc_skips_non_documents",
       "warc_gz_corrupt_member", "warc_gz_after_corrupt_member")
def _warcs(folder, outside):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def page(key):
        return html_page(key).encode()

    short = (_warc_record("https://warc.example.org/short-a", page("warc-short-a"))
             + _lie_about_length(_warc_record("https://warc.example.org/short-b", page("warc-short-b")), -300)
             + _warc_record("https://warc.example.org/short-c", page("warc-short-c")))
    _write(folder, "warc/lies_short.warc", short)
    long = (_warc_record("https://warc.example.org/long-a", page("warc-long-a"))
            + _lie_about_length(_warc_record("https://warc.example.org/long-b", page("warc-long-b")), 5000))
    _write(folder, "warc/lies_long.warc", long)

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=False)
    w.write_record(w.create_warcinfo_record("skips.warc", {"software": "hostile-corpus"}))
    req = StatusAndHeaders("GET /page HTTP/1.1", [("Host", "warc.example.org")], is_http_request=True)
    w.write_record(w.create_warc_record("https://warc.example.org/page", "request", http_headers=req))
    buf.write(_warc_record("https://warc.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(500), ctype="image/png"))
    buf.write(_warc_record("https://warc.example.org/missing", b"<html><body><h1>Not Found</h1><p>"
                           + " ".join(paragraphs("warc-404")).encode() + b"</p></body></html>", status="404 Not Found"))
    buf.write(_warc_record("https://warc.example.org/moved", b"<html><body>Moved</body></html>",
                           status="301 Moved Permanently"))
    buf.write(_warc_record("https://warc.example.org/page", page("warc-skips-ok")))
    _write(folder, "warc/skips.warc", buf.getvalue())

    members = [gzip.compress(_warc_record(f"https://warc.example.org/gz-{k}", page(f"warc-gz-{k}")), mtime=0)
               for k in "abc"]
    bad = bytearray(members[1])
    for i in range(40, len(bad) - 40, 7):
        bad[i] ^= 0x5A
    _write(folder, "warc/corrupt.warc.gz", members[0] + bytes(bad) + members[2])

    def nothing_from(name):
        def check(ctx, row):
            rows = ctx.q("select source_path, reason from quarantine.documents where source_path like ?",
                         [ctx.abs(name) + "%"])
            assert not rows, f"nothing of {name} is quarantined: {rows}"
            n = ctx.q("select count(*) from raw.documents where source_path like ?", [ctx.abs(name) + "#%"])[0][0]
            assert n == 1, f"{name} holds one document (the 200 text/html response), got {n}"
        return check

    def not_a_document(name, key):
        def check(ctx, row):
            got = ctx.q("select source_path from raw.documents where source_path like ? and strpos(content::varchar, ?) > 0 "
                        "and doc_id in (select doc_id from staging.documents)", [ctx.abs(name) + "#%", title_for(key)])
            assert not got, f"the record with a lying Content-Length (its payload cut) reached staging: {got}"
        return check

    def record(name, key, **kw):
        return reaches(path=name + "#*", marker=title_for(key), **kw)

    return {
        "warc_record_before_short_length": record("warc/lies_short.warc", "warc-short-a",
                                                  url="https://warc.example.org/short-a",
                                                  why="WARC-Target-URI is the document's URL"),
        "warc_content_length_too_short": quarantine(
            "raw", "corrupt_record", path="warc/lies_short.warc#*",
            check=not_a_document("warc/lies_short.warc", "warc-short-b"),
            why="Content-Length 300 bytes short: the block is not followed by the record separator; the record "
                "(its payload cut) is corrupt, the next record is found again"),
        "warc_record_after_short_length": record("warc/lies_short.warc", "warc-short-c"),
        "warc_record_before_long_length": record("warc/lies_long.warc", "warc-long-a"),
        "warc_content_length_too_long": quarantine(
            "raw", "corrupt_record", path="warc/lies_long.warc#*",
            check=not_a_document("warc/lies_long.warc", "warc-long-b"),
            why="Content-Length 5000 bytes past the end of the file: a truncated record"),
        "warc_skips_non_documents": record("warc/skips.warc", "warc-skips-ok", check=nothing_from("warc/skips.warc"),
                                           why="warcinfo, request, image/png, 404 and 301 records are not documents: "
                                               "skipped silently"),
        "warc_gz_corrupt_member": quarantine("raw", "corrupt_record", path="warc/corrupt.warc.gz#*"),
        "warc_gz_after_corrupt_member": record("warc/corrupt.warc.gz", "warc-gz-c"),
    }


# ---- special files, names and links
@kinds("fifo", "unix_socket", "non_utf8_file_name", "newline_in_file_name", "unicode_file_name", "hidden_file",
       "hidden_directory", "file_in_subfolder")
def _files(folder, outside):
    out = {}
    (folder / "special").mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "special" / "pipe.txt")
    out["fifo"] = quarantine("raw", "not_a_file", path="special/pipe.txt")
    sock_path = folder / "special" / "feed.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(str(sock_path))
    finally:
        s.close()
    out["unix_socket"] = quarantine("raw", "not_a_file", path="special/feed.sock")
    bad = os.path.join(os.fsencode(folder / "names"), b"caf\xe9 news.txt")
    os.makedirs(os.path.dirname(bad), exist_ok=True)
    with open(bad, "wb") as f:
        f.write(text_page("bad-name").encode())
    out["non_utf8_file_name"] = quarantine("raw", "bad_path", path="names/caf\\xe9 news.txt")
    _write(folder, "names/line\nbreak.txt", text_page("newline-name"))
    out["newline_in_file_name"] = quarantine(
        "raw", "bad_path", path="names/line\nbreak.txt",
        why="a control character in a name forges lines in logs, summaries and CSV exports: refused like a "
            "non-UTF-8 name, 'rename the file'")
    _write(folder, "names/Новости — 2025 (1).txt", text_page("unicode-name"))
    out["unicode_file_name"] = reaches(path="names/Новости — 2025 (1).txt", why="a UTF-8 name is a good name")
    _write(folder, "names/.hidden.txt", text_page("hidden-file") + f"\nThe code word is {HIDDEN_MARKER}.\n")
    out["hidden_file"] = ignored(path="names/.hidden.txt", check=_nowhere(HIDDEN_MARKER))
    _write(folder, ".git/objects/notes.txt", text_page("hidden-dir") + f"\nThe code word is {HIDDEN_MARKER}.\n")
    out["hidden_directory"] = ignored(path=".git/objects/notes.txt", check=_nowhere(HIDDEN_MARKER))
    _write(folder, "deep/er/still/article.txt", text_page("subfolder"))
    out["file_in_subfolder"] = reaches(path="deep/er/still/article.txt")
    return out


@kinds("symlink_outside", "symlinked_dir_outside", "dangling_symlink", "symlink_loop", "symlink_inside")
def _links(folder, outside):
    outside.mkdir(parents=True, exist_ok=True)
    secret = text_page("outside-secret") + f"\nThe password of the archive is {SECRET}.\n"
    (outside / "secret.txt").write_text(secret, encoding="utf-8")
    (outside / "dir").mkdir(exist_ok=True)
    (outside / "dir" / "also_secret.txt").write_text(
        text_page("outside-dir-secret") + f"\nThe key is {SECRET}.\n", encoding="utf-8")
    links = folder / "links"
    links.mkdir(parents=True, exist_ok=True)
    os.symlink(outside / "secret.txt", links / "innocent.txt")
    os.symlink(outside / "dir", links / "more")
    os.symlink(links / "no_such_file.txt", links / "dangling.txt")
    os.symlink("loop_b.txt", links / "loop_a.txt")
    os.symlink("loop_a.txt", links / "loop_b.txt")
    target = _write(folder, "links/real/article.txt", text_page("symlink-target"))
    os.symlink(Path("real") / "article.txt", links / "alias.txt")  # relative link inside the folder

    def read_once(ctx, row):
        sha = ctx.q("select content_sha256 from raw.documents where doc_id = ?", [row["doc_id"]])[0][0]
        n_docs = ctx.q("select count(*) from raw.documents where content_sha256 = ?", [sha])[0][0]
        n_files = ctx.q("select count(*) from raw.files where content_sha256 = ?", [sha])[0][0]
        assert (n_docs, n_files) == (1, 1), f"read once: {n_docs} raw.documents, {n_files} raw.files rows"
        assert not ctx.q("select reason from quarantine.documents where source_path = ?", [ctx.abs("links/alias.txt")])

    return {
        "symlink_outside": quarantine("raw", "symlink_outside", path="links/innocent.txt", check=_nowhere(SECRET)),
        "symlinked_dir_outside": quarantine("raw", "symlink_outside", path="links/more", check=_nowhere(SECRET)),
        "dangling_symlink": quarantine("raw", "broken_symlink", path="links/dangling.txt"),
        "symlink_loop": quarantine("raw", "broken_symlink", path="links/loop_a.txt",
                                   why="two links naming each other lead to nothing: a link to nothing"),
        "symlink_inside": reaches(path=str(target.relative_to(folder)), check=read_once,
                                  why="a link inside the folder to a file inside it is read once, as that file"),
    }


# ---- staging: nothing usable, or too much
@kinds("script_style_only", "text_600k_chars", "one_line_2mb_no_spaces", "rss_feed")
def _staging(folder, outside):
    _write(folder, "staging/scripts.html",
           "<!DOCTYPE html><html><head><title>App</title><style>body{margin:0} p{color:red}</style>"
           "<script>window.__DATA__ = {\"headline\": \"Council approves budget\"};</script></head>"
           "<body><script>document.write('The mayor said on Monday that the bridge would reopen in May.');</script>"
           "<noscript></noscript><style>.x{display:none}</style></body></html>")
    rng = random.Random("600k")
    paras, size = [], 0
    while size < 600_000:
        p = " ".join(_sentence(rng, rng.choice(_TEMPLATES)) for _ in range(4))
        paras.append(p)
        size += len(p) + 1
    _write(folder, "staging/huge.txt", "Long report on the floods\n\n" + "\n".join(paras))
    rng = random.Random("2mb")
    _write(folder, "staging/oneline.txt", _letters(rng, 2_000_000, "abcdefghijklmnopqrstuvwxyz"))
    items = "".join(f"<item><title>{title_for(f'rss{i}')}</title><link>https://feed.example.org/{i}</link>"
                    f"<description>{' '.join(paragraphs(f'rss{i}', 1, 3))}</description>"
                    f"<pubDate>Tue, 04 Mar 2025 10:0{i}:00 GMT</pubDate></item>\n" for i in range(6))
    _write(folder, "staging/feed.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                                       f"<title>Example Gazette</title><link>https://feed.example.org/</link>"
                                       f"<description>Latest news</description>\n{items}</channel></rss>\n")
    return {
        "script_style_only": quarantine("staging", "no_text", path="staging/scripts.html"),
        "text_600k_chars": quarantine("staging", "too_long", path="staging/huge.txt"),
        "one_line_2mb_no_spaces": quarantine("staging", ("too_long", "no_text"), path="staging/oneline.txt",
                                             why="2 MB without a space: no sentence, far over the text limit"),
        "rss_feed": quarantine("staging", ("unsupported_format", "no_text"), path="staging/feed.xml",
                               why="an RSS feed is not a page: read as HTML its six stories become one document"),
    }


# ---- HTML structure
@kinds("deep_nesting_after_article", "deep_nesting_text_at_bottom", "huge_attribute", "long_title_10k",
       "five_words", "html_extension_plain_text", "wp_comment_form_footer", "code_sample_escaped_quot",
       "xhtml_with_xml_declaration")
def _html(folder, outside):
    out = {}
    nest = "<div>" * 100_000 + "<span>deep</span>" + "</div>" * 100_000
    _write(folder, "html/deep_after.html", html_page("deep-after", body_extra=f"<aside>{nest}</aside>"))
    out["deep_nesting_after_article"] = reaches(path="html/deep_after.html",
                                                why="100,000 nested <div> after the article cost nothing of it")
    paras = paragraphs("deep-bottom")
    inner = "".join(f"<p>{p}</p>" for p in paras)
    _write(folder, "html/deep_bottom.html",
           f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title_for('deep-bottom')}</title></head><body>"
           + "<div>" * 100_000 + inner + "</div>" * 100_000 + "</body></html>")
    out["deep_nesting_text_at_bottom"] = quarantine(
        "staging", "no_text", path="html/deep_bottom.html",
        why="the article sits inside 100,000 nested <div>: the HTML parser stops at its depth limit (256) instead "
            "of recursing; the page is refused, the worker does not crash")
    blob = _letters(random.Random(5), 1_000_000, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    _write(folder, "html/attr.html", html_page("huge-attr", body_extra=f'<div data-state="{blob}">x</div>'))
    out["huge_attribute"] = reaches(path="html/attr.html", check=_absent(blob[:40]))
    long_title = ("Bridge closure " + " ".join(f"update{i}" for i in range(1300)))[:10_000]
    long_paras = paragraphs("long-title")
    _write(folder, "html/long_title.html", html_page("long-title", title=long_title, paras=long_paras))
    out["long_title_10k"] = reaches(path="html/long_title.html", check=_contains(long_paras[0][:60]),
                                    why="a 10,000-character title (<title> and <h1>) is odd, not fatal: the "
                                        "article's paragraphs stay")
    _write(folder, "html/five_words.html", "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Brief</title>"
                                           "</head><body><p>Officials said talks resumed Monday.</p></body></html>")
    out["five_words"] = reaches(path="html/five_words.html", check=_contains("talks resumed"))
    _write(folder, "html/plain.html", text_page("plain-in-html"))
    out["html_extension_plain_text"] = reaches(path="html/plain.html",
                                               check=lambda ctx, row: _eq(row["source_format"], "text"),
                                               why="the format comes from the content, not the name")
    form = ('<div id="comments"><div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>'
            '<form action="/wp-comments-post.php" method="post" id="commentform">'
            '<p class="comment-notes">Your email address will not be published.</p>'
            '<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment">'
            '</textarea></p><p class="form-allowed-tags">You may use these <abbr title="HyperText Markup Language">'
            'HTML</abbr> tags and attributes: <code>&lt;a href=&quot;&quot; title=&quot;&quot;&gt; &lt;abbr '
            'title=&quot;&quot;&gt; &lt;acronym title=&quot;&quot;&gt; &lt;b&gt; &lt;blockquote cite=&quot;&quot;&gt; '
            '&lt;cite&gt; &lt;code&gt; &lt;del datetime=&quot;&quot;&gt; &lt;em&gt; &lt;i&gt; &lt;q cite=&quot;'
            '&quot;&gt; &lt;s&gt; &lt;strike&gt; &lt;strong&gt; </code></p><p class="form-submit">'
            '<input name="submit" type="submit" id="submit" value="Post Comment"></p></form></div></div>')
    _write(folder, "html/comment_form.html", html_page("comment-form", body_extra=form))
    out["wp_comment_form_footer"] = reaches(path="html/comment_form.html",
                                            check=_absent("You may use these", "href=", "&lt;", "&quot;"))
    code_paras = paragraphs("code-sample", 2)
    code = ('<p>To print a greeting, escape the quotes in the template:</p>'
            '<pre><code>template = "&amp;quot;hello&amp;quot;"\nprint(render(template))</code></pre>'
            '<p>The renderer then shows <code>&amp;quot;hello&amp;quot;</code> as a quoted word.</p>')
    _write(folder, "html/code_sample.html",
           html_page("code-sample", paras=code_paras[:1]).replace("</article>", code + f"<p>{code_paras[1]}</p></article>"))

    def faithful(ctx, row):
        if "hello" in row["text"]:
            assert "&quot;hello&quot;" in row["text"], "the sample shows &quot;hello&quot; literally"

    out["code_sample_escaped_quot"] = reaches(
        path="html/code_sample.html", check=faithful,
        why="the page shows its readers the text &quot;hello&quot;: that is text, not markup")
    tx = title_for("xhtml")
    xhtml = ('<?xml version="1.0" encoding="UTF-8"?>\n' + html_page("xhtml").replace(
        "<!DOCTYPE html>", '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                           '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">').replace(
        '<html lang="en">', '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">'))
    _write(folder, "html/page.xhtml", xhtml)
    out["xhtml_with_xml_declaration"] = reaches(path="html/page.xhtml", check=_title(tx))
    return out


# ---- encodings
@kinds("utf16_bom_html", "declared_latin1_but_utf8", "declared_utf16_but_utf8", "unknown_declared_charset",
       "mixed_utf8_and_cp1252", "cp1252_smart_quotes_undeclared", "double_encoded_utf8", "utf8_bom_text",
       "zero_width_and_bidi", "nul_byte_deep_in_text", "crlf_line_endings", "cr_only_line_endings")
def _encodings(folder, outside):
    out = {}
    t16 = "Zürich café reopens after 12-week closure"
    _write(folder, "enc/utf16.html", html_page("utf16", title=t16, charset=None).encode("utf-16"))
    out["utf16_bom_html"] = reaches(path="enc/utf16.html", check=_title(t16))
    tl = "Genève’s café owners count the cost of the closure"
    _write(folder, "enc/latin1_declared.html", html_page("latin1-declared", title=tl, charset="iso-8859-1"))
    out["declared_latin1_but_utf8"] = reaches(path="enc/latin1_declared.html", check=_title(tl))
    tu = "Königsberg ferry terminal reopens — in time for summer"
    page = html_page("utf16-declared", title=tu, charset="utf-16").encode("utf-8")
    _write(folder, "enc/utf16_declared.html", page + (b" " if len(page) % 2 else b""))
    out["declared_utf16_but_utf8"] = reaches(
        path="enc/utf16_declared.html", check=_title(tu),
        why="a meta charset of utf-16 on bytes read as ASCII-compatible means UTF-8 (WHATWG encoding sniffing)")
    tk = "Mayor promises faster repairs on the Brent bridge"
    _write(folder, "enc/unknown_charset.html", html_page("unknown-charset", title=tk, charset="x-klingon-9"))
    out["unknown_declared_charset"] = reaches(path="enc/unknown_charset.html", check=_title(tk))

    first = ("Zürich’s café owners said on Monday that the closure had cost them dearly. " * 3).strip()
    second = ("In Genève, the hôtel manager said bookings had fallen by a third since the spring. " * 3).strip()
    mixed = (text_page("mixed-enc", paras=[first]).encode("utf-8") + b"\n"
             + (second + "\n" + " ".join(paragraphs("mixed-enc-2", 1)) + "\n").encode("cp1252"))
    _write(folder, "enc/mixed.txt", mixed)
    out["mixed_utf8_and_cp1252"] = reaches(path="enc/mixed.txt", check=_contains("Zürich’s café", "In Genève, the hôtel"),
                                           why="each part decoded by its own encoding: no mojibake, no U+FFFD")
    quoted = ("\u201cThe bridge will reopen in May,\u201d the mayor said. \u2018It\u2019s been a long wait,\u2019 "
              "one resident told the council on Tuesday evening.")
    _write(folder, "enc/smart_quotes.txt", text_page("smart-quotes", paras=[quoted, *paragraphs("smart-quotes", 2)])
           .encode("cp1252"))
    out["cp1252_smart_quotes_undeclared"] = reaches(path="enc/smart_quotes.txt",
                                                    check=_contains("\u201cThe bridge will reopen in May,\u201d",
                                                                    "It\u2019s been"))
    moji = "François Müller, the café’s owner, said the closure had cost him €4,000 a week."
    _write(folder, "enc/mojibake.txt",
           text_page("mojibake", paras=[moji.encode("utf-8").decode("cp1252"), *paragraphs("mojibake", 2)]))
    out["double_encoded_utf8"] = reaches(path="enc/mojibake.txt", check=_contains("François Müller, the café’s owner"),
                                         why="UTF-8 read once as cp1252 and saved again: repaired (ftfy)")
    _write(folder, "enc/bom.txt", b"\xef\xbb\xbf" + text_page("utf8-bom").encode())
    out["utf8_bom_text"] = reaches(path="enc/bom.txt", check=_absent("\ufeff"))
    zw = ("The council called the plan a bar\u200bgaining chip in the talks\u2060, the mayor said on Monday. "
          "Officials said the \u202eenil liar\u202c would reopen in May\ufeff, and residents wel\u00adcomed the news. "
          "The \u2066Alderbrook\u2069 bridge carries 12,000 vehicles a day, the transport department said.")
    _write(folder, "enc/zero_width.txt", text_page("zero-width", paras=[zw, *paragraphs("zero-width", 2)]))
    out["zero_width_and_bidi"] = reaches(
        path="enc/zero_width.txt",
        check=_all(_absent("\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\u2060", "\ufeff"),
                   _contains("bargaining chip")),
        why="invisible characters (zero-width spaces, word joiner, BOM, bidi overrides and isolates) are removed: "
            "they break search ('bar\u200bgaining') and make stored text display differently from the page")
    body = text_page("nul-deep", paras=paragraphs("nul-deep", 12, 3))
    assert len(body) > 4200
    _write(folder, "enc/nul.txt", body[:4200] + "\x00" + body[4200:])
    out["nul_byte_deep_in_text"] = reaches(path="enc/nul.txt", check=_absent("\x00"))
    _write(folder, "enc/crlf.txt", text_page("crlf", nl="\r\n"))
    out["crlf_line_endings"] = reaches(path="enc/crlf.txt", check=_all(_absent("\r"), _lines(3)))
    _write(folder, "enc/cr.txt", text_page("cr-only", nl="\r"))
    out["cr_only_line_endings"] = reaches(path="enc/cr.txt", check=_all(_absent("\r"), _lines(3)))
    return out


# ---- WordPress JSON strings and dates; languages; copies
@kinds("lone_surrogate_in_wp_json", "nul_escape_in_wp_json", "wp_title_with_entities", "wp_fields_of_wrong_type",
       "date_1850", "date_2999",
       "russian_article", "german_article", "exact_copy_of_seed", "reformatted_copy_of_seed")
def _wordpress(folder, outside):
    out = {}
    post = wp_post("surrogate", title="Bad \ud800 title for the bridge story")
    post["content"]["rendered"] += "<p>Officials said the lone \udc00 surrogate was harmless, the mayor added.</p>"
    _write(folder, "wp/surrogate.json", json.dumps(post))  # ensure_ascii: the surrogates are \\ud800 escapes

    def no_surrogate(ctx, row):
        for field in ("title", "text"):
            value = row[field] or ""
            assert not any(0xD800 <= ord(c) <= 0xDFFF for c in value), f"surrogate left in {field}"
        assert row["title"].startswith("Bad") and "?" not in row["title"], \
            f"the lone surrogate is removed (README), not replaced by '?': {row['title']!r}"

    out["lone_surrogate_in_wp_json"] = reaches(path="wp/surrogate.json", check=no_surrogate)
    post = wp_post("nul-escape")
    post["content"]["rendered"] += "<p>The ministry said\u0000 the figures would be published on Friday.</p>"
    _write(folder, "wp/nul.json", json.dumps(post))
    out["nul_escape_in_wp_json"] = reaches(path="wp/nul.json", check=_absent("\x00"))
    _write(folder, "wp/entities.json",
           json.dumps(wp_post("entities", title="Council&#8217;s <em>bold</em> plan &amp; the budget")))
    out["wp_title_with_entities"] = reaches(path="wp/entities.json",
                                            check=_title("Council\u2019s bold plan & the budget"))
    odd = wp_post("wrong-types") | {"title": 12345, "date": "yesterday", "date_gmt": None, "link": 42,
                                     "yoast_head_json": "none", "_embedded": {"author": [7, None]}}
    _write(folder, "wp/wrong_types.json", json.dumps(odd))

    def no_metadata(ctx, row):
        assert (row["title"], row["url"], row["published_at"]) == (None, None, None), \
            (row["title"], row["url"], row["published_at"])

    out["wp_fields_of_wrong_type"] = reaches(path="wp/wrong_types.json", check=no_metadata,
                                             why="fields of the wrong type are ignored, the body is kept")
    _write(folder, "wp/old.json", json.dumps(wp_post("date-1850", date="1850-05-01T00:00:00")))
    out["date_1850"] = reaches(path="wp/old.json", check=_published(None))
    _write(folder, "wp/future.html", html_page("date-2999", date="2999-01-01T00:00:00Z"))
    out["date_2999"] = reaches(path="wp/future.html", check=_published(None))
    ru = ["Президент заявил в понедельник, что переговоры о перемирии продолжатся на следующей неделе в Стамбуле.",
          "По словам министра обороны, на границе остаются около двенадцати тысяч военнослужащих, а ремонт моста "
          "займёт не менее трёх месяцев.",
          "Жители города сообщили журналистам, что электричество отключали несколько раз за последние сутки, "
          "однако власти обещают восстановить подачу энергии к выходным."]
    page = ("<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"windows-1251\"><title>Переговоры продолжатся"
            "</title></head><body><article><h1>Переговоры продолжатся</h1>"
            + "".join(f"<p>{p}</p>" for p in ru) + "</article></body></html>")
    _write(folder, "lang/russian.html", page.encode("cp1251"))
    out["russian_article"] = quarantine("core", "unsupported_language", path="lang/russian.html",
                                        check=_language("ru"))
    de = ["Der Bürgermeister sagte am Montag, die Brücke über die Elbe werde nach den Reparaturen im Mai wieder "
          "geöffnet.", "Nach Angaben des Verkehrsministeriums kosten die Arbeiten rund zwölf Millionen Euro, die "
          "Anwohner müssen bis dahin einen Umweg von fünfzehn Kilometern in Kauf nehmen.",
          "Die Opposition kritisierte den Zeitplan und forderte eine unabhängige Prüfung der Bauarbeiten."]
    _write(folder, "lang/german.txt", "\n\n".join(["Brücke wird im Mai wieder geöffnet", *de]) + "\n")
    out["german_article"] = quarantine("core", "unsupported_language", path="lang/german.txt", check=_language("de"))

    seed = sorted(SEEDS.iterdir())[0]
    (folder / "copies").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seed, folder / "copies" / "same_as_seed.txt")
    reformatted = json.dumps(json.loads(seed.read_text(encoding="utf-8")), indent=2, ensure_ascii=False)
    _write(folder, "copies/reformatted_seed.json", reformatted)

    def one_document(ctx, row):
        ids = ctx.q("select source_path, doc_id from raw.file_documents where source_path like '%/' || ?",
                    [seed.name])
        copy = ctx.q("select doc_id from raw.file_documents where source_path = ?", [ctx.abs("copies/same_as_seed.txt")])
        assert ids and copy and {d for _, d in ids} == {copy[0][0]}, (ids, copy)
        sha = ctx.q("select content_sha256 from raw.documents where doc_id = ?", [copy[0][0]])[0][0]
        assert ctx.q("select count(*) from raw.documents where content_sha256 = ?", [sha])[0][0] == 1
        assert ctx.q("select count(*) from staging.documents where doc_id = ?", [copy[0][0]])[0][0] == 1

    def linked_to_seed(ctx, row):
        seed_doc = ctx.q("select doc_id from raw.file_documents where source_path like '%/seeds/' || ?", [seed.name])
        assert seed_doc, "the seed is in raw.file_documents"
        seed_row = ctx.q("select doc_id, duplicate_of from staging.documents where doc_id = ?", [seed_doc[0][0]])
        pair = {(row["doc_id"], row["duplicate_of"]), seed_row[0]}
        assert pair & {(row["doc_id"], seed_doc[0][0]), (seed_doc[0][0], row["doc_id"])}, \
            f"one of the two copies names the other as duplicate_of: {pair}"

    out["exact_copy_of_seed"] = reaches(path="copies/same_as_seed.txt", check=one_document,
                                        why="the same bytes are the same document (content-addressed): one raw "
                                            "and one staging row, both files in raw.file_documents")
    out["reformatted_copy_of_seed"] = reaches(path="copies/reformatted_seed.json", check=linked_to_seed,
                                              why="other bytes, same clean text: staged with duplicate_of set")
    return out


KINDS: list[str] = [name for names, _ in _BUILDERS for name in names]


def build(folder: Path, outside: Path, only: Iterable[str] | None = None) -> dict[str, Expected]:
    """Write the hostile inputs into ``folder`` (link targets into ``outside``); ``{kind: Expected}``.

    ``only``: build just the groups holding these kinds (for debugging one kind).
    """
    folder, outside = Path(folder), Path(outside)
    folder.mkdir(parents=True, exist_ok=True)
    want = set(only) if only is not None else None
    out: dict[str, Expected] = {}
    for names, fn in _BUILDERS:
        if want is not None and not want & set(names):
            continue
        got = fn(folder, outside)
        assert list(got) == list(names), (names, list(got))
        out.update(got)
    return out


# ------------------------------------------------------------------ check helpers
def _eq(a, b):
    assert a == b, f"{a!r} != {b!r}"


def _all(*checks):
    def check(ctx, row):
        for c in checks:
            c(ctx, row)
    return check


def _contains(*needles: str):
    def check(ctx, row):
        for n in needles:
            assert n in row["text"], f"{n!r} not in the clean text: {row['text'][:300]!r}"
    return check


def _absent(*needles: str):
    def check(ctx, row):
        for n in needles:
            for field in ("text", "title"):
                value = row[field] or ""
                assert n not in value, f"{n!r} in {field}: ...{value[max(0, value.find(n) - 80):value.find(n) + 80]!r}..."
    return check


def _title(expected: str):
    def check(ctx, row):
        assert row["title"] == expected, f"title {row['title']!r}, expected {expected!r}"
    return check


def _published(expected):
    def check(ctx, row):
        assert row["published_at"] == expected, f"published_at {row['published_at']!r}, expected {expected!r}"
    return check


def _lines(n: int):
    def check(ctx, row):
        assert len(row["text"].split("\n")) >= n, f"expected {n}+ paragraphs: {row['text'][:300]!r}"
    return check


def _language(code: str):
    def check(ctx, row):
        assert row is not None and row["language"] == code, \
            f"the document stays in staging with language {code!r}: {row and row['language']!r}"
    return check


def _nowhere(needle: str):
    """``needle`` in no text or blob column of any table of the warehouse."""
    def check(ctx, row):
        hits = []
        for schema, table, column, dtype in ctx.q(
                "select schema_name, table_name, column_name, data_type from duckdb_columns() "
                "where database_name = current_database() and data_type in ('VARCHAR', 'BLOB') "
                "and schema_name not in ('information_schema', 'pg_catalog')"):
            col = f'"{column}"' if dtype == "VARCHAR" else f'cast("{column}" as varchar)'  # blob: bytes as \\xNN
            n = ctx.q(f'select count(*) from "{schema}"."{table}" where strpos({col}, ?) > 0', [needle])[0][0]
            if n:
                hits.append(f"{schema}.{table}.{column} ({n} rows)")
        assert not hits, f"{needle!r} found in {hits}"
    return check
