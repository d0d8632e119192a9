"""claimhouse.clean.markup: markup the cleaner let through, told apart from markup the page shows as text."""
from __future__ import annotations

import json
import re

import pytest

from claimhouse.clean.document import clean
from claimhouse.clean.markup import MARKUP_PATTERNS, leftover_markup
from claimhouse.ingest.formats import detect

PARAS = "".join(f"<p>The library's maintainers said on Monday that version {i} fixes how strings are quoted "
                "in configuration files, a change many users asked for.</p>" for i in range(6))

# the WordPress comment-form footer as themes write it (escaped: readers see the tags)
WP_FOOTER = ('<p class="form-allowed-tags">You may use these <abbr title="HyperText Markup Language">HTML</abbr> '
             'tags and attributes: <code>&lt;a href=&quot;&quot; title=&quot;&quot;&gt; &lt;abbr title=&quot;&quot;'
             '&gt; &lt;acronym title=&quot;&quot;&gt; &lt;b&gt; &lt;blockquote cite=&quot;&quot;&gt; &lt;cite&gt; '
             '&lt;code&gt; &lt;del datetime=&quot;&quot;&gt; &lt;em&gt; &lt;i&gt; &lt;q cite=&quot;&quot;&gt; '
             '&lt;s&gt; &lt;strike&gt; &lt;strong&gt; </code></p>')
WP_FOOTER_TEXT = ('You may use these HTML tags and attributes: <a href="" title=""> <abbr title=""> <acronym title="">'
                  ' <b> <blockquote cite=""> <cite> <code> <del datetime=""> <em> <i> <q cite=""> <s> <strike> <strong>')


def cleaned(page: str, name: str = "x.html") -> str:
    return clean(detect(page.encode(), name), name).text


def article(body: str, after: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>Quoting strings | Dev Notes</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>Quoting strings</h1>{PARAS}{body}</article>{after}"
            f"<footer>Copyright 2025 Dev Notes</footer></body></html>")


def test_patterns_are_the_quality_rule_patterns():
    from claimhouse.checks import quality

    assert quality.MARKUP_PATTERNS is MARKUP_PATTERNS
    for p in MARKUP_PATTERNS:
        re.compile(p)


def test_entities_in_a_code_sample_are_text():
    page = article("<p>Write the value as <code>print(&amp;quot;hello&amp;quot;)</code> in the template.</p>")
    text = cleaned(page)
    assert "&quot;hello&quot;" in text  # what the page shows its readers
    assert any(re.search(p, text) for p in MARKUP_PATTERNS)  # the bare patterns misfire here
    assert leftover_markup(text, page, "html") is None


def test_escaped_tags_in_a_code_sample_are_text():
    page = article("<p>Wrap it in <code>&lt;div class=&quot;row&quot;&gt;</code> to lay it out.</p>")
    text = cleaned(page)
    assert '<div class="row">' in text
    assert leftover_markup(text, page, "html") is None


def test_highlighted_code_sample_is_text():
    # highlight.js puts its own tags between "&lt;" and the tag name
    page = article('<pre><code class="language-html"><span class="hljs-tag">&lt;<span class="hljs-name">div</span> '
                   '<span class="hljs-attr">class</span>=<span class="hljs-string">"row"</span>&gt;</span>'
                   '</code></pre><p>That is all it takes to lay the page out in rows.</p>')
    text = cleaned(page)
    assert '<div class="row">' in text
    assert leftover_markup(text, page, "html") is None


def test_wordpress_comment_form_footer_is_removed_and_is_text():
    page = article("", after=f'<div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>'
                              f'<form id="commentform" class="comment-form"><textarea name="comment"></textarea>'
                              f'{WP_FOOTER}<input type="submit" value="Post Comment"></form></div>')
    text = cleaned(page)
    assert "You may use these" not in text and "version 5 fixes" in text
    assert leftover_markup(text, page, "html") is None
    # were it kept, the page shows every one of those tags as text
    assert leftover_markup(f"Comments are open.\n{WP_FOOTER_TEXT}", page, "html") is None


@pytest.mark.parametrize("fragment", ['<div class="share-bar">', "&nbsp;", "<script>var ad = 1;</script>",
                                      '<a href="/tag/talks">'])
def test_markup_the_page_does_not_show_is_leftover(fragment):
    page = f"<html><body><p>Talks resume.</p>{fragment}</body></html>"  # unescaped: real markup
    assert leftover_markup(f"Talks resume. {fragment} Share", page, "html") == fragment


def test_a_displayed_fragment_does_not_hide_a_different_leftover():
    page = "<p>Use <code>&amp;quot;x&amp;quot;</code>.</p><p>Tom&nbsp;said</p>"
    assert leftover_markup("Use &quot;x&quot;. Tom&nbsp;said", page, "html") == "&nbsp;"
    page = '<p>Write <code>&lt;span class=&quot;a&quot;&gt;</code></p><div class="ad">x</div>'
    assert leftover_markup('Write <span class="a"> then <div class="ad"> x', page, "html") == '<div class="ad">'


