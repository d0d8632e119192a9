"""A realistic corpus of N HTML pages: real pages' markup with their paragraphs exchanged.

    uv run python benchmarks/make_corpus.py [--input DIR] [--output DIR] [-n 1000] [--seed 0]
                                            [--gzip] [--with-footer-share 0.08] [--min-words 12]

Input: a folder of real pages (``*.html.gz``, ``*.html``, ``*.htm``; default the WCXB dev pages in
``../shared/eval/wcxb-dev/seeds``). Every page is parsed once (lxml) and its main-content paragraphs
collected: the ``<p>`` elements with at least ``--min-words`` words that are not inside navigation,
headers, footers, asides, forms or comment/sidebar/widget boxes. Pages with at least two of them are
templates.

Output: N pages, ``page_00001.html`` ... (``.html.gz`` with ``--gzip``). Page i takes template
``i mod templates`` (in a seeded shuffle), keeps all of its markup (head, navigation, scripts,
footers, comment forms, the paragraphs' own attributes), and replaces the inner text of each of its
main-content paragraphs by a paragraph drawn from *another* page of the input. So every page has
real markup and a new combination of text, and no two pages are the same (checked on the bytes).
The output is UTF-8 and says so (``<meta charset>``). ``--with-footer-share 0.08`` inserts a
WordPress comment form with its "You may use these HTML tags and attributes: <a href="" ...>"
footer (entity-escaped, as WordPress prints it) after the article of that share of the pages.

Deterministic: the same input, N, seed and options give byte-identical files. Previous
``page_*.html[.gz]`` files in the output folder are removed first; nothing else there is touched.
Prints what it wrote: pages, bytes, words (visible text), paragraphs exchanged.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import random
import re
import sys
import time
from pathlib import Path

import lxml.html
from lxml import etree

DEFAULT_INPUT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev" / "seeds"

# a paragraph inside one of these is not main content
_SKIP_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template",
                        "button", "select", "label", "figcaption", "blockquote"})
_SKIP_CLASS = re.compile(r"comment|sidebar|widget|footer|related|newsletter|cookie|share|subscribe|promo|"
                         r"author-?bio|breadcrumb|menu|modal|popup", re.I)
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)

COMMENT_FORM = """<div id="comments" class="comments-area">
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">Cancel reply</a></small></h3><form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> <span class="required-field-message">Required fields are marked <span class="required">*</span></span></p><p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p><p class="form-allowed-tags" id="form-allowed-tags">You may use these <abbr title="HyperText Markup Language">HTML</abbr> tags and attributes:  <code>&lt;a href=&quot;&quot; title=&quot;&quot;&gt; &lt;abbr title=&quot;&quot;&gt; &lt;acronym title=&quot;&quot;&gt; &lt;b&gt; &lt;blockquote cite=&quot;&quot;&gt; &lt;cite&gt; &lt;code&gt; &lt;del datetime=&quot;&quot;&gt; &lt;em&gt; &lt;i&gt; &lt;q cite=&quot;&quot;&gt; &lt;s&gt; &lt;strike&gt; &lt;strong&gt; </code></p><p class="comment-form-author"><label for="author">Name <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" required /></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" aria-describedby="email-notes" autocomplete="email" required /></p>
<p class="comment-form-url"><label for="url">Website</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200" autocomplete="url" /></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /> <input type='hidden' name='comment_post_ID' value='1' id='comment_post_ID' /><input type='hidden' name='comment_parent' id='comment_parent' value='0' /></p></form></div><!-- #respond -->
</div>"""


def decode(data: bytes) -> str | None:
    """The page as text: gzip undone, then BOM / declared charset / UTF-8 / detected (claimhouse's rules)."""
    from claimhouse.ingest.formats import detect
    from claimhouse.types import RejectedInput

    try:
        return detect(data, "page").content
    except RejectedInput:
        return None


def parse(text: str):
    """The lxml root of a page (None when it does not parse)."""
    try:
        return lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1))
    except (etree.ParserError, ValueError):
        return None


