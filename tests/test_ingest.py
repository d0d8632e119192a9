"""detect(): format recognition from content, decoding, and rejections."""
from __future__ import annotations

import codecs
import gzip
import json
import random
from pathlib import Path

import pytest

from claimhouse.ingest import formats as ingest
from claimhouse.ingest.formats import detect
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


def _random_bytes(seed: int, n: int, alphabet=range(256)) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice(alphabet) for _ in range(n))


@pytest.mark.parametrize("data", [
    _random_bytes(1, 5000, range(0x80, 0x100)),  # no NUL or control byte, and no charset fits
    _random_bytes(2, 5000, [*range(0x20, 0x7f), *range(0x80, 0x100)]),
    _random_bytes(3, 300, [*range(0x20, 0x7f), *range(0x80, 0x100)]),
    codecs.BOM_UTF16_LE + b"\x00\xd8x\x00",  # a lone surrogate after a UTF-16 BOM
])
def test_not_utf8_decodable(data):
    assert reason(data) == "not_utf8_decodable"


@pytest.mark.parametrize("seed", range(5))
def test_random_binary_is_still_rejected(seed):
    assert reason(_random_bytes(seed, 4096)) == "binary"
    assert reason(_random_bytes(seed, 4096).replace(b"\x00", b"")) in ("binary", "not_utf8_decodable")


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


# ---------------------------------------------------------- charset detection
CP1252_PAGE = ("<!DOCTYPE html><html><head><title>Caf\u00e9 owners protest</title></head><body>"
               "<h1>Caf\u00e9 owners protest</h1><p>\u201cWe are ready,\u201d the minister said on Monday "
               "\u2013 the owners\u2019 association disagreed. A r\u00e9sum\u00e9 of the talks costs \u20ac12.</p>"
               "</body></html>")
RUSSIAN = ("Министр обороны заявил в понедельник, что войска отошли от границы. "
           "Переговоры продолжатся на следующей неделе в Москве.")
POLISH = ("Minister obrony narodowej powiedział w poniedziałek, że żołnierze wycofali się z granicy. "
          "Rozmowy będą kontynuowane w przyszłym tygodniu.")
JAPANESE = "防衛大臣は月曜日、部隊が国境から撤退したと述べた。"


def test_cp1252_page_without_declared_charset():
    d = detect(CP1252_PAGE.encode("cp1252"), "x")
    assert d.source_format == "html"
    assert d.content == CP1252_PAGE  # curly quotes, dash, apostrophe, \u00e9 and \u20ac all right
    assert d.encoding == "cp1252"


def test_cp1252_byte_in_ascii_text():
    (path,) = SEEDS.glob("001_*.txt")
    text = path.read_text(encoding="utf-8").encode("ascii", "ignore").decode()
    d = detect((text + " The caf\u00e9\u2019s owner said \u201cno\u201d.").encode("cp1252"), "x")
    assert d.content.endswith("The caf\u00e9\u2019s owner said \u201cno\u201d.")
    assert d.encoding == "cp1252"
    assert d.source_format == "text"


@pytest.mark.parametrize("codec", ["koi8-r", "iso8859-5", "cp1251"])
def test_russian_text_in_a_legacy_charset(codec):
    d = detect(RUSSIAN.encode(codec), "x")
    assert d.content == RUSSIAN
    assert d.encoding == codecs.lookup(codec).name
    assert d.source_format == "text"


@pytest.mark.parametrize("text,codec", [(POLISH, "iso8859-2"), (JAPANESE, "shift_jis")])
def test_other_legacy_charsets(text, codec):
    html = f"<html><head><title>t</title></head><body><p>{text}</p></body></html>"
    d = detect(html.encode(codec), "x")
    assert d.content == html
    assert d.source_format == "html"


def test_wrong_declared_charset_falls_back_to_detection():
    html = f"<html><head><meta charset='utf-8'><title>t</title></head><body><p>{RUSSIAN}</p></body></html>"
    d = detect(html.encode("koi8-r"), "x")
    assert RUSSIAN in d.content
    assert d.encoding == "koi8-r"


def test_utf8_bom_on_legacy_bytes_falls_back_to_detection():
    d = detect(codecs.BOM_UTF8 + CP1252_PAGE.encode("cp1252"), "x")
    assert d.content == CP1252_PAGE


def test_utf8_with_a_stray_byte_stays_utf8():
    text = "Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu \u2013 \u201cna\u00efve\u201d r\u00e9sum\u00e9. " * 4
    d = detect(text.encode() + b"\xff" + text.encode(), "x")
    assert d.content == text + "\ufffd" + text
    assert d.encoding == "utf-8"


def test_utf8_cut_inside_its_last_character():
    d = detect("He said \u201cno\u201d".encode()[:-1], "x")
    assert d.content == "He said \u201cno"
    assert d.encoding == "utf-8"


def test_detection_runs_only_when_the_strict_decode_fails(monkeypatch):
    def fail(data):
        raise AssertionError("charset detection ran on decodable input")

    monkeypatch.setattr(ingest, "_guess_charset", fail)
    assert detect(HTML, "x").encoding == "utf-8"
    assert detect("Caf\u00e9 text.".encode(), "x").encoding == "utf-8"
    html = "<html><head><meta charset='koi8-r'></head><body><p>" + RUSSIAN + "</p></body></html>"
    assert detect(html.encode("koi8-r"), "x").encoding == "koi8-r"
    with pytest.raises(AssertionError):
        detect(CP1252_PAGE.encode("cp1252"), "x")


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


def test_transport_charset_comes_before_the_page_and_after_the_bom():
    text = "Ціна зросла на 5 % — повідомили в Києві."
    page = f"<html><head><meta charset='iso-8859-1'></head><body><p>{text}</p></body></html>"
    assert text in detect(page.encode("cp1251"), "a.html", "windows-1251").content
    # a BOM still wins; an unknown charset name is ignored
    assert text in detect(b"\xef\xbb\xbf" + page.encode("utf-8"), "b.html", "windows-1251").content
    assert text in detect(page.encode("utf-8"), "c.html", "no-such-charset").content
