"""pagedate.page_date(): the publication date a page shows its readers, on small hand-written pages."""
from __future__ import annotations

import json
from datetime import date, datetime

from trafilatura.utils import load_html

from claimhouse.pagedate import local_date, page_date
from claimhouse.textmeta import find_date_match, parse_iso


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


def test_displayed_updated_date_beats_older_metadata():
    body = ('<h1>Understanding Digital Marketing</h1><div class="byline"><a href="/a">Jane Doe</a></div>'
            '<div class="attribution-date">Updated September 28, 2025</div>')
    assert day(body, ld=ARTICLE_LD, fallback="2015-04-06") == date(2025, 9, 28)


def test_updated_label_in_the_text_before_the_date():
    body = ('<h1>We compiled the best agencies</h1><div><span>Last updated:</span>'
            '<span>Dec 12, 2025</span></div>')
    assert day(body, ld=ARTICLE_LD) == date(2025, 12, 12)


def test_labelled_published_date():
    body = '<h1>Headline</h1><p>By <a href="/x">Sam Lee</a></p><time class="x">Published: Jan 29, 2025</time>'
    assert day(body, fallback="2024-01-01") == date(2025, 1, 29)


def test_published_and_updated_shown_takes_published():
    body = ('<h1>Headline</h1><div class="meta"><time class="post-date">March 26, 2023</time>'
            '<p class="last-updated">Last updated on September 16th, 2023 at 09:27 am</p></div>')
    assert day(body) == date(2023, 3, 26)
    body = ('<h1>Headline</h1><p><span>Published: Nov 24, 2025</span> · <span>Updated: Dec 04, 2025</span></p>')
    assert day(body) == date(2025, 11, 24)
    # updated first, then the original date (no label)
    body = ('<span class="dateline">Updated: JANUARY 02, 2026</span><span class="dateline">DECEMBER 22, 2022</span>'
            '<h1>Headline</h1>')
    assert day(body) == date(2022, 12, 22)


def test_wordpress_time_elements():
    body = ('<h1 class="entry-title">Headline</h1><div class="entry-meta">Posted on '
            '<time class="entry-date published" datetime="2020-06-29T10:00:00+00:00">June 29, 2020</time>'
            '<time class="updated" datetime="2021-11-12T10:00:00+00:00">November 12, 2021</time></div>')
    assert day(body) == date(2020, 6, 29)


def test_date_above_the_headline_and_byline_separators():
    assert day('<div class="eyebrow">July 29, 2025</div><h1>Headline</h1>') == date(2025, 7, 29)
    body = '<h1>Headline</h1><p>Silverback Strategies <span>|</span> October 15, 2025</p>'
    assert day(body) == date(2025, 10, 15)
    body = '<h1>Headline</h1><span>Updated Dec 18, 2025 · 12 min read</span>'
    assert day(body, ld=ARTICLE_LD) == date(2025, 12, 18)


def test_time_element_without_a_date_in_its_text_uses_datetime():
    body = '<h1>Headline</h1><time datetime="2025-12-19T08:00:00+01:00">Yesterday</time>'
    assert day(body) == date(2025, 12, 19)


def test_no_visible_date_falls_back_to_json_ld_published_then_meta():
    body = "<h1>Headline</h1><p>By Sam Lee</p>"
    assert day(body, ld=ARTICLE_LD, fallback="2020-01-01") == date(2015, 4, 6)  # datePublished, not dateModified
    head = ('<meta property="article:published_time" content="2024-10-05T09:30:00+00:00">'
            '<meta property="article:modified_time" content="2025-01-01T09:30:00+00:00">')
    assert day(body, head=head, fallback="2020-01-01") == date(2024, 10, 5)


def test_no_evidence_uses_the_fallback():
    assert day("<h1>Headline</h1><p>By Sam Lee</p>", fallback="2024-05-06") == date(2024, 5, 6)
    assert day("<h1>Headline</h1>", fallback=datetime(2024, 5, 6, 12)) == date(2024, 5, 6)
    assert day("<h1>Headline</h1>") is None
    assert page_date(None, [], "2024-05-06") == datetime(2024, 5, 6)


