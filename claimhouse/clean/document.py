"""Body text and metadata of one detected document.

``clean(detected, source_path)`` returns a :class:`~claimhouse.types.CleanDocument`
whose ``text`` holds one paragraph per line (no blank lines, no markup, no site
chrome). Per format:

* ``html``: one trafilatura pass (no comments; tables kept, the benchmark gold
  includes them) for the body and metadata, plus a recall-oriented retry only when
  that pass finds nothing; the title loses its site-name suffix and prefers the
  page's single ``<h1>``; a 'By Name' line near the <h1> backs up the author;
* ``wordpress_json``: ``content.rendered`` is the article body already, its block
  elements become paragraphs (lxml); metadata from ``title``/``link``/``date``;
* ``text``: line-based boilerplate removal (:mod:`claimhouse.clean.boilerplate`).

A "This post appeared first on X" / "Originally published by X" line sets
``original_outlet`` and is removed. Raises ``RejectedInput('no_text', ...)`` when
no usable text is left.
"""
from __future__ import annotations

import html as htmllib
import json
import re

from claimhouse.clean.authors import (
    _good_author,
    author_clues,
    inline_text,
    pick_author,
)
from claimhouse.clean.boilerplate import (
    clean_text_lines,
    is_chrome,
    is_comment_form_footer,
    is_link_chrome,
)
from claimhouse.clean.maintext import SKIP_TAGS, page_blocks, recover
from claimhouse.clean.pagedate import local_date, page_date
from claimhouse.clean.textmeta import (
    TITLE_SEP,
    detect_language,
    find_date,
    outlet_from_name,
    parse_iso,
    registered_domain,
    squash,
    strip_site_suffix,
)
from claimhouse.types import CleanDocument, Detected, RejectedInput

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_HAS_WORD = re.compile(r"\w{2,}", re.U)

# syndication notes: "This post appeared first on cnn.com", "The post <title> appeared first on X."
_SYNDICATION = [
    re.compile(r"^(?:this|the)\s+(?:post|article|story|piece|entry)\b.{0,300}?\b(?:appeared|was\s+(?:first\s+)?published|"
               r"was\s+originally\s+published|first\s+appeared|originally\s+appeared)\s+(?:first\s+)?"
               r"(?:on|in|at|by)\s+(?P<o>.+?)\W*$", re.I),
    re.compile(r"^(?:originally|first)\s+(?:published|appeared|posted)\s+(?:by|on|in|at)\s+(?P<o>.+?)\W*$", re.I),
    re.compile(r"^(?:this|the)\s+(?:post|article|story)\s+(?:is\s+)?(?:republished|reprinted|syndicated)\s+"
               r"(?:from|with permission from)\s+(?P<o>.+?)\W*$", re.I),
]

# ------------------------------------------------------------------ helpers
def _norm_lines(text: str) -> list[str]:
    out = []
    for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        ln = _WS.sub(" ", ln).strip()
        if ln:
            out.append(ln)
    return out


# UTF-8 read as cp1252/Latin-1 leaves a lead byte (Â..ô) followed by a continuation byte shown as
# a C1 control, a Latin-1 symbol or a cp1252 punctuation mark; text without such a pair cannot be
# that kind of mojibake, and ftfy's own (slower) badness test is skipped for it.
_MOJIBAKE_PAIR = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039"
    "\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]")


def _fix(text: str) -> str:
    """Repair mojibake without touching quotes, widths or ligatures."""
    import ftfy
    from ftfy.badness import is_bad

    if text.isascii() or not _MOJIBAKE_PAIR.search(text) or not is_bad(text):
        return text
    return ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False,
                         unescape_html=False, normalization="NFC")


def _syndication(lines: list[str]) -> tuple[list[str], str | None]:
    """Remove syndication notes; return the original outlet they name."""
    original = None
    kept = []
    for ln in lines:
        if ln and len(ln) <= 300:
            for pat in _SYNDICATION:
                m = pat.match(ln)
                if m:
                    name = m.group("o").strip()
                    name = re.split(r"\s+(?:on|at)\s+\d|\s*[|–—]\s*|\s+-\s+", name)[0]
                    original = original or outlet_from_name(name)
                    break
            else:
                kept.append(ln)
                continue
            continue
        kept.append(ln)
    return kept, original


