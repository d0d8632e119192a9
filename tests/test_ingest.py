"""detect(): format recognition from content, decoding, and rejections."""
from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest

from claimhouse import ingest
from claimhouse.ingest import detect
from claimhouse.types import RejectedInput

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

HTML = (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>A headline - Site</title></head>"
        b"<body><h1>A headline</h1><p>Some text about caf\xc3\xa9s in the city.</p></body></html>")


def reason(data: bytes, path: str = "doc") -> str:
    with pytest.raises(RejectedInput) as exc:
        detect(data, path)
    assert exc.value.detail  # always a human-readable explanation
    return exc.value.reason


# ------------------------------------------------------------------ rejections
@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8 + b"  \n"])
def test_empty(data):
    assert reason(data) == "empty"


def test_empty_gzip():
    assert reason(gzip.compress(b"")) == "empty"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    b"abc\x00def" * 20,
    bytes(range(1, 9)) * 100,  # control bytes, no NUL
    b"%PDF-1.7\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 10,
])
def test_binary(data):
    assert reason(data) == "binary"


@pytest.mark.parametrize("data", [b'{"title": "x", ', b"{not json at all}", b'[{"a": 1},', b"  {\"a\": 1}}"])
def test_malformed_json(data):
    assert reason(data) == "malformed_json"


@pytest.mark.parametrize("data", [b'{"title": "x"}', b"[1, 2, 3]", b'{"content": "plain string"}',
                                  b'[{"content": {"rendered": "<p>x</p>"}}]'])
def test_unsupported_json(data):
    assert reason(data) == "unsupported_json"


@pytest.mark.parametrize("data", [
    "Caf\u00e9 au lait, cr\u00e8me br\u00fbl\u00e9e and more text.".encode("latin-1"),
    b"Plain text with a stray byte \xff\xfe in the middle.",
    "<p>latin-1 html without a declared charset: caf\u00e9</p>".encode("latin-1"),
])
def test_not_utf8_decodable(data):
    assert reason(data) == "not_utf8_decodable"


def test_corrupt_gzip():
    assert reason(b"\x1f\x8b\x08\x00garbage-that-is-not-deflate") == "corrupt_gzip"
    truncated = gzip.compress(HTML * 50)[:-30]
    assert reason(truncated) == "corrupt_gzip"


def test_gzip_too_large(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_DECOMPRESSED", 10_000)
    assert reason(gzip.compress(b"a" * 10_001)) == "too_large"
    assert detect(gzip.compress(b"a" * 9_000 + b" text"), "x").source_format == "text"


def test_gzip_limit_is_64_mib():
    assert ingest.MAX_DECOMPRESSED == 64 * 1024 * 1024


# ------------------------------------------------------------------- decoding
def test_gzip_html():
    d = detect(gzip.compress(HTML), "page.html.gz")
    assert d.source_format == "html"
    assert "caf\u00e9s" in d.content
    assert d.encoding == "utf-8"


def test_multi_member_gzip():
    d = detect(gzip.compress(b"first part. ") + gzip.compress(b"second part."), "x.gz")
    assert d.content == "first part. second part."


def test_utf8_bom():
    d = detect(codecs.BOM_UTF8 + "Caf\u00e9 text.".encode(), "x")
    assert d.content == "Caf\u00e9 text."
    assert d.encoding == "utf-8"
    assert d.source_format == "text"


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_bom(codec, bom):
    text = "<html><body><p>Zelensky said \u201chello\u201d.</p></body></html>"
    d = detect(bom + text.encode(codec), "x")
    assert d.content == text
    assert d.encoding == codec
    assert d.source_format == "html"


def test_utf8_bom_json():
    post = {"title": {"rendered": "T"}, "content": {"rendered": "<p>Body text.</p>"}, "link": "https://a.com/x"}
    d = detect(codecs.BOM_UTF8 + json.dumps(post).encode(), "x")
    assert d.source_format == "wordpress_json"


def test_declared_meta_charset():
    html = ("<html><head><meta charset=\"iso-8859-1\"><title>t</title></head>"
            "<body><p>Caf\u00e9 cr\u00e8me \u2013 d\u00e9j\u00e0 vu</p></body></html>")
    d = detect(html.encode("cp1252"), "x")
    assert "Caf\u00e9 cr\u00e8me \u2013 d\u00e9j\u00e0 vu" in d.content
    assert d.encoding == "cp1252"  # iso-8859-1 is read as its windows-1252 superset


def test_declared_http_equiv_charset():
    html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
            "</head><body><p>\u041a\u0443\u0440\u0441\u043a</p></body></html>")
    d = detect(html.encode("cp1251"), "x")
    assert "\u041a\u0443\u0440\u0441\u043a" in d.content
    assert d.encoding == "cp1251"


def test_stale_declared_charset_on_utf8_bytes():
    html = "<html><head><meta charset='iso-8859-1'></head><body><p>Caf\u00e9</p></body></html>"
    d = detect(html.encode("utf-8"), "x")
    assert "Caf\u00e9" in d.content
    assert d.encoding == "utf-8"


def test_unknown_declared_charset_falls_back_to_utf8():
    html = "<html><head><meta charset='x-klingon'></head><body><p>Caf\u00e9</p></body></html>"
    d = detect(html.encode("utf-8"), "x")
    assert d.encoding == "utf-8"


# -------------------------------------------------------------------- formats
def test_format_from_content_not_file_name():
    assert detect(HTML, "article.json").source_format == "html"
    assert detect(b"Just some article text.", "page.html").source_format == "text"
    assert reason(b'{"a": 1}', "story.txt") == "unsupported_json"


@pytest.mark.parametrize("data", [
    b"<html><body><p>x</p></body></html>",
    b"\n\n  <!doctype html>\n<html lang=en><p>x</p>",
    b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body>x</body></html>",
    b"<!-- saved page --><html><body>x</body></html>",
    b"<div class='a'><p>One paragraph.</p><p>Another.</p></div>",
])
def test_html(data):
    assert detect(data, "x").source_format == "html"


@pytest.mark.parametrize("data", [
    b"A headline\n\nSome text with a <3 heart and 2 < 3 comparisons.",
    b"[Updated] Ukraine says talks will resume next week.",
    b" date 2025-03-09 Russia has recently focused its efforts on Kursk.",
])
def test_text(data):
    assert detect(data, "x").source_format == "text"


def test_wordpress_json():
    post = {"date": "2025-02-08T11:38:30", "link": "https://example.com/a/", "title": {"rendered": "T"},
            "content": {"rendered": "<p>Body.</p>", "protected": False}}
    d = detect(json.dumps(post).encode(), "x")
    assert d.source_format == "wordpress_json"
    assert json.loads(d.content)["link"] == "https://example.com/a/"


EXPECTED_SEED_FORMATS = {"000": "wordpress_json", "001": "text", "002": "text", "003": "text", "004": "text"}


@pytest.mark.parametrize("prefix,fmt", sorted(EXPECTED_SEED_FORMATS.items()))
def test_seed_formats(prefix, fmt):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    d = detect(path.read_bytes(), str(path))
    assert d.source_format == fmt
    assert d.encoding == "utf-8"


def test_seed_gzipped_is_the_same():
    (path,) = SEEDS.glob("000_*.txt")
    raw = path.read_bytes()
    assert detect(gzip.compress(raw), "x") == detect(raw, "x")
