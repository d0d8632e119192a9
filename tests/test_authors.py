"""claimhouse.clean.authors: the byline of an HTML page, one small page per rule."""
from __future__ import annotations

import pytest
from trafilatura.utils import load_html

from claimhouse.clean.authors import (
    _byline_names,
    _good_author,
    author_clues,
    pick_author,
)
from claimhouse.clean.document import _page_meta

_TEXT = ("<p>Heavy rain flooded the streets of the old town on Saturday, forcing dozens of residents to leave.</p>"
         "<p>The fire service said it had pumped water out of more than forty basements during the night.</p>"
         "<p>The mayor said the town would ask the government for emergency funds to repair the sea wall.</p>")


def page(head: str = "", top: str = "", rest: str = _TEXT) -> str:
    return (f"<html><head>{head}</head><body><header><nav><a href='/'>Home</a></nav></header>"
            f"<article><h1>Storm floods the old town</h1>{top}{rest}</article></body></html>")


def author(html: str, extracted: str | None = None, site: str | None = None, url: str | None = None) -> str | None:
    """What clean() would pick, given trafilatura's ``extracted`` author and site name."""
    tree = load_html(html)
    pm = _page_meta(tree)
    clues = author_clues(tree, pm["ld"], pm["titles"])
    return pick_author(clues, extracted, [site], html, url=url)


# ------------------------------------------------------------ the byline near the headline
_RELATED = ("<ul><li><h3><a href='/other'>Cultivating community in the town farm</a></h3>"
            "<p class='meta'>October 28, 2025 by Mariel Sheets</p></li></ul>")
_CARD = ("<a href='/other'><span>The best travel cameras in 2026, our picks</span>"
         "<p>Andy rounds up our picks of the best cameras for travelling.</p><p class='x'>by Andy Westlake</p></a>")


@pytest.mark.parametrize("head, top, rest, extracted, site, url, expected", [
    pytest.param("", "<p class='meta'><span>By</span><a href='/u/1'>Jane Doe</a> · Dec 20, 2025 · "
                 "<a>3 comments</a></p>",
                 _TEXT, None, None, None, "Jane Doe", id="byline-read-from-its-whole-line"),
    pytest.param("", "<div>By <a>Danielle DeSiato</a>, <a>Donna Enzmann</a>, and <a>Natalie Nguyen</a></div>",
                 _TEXT, None, None, None, "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen",
                 id="byline-list-keeps-comma-and"),
    pytest.param("", "<div><span>By </span><a>Tomson Highway</a> and <a>From Masculindians</a></div>",
                 _TEXT, None, None, None, "Tomson Highway and From Masculindians", id="byline-list-keeps-and"),
    pytest.param("", "<p>By Mike Marshall, Shipping Expert</p>",
                 _TEXT, None, None, None, "Mike Marshall", id="byline-drops-role"),
    pytest.param("", "<p>By <b>Charles Patterson</b>, <i>WCI Columnist</i></p>",
                 _TEXT, None, None, None, "Charles Patterson", id="byline-drops-marked-up-role"),
    pytest.param("", "<p>By Vanessa Mendez, MD</p>",
                 _TEXT, None, None, None, "Vanessa Mendez, MD", id="byline-keeps-credentials"),
    pytest.param("", "<div><time>03/01/2017</time> by Agatha Caleo, Candidate Representative to the Committee</div>",
                 _TEXT, None, None, None, "Agatha Caleo", id="byline-after-a-date"),
    pytest.param("", "<div>Published on December 2nd, 2025 by <a>Chen Zhao</a></div>",
                 _TEXT, None, None, None, "Chen Zhao", id="byline-after-published-label"),
    pytest.param("", "<div>March 15, 2022 · 3 min read · By ASU Online</div>",
                 _TEXT, None, None, None, "ASU Online", id="byline-after-date-and-read-time"),
    pytest.param("", "<div class='by'>by</div><div class='who'><a>Taya Iv</a></div>",
                 _TEXT, None, None, None, "Taya Iv", id="by-label-in-its-own-element"),
    pytest.param("", "<div><strong>Written by</strong><br><a>Maya Perez</a><br>Friday, December 19, 2025</div>",
                 _TEXT, None, None, None, "Maya Perez", id="written-by-label-in-its-own-element"),
    pytest.param("", "<p>by <a>Amanda</a> · Dec 20, 2025 at 3:00 am</p>",
                 _TEXT, None, None, None, "Amanda", id="one-word-byline-with-date"),
    pytest.param("", "<p>by ibby </p>",
                 _TEXT, None, None, None, "ibby", id="one-word-byline-whole-line"),
    pytest.param("", "<p>By leveraging machine learning, retailers can plan their stock.</p>",
                 _TEXT, None, None, None, None, id="by-in-a-sentence-is-no-byline"),
    pytest.param("", "<p>By default, the town closes its parks at night.</p>",
                 _TEXT, None, None, None, None, id="by-default-is-no-byline"),
    pytest.param("", "<p>Written by Jane Doe | Medically reviewed by Dr John Roe</p>",
                 _TEXT, None, None, None, "Jane Doe", id="byline-stops-at-reviewed-by"),
    pytest.param("", "<p>By Mary Leverette Mary Leverette is a gardening writer</p>",
                 _TEXT, None, None, None, "Mary Leverette", id="byline-stops-at-repeated-name"),
    pytest.param("", "<p>By <a>Korin Miller</a><span>Published Dec 3, 2025</span></p>",
                 _TEXT, None, None, None, "Korin Miller", id="byline-stops-at-published"),
    pytest.param("", _RELATED, _TEXT, None, None, None, None, id="related-list-byline-is-not-the-articles"),
    pytest.param("", _CARD, _TEXT, None, None, None, None, id="teaser-byline-is-not-the-articles"),
    pytest.param("<meta name='author' content='Ash Vardanian'>", "",
                 _TEXT + "<div class='bio'><p>Written by</p><div>Jack Shepherd</div></div>",
                 None, None, None, "Ash Vardanian", id="bio-after-text-is-not-the-byline"),
])
def test_byline_near_the_headline(head, top, rest, extracted, site, url, expected):
    assert author(page(head, top, rest), extracted=extracted, site=site, url=url) == expected


