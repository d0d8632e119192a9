"""Markup left behind in clean text, told apart from markup a page shows its readers.

A clean text that holds ``<div class="share">`` or ``&nbsp;`` usually means the cleaner let
page markup through. But pages also *show* markup as text: a programming article's code
sample (``print(&quot;hello&quot;)``, written ``&amp;quot;`` in the HTML), or the WordPress
comment-form footer "You may use these HTML tags and attributes: <a href="" title="">",
written ``&lt;a href=&quot;&quot;...`` in the HTML. Such a fragment is text, not leftover.

``leftover_markup(text, source, source_format)`` returns the first fragment of ``text`` that
looks like markup and that the source does not display as text, or None. A fragment is
displayed when the source holds its escaped form (``&lt;tag`` / ``&amp;name;`` and their
numeric and JSON-escaped spellings). A plain-text source shows what it holds: an entity or
tag in it is the text as written, except a ``<script>``/``<style>`` block with its content.
"""
from __future__ import annotations

import re

# Markup that leaked from a page: tags carrying page-structure attributes, comments, script/style
# blocks, unresolved entities. Tags alone are not enough: articles about code quote `<p>` or `<T>`.
MARKUP_PATTERNS = (
    r"<[A-Za-z][\w:-]{0,30}\s[^<>]{0,500}(?<![\w-])(?:class|id|style|href|data-[\w-]+|on[a-z]+)\s*=\s*[\"'][^<>]{0,500}>",
    r"(?is)<(script|style|iframe|noscript)\b[^>]*>.*?</\1\s*>",
    r"&(?:nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);",  # leftover HTML entities
)
_PATTERNS = tuple(re.compile(p) for p in MARKUP_PATTERNS)
_BLOCK = 1  # index of the script/style pattern: leftover even in a plain-text source

# how a page writes "&" and "<" so that readers see them
_AMP = ("&amp;", "&#38;", "&#x26;", "\\u0026amp;", "\\u0026#38;")
_LT = ("&lt;", "&#60;", "&#x3c;", "\\u003c", "\\u0026lt;")


def _escaped_forms(fragment: str) -> list[str]:
    """The spellings of ``fragment``'s start in a source that displays it as text."""
    if fragment.startswith("&"):
        return [amp + fragment[1:] for amp in _AMP]
    m = re.match(r"<([A-Za-z][\w:-]*)", fragment)
    name = m.group(1) if m else ""
    return [lt + name for lt in _LT]


def _displayed(fragment: str, source_lower: str) -> bool:
    return any(form.lower() in source_lower for form in _escaped_forms(fragment))


def leftover_markup(text: str | None, source: str | None, source_format: str | None = None) -> str | None:
    """The first markup fragment of ``text`` that the source does not display as text, or None.

    ``source``: the raw document decoded as text (HTML page, WordPress JSON, plain text); None
    when unknown, and then every fragment found counts as leftover.
    """
    if not text:
        return None
    source_lower = source.lower() if source else None
    plain = source_format == "text"
    seen: set[str] = set()  # fragment starts already found displayed
    for index, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            fragment = m.group(0)
            if source_lower is None:
                return fragment
            if plain and index != _BLOCK:
                continue  # a plain-text source shows its tags and entities as they are written
            start = _escaped_forms(fragment)[0]
            if start in seen:
                continue
            if not _displayed(fragment, source_lower):
                return fragment
            seen.add(start)
    return None