def _finish(lines: list[str], source_path: str, **meta) -> CleanDocument:
    lines = [ln for ln in lines if not is_comment_form_footer(ln)]  # comment forms, whatever the format
    lines, syndicated = _syndication(lines)
    text = "\n".join(lines)
    if not _HAS_WORD.search(text) or all(is_chrome(ln) for ln in lines):
        raise RejectedInput("no_text", f"no usable text left after cleaning {source_path}")
    outlet = meta.get("outlet")
    original = syndicated or meta.pop("original_outlet", None) or outlet
    meta.pop("original_outlet", None)
    return CleanDocument(text=text, original_outlet=original, language=detect_language(text), **meta)


# --------------------------------------------------------------------- html
def _h1_texts(tree) -> list[str]:
    out = []
    for el in tree.iter("h1"):
        t = inline_text(el)
        if t and t not in out:
            out.append(t)
    return out


_LETTER_WORD = re.compile(r"[^\W\d_]{2,}", re.U)


def _words(s: str | None) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", s or "", re.U)}


def _overlap(a: str | None, b: str | None) -> float:
    """Jaccard overlap of the word sets of two strings."""
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def _choose_title(meta_title: str | None, h1s: list[str], names: list[str | None],
                  others: list[str] | None = None) -> str | None:
    """The headline: the page's <h1> unless it is the site name / decorated / unrelated; else the meta title.

    ``meta_title`` is the main metadata title; ``others`` are further metadata titles of the page
    (<title>, og:title, twitter:title, JSON-LD headline), used to pick among several <h1> and to
    spot an <h1> that is a section or site label. All lose a site-name suffix (' | Site', ...).
    """
    stripped = strip_site_suffix(meta_title, names) if meta_title else None
    metas = [m for m in [meta_title, *(others or [])] if m]
    meta_keys = {squash(strip_site_suffix(m, names)) for m in metas} | {squash(m) for m in metas}
    meta_keys.discard("")
    site_keys = {squash(n) for n in names if n}
    good_h1 = [h for h in h1s if 2 <= len(h.split()) <= 40 and squash(h) not in site_keys and _LETTER_WORD.search(h)]
    if len(good_h1) > 1:
        # several headings: the one the metadata names (equal to, or part of, a metadata title)
        agreed = [h for h in good_h1 if squash(h) in meta_keys]
        if not agreed:
            agreed = [h for h in good_h1 if len(h.split()) >= 3
                      and any(squash(h) in k and 2 * len(squash(h)) >= len(k) for k in meta_keys)]
        if len(agreed) == 1:
            good_h1 = agreed
    if not good_h1 and stripped:
        # a one-word heading that is one part of the meta title ('Coffee' in 'Coffee - University of X')
        parts = {squash(x) for m in metas for x in TITLE_SEP.split(m)}
        one = [h for h in h1s if len(h.split()) == 1 and _LETTER_WORD.search(h) and squash(h) in parts
               and squash(h) not in site_keys and squash(h) != squash(stripped)]
        if len(one) == 1 and len(TITLE_SEP.split(meta_title)) > 1:
            return one[0]
    if len(good_h1) != 1:
        if stripped:
            return stripped
        return good_h1[0] if good_h1 else (h1s[0] if h1s else None)
    h1 = strip_site_suffix(good_h1[0], names)
    if not stripped:
        return h1
    sh, st = squash(h1), squash(stripped)
    page_titles = [strip_site_suffix(m, names) for m in (others or []) if m]
    if sh == st and page_titles and len(page_titles[0].split()) >= 3 \
            and max(_overlap(h1, m) for m in page_titles) < 0.1:
        # trafilatura's title is the heading, and the heading shares no word with the page's own <title> /
        # og:title: a blog's name over every post ("Antoyo's Blog"), the post's title is the <title>
        return page_titles[0]
    if sh == st or _lost_characters(h1, stripped) or _LEADING_COUNT.fullmatch(stripped.replace(h1, "", 1)):
        return stripped  # (the meta title may add the list's count the heading shows apart: '8 Recent Trends')
    if max(_overlap(h1, strip_site_suffix(m, names)) for m in metas) < 0.1 and len(stripped.split()) >= 2:
        return stripped  # the heading shares (almost) no word with any metadata title: a section / site label
    if h1.isupper() and not stripped.isupper():
        return stripped  # an all-caps display headline: the meta title has the real casing
    if st and st in sh and len(stripped.split()) >= 3:
        extra = h1.lower().replace(stripped.lower(), " ", 1) if stripped.lower() in h1.lower() else ""
        if extra and (find_date(extra) or _JUNK_EXTRA.fullmatch(extra.strip())):
            return stripped  # the h1 carries a date / counter / source / label next to the headline
    if (sh and stripped.lower().startswith(h1.lower()) and _YEAR_EXTRA.fullmatch(stripped[len(h1):].strip())
            and sum(squash(strip_site_suffix(m, names)) == st for m in metas) >= 3):
        return stripped  # the metadata titles agree on the heading plus its year ('Best X' / 'Best X in 2025')
    return h1