# ------------------------------------------------------------ byline against metadata
_CALLOUT = ("<div class='callout'><div class='callout__image'><img class='author__photo' src='a.jpg' "
            "alt='alban Brooke'></div><div class='callout__content'><h3>Alban Brooke</h3>"
            "<p>Alban is the head of marketing.</p></div></div>")


@pytest.mark.parametrize("head, top, rest, extracted, site, url, expected", [
    pytest.param("<meta name='author' content='KatieS'>",
                 "<p>by <a href='/authors/aoife-oriordan/'>Aoife O'Riordan</a></p>",
                 _TEXT, "KatieS", None, None, "Aoife O'Riordan", id="visible-byline-beats-other-meta-author"),
    pytest.param("<meta name='author' content='Lisa Greene-Lewis'>", "<p>By TurboTaxLisa</p>",
                 _TEXT, "Lisa Greene-Lewis", None, None, "Lisa Greene-Lewis", id="handle-byline-yields-to-meta-name"),
    pytest.param("<meta name='author' content='Jacob Trussell'>", "<p>By Jacob</p>",
                 _TEXT, "Jacob Trussell", None, None, "Jacob Trussell", id="short-byline-yields-to-full-name"),
    pytest.param("<meta property='og:site_name' content='Buzzsprout'><meta name='author' content='Buzzsprout'>",
                 "", _TEXT + _CALLOUT, "Buzzsprout", "Buzzsprout", None, "Alban Brooke",
                 id="meta-site-name-yields-to-person-on-page"),
    pytest.param("<meta property='og:site_name' content='Digjitale'><meta name='author' content='Digjitale'>"
                 "<script type='application/ld+json'>{\"@type\": \"Article\", "
                 "\"author\": {\"@type\": \"Person\", \"name\": \"Çelik Nimani\"}}</script>",
                 "", _TEXT, None, "Digjitale", None, "Çelik Nimani", id="json-ld-person-before-meta-site-name"),
    pytest.param("<meta property='og:site_name' content='Cathy Horvath Buchanan'>"
                 "<script type='application/ld+json'>{\"@type\": \"Article\", "
                 "\"author\": {\"@type\": \"Person\", \"name\": \"Cathy Horvath Buchanan\"}}</script>",
                 "", _TEXT + "<div><img class='avatar' src='x.jpg' alt='Art Words Definitions'>"
                 "<p>Art Words Definitions</p></div>",
                 "Cathy Horvath Buchanan", "Cathy Horvath Buchanan", None, "Cathy Horvath Buchanan",
                 id="personal-site-name-equal-to-author-kept"),
    pytest.param("<script type='application/ld+json'>{\"@type\": \"Article\", \"author\": "
                 "{\"@type\": \"Organization\", \"name\": \"Center for Drug Evaluation and Research\"}}</script>",
                 "", _TEXT, "Center; Research", None, None, "Center for Drug Evaluation and Research",
                 id="metadata-spelling-kept-when-trafilatura-splits-it"),
    pytest.param("<meta name='author' content='page.head.extra.author'>",
                 "<div class='blog-meta'><span class='blog-meta-author'>Tim Enwall</span></div>",
                 _TEXT, "Page Head Extra Author", None, None, "Tim Enwall", id="template-placeholder-is-no-author"),
    pytest.param("", "", _TEXT, "August", None, None, None, id="month-is-no-author"),
    pytest.param("", "", _TEXT, "Written By", None, None, None, id="label-is-no-author"),
    # trafilatura took a commenter's name; the page marks its author's name up
    pytest.param("", "<div class='wp-block-post-author__name'><a href='/author/strategy/'>Sir Nuno</a></div>",
                 _TEXT, "Fullysecret", None, None, "Sir Nuno", id="trafilatura-body-guess-yields-to-marked-up"),
    pytest.param("", "<p><a href='/author/jeff'>Jeff Kaufman</a></p>",
                 _TEXT, "Kaufman; Jeff T.", None, None, "Kaufman, Jeff T.", id="same-name-reordered-keeps-metadata"),
])
def test_byline_against_metadata(head, top, rest, extracted, site, url, expected):
    assert author(page(head, top, rest), extracted=extracted, site=site, url=url) == expected


