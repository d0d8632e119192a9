"""WARC files of generated article pages, for the WARC tests (tests/test_containers_e2e.py, test_scan_streaming.py)."""
from __future__ import annotations

import io
import random

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ARTICLE = ("<html><head><title>{title} | Example News</title></head><body><nav>Home | World | Sport</nav>"
           "<article><h1>{title}</h1><p>{p1}</p><p>{p2}</p></article><footer>Subscribe to our newsletter</footer>"
           "</body></html>")

WORDS = ("minister said talks would resume next week after the storm closed the port and about forty vessels "
         "waited offshore while the council approved a budget for road repairs according to the finance office").split()


def big_warc(path, gz: bool, pages: int, oversized_at: int, words: int = 1000, limit: int = 1024 * 1024) -> list[str]:
    """A WARC of many HTML responses of ``words`` words (one of them over ``limit`` bytes) and some images.

    Returns the URL of each document (HTML 2xx response), in order.
    """
    rng = random.Random(11)
    urls = []
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "claimhouse-tests"}))
        for i in range(pages):
            url = f"https://example.org/story/{i}"
            n_words = limit // 5 if i == oversized_at else words
            text = " ".join(f"{rng.choice(WORDS)} {rng.randrange(10**6)}" for _ in range(n_words))
            body = ARTICLE.format(title=f"Story {i}", p1=text, p2=f"Story number {i}.").encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
            urls.append(url)
            if i % 50 == 0:
                png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://example.org/{i}.png", "response",
                                                              payload=io.BytesIO(b"\x89PNG" + bytes(2000)),
                                                              http_headers=png))
    return urls
