"""pagedate.page_date(): the publication date a page shows its readers, on small hand-written pages."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from trafilatura.utils import load_html

from claimhouse.clean.pagedate import local_date, page_date, url_month
from claimhouse.clean.textmeta import find_date_match, parse_iso


def page(body: str, head: str = "", ld: dict | None = None):
    if ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    return load_html(f"<html><head><title>T</title>{head}</head><body>{body}"
                     "<p>Body text of the article, long enough to be prose rather than a dateline.</p></body></html>")


def day(body: str, head: str = "", ld: dict | None = None, fallback=None) -> date | None:
    d = page_date(page(body, head, ld), [ld] if ld else [], fallback)
    return d.date() if d else None


ARTICLE_LD = {"@context": "https://schema.org", "@type": "Article", "headline": "Digital marketing",
              "datePublished": "2015-04-06T13:52:00.000-04:00", "dateModified": "2025-09-28T06:58:21.976-04:00"}


_AMBIGUOUS = '<h1>Headline</h1><p class="post-date">09.10.2024</p>'
_MODIFIED_ONLY = '<h1>Headline</h1><time class="entry-date updated">February 16, 2026</time>'
_PUBLISHED_META = '<meta property="article:published_time" content="2025-05-14T19:30:03-07:00">'
_META_TIMES = ('<meta property="article:published_time" content="2024-10-05T09:30:00+00:00">'
               '<meta property="article:modified_time" content="2025-01-01T09:30:00+00:00">')
_META_TIMES_2026 = ('<meta property="article:published_time" content="2022-05-10T17:34:08+00:00">'
                    '<meta property="article:modified_time" content="2026-01-01T21:00:18+00:00">')
_UPDATED_2019 = '<h1>Organic pest spray</h1><p><span>Last Updated:</span> <span>March 11, 2019</span></p>'
_PUBLISHED_2015 = '<meta property="article:published_time" content="2015-07-14T19:24:13+00:00">'
_TWO_UNLABELLED = '<p class="kicker">January 16, 2025</p><h1>Headline</h1><p class="note">July 15, 2025</p>'
_PUBDATE_FAR_DOWN = ('<h1>Headline</h1>' + "<p>Paragraph of body text that goes on.</p>" * 25
                     + '<div>Published <time pubdate datetime="2025-08-13">August 13, 2025</time></div>')


@pytest.mark.parametrize("body, head, ld, fallback, expected", [
    # ---------------------------------------------------------------- the date shown near the headline
    pytest.param('<h1>Understanding Digital Marketing</h1><div class="byline"><a href="/a">Jane Doe</a></div>'
                 '<div class="attribution-date">Updated September 28, 2025</div>',
                 "", ARTICLE_LD, "2015-04-06", date(2025, 9, 28), id="shown-updated-date-beats-older-metadata"),
    pytest.param('<h1>We compiled the best agencies</h1><div><span>Last updated:</span><span>Dec 12, 2025</span></div>',
                 "", ARTICLE_LD, None, date(2025, 12, 12), id="updated-label-in-the-text-before-the-date"),
    pytest.param('<h1>Headline</h1><p>By <a href="/x">Sam Lee</a></p><time class="x">Published: Jan 29, 2025</time>',
                 "", None, "2024-01-01", date(2025, 1, 29), id="labelled-published-date"),
    pytest.param('<h1>Headline</h1><div class="meta"><time class="post-date">March 26, 2023</time>'
                 '<p class="last-updated">Last updated on September 16th, 2023 at 09:27 am</p></div>',
                 "", None, None, date(2023, 3, 26), id="post-date-and-last-updated-takes-post-date"),
    pytest.param('<h1>Headline</h1><p><span>Published: Nov 24, 2025</span> · <span>Updated: Dec 04, 2025</span></p>',
                 "", None, None, date(2025, 11, 24), id="published-and-updated-labels-takes-published"),
    pytest.param('<span class="dateline">Updated: JANUARY 02, 2026</span>'
                 '<span class="dateline">DECEMBER 22, 2022</span><h1>Headline</h1>',
                 "", None, None, date(2022, 12, 22), id="updated-first-then-unlabelled-original-date"),
    pytest.param('<h1 class="entry-title">Headline</h1><div class="entry-meta">Posted on '
                 '<time class="entry-date published" datetime="2020-06-29T10:00:00+00:00">June 29, 2020</time>'
                 '<time class="updated" datetime="2021-11-12T10:00:00+00:00">November 12, 2021</time></div>',
                 "", None, None, date(2020, 6, 29), id="wordpress-published-and-updated-time-elements"),
    pytest.param('<div class="eyebrow">July 29, 2025</div><h1>Headline</h1>',
                 "", None, None, date(2025, 7, 29), id="date-above-the-headline"),
    pytest.param('<h1>Headline</h1><p>Silverback Strategies <span>|</span> October 15, 2025</p>',
                 "", None, None, date(2025, 10, 15), id="date-after-a-pipe-separator"),
    pytest.param('<h1>Headline</h1><span>Updated Dec 18, 2025 · 12 min read</span>',
                 "", ARTICLE_LD, None, date(2025, 12, 18), id="date-before-a-dot-separator"),
    pytest.param('<h1>Headline</h1><time datetime="2025-12-19T08:00:00+01:00">Yesterday</time>',
                 "", None, None, date(2025, 12, 19), id="time-element-without-a-date-uses-datetime"),
    pytest.param('<h1>Headline</h1>', "", {"@type": "Article", "datePublished": "2025-12-18T21:00:00-05:00"}, None,
                 date(2025, 12, 18), id="local-day-kept-not-utc"),  # 19 December in UTC
    pytest.param(_AMBIGUOUS, "", None, None, date(2024, 10, 9), id="ambiguous-numeric-date-day-first"),
    pytest.param(_AMBIGUOUS, "", {"@type": "Article", "datePublished": "2024-09-10T16:07:00Z"}, None,
                 date(2024, 9, 10), id="ambiguous-numeric-date-reading-metadata-confirms"),
    pytest.param(_MODIFIED_ONLY, _PUBLISHED_META, None, None, date(2025, 5, 14),
                 id="date-marked-modified-yields-to-published-metadata"),
    pytest.param(_MODIFIED_ONLY, "", None, None, date(2026, 2, 16), id="date-marked-modified-and-nothing-else"),
    pytest.param(_UPDATED_2019, _PUBLISHED_2015 + '<link rel="canonical" href="https://x.com/2015/07/spray.html">',
                 None, None, date(2015, 7, 14), id="url-date-confirms-published-metadata-over-shown-update"),
    pytest.param(_UPDATED_2019, _PUBLISHED_2015 + '<meta property="og:url" content="https://x.com/2015-07-14-spray">',
                 None, None, date(2015, 7, 14), id="og-url-date-confirms-published-metadata"),
    pytest.param(_UPDATED_2019, "", {"@type": "Article", "datePublished": "2015-07-14T19:24:13+00:00"}, None,
                 date(2019, 3, 11), id="json-ld-published-no-url-date-shown-update-stays"),
    pytest.param(_UPDATED_2019, _PUBLISHED_2015, None, None, date(2015, 7, 14),
                 id="meta-tag-published-without-json-ld-beats-shown-update"),
    pytest.param(_UPDATED_2019, '<meta property="article:published_time" content="2024-01-05T10:00:00+00:00">',
                 None, None, date(2019, 3, 11), id="meta-tag-published-after-the-shown-update-is-not-taken"),
    pytest.param('<h1>Headline</h1><p>Published: March 11, 2019</p>', _PUBLISHED_2015, None, None,
                 date(2019, 3, 11), id="meta-tag-published-does-not-beat-shown-published"),
    pytest.param('<h1>Best drip coffee makers</h1><p><span>Kev</span></p><p>January 1, 2026</p>', _META_TIMES_2026,
                 None, None, date(2022, 5, 10), id="unlabelled-shown-date-equal-to-meta-modified-yields-to-published"),
    pytest.param('<h1>Headline</h1><p class="post-date">January 1, 2026</p>', _META_TIMES_2026, None, None,
                 date(2022, 5, 10), id="published-by-class-only-equal-to-meta-modified-yields-to-published"),
    pytest.param('<h1>Headline</h1><p>Published: January 1, 2026</p>', _META_TIMES_2026, None, None,
                 date(2026, 1, 1), id="visibly-published-date-equal-to-meta-modified-stays"),
    pytest.param('<h1>Headline</h1><p>December 30, 2025</p>', _META_TIMES_2026, None, None,
                 date(2025, 12, 30), id="unlabelled-shown-date-not-the-modified-date-stays"),
    pytest.param('<h1>Headline</h1><p>January 1, 2026</p>', "",
                 {"@type": "Article", "datePublished": "2022-05-10T17:34:08+00:00",
                  "dateModified": "2026-01-01T21:00:18+00:00"}, None,
                 date(2026, 1, 1), id="unlabelled-shown-modified-date-with-json-ld-stays"),
    pytest.param(_UPDATED_2019, _PUBLISHED_2015 + '<link rel="canonical" href="https://x.com/2019/03/spray.html">',
                 None, None, date(2019, 3, 11), id="url-date-agreeing-with-the-shown-date-keeps-it"),
    pytest.param('<h1>Tiny homes</h1><p>Chris Carroll</p><p>30 Sep 2022, 11:07am</p><p>Body text.</p>'
                 '<p class="disclaimer">This article was originally published on \n 26 Sep 2019 at 4:12pm \n '
                 'but has been regularly updated to keep the information accurate.</p>', "", None, None,
                 date(2019, 9, 26), id="originally-published-statement-beats-a-later-shown-date"),
    pytest.param('<h1>Headline</h1><p>Updated March 1, 2024</p><p>This page was <b>originally posted on '
                 'Wednesday, March 2, 2022</b>.</p>', "", None, None,
                 date(2022, 3, 2), id="originally-posted-with-a-weekday"),
    pytest.param('<h1>Headline</h1><p>March 1, 2024</p><p>This article was originally published on The '
                 'Conversation on 5 March 2018.</p>', "", None, None,
                 date(2024, 3, 1), id="originally-published-elsewhere-is-not-the-date"),
    pytest.param('<h1>Headline</h1><p>March 1, 2024</p><p>Originally published June 2, 2024.</p>', "", None, None,
                 date(2024, 3, 1), id="originally-published-after-the-shown-date-is-ignored"),
    pytest.param('<h1>Headline</h1><script>var s = "originally published on 26 Sep 2019";</script>', "", None,
                 "2024-05-06", date(2024, 5, 6), id="originally-published-in-a-script-is-ignored"),
    pytest.param(_TWO_UNLABELLED, "", {"@type": "Article", "datePublished": "2025-01-16T00:00:27+00:00"}, None,
                 date(2025, 1, 16), id="two-unlabelled-header-dates-metadata-confirms-one"),
    pytest.param(_TWO_UNLABELLED, "", None, None, date(2025, 7, 15), id="two-unlabelled-header-dates-first-after-h1"),
    pytest.param(_PUBDATE_FAR_DOWN, "", {"@type": "Article", "datePublished": "2025-11-29"}, None,
                 date(2025, 8, 13), id="time-pubdate-when-nothing-near-the-headline"),
    # ---------------------------------------------------------------- no shown date: metadata, then the fallback
    pytest.param("<h1>Headline</h1><p>By Sam Lee</p>", "", ARTICLE_LD, "2020-01-01", date(2015, 4, 6),
                 id="json-ld-date-published-not-modified"),
    pytest.param("<h1>Headline</h1><p>By Sam Lee</p>", _META_TIMES, None, "2020-01-01", date(2024, 10, 5),
                 id="meta-published-time-not-modified"),
    pytest.param("<h1>Headline</h1><p>By Sam Lee</p>", "", None, "2024-05-06", date(2024, 5, 6),
                 id="no-evidence-uses-string-fallback"),
    pytest.param("<h1>Headline</h1>", "", None, datetime(2024, 5, 6, 12), date(2024, 5, 6),
                 id="no-evidence-uses-datetime-fallback"),
    pytest.param("<h1>Headline</h1>", "", None, None, None, id="no-evidence-no-fallback-is-none"),
    pytest.param("<h1>Headline</h1><p>On March 3, 2020, the council voted to close the old bridge.</p>",
                 "", None, "2024-05-06", date(2024, 5, 6), id="date-inside-a-sentence-is-not-a-dateline"),
    pytest.param("<h1>Headline</h1><p>The offer is valid November 26 – December 3, 2025.</p>",
                 "", None, "2024-05-06", date(2024, 5, 6), id="date-range-in-a-sentence-is-not-a-dateline"),
    pytest.param("<h1>Headline</h1><p>February 30, 2025</p>", "",
                 {"@type": "Article", "datePublished": "2024-02-30T10:00:00"}, "2023-07-01", date(2023, 7, 1),
                 id="impossible-day-shown-and-in-metadata"),
    pytest.param("<h1>Headline</h1><p>Published December 1, 2099</p>", "", None, "2023-07-01", date(2023, 7, 1),
                 id="future-shown-date-ignored"),
    pytest.param('<h1>Headline</h1><time datetime="2025-13-45">soon</time>', "", None, "2023-07-01",
                 date(2023, 7, 1), id="impossible-datetime-attribute-ignored"),
    pytest.param("<h1>Headline</h1>", "", {"@type": "Article", "datePublished": "2098-01-01"}, None, None,
                 id="future-metadata-date-ignored"),
])
def test_page_date(body, head, ld, fallback, expected):
    assert day(body, head=head, ld=ld, fallback=fallback) == expected


def test_no_page_uses_the_fallback():
    assert page_date(None, [], "2024-05-06") == datetime(2024, 5, 6)


def test_url_month():
    assert url_month("https://x.com/2015/07/spray.html") == (2015, 7)
    assert url_month("https://x.com/news/2025-12-17-storm") == (2025, 12)
    assert url_month("https://x.com/2025/11") == (2025, 11)
    assert url_month("https://x.com/best-laptops-2025/") is None and url_month(None) is None


def test_local_date_ignores_impossible_dates():
    assert local_date("1850-01-01") is None and local_date("not a date") is None


def test_parse_iso_utc_or_local_time():
    assert parse_iso("2025-12-18T21:00:00-05:00") == datetime(2025, 12, 19, 2, 0)
    assert parse_iso("2025-12-18T21:00:00-05:00", local=True) == datetime(2025, 12, 18, 21, 0)


def test_find_date_match_locates_the_date():
    m, d = find_date_match("Posted by Ann on Tuesday, August 29, 2023 · 5 min read")
    assert d == datetime(2023, 8, 29) and m.group(0) == "August 29, 2023"
    assert find_date_match("no date here") is None


def test_clean_uses_the_shown_date():
    from claimhouse.clean.document import clean
    from claimhouse.ingest.formats import detect

    html = ("<html><head><title>Storm floods the old town</title>"
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-10-05T09:30:00+00:00"}'
            "</script></head><body>"
            "<article><h1>Storm floods the old town</h1><p class='byline'>By Maria Rossi</p>"
            "<p class='date'>Updated October 7, 2024</p>"
            + "<p>Heavy rain flooded the streets of the old town on Saturday, forcing dozens of residents out.</p>" * 4
            + "</article></body></html>")
    doc = clean(detect(html.encode(), "page.html"), "page.html")
    assert doc.published_at.date() == date(2024, 10, 7)
