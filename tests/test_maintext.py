"""Main-text recovery: blocks trafilatura dropped inside the article come back, chrome does not."""
from trafilatura.utils import load_html

from claimhouse.clean.document import _drop_repeats
from claimhouse.clean.maintext import page_blocks, recover

P1 = "Officials in Kyiv said the incursion into Kursk was meant to draw Russian reserves away from Donetsk."
P2 = "Analysts at the Institute for the Study of War wrote that the operation had stalled by late autumn."
P3 = "Russian commanders moved several brigades north, according to the Ukrainian General Staff."
P4 = "Western officials described the captured territory as a possible bargaining chip in future talks."


def page(article: str, outside: str = "") -> str:
    return f"""<html><head><title>Kursk</title></head><body>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
    <main><article><div class="entry-content">{article}</div></article></main>
    {outside}
    <footer><p>Copyright 2025 Example News. All rights reserved by the publisher.</p></footer>
    </body></html>"""


def test_dropped_heading_and_list_items_come_back_in_place():
    html = page(f"<p>{P1}</p><h2>What the General Staff reported</h2><p>{P2}</p>"
                f"<ul><li>Sudzha remained under Ukrainian control</li><li>Two bridges on the Seym were destroyed</li></ul>"
                f"<p>{P3}</p><p>{P4}</p>")
    out = recover(load_html(html), [P1, P2, P3, P4])
    assert out == [P1, "What the General Staff reported", P2, "- Sudzha remained under Ukrainian control",
                   "- Two bridges on the Seym were destroyed", P3, P4]


def test_chrome_inside_the_article_is_not_added():
    html = page(f"<p>{P1}</p><div class='newsletter-signup'><p>Get our morning briefing in your inbox every day</p></div>"
                f"<p>{P2}</p><ul class='x'><li><a href='/a'>Read more about the war in Ukraine here</a></li></ul>"
                f"<p>{P3}</p><figure><img src='a.jpg'><figcaption>A destroyed bridge near Glushkovo</figcaption></figure>"
                f"<p>{P4}</p>")
    out = recover(load_html(html), [P1, P2, P3, P4])
    assert out == [P1, P2, P3, P4]


def test_strong_chrome_is_removed_even_when_kept_by_trafilatura():
    disclaimer = "This article is for information only and does not constitute advice of any kind."
    html = page(f"<p>{P1}</p><p>{P2}</p><p>{P3}</p><p class='article-disclaimer'>{disclaimer}</p><p>{P4}</p>")
    out = recover(load_html(html), [P1, P2, P3, disclaimer, P4])
    assert disclaimer not in out
    assert out == [P1, P2, P3, P4]


def test_lines_outside_the_article_container_are_dropped():
    promo = "Subscribers get unlimited access to our reporting."
    body = [P1, P2, P3, P4, P1.replace("Kyiv", "Kharkiv"), P2.replace("late autumn", "early winter")]
    html = page("".join(f"<p>{p}</p>" for p in body), outside=f"<div class='rail'><p>{promo}</p></div>")
    out = recover(load_html(html), body + [promo])
    assert out == body


def test_too_little_anchored_text_leaves_lines_alone():
    html = page("<p>Short note.</p><h2>Heading</h2>")
    assert recover(load_html(html), ["Short note."]) == ["Short note."]
    assert recover(load_html(html), []) == []


def test_page_blocks_split_at_block_elements_and_br_and_count_link_text():
    blocks = page_blocks(load_html("<html><body><div>One <b>two</b><br>three <a href='#'>four five</a>"
                                   "<p>six</p></div><script>var x = 1;</script></body></html>"))
    assert [b.text for b in blocks] == ["One two", "three four five", "six"]
    assert blocks[1].link_chars == len("four five")


def test_repeated_long_paragraphs_are_kept_once_short_lines_may_recur():
    cta = "Download our free guide to pricing your classes and start earning more this month."
    lines = ["Pros", "Fast", cta, "Cons", "Pros", cta.upper()]
    assert _drop_repeats(lines) == ["Pros", "Fast", cta, "Cons", "Pros"]
