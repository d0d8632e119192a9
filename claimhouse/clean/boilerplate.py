"""Line-based boilerplate removal and metadata for scraped plain text.

The input is text copied from a web page: site header lines, toolbars, sponsor
banners, share counters, photo credits, "Read more" links, then the article.
``clean_text_lines`` splits it into a header zone (before the first line that
reads like article prose), a body and a trailing zone, drops chrome with general
patterns, and reads the title, date, byline and outlet names from the header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from claimhouse.clean.textmeta import date_line, find_date, squash

# ------------------------------------------------------------------ patterns
_SENT_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$|[\"”’»]$")
_WORD = re.compile(r"\w+", re.U)

_DROP_PATTERNS = [
    # subscription / newsletter / follow prompts
    re.compile(r"^\W*(?:subscribe|sign up|signup|join us|join our|follow us|get our|get the latest|"
               r"newsletter|register now|log ?in|sign in|download (?:our|the) app)\b", re.I),
    re.compile(r"\b(?:subscribe to|sign up for|follow us on|our newsletter)\b", re.I),
    # comments
    re.compile(r"^(?:loading comments|leave a (?:comment|reply)|post a comment|show comments|view comments|"
               r"comments?\s*(?:\(\d+\))?$|\d+\s+comments?$|no comments)"
               # a script's placeholder ('Loading prices for your region…', 'Loading...')
               r"|^\W*loading\b[^.!?]{0,50}(?:…|\.{3})\s*$", re.I),
    # advertising / sponsor banners
    re.compile(r"^(?:sponsor(?:ed)?(?: content| post)?|advertisement|advertising|promoted|paid (?:content|post)|"
               r"ad|ads|partner content)\s*(?:[:|\-–]|$)", re.I),
    re.compile(r"^sponsored by\b", re.I),
    # link lines
    re.compile(r"^(?:read more|read also|also read|see also|related(?: articles?| stories| posts| news| coverage)?|"
               r"more from|more on this|you may also like|you might also like|recommended(?: for you)?|"
               r"more stories|further reading|trending|watch|listen|most read|popular)\b\s*(?:[:|»>\-–—]|$)", re.I),
    re.compile(r"^(?:read more|continue reading|click here|read the full (?:story|article))\W*$", re.I),
    # share / social
    re.compile(r"^(?:share(?: this)?(?: article| story| post)?|tweet|print|email|e-mail|facebook|twitter|x|"
               r"linkedin|whatsapp|telegram|reddit|pinterest|copy link|copy url)\W*$", re.I),
    re.compile(r"^(?:share|shares|likes?|views?|reads?)\s*[:\-]?\s*\d[\d,.]*[km]?$", re.I),
    # counts, numbers, separators
    re.compile(r"^[\d\s.,:|/+%#()kKmM-]*$"),
    re.compile(r"^\W*$"),
    # relative timestamps
    re.compile(r"^(?:about\s+|updated\s+|posted\s+)?(?:\d+|an?|one|a few)\s+(?:sec(?:ond)?|min(?:ute)?|h(?:ou)?r|day|"
               r"week|month|year)s?\s+ago\W*$", re.I),
    re.compile(r"^(?:just now|yesterday|today|moments ago)\W*$", re.I),
    # copyright / rights lines
    re.compile(r"^(?:©|\(c\)|copyright\b|all rights reserved)", re.I),
    # tags / categories lines
    re.compile(r"^(?:tags?|topics?|categories|category|filed under|keywords)\s*:", re.I),
]
# photo / image credit lines (whole line short): "Photo: X", "… Source: ERR", "Image credit: X"
_CREDIT = re.compile(
    r"(?:^|[.,;|]\s*)\(?(?:photo(?:graph)?s?|images?|pictures?|pic|credit|source|foto|illustration|video|"
    r"photo credit|image credit|image source|getty images|reuters|ap photo)\s*(?:credit)?\s*(?::|by\b|©)\s*[^.!?]{1,80}\.?\)?$",
    re.I)
_CREDIT_WORDS = re.compile(r"\b(?:photo|image|picture|credit|source|foto|illustration)s?\b", re.I)
# navigation words that are never article content when alone on a line
_NAV_WORDS = {
    "back", "topic", "topics", "home", "menu", "next", "previous", "prev", "top", "search", "close", "more",
    "news", "login", "logout", "register", "skip", "skip to content", "skip to main content", "go back",
    "back to top", "main menu", "navigation", "toggle navigation", "open menu", "close menu", "newer", "older",
    "next article", "previous article", "next post", "previous post", "related", "advertisement", "share",
    "follow", "like", "reply", "load more", "show more", "see more", "view all", "all", "latest", "trending",
    # the label of a table of contents (its entries are the article's own headings)
    "table of contents", "table of contents show", "table of contents hide", "contents", "contents show",
    "contents hide", "on this page", "in this article", "quick links",
}
_BYLINE = re.compile(r"^(?:by|written by|author|authors|text|reporting by|words by)\s*[:\-]?\s+(.{3,80})$", re.I)
_NAME_WORD = r"(?:[A-Z][a-zA-Z'’\-]+|[A-Z]\.)"
_NAME = re.compile(rf"^{_NAME_WORD}(?:\s+(?:de|van|von|der|da|di|le|la|bin|al|del)?\s*{_NAME_WORD}){{1,3}}$")
_OUTLET_WORDS = re.compile(
    r"\b(?:news|press|times|post|media|agency|tv|radio|journal|daily|herald|tribune|gazette|review|network|"
    r"channel|today|online|report|weekly|magazine|insider|observer|telegraph|guardian|chronicle|monitor|wire|"
    r"world|reuters|bbc|cnn|err|nbc|abc|cbs|fox|npr|ap|afp|dpa|tass|ria|pravda|kyiv|independent|express|"
    r"mail|star|sun|standard|dispatch|bulletin|courier|examiner|inquirer|record|register|sentinel|"
    r"voice|info|live|hub|digest|wire|newsroom|pressroom)\b", re.I)
_META_HEADER = re.compile(
    r"^\s*(?:(?P<key>date|published(?:\s+(?:at|on))?|posted(?:\s+on)?|by)\s*[:=]?\s+"
    r"|(?P<key2>title|author|url|link|source|outlet)\s*[:=]\s*)(?P<rest>.*)$", re.I)
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


@dataclass
class TextMeta:
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    outlet: str | None = None
    original_outlet: str | None = None
    url: str | None = None


# The comment-form footer of blog engines, shown as text (the page escapes it): WordPress "You may use these
# HTML tags and attributes: <a href="" title=""> <abbr title=""> ...", older themes' "XHTML: You can use these
# tags: ...", Drupal's "Allowed HTML tags: <a> <em> <strong> ...". The line is the intro and the tag list and
# nothing else (an article's "You can use these tags to ..." stays), or the tag list alone on its line when
# the extractor split it off (at least three tags, one with an empty attribute, as no prose or code has).
_FOOTER_TAG = r"<[a-z][a-z0-9]*(?:\s+[a-z-]+(?:=(?:\"\"|''|\"[^\"<>]*\"))?)*\s*/?>"
_ALLOWED_TAGS = re.compile(
    r"^(?:(?:x?html\s*:\s*)?you (?:may|can) use (?:these|the following) (?:x?html )?tags(?: and attributes)?"
    r"|allowed html tags)\s*:?(?:\s*" + _FOOTER_TAG + r")*\s*\.?$"
    r"|^(?=[^\n]*=(?:\"\"|''))(?:\s*" + _FOOTER_TAG + r"){3,}\s*$", re.I)


def is_comment_form_footer(line: str) -> bool:
    """The "You may use these HTML tags and attributes" footer of a comment form (or its tag list)."""
    return bool(_ALLOWED_TAGS.match(line.strip()))


def _norm(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").replace("\u200b", "").split())


def _nwords(line: str) -> int:
    return len(_WORD.findall(line))


def is_prose(line: str) -> bool:
    """A line that reads like article prose: a sentence of some length."""
    n = _nwords(line)
    return n >= 25 or (n >= 8 and bool(_SENT_END.search(line)))


def is_chrome(line: str) -> bool:
    """A line matching one of the general chrome patterns (anywhere in the text)."""
    low = line.lower().strip(" .:!|»>")
    if low in _NAV_WORDS:
        return True
    n = _nwords(line)
    if n <= 12 and (_DROP_PATTERNS[0].search(line) or _DROP_PATTERNS[1].search(line)):
        return True
    if any(_DROP_PATTERNS[i].search(line) for i in _STRONG):
        return True
    if n >= 15 and is_prose(line):
        return False  # weak patterns never remove a real sentence
    if any(_DROP_PATTERNS[i].search(line) for i in _WEAK):
        return True
    return is_credit(line) or is_toolbar(line)


_STRONG = (2, 3, 4, 5, 6)
_WEAK = tuple(range(7, len(_DROP_PATTERNS)))


_LINK_LABEL = re.compile(r"^(?:read more|read also|also read|see also|related)\s*:", re.I)


def is_link_chrome(line: str) -> bool:
    """A conservative subset for extractor output: nav words, comment/sponsor/'Read more' lines."""
    if _LINK_LABEL.match(line):
        return True
    if _nwords(line) > 14:
        return False
    if line.lower().strip(" .:!|»>") in _NAV_WORDS:
        return True
    return any(_DROP_PATTERNS[i].search(line) for i in _STRONG)


def is_credit(line: str) -> bool:
    if _nwords(line) > 18:
        return False
    return bool(_CREDIT.search(line))


def is_toolbar(line: str) -> bool:
    """'Jun 1, 2025 | 0 | Remer,MN': short pieces separated by '|' or '·', no prose."""
    pieces = [p.strip() for p in re.split(r"[|·•]", line)]
    if len(pieces) < 2:
        return False
    return all(_nwords(p) <= 5 for p in pieces) and not is_prose(line)


def _looks_like_name(line: str) -> bool:
    return bool(_NAME.match(line)) and not _OUTLET_WORDS.search(line) and _nwords(line) <= 4


def _looks_like_outlet(line: str, others: list[str]) -> bool:
    if _nwords(line) > 6 or _SENT_END.search(line) or any(ch.isdigit() for ch in line):
        return False
    if _OUTLET_WORDS.search(line):
        return True
    sq = squash(line)  # 'Euromaidanpress' next to 'Euromaidan Press'
    return any(o != line and squash(o) == sq for o in others)


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines (fixed-width text) inside blank-line separated blocks."""
    nonempty = [ln for ln in lines if ln.strip()]
    if len(nonempty) < 6:
        return lines
    lengths = [len(ln.rstrip()) for ln in nonempty]
    width = max(lengths)
    if width > 100 or sum(1 for n in lengths if n >= width * 0.6) < len(lengths) * 0.6:
        return lines
    out, buf = [], []
    for ln in lines:
        if not ln.strip():
            if buf:
                out.append(" ".join(buf))
                buf = []
            out.append("")
        else:
            buf.append(ln.strip())
            if len(ln.rstrip()) < width * 0.6:  # a short line ends its paragraph
                out.append(" ".join(buf))
                buf = []
    if buf:
        out.append(" ".join(buf))
    return out