@pytest.mark.parametrize("amp", ["&amp;", "&#38;", "&#038;", "&#x26;", "&AMP;", "\\u0026amp;", "\\u0026#038;"])
def test_every_spelling_of_an_escaped_ampersand(amp):
    assert leftover_markup("print(&quot;hi&quot;)", f"<pre>print({amp}quot;hi{amp}quot;)</pre>", "html") is None


@pytest.mark.parametrize("lt", ["&lt;", "&#60;", "&#060;", "&#x3c;", "&#X3C;", "\\u0026lt;"])
def test_every_spelling_of_an_escaped_tag(lt):
    assert leftover_markup('Use <abbr title="">.', f"<p>Use {lt}ABBR title=&quot;&quot;&gt;.</p>", "html") is None


def test_wordpress_json_sources():
    shown = json.dumps({"content": {"rendered": "<p>Use <code>&lt;a href=&quot;&quot;&gt;</code></p>"}})
    assert leftover_markup('Use <a href="">', shown, "wordpress_json") is None
    assert leftover_markup('Use <a href="">', shown.replace("&", "\\u0026"), "wordpress_json") is None
    # \u003c is how JSON writes a real tag of the rendered HTML: not displayed
    real = '{"content": {"rendered": "\\u003cp\\u003eUse \\u003ca href=\\"\\"\\u003elink\\u003c/a\\u003e"}}'
    assert leftover_markup('Use <a href=""> link', real, "wordpress_json") == '<a href="">'


def test_wordpress_json_code_sample_through_the_cleaner():
    post = {"id": 7, "date": "2025-03-02T10:00:00", "link": "https://devnotes.example/quoting/",
            "title": {"rendered": "Quoting strings"}, "type": "post",
            "content": {"rendered": PARAS + "<p>Write <code>print(&amp;quot;hello&amp;quot;)</code> and "
                                            "<code>&lt;div class=&quot;row&quot;&gt;</code> in the template.</p>"}}
    source = json.dumps(post)
    text = cleaned(source, "post.json")
    assert "&quot;hello&quot;" in text and '<div class="row">' in text
    assert leftover_markup(text, source, "wordpress_json") is None


def test_plain_text_sources():
    # entities: the file's text as written; tags with attributes and script blocks: leftover
    assert leftover_markup("AT&amp;T said&nbsp;so", "AT&amp;T said&nbsp;so", "text") is None
    assert leftover_markup('Shares fell. <img src="a.png" class="x"> More', 'Shares fell. <img src="a.png" class="x">',
                           "text") == '<img src="a.png" class="x">'
    assert leftover_markup("Plain text. <script>x()</script>", "Plain text. <script>x()</script>", "text")
    assert leftover_markup('Use <div class="row">', 'Use &lt;div class="row">', "text") is None  # written escaped


def test_no_source_and_no_markup():
    assert leftover_markup('Use <a href="" title=""> in comments.', None) == '<a href="" title="">'
    assert leftover_markup("Tom &amp; Jerry", None, "html") == "&amp;"
    assert leftover_markup("Tom &amp; Jerry", None, "text") is None  # a plain text's entities are its text
    assert leftover_markup("Talks resume on Monday, 3 < 4 & 5 > 2.", "<p>x</p>", "html") is None
    assert leftover_markup("", "<p>x</p>") is None and leftover_markup(None, None) is None


def test_markup_escaped_only_where_readers_do_not_see_it_is_leftover():
    # pages escape markup inside attribute values and inline scripts (a real page: an RSS "This article
    # first appeared on ..." snippet in an attribute); that displays nothing, so it does not excuse a leak
    page = ('<html><head><script>var t = "&lt;div class=\\"ad\\"&gt;&amp;nbsp;";</script></head><body>'
            '<div data-gtm-text="Try it&lt;em&gt; free&lt;/em&gt;" data-snippet="&lt;p&gt;This&amp;nbsp;article">'
            '<p>Talks resume.</p><!-- &lt;div class="x"&gt; --></div></body></html>')
    assert leftover_markup('Talks resume. <em class="x">free', page, "html") == '<em class="x">'
    assert leftover_markup('Talks resume.&nbsp;Share', page, "html") == "&nbsp;"
    assert leftover_markup('Talks resume. <div class="ad"> x', page, "html") == '<div class="ad">'
    assert leftover_markup('Talks resume. <div class="ad"> x', page.replace("<p>Talks", "<p>&lt;div&gt; Talks"),
                           "html") is None  # once the page shows it, it is text


def test_visible_text():
    from claimhouse.clean.markup import visible_text

    page = ('<!DOCTYPE html><html><head><style>p{}</style><script>var a = "&lt;b";</script></head><body>'
            '<p title="&lt;i&gt;">Write <code>&lt;<span class="hljs-name">div</span>&gt;</code> here.</p>'
            '<!-- &lt;u --></body></html>')
    assert visible_text(page, "html") == "Write &lt;div&gt; here."
    assert visible_text('{"content": {"rendered": "<p>Use &lt;b&gt;</p>"}, "id": 3}', "wordpress_json") == "Use &lt;b&gt;"
    assert visible_text("a <b> &amp; c", "text") == "a <b> &amp; c"