LOST_MAX = 5  # at most this many lost characters in a heading compared with its meta title


def _lost_characters(h1: str, title: str) -> bool:
    """The heading is the meta title with characters its encoding lost, each shown as '?'
    ('Event Planning? Beginner? Guide' for 'Event Planning: Beginner's Guide')."""
    if "?" not in h1 or "?" in title or h1.count("?") > LOST_MAX or len(_LETTER_WORD.findall(h1)) < 3:
        return False  # a heading of '?' only (a script lost whole): nothing to match, and no regex to blow up
    pattern = ".{1,3}".join(re.escape(part) for part in h1.split("?"))
    return re.fullmatch(pattern, title, re.I | re.S) is not None


_LEADING_COUNT = re.compile(r"\d{1,3}\s+")
_YEAR_EXTRA = re.compile(r"(?:(?:in|of|for)\s+)?[(\[]?(?:19|20)\d\d[)\]]?", re.I)
_JUNK_EXTRA = re.compile(r"(?:\(?[\w.-]+\.[a-z]{2,}\)?\s*\d*|\d+|posted .*|by .*|\w+\s*:)", re.I)


def _json_ld_objects(tree) -> list[dict]:
    """Every JSON object (nested ones and @graph members included) in the page's JSON-LD scripts."""
    out: list[dict] = []

    def walk(o, depth=0):
        if depth > 6:
            return
        if isinstance(o, dict):
            out.append(o)
            for v in o.values():
                if isinstance(v, (dict, list)):
                    walk(v, depth + 1)
        elif isinstance(o, list):
            for v in o:
                walk(v, depth + 1)

    for el in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(el.text or ""))
        except (ValueError, RecursionError):
            continue
    return out


def _page_meta(tree) -> dict:
    """Metadata titles and the JSON-LD objects of the parsed page (meta tags, JSON-LD), no extraction pass."""
    def metas(*keys):
        vals = []
        for k in keys:
            for v in tree.xpath(f'//meta[@name="{k}" or @property="{k}"]/@content'):
                v = " ".join(htmllib.unescape(v).split())
                if v and v not in vals:
                    vals.append(v)
        return vals

    titles = [" ".join(t.text_content().split()) for t in tree.xpath("//head/title")[:1]]
    titles += metas("og:title", "twitter:title")
    headlines = []
    objects = _json_ld_objects(tree)
    for o in objects:
        h = o.get("headline")
        if isinstance(h, str) and h.strip():
            headlines.append(" ".join(htmllib.unescape(h).split()))
    return {"titles": [t for t in titles if t] + headlines, "ld": objects}


def _extract(tree, **options):
    """trafilatura's main text (metadata comes from ``_trafilatura_metadata``, once per page)."""
    import trafilatura

    if tree is None:
        return None
    try:
        return trafilatura.bare_extraction(tree, with_metadata=False, include_comments=False, include_tables=True,
                                           **options)
    except (ValueError, TypeError, AttributeError, IndexError):  # malformed trees inside trafilatura
        return None


