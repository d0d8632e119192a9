"""Markup left behind in clean text, told apart from markup a page shows its readers.

A clean text that holds ``<div class="share">`` or ``&nbsp;`` usually means the cleaner let
page markup through. But pages also *show* markup as text: a programming article's code
sample (``print(&quot;hello&quot;)``, written ``&amp;quot;`` in the HTML), or the WordPress
comment-form footer "You may use these HTML tags and attributes: <a href="" title="">",
written ``&lt;a href=&quot;&quot;...`` in the HTML. Such a fragment is text, not leftover.

``leftover_markup(text, source, source_format)`` returns the first fragment of ``text`` that
looks like markup (``MARKUP_PATTERNS``) and that the source does not display as text, or None.

A fragment is *displayed* when the page's visible text holds its escaped form, compared
case-insensitively:

* an entity ``&quot;`` is displayed when the text holds ``&amp;quot;``, with ``&amp;`` spelled
  any way HTML allows (``&#38;``, ``&#038;``, ``&#x26;``), also JSON-escaped (``\\u0026amp;quot;``);
* a tag ``<abbr title="">`` (or a ``<script>`` block) is displayed when the text holds ``&lt;abbr``
  (``&#60;``, ``&#060;``, ``&#x3c;``, JSON ``\\u0026lt;``), also split by a syntax highlighter's own
  tags (``&lt;<span class="hljs-name">abbr``).

The *visible text* of an HTML source is what is left after its comments, ``<script>``/``<style>``
blocks and tags (with their attribute values) are taken out: pages also escape markup inside
attributes (``data-text="&lt;em&gt;"``) and inline JSON, and that shows nothing to a reader, while
the clean text only ever comes from text nodes. A WordPress JSON source is parsed and the visible
text of its string values is used; when it does not parse, the raw JSON is searched (where
``\\u003c`` is *not* a displayed ``<``: it is how JSON writes the real tags of the rendered HTML).

Plain-text sources (``source_format='text'``) have no page markup to display anything, and the
text cleaner does not unescape them: a tag with attributes or a script/style block in the clean
text is leftover (unless the file itself writes it escaped, as above), while an entity is the text
as the file writes it (a scraper that saved ``AT&amp;T`` or ``&nbsp;`` made that the text) and is
never flagged. With no source at all (None) the first fragment found is leftover.

Cost: one regex search over the text per pattern; only when a fragment is found is the source
reduced to its visible text (once, lower-cased), and each distinct fragment is looked up once.
"""
from __future__ import annotations

import json
import re

__all__ = ["MARKUP_PATTERNS", "leftover_markup", "visible_text"]

# Markup that leaked from a page: tags carrying page-structure attributes, comments, script/style
# blocks, unresolved entities. Tags alone are not enough: articles about code quote `<p>` or `<T>`.
MARKUP_PATTERNS = (
    r"<[A-Za-z][\w:-]{0,30}\s[^<>]{0,500}(?<![\w-])(?:class|id|style|href|data-[\w-]+|on[a-z]+)\s*=\s*[\"'][^<>]{0,500}>",
    r"(?is)<(script|style|iframe|noscript)\b[^>]*>.*?</\1\s*>",
    r"&(?:nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);",  # leftover HTML entities
)
_PATTERNS = tuple(re.compile(p) for p in MARKUP_PATTERNS)
_ENTITY = 2  # index of the entity pattern: an entity in a plain-text source is the text as written

# how a page writes "&" and "<" so that its readers see them (matched against the lower-cased source)
_AMP = r"(?:&|\\u0026)(?:amp|#0*38|#x0*26);"
_LT = r"(?:&|\\u0026)(?:lt|#0*60|#x0*3c);"
_HIGHLIGHT = r"(?:\s*<[^<>]{0,200}>)*\s*"  # a syntax highlighter's tags between "&lt;" and the name
_TAG_NAME = re.compile(r"<([A-Za-z][\w:-]*)")


# what a reader of an HTML page does not see: comments, script/style blocks, tags and their attributes
_HIDDEN = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style)\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>.*?(?:</\1\s*>|\Z)"
                     r"|</?[a-z!?](?:\"[^\"]*\"|'[^']*'|[^'\">])*>", re.I | re.S)


def _strings(obj, out: list[str], depth: int = 0) -> list[str]:
    if isinstance(obj, str):
        out.append(obj)
    elif depth < 50 and isinstance(obj, dict):
        for v in obj.values():
            _strings(v, out, depth + 1)
    elif depth < 50 and isinstance(obj, list):
        for v in obj:
            _strings(v, out, depth + 1)
    return out


def visible_text(source: str, source_format: str | None = None) -> str:
    """The part of ``source`` its readers see, still escaped (``&lt;`` stays ``&lt;``); see the module doc."""
    if source_format == "text":
        return source
    if source_format == "wordpress_json":
        try:
            source = "\n".join(_strings(json.loads(source), []))
        except (ValueError, RecursionError):
            return source
    return _HIDDEN.sub("", source)


def _key(fragment: str) -> str:
    """What decides whether ``fragment`` is displayed: the entity, or the tag name (lower case)."""
    if fragment.startswith("&"):
        return fragment.lower()
    m = _TAG_NAME.match(fragment)
    return "<" + (m.group(1).lower() if m else "")


def _escaped(key: str) -> re.Pattern:
    """The spellings of ``key`` in a (lower-cased) source that displays it as text."""
    if key.startswith("&"):
        return re.compile(_AMP + re.escape(key[1:]))
    return re.compile(_LT + _HIGHLIGHT + re.escape(key[1:]) + r"(?![\w:-])")


def leftover_markup(text: str | None, source: str | None, source_format: str | None = None) -> str | None:
    """The first markup fragment of ``text`` that the source does not display as text, or None.

    ``source``: the raw document decoded as text (HTML page, WordPress JSON, plain text); None
    when unknown, and then the first fragment found is leftover. ``source_format``: 'text' for a
    plain-text source, where entities are text as written (see the module docstring).
    """
    if not text:
        return None
    plain = source_format == "text"
    source_lower: str | None = None
    displayed: dict[str, bool] = {}  # fragment key -> displayed by the source
    for index, pattern in enumerate(_PATTERNS):
        if plain and index == _ENTITY:
            continue
        for m in pattern.finditer(text):
            fragment = m.group(0)
            if source is None:
                return fragment
            key = _key(fragment)
            if key not in displayed:
                if source_lower is None:
                    source_lower = visible_text(source, source_format).lower()
                displayed[key] = _escaped(key).search(source_lower) is not None
            if not displayed[key]:
                return fragment
    return None
