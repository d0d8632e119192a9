"""Main text around trafilatura's choice (no Dagster).

trafilatura finds the article's region well but drops blocks inside it (headings whose
markup looks unusual, list items, table rows) and keeps some it should not (a disclaimer,
a newsletter box, a paragraph from the page's rail). ``recover`` walks the untouched page
once, anchors trafilatura's lines to the blocks they came from, and takes the smallest
element holding 85% of the anchored words as the article container. Then:

* blocks of the container that trafilatura dropped come back in place when their parent
  also holds kept text and they are not chrome: inside a nav/aside/footer/form, a widget
  named by class/id/role (share, related, newsletter, comments, author box, ...), hidden,
  link-dense, or a line the boilerplate rules call chrome;
* trafilatura's lines that come from outside the container, or from widgets that are never
  the article (STRONG below), are removed.

The walk is one pass over the elements with plain string work, cheaper than trafilatura's
fallback extractors, which the cleaning step therefore runs only for short extractions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from claimhouse.clean.boilerplate import is_chrome, is_credit, is_link_chrome

_WORD = re.compile(r"\w+", re.U)

BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "section",
    "article", "header", "footer", "table", "tr", "dl", "dt", "dd", "figcaption", "address", "aside",
    "hr", "main", "details", "summary", "center", "nav", "figure", "tbody", "thead", "tfoot", "form",
    "fieldset", "menu", "caption",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "svg", "button", "select", "textarea", "template", "object",
    "embed", "video", "audio", "canvas", "img", "picture", "source", "input", "label", "option", "head",
    "title", "meta", "link",
})
# Chrome by structure, class, id or role. STRONG marks widgets that are never the article
# (a disclaimer, a newsletter box, a caption): their lines go even when trafilatura kept them.
# WEAK marks subtrees that are usually chrome but often wrap article text in real templates
# (a "comments" or "related" block, a table of contents): only blocks trafilatura dropped
# are kept out for them. Layout words that wrap articles everywhere (widget, sidebar layouts,
# hidden-until-breakpoint classes) are in neither.
STRONG_TAGS = frozenset({"figcaption", "form"})
WEAK_TAGS = frozenset({"nav", "aside", "footer", "menu", "fieldset"})
_STRONG_ATTR = re.compile(
    r"(?:^|[\s_-])(?:disclaimer|promo|promotion|cta|caption|footer|carousel|slider|cookies?|consent|print|"
    r"author|authors|byline|newsletter|subscribe|signup|sign-up|popup|modal|badge|sr-only|screen-reader-text|"
    r"visually-hidden|read-?more|breadcrumbs?|advert|advertisement|ads?|adslot|sponsor|sponsored|"
    r"social|share|sharing|sharer)(?:$|[\s_-])",
    re.I)
_WEAK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:comments?|related|recommended|recommendations|more-?stories|nav|navbar|navigation|"
    r"toc|table-of-contents|ratings?|reviews?-widget|subtitle|bio|vcard|about-?the-?author|subscription|"
    r"attachment|tags|tag-?list|pagination|pager|post-?navigation|jump-?links?)(?:$|[\s_-])",
    re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

ANCHOR_SHARE = 0.5      # a block is trafilatura's when half its word 4-grams are in trafilatura's text
SAMPLE = 12            # 4-grams looked up per block
CONTAINER_SHARE = 0.85  # the container holds this share of the anchored words
NEAR_LEVELS = 4         # an added block shares an ancestor this close with kept text (precision over recall)
MAX_LINK_DENSITY = 0.5  # added blocks with more of their text inside links are navigation


@dataclass(slots=True)
class Block:
    el: object
    tag: str
    text: str
    link_chars: int = 0
    words: list[str] = field(default_factory=list)


def _key_words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _chrome_el(el, tag: str, weak: bool) -> bool:
    if tag in STRONG_TAGS or (weak and tag in WEAK_TAGS):
        return True
    attrs = el.attrib
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    for name in ("class", "id", "role"):
        v = attrs.get(name)
        if v and (_STRONG_ATTR.search(v) or (weak and _WEAK_ATTR.search(v))):
            return True
    return False


def page_blocks(root, skip: frozenset[str] = SKIP_TAGS) -> list[Block]:
    """Blocks of text in document order: one per block element, <br> splitting a block;
    elements in ``skip`` are left out with what they hold."""
    blocks: list[Block] = []
    buf: list[str] = []
    state = {"el": root, "tag": "div", "links": 0}

    def flush():
        if buf:
            text = " ".join("".join(buf).split())
            if text:
                blocks.append(Block(state["el"], state["tag"], text, state["links"]))
            buf.clear()
        state["links"] = 0

    def walk(el, in_link: bool):
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if el.tail:
                buf.append(el.tail)
                if in_link:
                    state["links"] += len(el.tail)
            return
        if tag in skip:
            pass
        elif tag == "br":
            flush()
        else:
            block = tag in BLOCK_TAGS
            if block:
                flush()
                saved = (state["el"], state["tag"])
                state["el"], state["tag"] = el, tag
            link = in_link or tag == "a"
            if el.text:
                buf.append(el.text)
                if link:
                    state["links"] += len(el.text)
            for child in el:
                walk(child, link)
            if block:
                flush()
                state["el"], state["tag"] = saved
            elif tag in ("td", "th"):
                buf.append(" ")
        if el.tail:
            buf.append(el.tail)
            if in_link:
                state["links"] += len(el.tail)

    walk(root, False)
    flush()
    for b in blocks:
        b.words = _key_words(b.text)
    return [b for b in blocks if b.words]


def _shingles(words: list[str]) -> list[tuple[str, ...]]:
    if len(words) < 4:
        return [tuple(words)] if words else []
    return [tuple(words[i:i + 4]) for i in range(len(words) - 3)]


def recover(root, lines: list[str]) -> list[str]:
    """trafilatura's lines with the blocks of their article container it dropped put back in place.

    ``root`` is the unpruned page tree; returns ``lines`` unchanged when no container is found.
    """
    if not lines:
        return lines
    # lxml hands out Python proxies for elements and frees them when unreferenced; holding one
    # for every element keeps id(element) stable and unique while the dicts below key on it
    alive = list(root.iter())  # noqa: F841
    blocks = page_blocks(root)
    if not blocks:
        return lines
    line_words = [_key_words(ln) for ln in lines]
    have: set[tuple[str, ...]] = set()
    short: set[tuple[str, ...]] = set()
    for ws in line_words:
        have.update(_shingles(ws))
        if len(ws) < 4:
            short.add(tuple(ws))
    anchored: list[bool] = []
    for b in blocks:
        ws = b.words
        n = len(ws) - 3
        if n < 1:
            anchored.append(tuple(ws) in short or tuple(ws) in have)
        else:  # up to SAMPLE evenly spaced 4-grams decide for a long block
            step = max(1, n // SAMPLE)
            idx = range(0, n, step)
            hit = sum(1 for i in idx if tuple(ws[i:i + 4]) in have)
            anchored.append(hit >= ANCHOR_SHARE * len(idx))
    container, weight = _container(root, blocks, anchored)
    if container is None:
        return lines
    inside = _descendants(container)
    out_blocks: list[tuple[Block, bool]] = []
    for b, a in zip(blocks, anchored):
        if id(b.el) not in inside:
            continue
        if a:
            if not _in_chrome(b, container, weak=False):
                out_blocks.append((b, a))
        elif _near_anchor(b.el, weight) and _keep(b, container):
            out_blocks.append((b, a))
    kept = {tuple(b.words) for b, a in out_blocks if a}
    dropped = {tuple(b.words) for b, a in zip(blocks, anchored) if a} - kept
    if dropped:
        pairs = [(ln, ws) for ln, ws in zip(lines, line_words) if tuple(ws) not in dropped]
        lines, line_words = [p[0] for p in pairs], [p[1] for p in pairs]
    return _merge(lines, line_words, out_blocks)


def _container(root, blocks: list[Block], anchored: list[bool]):
    """(the deepest element holding CONTAINER_SHARE of the anchored words, or None when fewer
    than 50 words are anchored; anchored words per element id)."""
    weight: dict[int, int] = {}
    total = 0
    for b, a in zip(blocks, anchored):
        if not a:
            continue
        n = len(b.words)
        total += n
        el = b.el
        while el is not None:
            weight[id(el)] = weight.get(id(el), 0) + n
            el = el.getparent()
    if total < 50:
        return None, weight
    el = root
    while True:
        nxt = next((child for child in el if weight.get(id(child), 0) >= CONTAINER_SHARE * total), None)
        if nxt is None:
            return el, weight
        el = nxt


def _near_anchor(el, weight: dict[int, int]) -> bool:
    """A block within NEAR_LEVELS of text trafilatura kept: a dropped heading or list item among
    kept paragraphs, not a widget of its own elsewhere in the container."""
    for _ in range(NEAR_LEVELS):
        el = el.getparent()
        if el is None:
            return False
        if weight.get(id(el), 0) > 0:
            return True
    return False


def _descendants(container) -> set[int]:
    return {id(e) for e in container.iter()}


def _keep(b: Block, container) -> bool:
    """An unanchored block inside the container: kept unless it is chrome."""
    if b.tag in ("h1", "pre"):  # the page title is reported apart; code trafilatura dropped stays out
        return False
    if b.link_chars > MAX_LINK_DENSITY * len(b.text) or _in_chrome(b, container, weak=True):
        return False
    text = b.text
    if is_chrome(text) or is_link_chrome(text) or is_credit(text):
        return False
    return True


def _in_chrome(b: Block, container, weak: bool) -> bool:
    el = b.el
    while el is not None and el is not container:
        if _chrome_el(el, el.tag.lower() if isinstance(el.tag, str) else "", weak):
            return True
        el = el.getparent()
    return False


def _render(b: Block) -> str:
    return f"- {b.text}" if b.tag == "li" else b.text


def _merge(lines: list[str], line_words: list[list[str]], blocks: list[tuple[Block, bool]]) -> list[str]:
    """Put unanchored blocks between trafilatura's lines, by the position of the anchored ones."""
    # position of each trafilatura line in the block sequence: the first anchored block it covers
    first_word_at: dict[tuple[str, ...], int] = {}
    for i, (b, a) in enumerate(blocks):
        if a:
            first_word_at.setdefault(tuple(b.words[:4]), i)
    out: list[str] = []
    pos = 0
    for ln, ws in zip(lines, line_words):
        j = first_word_at.get(tuple(ws[:4]))
        if j is not None and j >= pos:
            for b, a in blocks[pos:j]:
                if not a:
                    out.append(_render(b))
            pos = j + 1
        out.append(ln)
    for b, a in blocks[pos:]:
        if not a:
            out.append(_render(b))
    return out