def _skip_container(el) -> bool:
    if el.tag in _SKIP_TAGS:
        return True
    cls, eid = el.get("class"), el.get("id")
    return bool((cls or eid) and _SKIP_CLASS.search(f"{cls or ''} {eid or ''}"))


def main_paragraphs(root, min_words: int) -> list:
    """The main-content <p> elements, in document order: enough words, not inside navigation, headers,
    footers, forms, asides or comment/sidebar/widget boxes (those subtrees are not even walked)."""
    out = []
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or _skip_container(el):
            continue
        if el.tag == "p":
            if len(el.text_content().split()) >= min_words:
                out.append(el)
            continue
        stack.extend(reversed(el))
    return out


def _text(p) -> str:
    return " ".join(p.text_content().split())


def set_inner_text(p, text: str) -> None:
    """Replace everything inside ``p`` (text and child elements) by ``text``; its attributes and tail stay."""
    for child in list(p):
        p.remove(child)  # removes the child's tail too: it was inside p
    p.text = text


def utf8_meta(root) -> None:
    """Make the page's charset declarations say UTF-8 (the output encoding)."""
    for meta in root.iter("meta"):
        if meta.get("charset") is not None:
            meta.set("charset", "utf-8")
        elif (meta.get("http-equiv") or "").lower() == "content-type":
            meta.set("content", "text/html; charset=utf-8")


def add_comment_form(root, paragraphs: list) -> None:
    """Insert the WordPress comment form after the article (or after the last main paragraph's container)."""
    form = lxml.html.fragment_fromstring(COMMENT_FORM)
    articles = root.xpath("//article")
    anchor = articles[0] if articles else paragraphs[-1].getparent()
    if anchor is None or anchor.getparent() is None or anchor.tag in ("body", "html"):
        body = root.find("body")
        (body if body is not None else root).append(form)
    else:
        anchor.addnext(form)


def visible_words(root) -> int:
    n = 0
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in _INVISIBLE and el.text:
            n += len(el.text.split())
        if el.tail:
            n += len(el.tail.split())
    return n


def serialize(root) -> bytes:
    doctype = root.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    return lxml.html.tostring(root, encoding="utf-8", method="html", doctype=doctype)


def load_pages(folder: Path) -> list[tuple[str, str]]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith((".html", ".htm", ".html.gz",
                                                                                             ".htm.gz")))
    out = []
    for f in files:
        data = f.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = decode(data)
        if text is not None:
            out.append((f.name, text))
    return out