def _trafilatura_metadata(tree, need_date: bool):
    """trafilatura's own metadata steps (meta tags, JSON-LD, title, author, URL, site name), as in
    ``trafilatura.metadata.extract_metadata`` but without categories, tags and licence, which
    claimhouse does not use, and with htmldate's page search only when ``need_date``: the date the
    page shows (``pagedate``) is preferred, so htmldate is only the fallback."""
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
        extract_domain,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
        set_date_params,
    )

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # noqa: BLE001 - trafilatura's JSON-LD reader fails on odd markup; the meta tags stay
        pass
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or extract_author(tree)
    meta.url = meta.url or extract_url(tree, None)
    if meta.url:
        meta.hostname = extract_domain(meta.url, fast=True)
    if need_date:
        config = set_date_params(True)
        config["url"] = meta.url
        try:
            meta.date = find_date(tree, **config)
        except (ValueError, TypeError, AttributeError, IndexError):
            meta.date = None
    meta.sitename = meta.sitename or extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        m = META_URL.match(meta.url)
        if m:
            meta.sitename = m[1]
    meta.clean_and_trim()
    return meta


REPEAT_MIN_WORDS = 8  # a paragraph this long seen twice on a page is a template twin (a CTA, a sticky header)


# trafilatura's last resort (its 'baseline') returns the text of the page's <article>/<body> as one line; a line
# this long is that, not a paragraph: the page's structure was not read
BLOB_WORDS = 300
BLOB_KEEP = 0.25  # a structured extraction replaces the blob when it keeps at least this share of its words


def _one_blob(text: str | None) -> bool:
    return any(len(ln.split()) >= BLOB_WORDS for ln in (text or "").split("\n"))


def _unblobbed(tree, doc):
    """The page's text in paragraphs when trafilatura returned it as one blob: its full pass (fallback extractors
    compared), then its recall-oriented settings; the blob stays when neither reads the page's structure."""
    words = len((doc.text or "").split())
    for options in ({"fast": False}, {"favor_recall": True}):
        alt = _extract(tree, **options)
        text = (alt.text or "") if alt is not None else ""
        if text.strip() and not _one_blob(text) and len(text.split()) >= BLOB_KEEP * words:
            return alt
    return doc


def _drop_repeats(lines: list[str]) -> list[str]:
    """Keep the first of repeated long paragraphs; short lines ("Pros", "Cons") may recur."""
    seen: set[str] = set()
    out = []
    for ln in lines:
        words = ln.casefold().split()
        if len(words) >= REPEAT_MIN_WORDS:
            key = " ".join(words)
            if key in seen:
                continue
            seen.add(key)
        out.append(ln)
    return out


# trafilatura's fallback extractors (readability, jusText) run only when its own pass finds less than this
FULL_EXTRACTION_BELOW_WORDS = 200
# UTF-8 text that was decoded as Latin-1/cp1252 once too often: "â\x80\x99" for "’"
_C1_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf]")


def _clean_html(content: str, source_path: str) -> CleanDocument:
    from trafilatura.utils import load_html

    if _C1_MOJIBAKE.search(content):
        content = _fix(content)  # repaired before parsing: trafilatura drops the C1 controls ftfy needs
    tree = load_html(content)
    if tree is None:
        raise RejectedInput("no_text", "HTML could not be parsed")
    h1s = _h1_texts(tree)
    pm = _page_meta(tree)
    clues = author_clues(tree, pm["ld"], pm["titles"])
    shown_date = page_date(tree, pm["ld"])  # the date the page shows, read before extraction
    doc = _extract(tree, fast=True)  # trafilatura works on copies: the tree stays whole for what follows
    if doc is None or len((doc.text or "").split()) < FULL_EXTRACTION_BELOW_WORDS:
        # little or nothing found: once more with trafilatura's fallback extractors compared in
        full = _extract(tree, fast=False)
        if full is not None and len((full.text or "").split()) > len(((doc and doc.text) or "").split()):
            doc = full
    if doc is None or not (doc.text or "").strip():
        doc = _extract(tree, favor_recall=True)  # still nothing: the recall-oriented settings
    elif _one_blob(doc.text):
        doc = _unblobbed(tree, doc)
    if doc is None or not (doc.text or "").strip():
        raise RejectedInput("no_text", "trafilatura found no main text")
    lines = _norm_lines(_fix("\n".join(recover(tree, _norm_lines(doc.text)))))
    lines = _drop_repeats([ln for ln in lines if not is_link_chrome(ln)])
    meta = _trafilatura_metadata(tree, need_date=shown_date is None)
    url = meta.url or None
    domain = registered_domain(url) or registered_domain(meta.hostname)
    site = meta.sitename or None
    title = _choose_title(_fix(meta.title) if meta.title else None, h1s, [site, domain, meta.hostname],
                          [_fix(t) for t in pm["titles"]])
    if title:
        tn = squash(title)
        if lines and squash(lines[0]) == tn:
            lines = lines[1:]
    return _finish(lines, source_path, title=title, url=url, outlet=domain or site,
                   author=pick_author(clues, meta.author, [site, domain], content, url=url),
                   published_at=shown_date or local_date(meta.date), site_name=site)