# ------------------------------------------------------------ other visible clues
_COMMENTS = ("<ol class='comment-list'><li class='comment'><div class='comment-author-name'>"
             "<a href='/author/jamesfox'>James Fox</a></div><p>Great post!</p></li></ol>")
_PORTRAIT = ("<hr><p><img src='https://example.org/tim_100.png' alt='Tim Green' width='100' height='100'></p>"
             "<p><strong>Tim Green</strong> <em>Independent Technology Writer</em></p>")


@pytest.mark.parametrize("head, top, rest, extracted, site, url, expected", [
    pytest.param("", "<div class='post-meta'><span class='entry-author'> Paramita (Guha) Ghosh </span></div>",
                 _TEXT, "Paramita Ghosh", None, None, "Paramita (Guha) Ghosh", id="author-class-element"),
    pytest.param("", "<div class='publish-date-author'>Dec. 19, 2025 &middot; "
                 "Niko Matsakis on behalf of the team</div>",
                 _TEXT, None, None, None, "Niko Matsakis", id="date-author-class-element"),
    pytest.param("", "<div class='author-bio'>Jane Roe writes about towns.</div>"
                 "<span class='byline__tag'>Personal Finance</span>",
                 _TEXT, None, None, None, None, id="author-bio-and-byline-tag-are-not-names"),
    pytest.param("", "", _TEXT + _COMMENTS, None, None, None, None, id="comment-author-is-not-the-author"),
    pytest.param("", "", _TEXT + _PORTRAIT, None, None, None, "Tim Green", id="portrait-next-to-the-name"),
    pytest.param("", "", _TEXT + "<div><img src='grinder.jpg' alt='Baratza Encore Grinder'>"
                 "<p>Baratza Encore Grinder</p></div>",
                 None, None, None, None, id="product-photo-is-no-portrait"),
    pytest.param("", "<p><img class='avatar avatar-xs' src='https://2.gravatar.com/avatar/e5f'> "
                 "Mahua Das in <a>News</a></p>",
                 _TEXT, None, None, None, "Mahua Das", id="avatar-before-the-name"),
    pytest.param("", "", _TEXT + "<p><em>This post was written by <a href='/p/1'>Vanessa Mendez, MD</a>, "
                 "gastroenterologist.</em></p>",
                 None, None, None, "Vanessa Mendez, MD", id="written-by-label-after-the-text"),
    pytest.param("", "", _TEXT + "<div class='tags'><strong>Contributors:</strong> Janet Loughrey</div>",
                 None, None, None, "Janet Loughrey", id="contributors-label"),
    pytest.param("", "<div class='authors'><span>Authors:</span><a>Aniruddha Roy</a>, <a>Jyoti Patel</a></div>",
                 _TEXT, None, None, None, "Aniruddha Roy, Jyoti Patel", id="authors-label"),
    pytest.param("<meta property='og:site_name' content='Polly Barks'><title>Zero waste living — Polly Barks</title>",
                 "", _TEXT, None, None, "https://pollybarks.com/blog/zero-waste", "Polly Barks",
                 id="site-owner-named-by-site-and-domain"),
    pytest.param("<meta property='og:site_name' content='Eardopes Int'>",
                 "", _TEXT, None, None, "https://eardopes.com/blogs/best", None, id="company-site-name-is-no-owner"),
    pytest.param("<title>Preparing a transition | Colin Watson's blog</title>",
                 "", _TEXT, None, None, None, "Colin Watson", id="site-owner-from-possessive-blog-title"),
])
def test_other_visible_clues(head, top, rest, extracted, site, url, expected):
    assert author(page(head, top, rest), extracted=extracted, site=site, url=url) == expected