def build(pages: list[tuple[str, str]], n: int, seed: int, min_words: int, footer_share: float):
    """Yield (index, page bytes, stats) for n distinct pages."""
    # 1. the paragraph pool, and the templates (pages with 2+ main paragraphs)
    pool: list[tuple[int, str]] = []  # (page index, paragraph text)
    seen: set[str] = set()
    templates: list[int] = []
    for i, (_, text) in enumerate(pages):
        root = parse(text)
        if root is None:
            continue
        paras = main_paragraphs(root, min_words)
        if len(paras) >= 2:
            templates.append(i)
        for p in paras:
            t = _text(p)
            if t not in seen:  # a boilerplate paragraph shared by pages counts once
                seen.add(t)
                pool.append((i, t))
    if not templates or len({i for i, _ in pool}) < 2:
        raise SystemExit("not enough pages with main-content paragraphs in the input")
    rng = random.Random(seed)
    order = templates[:]
    rng.shuffle(order)
    footer_pages = set(rng.sample(range(n), round(footer_share * n))) if footer_share > 0 else set()
    stats = {"templates": len(templates), "pool": len(pool), "input_pages": len(pages)}
    yield None, None, stats

    # 2. the pages
    digests: set[bytes] = set()
    for k in range(n):
        t = order[k % len(order)]
        for attempt in range(20):
            prng = random.Random(f"{seed}:{k}:{attempt}")
            root = parse(pages[t][1])
            paras = main_paragraphs(root, min_words)
            words = 0
            for p in paras:
                while True:
                    src, text = pool[prng.randrange(len(pool))]
                    if src != t:
                        break
                set_inner_text(p, text)
                words += len(text.split())
            utf8_meta(root)
            if k in footer_pages:
                add_comment_form(root, paras)
            data = serialize(root)
            digest = hashlib.sha256(data).digest()
            if digest not in digests:
                digests.add(digest)
                break
        else:
            raise SystemExit(f"could not make page {k + 1} distinct from the others")
        yield k, data, {"paragraphs": len(paras), "paragraph_words": words, "words": visible_words(root),
                        "footer": k in footer_pages, "template": pages[t][0]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder of real pages (*.html.gz, *.html)")
    ap.add_argument("--output", type=Path, default=Path("/tmp/gen1000"), help="folder to write the pages to")
    ap.add_argument("-n", "--pages", type=int, default=1000, help="number of pages to write (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gzip", action="store_true", help="write .html.gz files")
    ap.add_argument("--with-footer-share", type=float, default=0.0, metavar="SHARE",
                    help="share of the pages given a WordPress comment form with the 'You may use these HTML tags "
                         "and attributes' footer (e.g. 0.08)")
    ap.add_argument("--min-words", type=int, default=12, help="words a <p> needs to count as main content")
    args = ap.parse_args(argv)
    if args.pages < 1 or not 0 <= args.with_footer_share <= 1:
        ap.error("--pages must be positive and --with-footer-share between 0 and 1")

    t0 = time.perf_counter()
    pages = load_pages(args.input)
    if not pages:
        ap.error(f"no readable *.html / *.html.gz pages in {args.input}")
    args.output.mkdir(parents=True, exist_ok=True)
    for old in list(args.output.glob("page_*.html")) + list(args.output.glob("page_*.html.gz")):
        old.unlink()
    suffix = ".html.gz" if args.gzip else ".html"
    width = max(5, len(str(args.pages)))
    total = {"bytes": 0, "html_bytes": 0, "words": 0, "paragraphs": 0, "paragraph_words": 0, "footers": 0}
    templates_used: set[str] = set()
    stats = {}
    for k, data, st in build(pages, args.pages, args.seed, args.min_words, args.with_footer_share):
        if k is None:
            stats = st
            continue
        out = gzip.compress(data, compresslevel=6, mtime=0) if args.gzip else data
        (args.output / f"page_{k + 1:0{width}d}{suffix}").write_bytes(out)
        total["bytes"] += len(out)
        total["html_bytes"] += len(data)
        total["words"] += st["words"]
        total["paragraphs"] += st["paragraphs"]
        total["paragraph_words"] += st["paragraph_words"]
        total["footers"] += st["footer"]
        templates_used.add(st["template"])
    elapsed = time.perf_counter() - t0
    n = args.pages
    print(f"input: {stats['input_pages']} pages from {args.input}; {stats['templates']} templates "
          f"(2+ main paragraphs), {stats['pool']} distinct paragraphs")
    print(f"wrote {n} pages to {args.output} ({suffix}, seed {args.seed}), all distinct, "
          f"from {len(templates_used)} templates")
    print(f"bytes: {total['bytes']:,} ({total['bytes'] / 2**20:.1f} MiB)"
          + (f"; {total['html_bytes']:,} uncompressed" if args.gzip else "")
          + f"; {total['bytes'] // n:,} per page")
    print(f"words: {total['words']:,} visible ({total['words'] // n:,} per page); "
          f"{total['paragraphs']:,} paragraphs exchanged, {total['paragraph_words']:,} words")
    print(f"comment-form footer: {total['footers']} pages ({total['footers'] / n:.1%})")
    print(f"time: {elapsed:.1f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # claimhouse, when run as a script
    main()