def test_date_inside_a_sentence_is_not_a_dateline():
    body = "<h1>Headline</h1><p>On March 3, 2020, the council voted to close the old bridge.</p>"
    assert day(body, fallback="2024-05-06") == date(2024, 5, 6)
    body = "<h1>Headline</h1><p>The offer is valid November 26 – December 3, 2025.</p>"
    assert day(body, fallback="2024-05-06") == date(2024, 5, 6)


def test_impossible_dates_are_ignored():
    ld = {"@type": "Article", "datePublished": "2024-02-30T10:00:00"}
    assert day("<h1>Headline</h1><p>February 30, 2025</p>", ld=ld, fallback="2023-07-01") == date(2023, 7, 1)
    assert day("<h1>Headline</h1><p>Published December 1, 2099</p>", fallback="2023-07-01") == date(2023, 7, 1)
    assert day('<h1>Headline</h1><time datetime="2025-13-45">soon</time>', fallback="2023-07-01") == date(2023, 7, 1)
    assert day("<h1>Headline</h1>", ld={"@type": "Article", "datePublished": "2098-01-01"}) is None
    assert local_date("1850-01-01") is None and local_date("not a date") is None


def test_local_day_is_kept():
    ld = {"@type": "Article", "datePublished": "2025-12-18T21:00:00-05:00"}
    assert day("<h1>Headline</h1>", ld=ld) == date(2025, 12, 18)  # 19 December in UTC
    assert parse_iso("2025-12-18T21:00:00-05:00") == datetime(2025, 12, 19, 2, 0)
    assert parse_iso("2025-12-18T21:00:00-05:00", local=True) == datetime(2025, 12, 18, 21, 0)


def test_ambiguous_numeric_date_takes_the_reading_the_metadata_confirms():
    body = '<h1>Headline</h1><p class="post-date">09.10.2024</p>'
    assert day(body) == date(2024, 10, 9)  # day first
    ld = {"@type": "Article", "datePublished": "2024-09-10T16:07:00Z"}
    assert day(body, ld=ld) == date(2024, 9, 10)


def test_date_marked_only_as_modified_gives_way_to_published_metadata():
    body = '<h1>Headline</h1><time class="entry-date updated">February 16, 2026</time>'
    head = '<meta property="article:published_time" content="2025-05-14T19:30:03-07:00">'
    assert day(body, head=head) == date(2025, 5, 14)
    assert day(body) == date(2026, 2, 16)  # nothing else: the shown date


def test_time_pubdate_when_nothing_near_the_headline():
    body = ('<h1>Headline</h1>' + "<p>Paragraph of body text that goes on.</p>" * 25
            + '<div>Published <time pubdate datetime="2025-08-13">August 13, 2025</time></div>')
    ld = {"@type": "Article", "datePublished": "2025-11-29"}
    assert day(body, ld=ld) == date(2025, 8, 13)


def test_find_date_match_locates_the_date():
    m, d = find_date_match("Posted by Ann on Tuesday, August 29, 2023 · 5 min read")
    assert d == datetime(2023, 8, 29) and m.group(0) == "August 29, 2023"
    assert find_date_match("no date here") is None


def test_clean_uses_the_shown_date():
    from claimhouse.clean import clean
    from claimhouse.ingest import detect

    html = ("<html><head><title>Storm floods the old town</title>"
            "<meta property='article:published_time' content='2024-10-05T09:30:00+00:00'></head><body>"
            "<article><h1>Storm floods the old town</h1><p class='byline'>By Maria Rossi</p>"
            "<p class='date'>Updated October 7, 2024</p>"
            + "<p>Heavy rain flooded the streets of the old town on Saturday, forcing dozens of residents out.</p>" * 4
            + "</article></body></html>")
    doc = clean(detect(html.encode(), "page.html"), "page.html")
    assert doc.published_at.date() == date(2024, 10, 7)
