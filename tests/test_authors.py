"""claimhouse.authors: the byline of an HTML page, one small page per rule."""
from __future__ import annotations

from trafilatura.utils import load_html

from claimhouse.authors import _byline_names, _good_author, author_clues, pick_author
from claimhouse.clean import _page_meta

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
def test_byline_read_from_its_whole_line():
    top = "<p class='meta'><span>By</span><a href='/u/1'>Jane Doe</a> · Dec 20, 2025 · <a>3 comments</a></p>"
    assert author(page(top=top)) == "Jane Doe"


def test_byline_keeps_the_pages_list_with_and():
    top = "<div>By <a>Danielle DeSiato</a>, <a>Donna Enzmann</a>, and <a>Natalie Nguyen</a></div>"
    assert author(page(top=top)) == "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen"
    top = "<div><span>By </span><a>Tomson Highway</a> and <a>From Masculindians</a></div>"
    assert author(page(top=top)) == "Tomson Highway and From Masculindians"


def test_byline_drops_role_keeps_credentials():
    assert author(page(top="<p>By Mike Marshall, Shipping Expert</p>")) == "Mike Marshall"
    assert author(page(top="<p>By <b>Charles Patterson</b>, <i>WCI Columnist</i></p>")) == "Charles Patterson"
    assert author(page(top="<p>By Vanessa Mendez, MD</p>")) == "Vanessa Mendez, MD"


def test_byline_after_a_date_or_a_published_label():
    top = "<div><time>03/01/2017</time> by Agatha Caleo, Candidate Representative to the Committee</div>"
    assert author(page(top=top)) == "Agatha Caleo"
    top = "<div>Published on December 2nd, 2025 by <a>Chen Zhao</a></div>"
    assert author(page(top=top)) == "Chen Zhao"
    top = "<div>March 15, 2022 · 3 min read · By ASU Online</div>"
    assert author(page(top=top)) == "ASU Online"


def test_byline_label_in_its_own_element():
    top = "<div class='by'>by</div><div class='who'><a>Taya Iv</a></div>"
    assert author(page(top=top)) == "Taya Iv"
    top = "<div><strong>Written by</strong><br><a>Maya Perez</a><br>Friday, December 19, 2025</div>"
    assert author(page(top=top)) == "Maya Perez"


def test_one_word_byline_only_as_a_whole_line():
    assert author(page(top="<p>by <a>Amanda</a> · Dec 20, 2025 at 3:00 am</p>")) == "Amanda"
    assert author(page(top="<p>by ibby </p>")) == "ibby"
    assert author(page(top="<p>By leveraging machine learning, retailers can plan their stock.</p>")) is None
    assert author(page(top="<p>By default, the town closes its parks at night.</p>")) is None


def test_byline_stops_at_reviewed_by_and_repeats():
    top = "<p>Written by Jane Doe | Medically reviewed by Dr John Roe</p>"
    assert author(page(top=top)) == "Jane Doe"
    assert author(page(top="<p>By Mary Leverette Mary Leverette is a gardening writer</p>")) == "Mary Leverette"
    assert author(page(top="<p>By <a>Korin Miller</a><span>Published Dec 3, 2025</span></p>")) == "Korin Miller"


def test_teaser_bylines_are_not_the_articles():
    related = ("<ul><li><h3><a href='/other'>Cultivating community in the town farm</a></h3>"
               "<p class='meta'>October 28, 2025 by Mariel Sheets</p></li></ul>")
    assert author(page(top=related)) is None
    card = ("<a href='/other'><span>The best travel cameras in 2026, our picks</span>"
            "<p>Andy rounds up our picks of the best cameras for travelling.</p><p class='x'>by Andy Westlake</p></a>")
    assert author(page(top=card)) is None


def test_a_bio_after_the_running_text_is_not_the_byline():
    bio = "<div class='bio'><p>Written by</p><div>Jack Shepherd</div></div>"
    assert author(page("<meta name='author' content='Ash Vardanian'>", "", _TEXT + bio)) == "Ash Vardanian"


