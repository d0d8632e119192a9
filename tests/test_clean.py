"""clean(): body text and metadata for the three formats, on the seed corpus and synthetic pages."""
from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from claimhouse.clean.document import clean, html_fragment_lines
from claimhouse.clean.textmeta import (
    find_date,
    outlet_from_name,
    registered_domain,
    strip_site_suffix,
)
from claimhouse.ingest.formats import detect
from claimhouse.types import CleanDocument, Detected, RejectedInput

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WCXB = Path(__file__).parent / "data" / "wcxb"  # 30 real pages of the WCXB dev split (CC-BY-4.0)


def run(data: bytes | str, path: str = "doc") -> CleanDocument:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return clean(detect(data, path), path)


def seed(prefix: str) -> CleanDocument:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return run(path.read_bytes(), str(path))


@pytest.fixture(scope="module")
def seeds() -> dict[str, CleanDocument]:
    return {p: seed(p) for p in ("000", "001", "002", "003", "004")}


def assert_clean_layout(text: str):
    assert text and text == text.strip()
    for line in text.split("\n"):
        assert line, "no blank lines"
        assert line == line.strip(), "no leading/trailing whitespace on a line"
        assert "  " not in line


# ------------------------------------------------------------------ the seeds
CHROME = ["SUBSCRIBE TO US", "Loading comments", "Sponsor:", "QWIKET", "Read more:", "READ MORE", "5 months ago",
          "Photo: yigal_levin", "Source: ERR", "Remer,MN", "appeared first on", "Related:", "Euromaidanpress",
          "THE AMERICA ONE NEWS", "Elevate your fantasy game"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_text_has_no_chrome(seeds, prefix):
    doc = seeds[prefix]
    assert_clean_layout(doc.text)
    for junk in CHROME:
        assert junk not in doc.text, junk
    lines = doc.text.split("\n")
    assert "back" not in lines and "topic" not in lines and "30" not in lines and "0" not in lines
    assert "--" not in lines
    assert doc.language == "en"


def test_seed_000_wordpress(seeds):
    doc = seeds["000"]
    assert doc.title == "As Trump pushes for ceasefire talks, Ukraine sees Kursk as a potential bargaining chip"
    assert doc.outlet == "digitaltradecenter.com"
    assert doc.original_outlet == "cnn.com"
    assert doc.url.startswith("https://digitaltradecenter.com/index.php/2025/02/08/as-trump-pushes")
    assert doc.published_at.date() == date(2025, 2, 8)
    lines = doc.text.split("\n")
    isw = ("The Institute for the Study of War, a US-based conflict monitor, said that Ukrainian forces launched a "
           "new series of assaults in the Kursk region on Thursday, advancing up to five kilometres (three miles) "
           "behind Russian lines southeast of Sudzha.")
    assert isw in lines
    assert lines[0] == ("Ukraine has launched new attacks in Russia\u2019s southern Kursk region as US President "
                        "Donald Trump pushes for ceasefire talks.")
    assert "Rare strategic gain for Ukraine" in lines  # the subheading is a paragraph of its own
    assert lines[-1].startswith("Evans said that Russia is struggling to repel Ukrainian forces")
    assert len(lines) == 31
    assert "cms.cnn.com" not in doc.text and "<" not in doc.text


def test_seed_001_scraped_text(seeds):
    doc = seeds["001"]
    assert doc.title == "Ukraine prepares for \u201cbargaining\u201d with Trump by seizing Kursk region"
    lines = doc.text.split("\n")
    assert lines[0].startswith('Ukraine is preparing to "bargain" with potential US President Donald Trump')
    assert "Most Western capitals say they want Kyiv to have the strongest bargaining position." in lines
    assert lines[-1].startswith("Ukrainian military officials and Western analysts worry")
    assert doc.title not in doc.text
    assert len(lines) == 13


def test_seed_002_read_more_and_subheadings(seeds):
    doc = seeds["002"]
    assert doc.title == "Russia escalates Kursk offensive ahead of potential Trump peace talks"
    lines = doc.text.split("\n")
    assert lines[0] == ("Moscow is highly determined to secure the region ahead of potential negotiations "
                        "with the incoming Trump administration.")
    assert "No territorial concessions" in lines and "Heavy losses for Kiev" in lines
    assert 'Lavrov labeled such ideas as "even worse" than the Minsk Agreements.' in lines
    assert "Ukraine incursion in Kursk struggles" not in doc.text
    assert "Russian special forces halt advancement" not in doc.text
    assert lines[-1].startswith("With winter approaching")


def test_seed_003_aggregator(seeds):
    doc = seeds["003"]
    assert doc.title == ("The Telegraph: Failed Kursk offensive weakens Ukraine\u2019s bargaining position "
                         "in potential talks")
    assert doc.published_at.date() == date(2025, 3, 14)  # the byline date, not the toolbar's Jun 1, 2025
    assert doc.author == "Yuri Zoria"
    assert doc.outlet == "THE AMERICA ONE NEWS"
    assert doc.original_outlet == "Euromaidan Press"
    assert doc.title not in doc.text  # the repeated headline is gone
    assert "Ukrainian soldiers in Russia\u2019s Kursk Oblast" not in doc.text  # caption + credit
    lines = doc.text.split("\n")
    assert lines[0].startswith("Ukraine\u2019s Kursk gamble backfired by failing to create leverage")
    assert any(ln.startswith("Ukraine has completed its withdrawal from Russia\u2019s Kursk region") for ln in lines)
    assert lines[-1].startswith("The defeat at Kursk is a tragic allegory")
    assert "Yuri Zoria" not in doc.text and "14 Mar 2025" not in doc.text


def test_seed_004_date_header(seeds):
    doc = seeds["004"]
    assert doc.published_at.date() == date(2025, 3, 9)
    lines = doc.text.split("\n")
    assert lines[0].startswith("Russia has recently focused its efforts on fighting in the Kursk region")
    assert "date 2025-03-09" not in doc.text
    assert "Andreas Kaju. Source: ERR" not in lines
    assert any(ln.startswith("Kaju believes that the only real incentive") for ln in lines)
    assert lines[-1].startswith("According to Pevkur, Ukraine is confident")
    assert len(lines) == 10


# ---------------------------------------------------------- text: general rules
OTHER_SITE = """DAILY WORLD NEWS
Home | World | Politics
3 hours ago
125
Follow us on Telegram!
Sponsored: BuyStuff Online
By Jane Smith
March 3, 2024
Parliament approves the new budget after a long night of debate

Lawmakers approved the budget early on Tuesday after more than twelve hours of debate, the speaker said.
A view of the parliament building.
A view of the parliament building. Image: John Doe / Reuters
The finance minister said the plan would cut the deficit by two percent over the next three years.
Parliament approves the new budget after a long night of debate
Opposition parties said they would challenge several provisions in the constitutional court next month.
Related: Budget talks stall again
Also read: What the budget means for you
42 comments
Share
"""


def test_text_general_chrome_rules():
    doc = run(OTHER_SITE)
    assert doc.title == "Parliament approves the new budget after a long night of debate"
    assert doc.author == "Jane Smith"
    assert doc.published_at.date() == date(2024, 3, 3)
    assert doc.outlet == "DAILY WORLD NEWS"
    assert doc.text.split("\n") == [
        "Lawmakers approved the budget early on Tuesday after more than twelve hours of debate, the speaker said.",
        "The finance minister said the plan would cut the deficit by two percent over the next three years.",
        "Opposition parties said they would challenge several provisions in the constitutional court next month.",
    ]


def test_text_byline_with_date():
    doc = run("By Jane Smith, March 3, 2024\nThe council approved the new transport plan on Monday after a long debate.\n")
    assert doc.author == "Jane Smith"
    assert doc.published_at.date() == date(2024, 3, 3)
    assert doc.text == "The council approved the new transport plan on Monday after a long debate."


def test_text_metadata_header_lines():
    doc = run("Title: Storm hits the coast\nAuthor: Ann Lee\nDate: 2024-11-02\n"
              "url: https://www.bbc.co.uk/news/x\n\nA strong storm hit the coast on Saturday, officials said.\n")
    assert doc.title == "Storm hits the coast"
    assert doc.author == "Ann Lee"
    assert doc.published_at.date() == date(2024, 11, 2)
    assert doc.url == "https://www.bbc.co.uk/news/x"
    assert doc.outlet == "bbc.co.uk" and doc.original_outlet == "bbc.co.uk"
    assert doc.text == "A strong storm hit the coast on Saturday, officials said."


def test_text_keeps_plain_article():
    body = ("The council met on Monday to discuss the new transport plan for the region.\n\n"
            "Members voted 12 to 3 in favour, and the plan will now go to a public consultation.\n")
    doc = run(body)
    assert doc.text.split("\n") == [ln for ln in body.split("\n") if ln]
    assert doc.title is None and doc.outlet is None and doc.original_outlet is None


def test_text_hard_wrapped_lines_are_joined():
    para = ("The council met on Monday to discuss the new transport plan for the region and the "
            "members voted twelve to three in favour of the plan after a long debate about costs. ")
    words = (para * 4).split()
    wrapped, line = [], ""
    for w in words:
        if len(line) + len(w) + 1 > 72:
            wrapped.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    wrapped.append(line)
    text = "\n".join(wrapped) + "\n\n" + "\n".join(wrapped).replace("council", "committee") + "\n"
    doc = run(text)
    lines = doc.text.split("\n")
    assert len(lines) == 2
    assert lines[0] == " ".join(words) and "committee" in lines[1]


def test_text_syndication_line():
    doc = run("The minister resigned on Friday after weeks of pressure from his own party members.\n"
              "Originally published by Reuters.\n")
    assert doc.original_outlet == "Reuters"
    assert "Originally published" not in doc.text


@pytest.mark.parametrize("data", ["Loading comments...\nSUBSCRIBE TO US!\n30\n5 months ago\n", "--\n\n|\n"])
def test_text_only_chrome_is_no_text(data):
    with pytest.raises(RejectedInput) as exc:
        run(data)
    assert exc.value.reason == "no_text"


# ------------------------------------------------------------ wordpress json
def wp_post(content: str, **extra) -> str:
    post = {"date": "2024-05-06T08:00:00", "link": "https://www.example.co.uk/2024/05/06/story/",
            "title": {"rendered": "Ministers &#8216;agree&#8217; <em>new</em> deal"},
            "content": {"rendered": content}}
    post.update(extra)
    return json.dumps(post)


def test_wordpress_blocks_and_syndication():
    html = ("<p>First paragraph of the story.</p>\n<div><p>Second <a href='#'>paragraph</a> here.</p>"
            "<ul><li>item one</li><li>item two</li></ul></div><script>var x = 1;</script>"
            "<figure><img src='a.jpg'></figure><p>Line one<br>line two</p>"
            "<p>The post <a href='https://x.com'>Ministers agree</a> appeared first on "
            "<a href='https://news.example.org'>Example News</a>.</p>")
    doc = run(wp_post(html))
    assert doc.text.split("\n") == ["First paragraph of the story.", "Second paragraph here.", "item one",
                                    "item two", "Line one", "line two"]
    assert doc.title == "Ministers \u2018agree\u2019 new deal"
    assert doc.outlet == "example.co.uk"
    assert doc.original_outlet == "Example News"
    assert doc.published_at.isoformat() == "2024-05-06T08:00:00"


def test_wordpress_not_syndicated():
    doc = run(wp_post("<p>Only text of the story here.</p>"))
    assert doc.original_outlet == doc.outlet == "example.co.uk"


def test_wordpress_syndication_domain():
    doc = run(wp_post("<p>Text of the story here.</p><div>This post appeared first on https://www.cnn.com/x</div>"))
    assert doc.original_outlet == "cnn.com"
    assert doc.text == "Text of the story here."


def test_wordpress_empty_body_is_no_text():
    with pytest.raises(RejectedInput) as exc:
        run(wp_post("<p> </p><script>x()</script>"))
    assert exc.value.reason == "no_text"


def test_html_fragment_lines_whitespace():
    assert html_fragment_lines("<p>  a \n b </p><p></p><h2>Sub</h2>") == ["a b", "Sub"]


# ---------------------------------------------------------------------- html
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Storm floods the old town &#8211; Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette">
<meta name="author" content="Maria Rossi">
<meta property="article:published_time" content="2024-10-05T09:30:00+00:00">
<link rel="canonical" href="https://www.harbourgazette.co.uk/news/storm-floods-old-town">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<article><h1>Storm floods the old town</h1>
<p>Heavy rain flooded the streets of the old town on Saturday, forcing dozens of residents to leave their homes.</p>
<p>The fire service said it had pumped water out of more than forty basements during the night and morning.</p>
<p>The mayor said the town would ask the government for emergency funds to repair the damaged sea wall.</p>
</article>
<section class="comments"><h3>Comments</h3><p>Great article, thanks for sharing this with us all!</p></section>
<footer>Copyright 2024 Harbour Gazette. All rights reserved.</footer>
</body></html>"""


def test_html_page():
    doc = run(PAGE)
    assert doc.title == "Storm floods the old town"
    assert doc.url == "https://www.harbourgazette.co.uk/news/storm-floods-old-town"
    assert doc.outlet == "harbourgazette.co.uk" == doc.original_outlet
    assert doc.site_name == "Harbour Gazette"
    assert doc.author == "Maria Rossi"
    assert doc.published_at.date() == date(2024, 10, 5)
    assert doc.language == "en"
    lines = doc.text.split("\n")
    assert lines[0].startswith("Heavy rain flooded the streets of the old town")
    assert lines[-1].startswith("The mayor said the town would ask")
    assert "Great article" not in doc.text and "Copyright" not in doc.text and "Sport" not in doc.text
    assert_clean_layout(doc.text)


def test_html_gzip_round_trip():
    assert run(gzip.compress(PAGE.encode())).text == run(PAGE).text


def test_html_without_text_is_no_text():
    with pytest.raises(RejectedInput) as exc:
        run("<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>")
    assert exc.value.reason == "no_text"


def test_unknown_format_rejected():
    with pytest.raises(RejectedInput):
        clean(Detected(source_format="pdf", content="x"), "x")


# --------------------------------------------------------------- helpers
@pytest.mark.parametrize("title,names,expected", [
    ("What is Cloud Computing? | Google Cloud", ["Google Cloud"], "What is Cloud Computing?"),
    ("Yoga for beginners \u2013 Brett Larkin Yoga", ["brettlarkin.com"], "Yoga for beginners"),
    ("How to book a flight | Facet", [None], "How to book a flight"),
    ("Top 10 tips - advantagefitness.com", [], "Top 10 tips"),
    ("Leadfeeder | State of SEO in 2026: Trends and Predictions", ["Leadfeeder"],
     "State of SEO in 2026: Trends and Predictions"),
    ("Biden - Trump debate", ["cnn.com"], "Biden - Trump debate"),
    ("Russia escalates Kursk offensive", ["rt.com"], "Russia escalates Kursk offensive"),
])
def test_strip_site_suffix(title, names, expected):
    assert strip_site_suffix(title, names) == expected


def test_dates_and_domains():
    assert find_date("Jun 1, 2025").date() == date(2025, 6, 1)
    assert find_date("14 Mar 2025").date() == date(2025, 3, 14)
    assert find_date("posted 2025-03-09 at noon").date() == date(2025, 3, 9)
    assert registered_domain("https://edition.cnn.com/2025/x") == "cnn.com"
    assert outlet_from_name("cnn.com") == "cnn.com"
    assert outlet_from_name("Example News.") == "Example News"


def test_real_pages_clean_or_reject():
    pages = sorted(WCXB.glob("*.html.gz"))
    assert len(pages) == 30
    cleaned = 0
    for path in pages:
        try:
            doc = run(gzip.decompress(path.read_bytes()), str(path))
        except RejectedInput as exc:
            assert exc.reason, path.name
            continue
        assert_clean_layout(doc.text)
        assert doc.outlet and doc.title, path.name
        cleaned += 1
    assert cleaned >= 25


def test_text_page_embedded_markup_is_stripped_but_code_samples_stay():
    from claimhouse.clean.document import strip_embedded_markup

    text = ('He said so on Monday.\n<tweet pic="pic.twitter.com/" author="x">The blaze spread</tweet>\n'
            'Run adduser <username> first.')
    assert strip_embedded_markup(text) == "He said so on Monday.\nThe blaze spread\nRun adduser <username> first."


def test_long_read_more_link_line_is_chrome_in_extractor_output():
    from claimhouse.clean.boilerplate import is_link_chrome

    assert is_link_chrome("Read more: Ukraine incursion in Kursk struggles as Russians retake territory while "
                          "the Kremlin masses troops near the border for a new push")
    assert not is_link_chrome("Readers who want more detail can find the whole report on the ministry site, "
                              "which lists every figure.")


# ------------------------------------------------------------ html metadata: title / author rules
_BODY = ("<p>Heavy rain flooded the streets of the old town on Saturday, forcing dozens of residents to leave.</p>"
         "<p>The fire service said it had pumped water out of more than forty basements during the night.</p>"
         "<p>The mayor said the town would ask the government for emergency funds to repair the sea wall.</p>")


def page(head: str = "", before: str = "", body: str = _BODY) -> str:
    return (f"<html><head>{head}</head><body><header><nav><a href='/'>Home</a></nav></header>"
            f"<article>{before}{body}</article></body></html>")


@pytest.mark.parametrize("head, before, expected", [
    pytest.param("<title>Storm floods the old town | Harbour Gazette</title>"
                 "<meta property='og:title' content='Storm floods the old town'>", "<h1>Latest Updates</h1>",
                 "Storm floods the old town", id="h1-unrelated-to-metadata-is-a-label"),
    pytest.param("<title>Storm tips for a safe winter | Harbour Gazette</title>"
                 "<script type='application/ld+json'>{\"@type\": \"Article\", "
                 "\"headline\": \"Storm 101: how to keep your house dry this winter\"}</script>",
                 "<h1>The Blog</h1><h1>Storm 101: how to keep your house dry this winter</h1>",
                 "Storm 101: how to keep your house dry this winter", id="several-h1-the-one-metadata-names"),
    pytest.param("<meta property='og:title' content='Storm floods the old town'>",
                 "<h1>94</h1><h1>Storm floods the old town</h1><h1>Ω 48</h1>",
                 "Storm floods the old town", id="h1-without-a-word-is-not-a-heading"),
    pytest.param("<title>Coffee - University of Harbourtown</title>", "<h1>Coffee</h1>", "Coffee",
                 id="one-word-h1-that-is-the-title-part"),
    pytest.param("<title>Storm floods the old town streets | Harbour Gazette</title>"
                 "<meta property='og:title' content='Storm floods the old town streets | Harbour Gazette'>",
                 "<h1>Blog: Storm floods the old town streets</h1>", "Storm floods the old town streets",
                 id="h1-with-a-label-prefix"),
    pytest.param("<title>Event planning: a beginner&#x27;s guide</title>"
                 "<meta property='og:title' content='Event planning: a beginner&#x27;s guide'>",
                 "<h1>Event planning? a beginner? guide</h1>", "Event planning: a beginner's guide",
                 id="h1-whose-encoding-lost-characters-takes-the-meta-title"),
    pytest.param("<title>Progress report 39: the new code generator</title>", "<h1>Harbour Notes</h1>",
                 "Progress report 39: the new code generator", id="blog-name-h1-unrelated-to-the-title-tag"),
    pytest.param("<title>8 Storm tips for the old town - Harbour Gazette</title>"
                 "<meta property='og:title' content='8 Storm tips for the old town - Harbour Gazette'>",
                 "<h1>Storm tips for the old town</h1>", "8 Storm tips for the old town",
                 id="meta-title-with-the-lists-count-before-the-heading"),
    pytest.param("<title>Is the old town safe? The flood report</title>",
                 "<h1>Is the old town safe? The flood report</h1>", "Is the old town safe? The flood report",
                 id="question-mark-in-both-is-kept"),
])
def test_title_from_heading_and_metadata(head, before, expected):
    assert run(page(head, before)).title == expected


def test_title_metadata_agreeing_on_heading_plus_year():
    head = ("<title>Best rain jackets for towns 2025</title>"
            "<meta property='og:title' content='Best rain jackets for towns 2025'>"
            "<meta name='twitter:title' content='Best rain jackets for towns 2025'>")
    assert run(page(head, "<h1>Best rain jackets for towns</h1>")).title == "Best rain jackets for towns 2025"
    # a single metadata source with a year does not override the heading
    head = "<title>Other title</title><meta property='og:title' content='Best rain jackets for towns 2025'>"
    assert run(page(head, "<h1>Best rain jackets for towns</h1>")).title == "Best rain jackets for towns"


_H1 = "<h1>Storm floods the old town</h1>"
_BIO = "<div class='bio'><p>Written by</p><div>Jack Shepherd</div><p>Co-founder of the Gazette.</p></div>"
_SITE_AUTHOR = "<meta property='og:site_name' content='Harbour Gazette'><meta name='author' content='Harbour Gazette'>"
_LIST_AUTHOR = "<meta name='author' content='Jared Newman; Sam Singleton'>"


@pytest.mark.parametrize("head, before, body, expected", [
    pytest.param("", _H1 + "<div class='meta'><img src='a.png'><a href='/authors/maria-rossi'>Maria Rossi</a></div>",
                 _BODY, "Maria Rossi", id="author-link-under-the-headline"),
    pytest.param("", _H1 + "<div>Written for you <span itemprop='author'>"
                 "<span itemprop='name'>Sam O'Brien</span></span></div>",
                 _BODY, "Sam O'Brien", id="itemprop-author-name"),
    pytest.param("", _H1 + "<p>by: <!-- -->Ziyi Xu<!-- -->, <!-- -->Dec 17, 2025</p>",
                 _BODY, "Ziyi Xu", id="by-label-then-name-in-same-element"),
    pytest.param("<meta name='author' content='apblackmd'>", _H1, _BODY, "apblackmd",
                 id="one-word-meta-author-kept-as-written"),
    pytest.param("<meta name='author' content='q_admin'>", _H1, _BODY, "q_admin",
                 id="one-word-meta-author-with-underscore-kept"),
    pytest.param(_SITE_AUTHOR, _H1 + "<p>By Maria Rossi</p>", _BODY, "Maria Rossi",
                 id="site-name-as-meta-author-yields-to-byline"),
    pytest.param(_LIST_AUTHOR, _H1 + "<p>By <a>Jared Newman</a> and <a>Sam Singleton</a></p>",
                 _BODY, "Jared Newman and Sam Singleton", id="author-list-keeps-the-pages-and"),
    pytest.param(_LIST_AUTHOR, _H1 + "<p>By <a>Jared Newman</a>, <a>Sam Singleton</a></p>",
                 _BODY, "Jared Newman, Sam Singleton", id="author-list-keeps-the-pages-comma"),
    pytest.param("", _H1, _BODY + _BIO, "Jack Shepherd", id="written-by-label-anywhere-in-page"),
    # the page's own author metadata comes first
    pytest.param("<meta name='author' content='Ash Vardanian'>", _H1, _BODY + _BIO, "Ash Vardanian",
                 id="meta-author-before-written-by-label"),
    pytest.param("<title>Preparing a transition | Colin Watson's blog</title>", "<h1>Preparing a transition</h1>",
                 _BODY, "Colin Watson", id="author-from-personal-site-name"),
])
def test_author_through_clean(head, before, body, expected):
    assert run(page(head, before, body)).author == expected


def _comment_form_page(inside_article: bool) -> bytes:
    paras = "".join(f"<p>The defence minister said on Monday that the talks in Riyadh would resume next week, "
                    f"in paragraph {i} of a story long enough to be the main text.</p>" for i in range(8))
    footer = ('<p class="form-allowed-tags">You may use these <abbr title="HyperText Markup Language">HTML</abbr> '
              'tags and attributes: <code>&lt;a href=&quot;&quot; title=&quot;&quot;&gt; &lt;abbr title=&quot;&quot;'
              '&gt; &lt;b&gt; &lt;blockquote cite=&quot;&quot;&gt; &lt;cite&gt; &lt;code&gt; &lt;em&gt; &lt;strong&gt;'
              '</code></p>')
    form = (f'<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form id="commentform" '
            f'class="comment-form"><textarea name="comment"></textarea>{footer}</form></div>')
    article = f"<article><h1>Talks resume</h1>{paras}{form if inside_article else ''}</article>"
    return (f"<html><head><title>Talks resume</title></head><body>{article}"
            f"{'' if inside_article else form}<footer>Copyright</footer></body></html>").encode()


@pytest.mark.parametrize("inside_article", [False, True])
def test_comment_form_allowed_tags_footer_is_removed(inside_article):
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect

    text = clean(detect(_comment_form_page(inside_article), "x.html"), "x.html").text
    assert "paragraph 7 of a story" in text
    assert "You may use these" not in text and '<a href="" title="">' not in text


def test_comment_form_footer_line_rule():
    from claimhouse.clean.boilerplate import is_comment_form_footer

    assert is_comment_form_footer('You may use these HTML tags and attributes: <a href="" title=""> <abbr title="">')
    assert is_comment_form_footer('<a href="" title=""> <abbr title=""> <b> <strong>')
    assert is_comment_form_footer("XHTML: You can use these tags: <a href=\"\" title=\"\">")
    assert is_comment_form_footer("You may use these HTML tags and attributes:")  # list split off by the extractor
    assert is_comment_form_footer("Allowed HTML tags: <a> <em> <strong> <cite> <blockquote> <code> <ul> <ol> <li>")
    assert is_comment_form_footer("Allowed HTML tags: <a href hreflang> <em> <strong> <cite>")
    assert not is_comment_form_footer("You may use these tools to follow the war.")
    assert not is_comment_form_footer("You can use these tags to tell search engines which page is the original.")
    assert not is_comment_form_footer("You can use these HTML tags in your posts, the editor explained on Monday.")
    assert not is_comment_form_footer("<html>")
    assert not is_comment_form_footer("<html> <head> <body>")  # a code sample line: no empty attribute


def test_comment_form_footer_in_a_text_page_is_removed():
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect

    body = "\n".join(f"The defence minister said on Monday that the talks in Riyadh would resume next week, "
                     f"in paragraph {i} of the story." for i in range(6))
    page = (f"Talks resume\n\n{body}\n\nLeave a Reply\nYou may use these HTML tags and attributes: "
            '<a href="" title=""> <abbr title=""> <acronym title=""> <b> <blockquote cite=""> <cite> <code> '
            '<del datetime=""> <em> <i> <q cite=""> <s> <strike> <strong>\n')
    text = clean(detect(page.encode(), "talks.txt"), "talks.txt").text
    assert "paragraph 5 of the story" in text
    assert "You may use these" not in text and 'title=""' not in text


def test_a_page_trafilatura_returns_as_one_blob_is_read_in_paragraphs():
    """The page's JSON-LD articleBody (one string) is trafilatura's last resort when its fast pass finds too
    little: a 700-word line. clean() reads the page again with the full pass and keeps the paragraphs."""
    paras = [(f"Paragraph {i} of the story tells how the harbour town rebuilt its sea wall after the storm, which "
              "workers finished in the spring while the council argued about money and the fishermen waited. ") * 2
             for i in range(12)]
    ld = json.dumps({"@context": "https://schema.org", "@type": "Article", "headline": "The sea wall",
                     "articleBody": " ".join(paras)})
    html = (f"<html><head><title>The sea wall</title><script type='application/ld+json'>{ld}</script></head>"
            "<body><h1>The sea wall</h1><div class='comp mntl-sc-block'>"
            + "".join(f"<div class='mntl-sc-block-html'>{p}</div>" for p in paras) + "</div></body></html>")
    doc = run(html, "seawall.html")
    lines = doc.text.split("\n")
    assert len(lines) == 12
    assert lines[3].startswith("Paragraph 3 of the story tells how the harbour town rebuilt its sea wall")
    assert max(len(ln.split()) for ln in lines) < 100


@pytest.mark.parametrize("line, chrome", [
    ("Loading prices for your region…", True),
    ("Loading specifications…", True),
    ("Loading...", True),
    ("Loading the ferry took the crew three hours, the harbour master said...", False),
    ("Loading docks at the port were closed on Monday.", False),
    ("Table of Contents", True),
    ("Contents hide", True),
    ("On this page:", True),
    ("In this article, we examine three ways the council could pay for the sea wall:", False),
])
def test_placeholders_and_contents_labels_are_chrome(line, chrome):
    from claimhouse.clean.boilerplate import is_chrome, is_link_chrome

    assert is_link_chrome(line) is chrome
    assert is_chrome(line) is chrome


def test_lost_characters_on_a_heading_of_question_marks():
    from claimhouse.clean.document import _lost_characters

    # a heading whose script was lost whole: no match, and no pattern of 40 wildcards to backtrack through
    assert not _lost_characters("?" * 40 + " ??", "x" * 200)
    assert not _lost_characters("Storm? floods? the? old? town? again? today", "Storm: floods, the old town's")
    assert _lost_characters("Event Planning? Beginner? Guide", "Event Planning: Beginner's Guide")