def clean_text_lines(content: str) -> tuple[list[str], TextMeta]:
    """Article paragraphs (one per line) and metadata from a scraped text page."""
    meta = TextMeta()
    raw = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    raw = _unwrap(raw)
    lines = [_norm(ln) for ln in raw]
    lines = [ln for ln in lines if ln]

    # 1. leading "key value" metadata headers ("date 2025-03-09 <first paragraph>", "Title: ...")
    for i in range(min(5, len(lines))):
        m = _META_HEADER.match(lines[i])
        if not m:
            break
        key, rest = (m.group("key") or m.group("key2")).lower(), m.group("rest")
        if key.startswith(("date", "published", "posted")):
            d = find_date(rest[:40])
            dm = None
            for pat in (r"^\S+(?:\s+\d\d?:\d\d(?::\d\d)?)?", r"^(?:\S+\s+){2}\S+"):
                mm = re.match(pat, rest)
                if mm and date_line(mm.group(0)):
                    dm = mm
                    break
            if d is None or dm is None:
                break
            meta.published_at = date_line(dm.group(0))
            lines[i] = rest[dm.end():].strip()
        elif key == "title":
            meta.title, lines[i] = rest.strip(), ""
        elif key in ("author", "by"):
            if _nwords(rest) > 8:
                break
            meta.author, lines[i] = rest.strip(), ""
            if meta.published_at is None:
                meta.published_at = find_date(rest)
        elif key in ("url", "link") and _URL.match(rest.strip()):
            meta.url, lines[i] = rest.strip(), ""
        elif key in ("source", "outlet") and _nwords(rest) <= 6:
            meta.original_outlet, lines[i] = rest.strip(), ""
        else:
            break
    lines = [ln for ln in lines if ln]
    if not lines:
        return [], meta

    # 2. zones: header = before the first prose line, trailer = after the last one
    prose = [i for i, ln in enumerate(lines) if is_prose(ln) and not is_chrome(ln)]
    if not prose:
        body_start, body_end = 0, len(lines)
    else:
        body_start, body_end = prose[0], prose[-1] + 1
    header = lines[:body_start]
    body = lines[body_start:body_end]

    # 3. header: title, date, byline, outlet names; everything else in it is chrome
    counts: dict[str, int] = {}
    for ln in lines:
        counts[ln] = counts.get(ln, 0) + 1
    hdr_dates = []  # (index, datetime, standalone?)
    for i, ln in enumerate(header):
        d = date_line(ln)
        if d:
            hdr_dates.append((i, d, "|" not in ln))
        elif is_toolbar(ln) or _nwords(ln) <= 8:
            d = find_date(ln)
            if d:
                hdr_dates.append((i, d, False))
    date_idx = None
    if hdr_dates and meta.published_at is None:
        standalone = [x for x in hdr_dates if x[2]]
        pick = standalone[-1] if standalone else hdr_dates[0]
        date_idx, meta.published_at = pick[0], pick[1]
    elif hdr_dates:
        date_idx = hdr_dates[-1][0]

    candidates = [(i, ln) for i, ln in enumerate(header)
                  if not is_chrome(ln) and not date_line(ln) and not is_toolbar(ln)]
    # byline
    for _, ln in candidates:
        m = _BYLINE.match(ln)
        if m and _nwords(m.group(1)) <= 8:
            meta.author = meta.author or m.group(1).strip()
    if meta.author is None and date_idx is not None:
        for j in (date_idx + 1, date_idx - 1, date_idx + 2):
            if 0 <= j < len(header) and _looks_like_name(header[j]):
                meta.author = header[j]
                break
    # outlet names: a site-name line at the very top, a source name near the byline
    names = [ln for i, ln in candidates]
    outlets = [ln for ln in names if _looks_like_outlet(ln, names) and ln != meta.author]
    if outlets:
        first_line = lines[0]
        if outlets[0] == first_line and (first_line.isupper() or len(outlets) > 1):
            meta.outlet = first_line
            rest = [o for o in outlets[1:] if squash(o) != squash(first_line)]
        else:
            rest = outlets
        if rest:
            # of 'Euromaidanpress' / 'Euromaidan Press' prefer the spaced form
            best = max(rest, key=lambda o: (o.count(" "), len(o)))
            if meta.outlet is None:
                meta.outlet = best
            elif squash(best) != squash(meta.outlet):
                meta.original_outlet = meta.original_outlet or best
    # title: a repeated headline, else the longest non-sentence header line
    if meta.title is None:
        taken = {meta.author, meta.outlet, meta.original_outlet}
        titled = [ln for i, ln in candidates if ln not in taken and not _looks_like_outlet(ln, names)
                  and 3 <= _nwords(ln) <= 40 and not ln.endswith(".")]
        repeated = [ln for ln in titled if counts[ln] > 1]
        if repeated:
            meta.title = repeated[0]
        elif titled:
            meta.title = max(titled, key=_nwords)
        elif candidates and 3 <= _nwords(candidates[0][1]) <= 20 and candidates[0][0] == 0 \
                and candidates[0][1] not in taken:
            meta.title = candidates[0][1]  # a first-line headline that ends with a full stop
        elif body and counts.get(body[0], 0) > 1 and _nwords(body[0]) <= 40:
            meta.title = body[0]

    # 4. body: drop chrome lines, captions repeated with their credit, the repeated title
    out: list[str] = []
    tnorm = squash(meta.title) if meta.title else None
    for k, ln in enumerate(body):
        if tnorm and squash(ln) == tnorm:
            continue
        if is_chrome(ln):
            continue
        nxt = body[k + 1] if k + 1 < len(body) else ""
        if nxt and nxt != ln and nxt.startswith(ln) and is_credit(nxt):
            continue  # caption followed by "caption. Photo: credit"
        if out and out[-1] == ln:
            continue  # a line repeated on consecutive lines
        if not is_prose(ln) and _CREDIT_WORDS.search(ln) and _nwords(ln) <= 12 and (
                "©" in ln or re.search(r"\b(?:photo|image|source)\s*:", ln, re.I)):
            continue
        out.append(ln)
    # a short caption line followed by the same text inside the next line ("X." / "X. Photo: Y")
    return out, meta