# ------------------------------------------------------------ byline against metadata
def test_visible_byline_beats_a_different_meta_author():
    head = "<meta name='author' content='KatieS'>"
    top = "<p>by <a href='/authors/aoife-oriordan/'>Aoife O'Riordan</a></p>"
    assert author(page(head, top), extracted="KatieS") == "Aoife O'Riordan"


def test_handle_byline_yields_to_the_meta_persons_name():
    head = "<meta name='author' content='Lisa Greene-Lewis'>"
    assert author(page(head, "<p>By TurboTaxLisa</p>"), extracted="Lisa Greene-Lewis") == "Lisa Greene-Lewis"


def test_short_byline_yields_to_the_same_person_in_full():
    head = "<meta name='author' content='Jacob Trussell'>"
    assert author(page(head, "<p>By Jacob</p>"), extracted="Jacob Trussell") == "Jacob Trussell"


def test_meta_naming_the_site_yields_to_a_person_on_the_page():
    head = "<meta property='og:site_name' content='Buzzsprout'><meta name='author' content='Buzzsprout'>"
    box = ("<div class='callout'><div class='callout__image'><img class='author__photo' src='a.jpg' "
           "alt='alban Brooke'></div><div class='callout__content'><h3>Alban Brooke</h3>"
           "<p>Alban is the head of marketing.</p></div></div>")
    assert author(page(head, "", _TEXT + box), extracted="Buzzsprout", site="Buzzsprout") == "Alban Brooke"


def test_json_ld_person_before_a_meta_site_name():
    head = ("<meta property='og:site_name' content='Digjitale'><meta name='author' content='Digjitale'>"
            "<script type='application/ld+json'>{\"@type\": \"Article\", "
            "\"author\": {\"@type\": \"Person\", \"name\": \"Çelik Nimani\"}}</script>")
    assert author(page(head), site="Digjitale") == "Çelik Nimani"


def test_personal_site_name_equal_to_the_author_is_kept():
    head = ("<meta property='og:site_name' content='Cathy Horvath Buchanan'>"
            "<script type='application/ld+json'>{\"@type\": \"Article\", "
            "\"author\": {\"@type\": \"Person\", \"name\": \"Cathy Horvath Buchanan\"}}</script>")
    box = "<div><img class='avatar' src='x.jpg' alt='Art Words Definitions'><p>Art Words Definitions</p></div>"
    assert author(page(head, "", _TEXT + box), extracted="Cathy Horvath Buchanan",
                  site="Cathy Horvath Buchanan") == "Cathy Horvath Buchanan"


def test_metadata_spelling_kept_when_trafilatura_splits_it():
    head = ("<script type='application/ld+json'>{\"@type\": \"Article\", \"author\": "
            "{\"@type\": \"Organization\", \"name\": \"Center for Drug Evaluation and Research\"}}</script>")
    assert author(page(head), extracted="Center; Research") == "Center for Drug Evaluation and Research"


def test_junk_metadata_is_no_author():
    top = "<div class='blog-meta'><span class='blog-meta-author'>Tim Enwall</span></div>"
    assert author(page("<meta name='author' content='page.head.extra.author'>", top),
                  extracted="Page Head Extra Author") == "Tim Enwall"
    assert author(page(), extracted="August") is None
    assert author(page(), extracted="Written By") is None


def test_trafilaturas_body_guess_yields_to_the_marked_up_author():
    # trafilatura took a commenter's name; the page marks its author's name up
    top = "<div class='wp-block-post-author__name'><a href='/author/strategy/'>Sir Nuno</a></div>"
    assert author(page(top=top), extracted="Fullysecret") == "Sir Nuno"


def test_same_name_in_another_order_keeps_the_metadata():
    top = "<p><a href='/author/jeff'>Jeff Kaufman</a></p>"
    assert author(page(top=top), extracted="Kaufman; Jeff T.") == "Kaufman, Jeff T."


