"""claimhouse.markup: markup the cleaner let through, told apart from markup the page shows as text."""
from __future__ import annotations

import pytest

from claimhouse.clean import clean
from claimhouse.ingest import detect
from claimhouse.markup import leftover_markup

PARAS = "".join(f"<p>The library's maintainers said on Monday that version {i} fixes how strings are quoted "
                "in configuration files, a change many users asked for.</p>" for i in range(6))


def cleaned(page: str) -> str:
    return clean(detect(page.encode(), "x.html"), "x.html").text


def test_entities_in_a_code_sample_are_text():
    page = (f"<html><body><article><h1>Quoting strings</h1>{PARAS}<p>Write the value as "
            "<code>print(&amp;quot;hello&amp;quot;)</code> in the template.</p></article></body></html>")
    text = cleaned(page)
    assert "&quot;hello&quot;" in text  # what the page shows its readers
    assert leftover_markup(text, page, "html") is None


def test_escaped_tags_in_visible_text_are_text():
    page = (f"<html><body><article><h1>Templates</h1>{PARAS}<p>Wrap it in "
            "<code>&lt;div class=&quot;row&quot;&gt;</code> to lay it out.</p></article></body></html>")
    text = cleaned(page)
    assert '<div class="row">' in text
    assert leftover_markup(text, page, "html") is None


@pytest.mark.parametrize("fragment", ['<div class="share-bar">', "&nbsp;", "<script>var ad = 1;</script>"])
def test_markup_the_page_does_not_show_is_leftover(fragment):
    page = f"<html><body><p>Talks resume.</p>{fragment}</body></html>"  # unescaped: real markup
    assert leftover_markup(f"Talks resume. {fragment} Share", page, "html") == fragment


def test_json_escaped_source_and_unknown_source():
    text = 'Use <a href="" title=""> in comments.'
    assert leftover_markup(text, '{"content": {"rendered": "Use \\u003ca href=\\"\\"', "wordpress_json") is None
    assert leftover_markup(text, None) == '<a href="" title="">'  # no source to show it: leftover
    assert leftover_markup("Tom &amp; Jerry", "Tom &amp; Jerry", "text") is None  # plain text shows it as written
    assert leftover_markup("Plain text. <script>x()</script>", "Plain text. <script>x()</script>", "text")