# ----------------------------------------------------------- wordpress json
def html_fragment_lines(fragment: str) -> list[str]:
    """Paragraphs of an HTML fragment: one per block element / <br>; scripts, media and forms dropped."""
    import lxml.html
    from lxml import etree

    if not fragment.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _norm_lines(re.sub(r"<[^>]+>", " ", htmllib.unescape(fragment)))
    return _norm_lines("\n".join(b.text for b in page_blocks(root, skip=SKIP_TAGS | {"form"})))


def _clean_wordpress(content: str, source_path: str) -> CleanDocument:
    try:
        post = json.loads(content)
    except ValueError as exc:
        raise RejectedInput("malformed_json", str(exc)) from None
    body = (post.get("content") or {}).get("rendered") or ""
    lines = _norm_lines(_fix("\n".join(html_fragment_lines(body))))

    def rendered(key):
        v = post.get(key)
        if isinstance(v, dict):
            v = v.get("rendered")
        return v if isinstance(v, str) else None

    title = rendered("title")
    if title:
        title = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", title)).split()) or None
    url = post.get("link") if isinstance(post.get("link"), str) else None
    outlet = registered_domain(url) if url else None
    yoast = post.get("yoast_head_json") if isinstance(post.get("yoast_head_json"), dict) else {}
    site_name = yoast.get("og_site_name") if isinstance(yoast.get("og_site_name"), str) else None
    author = yoast.get("author") if isinstance(yoast.get("author"), str) else None
    if author is None:
        emb = post.get("_embedded") if isinstance(post.get("_embedded"), dict) else {}
        authors = emb.get("author") if isinstance(emb.get("author"), list) else []
        names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        author = ", ".join(names) or None
    if title and lines and squash(lines[0]) == squash(title):
        lines = lines[1:]
    return _finish(lines, source_path, title=title, url=url, outlet=outlet or site_name, author=author,
                   published_at=parse_iso(post.get("date") or post.get("date_gmt")), site_name=site_name)


# --------------------------------------------------------------------- text
_TAG_NAME = re.compile(r"</([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)\s*/>")


def strip_embedded_markup(content: str) -> str:
    """Remove markup tags embedded in a text page (e.g. ``<tweet author="…">…</tweet>``), keeping their text.

    Only elements the page also closes (``</x>`` or ``<x/>``) count as markup, so a code sample such as
    ``adduser <username>`` stays as written.
    """
    names = {m.group(1) or m.group(2) for m in _TAG_NAME.finditer(content)}
    if not names:
        return content
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"</?(?:{alt})\b(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*/?>", "", content)


def _clean_text(content: str, source_path: str) -> CleanDocument:
    content = strip_embedded_markup(content)
    # syndication notes often sit in the trailing zone that the line cleaner drops: read them first
    raw = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept, syndicated = _syndication([_WS.sub(" ", ln).strip() for ln in raw])
    if syndicated:
        content = "\n".join(kept)
    lines, meta = clean_text_lines(_fix(content))
    if syndicated and not meta.original_outlet:
        meta.original_outlet = syndicated
    outlet = registered_domain(meta.url) if meta.url else None
    original = outlet_from_name(meta.original_outlet) if meta.original_outlet else None
    return _finish(lines, source_path, title=meta.title, url=meta.url, outlet=outlet or meta.outlet,
                   original_outlet=original, author=_good_author(meta.author), published_at=meta.published_at,
                   site_name=meta.outlet)


def clean(detected: Detected, source_path: str) -> CleanDocument:
    """Clean body text + metadata. Raises RejectedInput('no_text', ...) when nothing usable is left."""
    fmt = detected.source_format
    if fmt == "html":
        return _clean_html(detected.content, source_path)
    if fmt == "wordpress_json":
        return _clean_wordpress(detected.content, source_path)
    if fmt == "text":
        return _clean_text(detected.content, source_path)
    raise RejectedInput("unsupported_format", f"unknown source_format {fmt!r}")