# ------------------------------------------------------------ other visible clues
def test_author_class_elements():
    top = "<div class='post-meta'><span class='entry-author'> Paramita (Guha) Ghosh </span></div>"
    assert author(page(top=top), extracted="Paramita Ghosh") == "Paramita (Guha) Ghosh"
    top = "<div class='publish-date-author'>Dec. 19, 2025 &middot; Niko Matsakis on behalf of the team</div>"
    assert author(page(top=top)) == "Niko Matsakis"
    top = "<div class='author-bio'>Jane Roe writes about towns.</div><span class='byline__tag'>Personal Finance</span>"
    assert author(page(top=top)) is None


def test_comment_authors_are_not_the_author():
    comments = ("<ol class='comment-list'><li class='comment'><div class='comment-author-name'>"
                "<a href='/author/jamesfox'>James Fox</a></div><p>Great post!</p></li></ol>")
    assert author(page("", "", _TEXT + comments)) is None


def test_portrait_next_to_the_name():
    box = "<hr><p><img src='https://example.org/tim_100.png' alt='Tim Green' width='100' height='100'></p>" \
          "<p><strong>Tim Green</strong> <em>Independent Technology Writer</em></p>"
    assert author(page("", "", _TEXT + box)) == "Tim Green"
    product = "<div><img src='grinder.jpg' alt='Baratza Encore Grinder'><p>Baratza Encore Grinder</p></div>"
    assert author(page("", "", _TEXT + product)) is None
    top = "<p><img class='avatar avatar-xs' src='https://2.gravatar.com/avatar/e5f'> Mahua Das in <a>News</a></p>"
    assert author(page(top=top)) == "Mahua Das"


def test_labels_elsewhere_in_the_page():
    top = "<p><em>This post was written by <a href='/p/1'>Vanessa Mendez, MD</a>, gastroenterologist.</em></p>"
    assert author(page("", "", _TEXT + top)) == "Vanessa Mendez, MD"
    top = "<div class='tags'><strong>Contributors:</strong> Janet Loughrey</div>"
    assert author(page("", "", _TEXT + top)) == "Janet Loughrey"
    top = "<div class='authors'><span>Authors:</span><a>Aniruddha Roy</a>, <a>Jyoti Patel</a></div>"
    assert author(page(top=top)) == "Aniruddha Roy, Jyoti Patel"


def test_site_owner():
    head = "<meta property='og:site_name' content='Polly Barks'><title>Zero waste living — Polly Barks</title>"
    assert author(page(head), url="https://pollybarks.com/blog/zero-waste") == "Polly Barks"
    head = "<meta property='og:site_name' content='Eardopes Int'>"
    assert author(page(head), url="https://eardopes.com/blogs/best") is None
    head = "<title>Preparing a transition | Colin Watson's blog</title>"
    assert author(page(head)) == "Colin Watson"


# ------------------------------------------------------------ name strings
def test_byline_names():
    assert _byline_names("By CM Craig McCarthy Last updated") == "Craig McCarthy"
    assert _byline_names("Written by: Jane Doe, Staff Writer") == "Jane Doe"
    assert _byline_names("By Jane Doe, Ph.D., and John Roe") == "Jane Doe, Ph.D., and John Roe"
    assert _byline_names("by ALLIN ONE on Jan 22, 2025", loose=True) == "ALLIN ONE"


def test_good_author_cleans_metadata():
    assert _good_author("Korin MillerPublished") == "Korin Miller"
    assert _good_author("Read more about The Upwork Team") == "The Upwork Team"
    assert _good_author("Recipe by PJ Hamel") == "PJ Hamel"
    assert _good_author("Jared Newman; Sam Singleton") == "Jared Newman, Sam Singleton"
    assert _good_author("98 Buck Social") == "98 Buck Social"