def test_an_author_label_in_the_articles_facts_aside():
    """learn.hms.harvard.edu puts the article's facts (date, author) in an <aside> beside the text."""
    facts = ("<aside class='insight__content'><div><h3>Date</h3><p>June 2, 2025</p></div>"
             "<div><h3>Author</h3><p>Lisa D. Ellis</p></div></aside>")
    assert author(page(rest=_TEXT + facts)) == "Lisa D. Ellis"
    assert author(page(rest=_TEXT + "<footer><div><h3>Author</h3><p>Ann Bell</p></div></footer>")) is None


def test_a_last_updated_by_line_after_the_text():
    """erikdemaine.org ends its pages with 'Last updated March 3, 2025 by <a>Erik Demaine</a>.'"""
    line = "<p><i>Last updated March  3, 2025 by <a href='http://erikdemaine.org/'>Erik Demaine</a>.</i></p>"
    assert author(page(rest=_TEXT + line)) == "Erik Demaine"
    assert author(page(rest=_TEXT + "<p>Last updated March 3, 2025 by the editors of the town paper.</p>")) is None


def test_an_unclosed_nav_stretched_over_the_article_is_no_chrome():
    """legalzoom.com leaves its menu <nav> open, so the parser puts the article inside it: an author-page link
    there is the byline; a link in a real menu (no <h1> in it) still is not."""
    left_open = ("<html><body><nav class='menu'><a href='/'>Home</a><div><h1>Storm floods the old town</h1>"
                 "<div><span>by </span><p><a href='/articles/authors/shannon-grilli'>Shannon Grilli</a></p></div>"
                 f"{_TEXT}</div></body></html>")
    assert author(left_open) == "Shannon Grilli"
    in_menu = page(top="", rest=_TEXT).replace("<a href='/'>Home</a>",
                                               "<a href='/authors/shannon-grilli'>Shannon Grilli</a>")
    assert author(in_menu) is None


# ------------------------------------------------------------ name strings
@pytest.mark.parametrize("text, loose, expected", [
    pytest.param("By CM Craig McCarthy Last updated", False, "Craig McCarthy", id="drops-initials-and-updated"),
    pytest.param("Written by: Jane Doe, Staff Writer", False, "Jane Doe", id="drops-label-and-role"),
    pytest.param("By Jane Doe, Ph.D., and John Roe", False, "Jane Doe, Ph.D., and John Roe",
                 id="keeps-credentials-and-list"),
    pytest.param("by ALLIN ONE on Jan 22, 2025", True, "ALLIN ONE", id="loose-stops-at-on-date"),
    pytest.param("By Jane Doe.", False, "Jane Doe", id="drops-the-sentence-full-stop"),
    pytest.param("By John Smith Jr.", False, "John Smith Jr.", id="keeps-an-abbreviation-full-stop"),
])
def test_byline_names(text, loose, expected):
    assert _byline_names(text, loose=loose) == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("Korin MillerPublished", "Korin Miller", id="glued-published-dropped"),
    pytest.param("Read more about The Upwork Team", "The Upwork Team", id="read-more-about-dropped"),
    pytest.param("Recipe by PJ Hamel", "PJ Hamel", id="recipe-by-dropped"),
    pytest.param("Jared Newman; Sam Singleton", "Jared Newman, Sam Singleton", id="semicolon-list-to-commas"),
    pytest.param("98 Buck Social", "98 Buck Social", id="leading-number-kept"),
])
def test_good_author_cleans_metadata(text, expected):
    assert _good_author(text) == expected
