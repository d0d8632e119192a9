"""The author (byline) of an HTML page.

Two steps, because trafilatura prunes the tree it extracts from:

* ``author_clues(tree, ld_objects, titles)``, on the freshly parsed page, collects what the page
  says about its author: the visible byline ('By Jane Doe' starting a line near the <h1>), a
  'Written by' / 'Authors:' label, marked-up authors (itemprop, rel=author, author-page links,
  class="author-name"/"byline" elements), an author photo next to the name, the page's author
  metadata (<meta name=author> & co., JSON-LD ``author``) and, for a personal site, the owner
  ('Polly Barks' on pollybarks.com);
* ``pick_author(clues, extracted, names, content)``, after extraction, picks one author string
  (names comma separated, 'A and B' when the page writes it so).

Order of trust:

1. a visible 'By X' line at the head of the article (between the <h1> and the running text; not
   a teaser of another article), unless it is a user handle ('TurboTaxLisa') or a part of the
   metadata's name ('Jacob' / 'Jacob Trussell');
2. the metadata: trafilatura's author, in the page's own <meta>/JSON-LD spelling when that says
   more ('Center for Drug Evaluation and Research', not 'Center; Research'), a person's name
   before the site's; dropped when it is no name ('August', 'Written By', 'page.head.extra.author');
   a visible clue for the same person that says more wins ('Paramita (Guha) Ghosh'); a visible
   person wins over metadata that names the site, an organisation or a handle, and over a name
   trafilatura guessed from the page body (a commenter) rather than read from the metadata;
3. the other visible clues, in this order: a 'Written by' / 'Authors:' / 'By' line elsewhere,
   marked-up authors (itemprop, rel=author, author-page links), class="author-name"/"byline"
   elements, a portrait whose alt text is the name written beside it;
4. the site owner, for a personal site.

Names keep the page's 'and' and credentials ('Jane Doe, MD'); roles ('Staff Writer'), dates,
labels and what follows them are dropped.

No Dagster, no DuckDB: plain functions over an lxml tree, bounded XPath queries.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field

from lxml import etree

from claimhouse.clean.textmeta import TITLE_SEP, find_date_match, squash

_HAS_WORD = re.compile(r"\w{2,}", re.U)
_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "section",
    "article", "header", "footer", "table", "tr", "td", "th", "dl", "dt", "dd", "figcaption", "address", "aside",
    "hr", "main", "details", "summary", "center",
}

_AUTHOR_NAME = re.compile(r"^[A-Z][\w'’\-.]+(?:\s+(?:[A-Z][\w'’\-.]+|de|van|von|der|da|di|and|&)){1,4}$")
_AUTHOR_LABEL = re.compile(
    r"^(?:this (?:post|article) was written by|written by|posted by|reviewed by|author|by)\b\s*:?\s*", re.I)
# a byline part ends before these words ("Jane Doe Last Updated August 1", "Luke Kim December")
_AUTHOR_CUT = {
    "updated", "last", "published", "posted", "head", "reviewed", "january", "february", "march", "july",
    "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec",
}
_AUTHOR_MONTH_NAMES = {"may", "april", "june", "august"}  # also first names: cut only before a number
_AUTHOR_REJECT = {"the author", "page head extra author", "human", "admin", "author", "staff writer", "written by",
                  "posted by", "by", "authors", "unknown", "guest", "editor", "administrator"}
_META_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator")

# words that are not (part of) a person's name in a byline
_NOT_NAME = {
    "read", "more", "min", "mins", "minute", "minutes", "share", "follow", "view", "views", "profile", "comments",
    "comment", "reply", "home", "menu", "search", "subscribe", "login", "log", "sign", "contact", "about", "learn",
    "posts", "articles", "article", "latest", "related", "privacy", "policy", "terms", "cookie", "cookies",
    "advertisement", "sponsored", "tags", "tag", "category", "categories", "print", "email", "facebook", "twitter",
    "linkedin", "instagram", "youtube", "updated", "published", "posted", "written", "reviewed", "edited", "author",
    "authors", "bio", "biography", "website", "blog", "ago", "today", "yesterday", "share:", "listen", "audio",
    "photo", "photos", "image", "video", "download", "pdf", "next", "previous", "back", "top", "skip", "content",
    "main", "navigation", "toggle", "close", "open", "click", "here", "january", "february", "march",
    "july", "september", "october", "november", "december", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "free", "shop", "cart", "account", "find", "jobs", "job", "page",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}
# a part after the name that is the writer's role, not another name ('Jane Doe, Staff Writer')
_ROLE_WORDS = {
    "editor", "editors", "editorial", "writer", "reporter", "correspondent", "columnist", "contributor",
    "contributing", "staff", "expert", "director", "manager", "founder", "co-founder", "cofounder", "ceo", "cto",
    "president", "journalist", "grader", "specialist", "analyst", "officer", "producer", "photographer", "intern",
    "senior", "sr", "sr.", "associate", "assistant", "chief", "head", "lead", "coordinator", "strategist",
    "consultant", "professor", "dietitian", "nutritionist", "therapist", "physician", "attorney", "lawyer",
    "partner", "engineer", "developer", "designer", "marketing", "fellow", "researcher", "scientist",
    "executive", "vp", "owner", "representative", "candidate", "member", "student", "teacher", "instructor",
    "coach", "trainer", "advisor", "adviser", "planner", "agent", "broker", "investor", "specialists", "team",
    "university", "college", "institute", "school", "department", "center", "centre", "hospital", "clinic",
}
_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "del", "della", "dos", "das",
              "bin", "al", "el", "ter", "ten", "y", "e", "st", "st."}
# the names of organisations, not people
_ORG_WORDS = {
    "inc", "inc.", "llc", "ltd", "ltd.", "corp", "gmbh", "news", "magazine", "media", "press", "group", "staff",
    "team", "editors", "editorial", "desk", "newsroom", "foundation", "association", "society", "institute",
    "university", "clinic", "hospital", "company", "agency", "network", "official", "blog", "today", "times",
    "post", "daily", "journal", "review", "digital", "health", "online", "services", "solutions", "marketing",
    "wire", "reuters", "ap", "afp", "admin", "hotels", "hotel", "store", "shop", "global", "international",
    "intl", "int", "co", "labs", "studio", "studios", "partners", "consulting", "capital", "bank", "insurance",
    "brands", "collective", "club", "channel", "podcast", "magazines", "publishing", "publications", "llp", "pllc",
    "plc", "corporation", "enterprises", "industries", "systems", "technologies", "software", "ai",
}
# what is written before a byline's name
_LABEL = re.compile(
    r"^(?:(?:(?:this\s+(?:post|article|story)\s+(?:was\s+)?)?(?:written|posted|published|article|words|story|text|"
    r"reported|compiled|created|curated)\s+by)|by|authors?|author\(s\)|contributors?|writers?)(?:\s*:\s*|\s+|$)",
    re.I)
_LABELLED_START = ("written by", "article by", "words by", "story by", "text by", "authors:", "author:",
                   "author(s)", "contributors:", "contributor:", "this post was written by",
                   "this article was written by", "by ", "by:", "by\u00a0")
_BY_START = ("by ", "by:", "written by", "posted by", "words by", "story by", "article by", "text by",
             "authors:", "author:", "author(s)", "contributors:", "contributor:")


def inline_text(el, lines: bool = False, mark=None) -> str:
    r"""Text of an element with <br> and block children read as spaces (scripts and comments skipped);
    with ``lines``, as line breaks ('\n' between the visual lines); ``mark`` (an element and whether
    its tail is meant) puts '\x00' before that text."""
    parts: list[str] = []
    brk = "\x01" if lines else " "

    def walk(e):
        tag = e.tag if isinstance(e.tag, str) else None
        if tag is not None and tag not in ("script", "style", "noscript", "template"):
            if tag == "br" or tag in _BLOCK_TAGS:
                parts.append(brk)
            if e.text:
                if mark is not None and mark[0] is e and not mark[1]:
                    parts.append("\x00")
                parts.append(e.text)
            for c in e:
                walk(c)
            if tag in _BLOCK_TAGS:
                parts.append(brk)
        if e.tail and e is not el:
            if mark is not None and mark[0] is e and mark[1]:
                parts.append("\x00")
            parts.append(e.tail)

    walk(el)
    if lines:
        return "\n".join(x for x in (" ".join(ln.split()) for ln in "".join(parts).split("\x01")) if x)
    return " ".join("".join(parts).split())


def _line_with(block, owner, is_tail: bool) -> tuple[str, int] | None:
    """The visual line of ``block`` holding the text (``is_tail``: the tail) of ``owner`` (from the
    line's start to 200 characters after that text) and where that text starts in it."""
    for ln in inline_text(block, lines=True, mark=(owner, is_tail)).split("\n"):
        pos = ln.find("\x00")
        if pos >= 0:
            ln = ln.replace("\x00", "")
            return ln[:pos + 200], pos
    return None


def _holds_headline(el) -> bool:
    """Whether a <nav>/<footer>/<aside> holds the page's <h1>: then it is no chrome but a tag the page left
    open, which the parser stretched over the article (legalzoom.com's menu <nav>)."""
    return next(el.iter("h1"), None) is not None


def _outside_chrome(el, tags=("nav", "footer", "aside")) -> bool:
    """Not inside navigation / a footer / an aside / a comment (walking up the tree, no XPath). A chrome
    element that holds the page's <h1> does not count (``_holds_headline``)."""
    while el is not None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style") or tag in tags and not _holds_headline(el):
            return False
        cls = el.get("class")
        if cls and "comment" in cls.lower():
            return False
        el = el.getparent()
    return True


_LEADING_JUNK = {"read", "more", "about", "view", "see", "meet", "visit", "all", "posts", "articles", "profile", "by"}
_GLUED_LABEL = re.compile(r"(?<=[a-z])(?=(?:Published|Updated|Posted|Last|Reviewed|In|On|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
                          r"Sep|Sept|Oct|Nov|Dec|January|February|March|April|May|June|July|August|September|"
                          r"October|November|December)(?![a-z]))")


def _good_author(name: str | None) -> str | None:
    """Byline names, comma separated; dates, labels and other non-names removed."""
    if not name:
        return None
    keep = []
    name = _GLUED_LABEL.sub(" ", name)  # 'Korin MillerPublished', 'Kathryn GiuffridaMar 3'
    for part in re.split(r"\s*;\s*", name):
        part = _AUTHOR_LABEL.sub("", re.split(r"\s[•·|]\s?", part.strip())[0]).strip()
        words = part.split()
        while len(words) > 1 and words[0].lower().strip(":") in _LEADING_JUNK:
            words = words[1:]  # 'Read more about The Upwork Team'
        if len(words) > 1 and words[0].lower() in ("recipe", "review", "interview", "photos", "words", "story") \
                and words[1].lower() == "by":
            words = words[2:]  # 'Recipe by PJ Hamel'
        if len(words) > 2 and re.fullmatch(r"[A-Z]{2,3}", words[0]) \
                and words[0] == "".join(w[:1] for w in words[1:1 + len(words[0])]):
            words = words[1:]  # 'CM Craig McCarthy': an avatar's initials

        for i, w in enumerate(words):
            lw = w.lower().strip(".,:")
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if lw in _AUTHOR_CUT or (lw.isdigit() and i > 0) or (lw in _AUTHOR_MONTH_NAMES and nxt[:1].isdigit()):
                words = words[:i]
                break
        part = " ".join(words).strip(" ,-–—")
        low = part.lower()
        if not part or low in _AUTHOR_REJECT or "©" in part or "privacy" in low or "policy" in low:
            continue
        if part not in keep:
            keep.append(part)
    return ", ".join(keep) or None


# ------------------------------------------------------------------ name shapes
def _words(s: str | None) -> list[str]:
    return re.findall(r"\w+", (s or "").lower())


def _is_credential(w: str) -> bool:
    """'MD', 'Ph.D.', 'CFP', 'E-RYT', 'RD': letters after a name."""
    dotted = w.strip(",;()")
    letters = re.sub(r"[.\-]", "", dotted)
    return 1 < len(letters) <= 6 and letters.isalpha() and (letters.isupper()
                                                             or bool(re.fullmatch(r"(?:[A-Z][a-z]?\.)+", dotted)))


def _name_like(part: str, loose: bool = False) -> bool:
    """A person's (or a byline's) name: capitalised words ('Jane van Doe', 'K. Arni', "O'Riordan");
    ``loose`` (the text follows an explicit 'By' label) also accepts one word and lower case ('ibby')."""
    words = part.split()
    if not words or len(words) > 6 or len(part) > 60:
        return False
    low = part.lower()
    if low in _AUTHOR_REJECT or any(c.isdigit() for c in part) or "@" in part or "http" in low:
        return False
    caps = 0
    for w in words:
        core = w.strip(".,;:()'’\"")
        if not core:
            continue
        lw = core.lower()
        if lw in _NOT_NAME:
            return False
        if core[0].isupper():
            caps += 1
        elif lw not in _PARTICLES and lw != "and" and not loose:
            return False
    if loose:
        return len(part) >= 3 and (caps > 0 or len(words) <= 3)
    return caps >= 1 and len(words) >= 2


def _is_role(part: str) -> bool:
    ws = [w.strip(".,;:()").lower() for w in part.split()]
    return any(w in _ROLE_WORDS for w in ws)


def _looks_org(name: str) -> bool:
    return any(w in _ORG_WORDS for w in _words(name))


def _is_handle(name: str) -> bool:
    """'andrew.keaveney', 'q_admin', 'srauturier', 'KatieS': a user name, not a written-out name."""
    n = name.strip()
    if " " in n:
        return False
    return bool(re.search(r"[._\d]", n)) or n.islower() or bool(re.search(r"[a-z][A-Z]$|[a-z]{2}[A-Z]", n))


# reading time, comment counts before a byline: '3 min read · By ASU Online', '0 · by Dennis Moons'
_LEAD_JUNK = re.compile(r"^(?:\d+\s*(?:min(?:ute)?s?\.?(?:\s+read)?|comments?)?\s*[|•·]\s*)+", re.I)
_DATE_LABELS = re.compile(r"[\s|•·,:\-–—]*(?:(?:published|posted|updated|modified|created|last updated|date|on|at)"
                          r"\b[\s:]*)*")
_NUM_DATE = re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.](?:19|20)?\d\d\b")


def _strip_lead(s: str) -> str:
    """Drop a leading label ('By', 'Written by:') or date ('Dec. 19, 2025 ·', 'Published on May 2, 2025 by')."""
    for _ in range(3):
        m = _LABEL.match(s)
        if m:
            s = s[m.end():].lstrip(" :,-–—|•·")
            continue
        dm = find_date_match(s[:40])
        span = (dm[0].start(), dm[0].end()) if dm else None
        nm = _NUM_DATE.search(s[:40])
        if nm and (span is None or nm.start() < span[0]):
            span = (nm.start(), nm.end())
        if span and span[0] <= 25:
            head = s[:span[0]].lower()
            if _DATE_LABELS.fullmatch(head):
                s = s[span[1]:].lstrip(" :,-–—|•·")
                continue
        m = _LEAD_JUNK.match(s)
        if m and m.end() < len(s):
            s = s[m.end():]
            continue
        break
    return s.strip()


_TOKEN = re.compile(r"[\w.'’\-()]+", re.U)
_GLUED = re.compile(r"[a-z]{4}[A-Z]")  # 'ChecklistsJust': words run together, a menu
_BYLINE_STOP = {"reviewed", "medically", "fact", "fact-checked", "edited", "illustrated", "photographed", "photos",
                "updated", "published", "min", "read", "on", "in", "at", "for", "with", "is", "was", "has", "via",
                "from"}
_SEPARATORS = re.compile(r"\s+[|•·–—/]\s*|\s*[|•·]\s+|\s+-\s+|\s{2,}|\s*\|\s*")


def _byline_names(text: str, loose: bool = False, lower_ok: bool = False, glued: bool = False) -> str | None:
    """The names at the start of a byline text, as the page writes them ('Jane Doe and John Roe',
    'Jane Doe, MD'): label, dates, separators, roles ('Staff Writer') and what follows removed."""
    s = _strip_lead(" ".join(_GLUED_LABEL.sub(" ", text).split()))
    if not s:
        return None
    s = _SEPARATORS.split(s, maxsplit=1)[0]
    # the name list ends at a date, a label ('Updated', 'Reviewed by') or a lower-case word
    tokens = s.split(" ")
    all_lower = s.islower()
    if all_lower and (len(tokens) > 3 or not lower_ok):
        return None  # 'by leveraging machine learning, ...': a sentence, not a byline
    if len(tokens) > 2 and re.fullmatch(r"[A-Z]{2,3}", tokens[0]) \
            and tokens[0] == "".join(t[:1] for t in tokens[1:1 + len(tokens[0])]):
        tokens = tokens[1:]  # 'CM Craig McCarthy': the initials of an avatar placeholder
    end, lower_stop = 0, False
    for i, tok in enumerate(tokens):
        core = re.sub(r"['’]s$", "", tok.strip(".,;:()'’\""))
        lw = core.lower()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if not core or not _TOKEN.fullmatch(core) or glued and _GLUED.search(core) or tok.endswith("-"):
            break
        if i > 0 and tok == tokens[0]:
            break  # 'Maria Mathioudaki Maria', 'Jane Doe Jane Doe': the name again (a tooltip, a link)
        if lw in _AUTHOR_CUT or (lw in _AUTHOR_MONTH_NAMES and nxt[:1].isdigit()) or any(c.isdigit() for c in core):
            break
        if lw in _BYLINE_STOP and not (lw == "from" and nxt[:1].isupper()) or lw in _NOT_NAME:
            break
        if not all_lower and core[0].islower() and lw not in _PARTICLES and lw != "and":
            lower_stop = True
            break
        end = i + 1
        if tok.endswith((".", ",", ";")) and nxt[:1].islower() and nxt not in ("and",):
            lower_stop = True  # 'Jane Doe, a reporter at ...'
            break
    s = " ".join(tokens[:end]).strip(" ,;:-–—&")
    s = re.sub(r"\s+(?:and|&)$", "", s)
    if not s:
        return None
    if (len(s.split()) == 1 or s.islower()) and (not loose or lower_stop):
        return None  # one word: only a whole 'By X' line ('by Amanda · Dec 20'), not 'By Default, the ...'
    # names and credentials, up to the first role ('Jane Doe, Staff Writer', 'A, B, Shipping Expert')
    parts = re.split(r"(,?\s+and\s+|,?\s+&\s+|,\s*|;\s*)", s)
    keep = ""
    for j in range(0, len(parts), 2):
        p = parts[j].strip()
        if not p:
            continue
        if j == 0:
            if not _name_like(p, loose) or _is_role(p) and not loose:
                return None
        elif all(_is_credential(w) for w in p.split()):
            pass
        elif _is_role(p) or not _name_like(p, loose):
            break
        keep += (parts[j - 1] if j else "") + parts[j]
    keep = keep.strip(" ,;")
    end_word = re.search(r"(?<![\w.])(\w{3,})\.$", keep)  # 'By Jane Doe.': the sentence's full stop
    if end_word and end_word.group(1).lower() not in _ABBREVIATIONS:
        keep = keep[:-1]
    return keep or None


_ABBREVIATIONS = {"inc", "ltd", "corp", "esq", "bros", "phd", "dvm", "llc", "rev", "hon", "gen", "col", "sgt"}


# --------------------------------------------------------------------- bylines
def _block_of(node_parent, limit: int = 3):
    """The nearest block element holding an inline element (at most ``limit`` levels up)."""
    el = node_parent
    for _ in range(limit):
        if not isinstance(el.tag, str) or el.tag in _BLOCK_TAGS:
            break
        up = el.getparent()
        if up is None:
            break
        el = up
    return el


def _in_teaser(block) -> bool:
    """A line inside a linked card or under a linked heading: a teaser of another article."""
    el, depth, below, in_main = block, 0, None, False
    size = len(block.text_content())
    while el is not None:
        if el.tag == "a" and len(inline_text(el)) > size + 40:
            return True  # a card linking to another article: its title, excerpt and byline
        if depth < 3 and not in_main:
            if el.tag == "h1" or el.find(".//h1") is not None:
                in_main = True  # the article's own heading block
            else:
                for c in el:
                    if (c is not below and c.tag in ("h2", "h3", "h4", "h5", "h6") and c.find(".//a") is not None
                            and len(c.text_content().split()) >= 3):
                        return True
        el, below, depth = el.getparent(), el, depth + 1
    return False


_NO_TEXT = {"script", "style", "noscript", "template"}


def _texts_inside(e, out: list, n: int) -> None:
    """Append (element, False) / (element, True) for the non-blank text / tail of ``e``'s descendants
    (``e``'s own text, not its tail) in document order, up to ``n`` in ``out``."""
    for ev, d in etree.iterwalk(e, events=("start", "end")):
        if ev == "start":
            if isinstance(d.tag, str) and d.tag not in _NO_TEXT and d.text and d.text.strip():
                out.append((d, False))
        elif d is not e and d.tail and d.tail.strip():
            out.append((d, True))
        if len(out) >= n:
            return


def _texts_following(el, n: int, inside: bool = False) -> list:
    """The first ``n`` non-blank texts after ``el`` in document order, as (element, is_tail) pairs;
    with ``inside``, the texts inside ``el`` after its own text come first."""
    out: list = []
    if inside:
        _texts_inside(el, out, n + 1)
        out = [x for x in out if x != (el, False)]
    node = el
    while node is not None and len(out) < n:
        if node.tail and node.tail.strip():
            out.append((node, True))
        sib = node.getnext()
        while sib is not None and len(out) < n:
            _texts_inside(sib, out, n)
            if sib.tail and sib.tail.strip() and len(out) < n:
                out.append((sib, True))
            sib = sib.getnext()
        node = node.getparent()
    return out[:n]



def _byline_at(owner, is_tail: bool, near: bool = False) -> str | None:
    """The names of a byline starting with the text (``is_tail``: the tail) of ``owner`` ('By',
    'by: Jane Doe', 'Written by'), read from the whole line it starts (the block element around it),
    when the line starts with it."""
    t = owner.tail if is_tail else owner.text
    if not t or not isinstance(owner.tag, str) or not is_tail and owner.tag in (
            "script", "style", "noscript", "title", "option", "select", "button", "textarea"):
        return None
    container = owner.getparent() if is_tail else owner
    if container is None:
        return None
    block = _block_of(container)
    if _in_teaser(block):
        return None
    first = " ".join(t.split())
    found = _line_with(block, owner, is_tail)
    if found is None:
        return None
    line, pos = found
    line = line.lstrip() if pos == 0 else line
    if pos > 0 and line[:pos].strip():
        # a line of its own all the same: after a <br>, or an inline element starting with the label
        # ('<span class="byline">By Jane Doe</span>'); else only a date may come first ('03/01/2017 by Jane Doe')
        own = (owner.tag == "br" if is_tail else owner.tag not in _BLOCK_TAGS and len(first) < 100)
        if not own and (pos > 60 or _strip_lead(line[:pos] + " x").strip() != "x"):
            return None
        line = line[pos:].lstrip()
    if len(line) > len(first) and line[len(first)] != " " and first[-1:].isalpha():
        line = first + " " + line[len(first):]  # '<span>By</span><a>Jane Doe</a>'
    line = line[:200]
    label = _LINE_LABEL.match(line.lower())
    if not label:
        return None
    if label.start(1) > 0 and _strip_lead(line[:label.start(1)] + " x").strip() != "x":
        return None
    if label.end() >= len(line):
        # the label alone ('By' in its own element): the name is the next text
        # a bare 'Author' heading (a menu entry?) away from the headline: a full name must follow
        bare = not (near or line.endswith(":") or line.lower().startswith(("by", "written by", "posted by")))
        nxt = _texts_following(owner, 1, inside=not is_tail)
        if not nxt:
            return None
        n_owner, n_tail = nxt[0]
        nt = " ".join((n_owner.tail if n_tail else n_owner.text).split())
        parent = n_owner.getparent() if n_tail else n_owner
        if parent is None or len(nt) > 200:
            return None
        block = _block_of(parent)
        if _in_teaser(block):
            return None
        found = _line_with(block, n_owner, n_tail)
        line = found[0][found[1]:].lstrip() if found else nt
        return _byline_names(line, loose=not bare, lower_ok=near, glued=True)
    return _byline_names(line[label.start(1):], loose=True, lower_ok=near)


# the label of a byline line, after at most a date ('03/01/2017 by', 'Published on May 2, 2025 by')
_LINE_LABEL = re.compile(r"^(?:.{0,40}?\s)??((?:this (?:post|article|story|piece) (?:was|is) )?written by|posted by|"
                         r"words by|story by|article by|text by|by|authors?|author\(s\)|contributors?)\b\s*:?\s*")
_BY_WORD = re.compile(r"\bby\b")
_PROSE_LIMIT = 250  # characters (in three texts or more) of running text after the <h1>: the head ends
_H1 = etree.XPath("//h1")
_H1_BEFORE = etree.XPath("preceding::text()[normalize-space()][not(parent::script or parent::style)]"
                         "[position()<=10]")


def _byline_near_h1(tree) -> str | None:
    """A 'By First Last' line just before/after the page's <h1> (the first two <h1> are tried)."""
    for h1 in _H1(tree)[:2]:
        before = [(t.getparent(), t.is_tail) for t in reversed(_H1_BEFORE(h1))]
        prose, paragraphs = 0, 0  # the article's head ends where its running text begins
        for i, (owner, is_tail) in enumerate(before + _texts_following(h1, 40)):
            if owner is None:
                continue
            t = owner.tail if is_tail else owner.text
            if i >= len(before) and len(t) > 80:
                prose, paragraphs = prose + len(t), paragraphs + 1
                if prose > _PROSE_LIMIT and paragraphs > 2:
                    break
            if len(t) > 200:
                continue
            s = " ".join(t.split()).lower()
            if not (s.startswith(_BY_START) or s in ("by", "written by", "author", "authors", "posted by")
                    or _BY_WORD.search(s[:80])):
                continue
            cand = _byline_at(owner, is_tail, near=True)
            if cand:
                return cand
    return None


_BY_TEXTS = etree.XPath("//body//text()[contains(., 'by') or contains(., 'By') or contains(., 'BY') "
                        "or contains(., 'uthor') or contains(., 'ontributor')]")


# 'Last updated March 3, 2025 by <a>Erik Demaine</a>': a date line that ends in 'by', the name after it
_DATED_BY = re.compile(r"^(?:last\s+)?(?:updated|posted|published|written)\b.{0,40}\sby\s*:?$")


def _labelled_byline(tree) -> str | None:
    """A 'Written by' / 'Authors:' / 'By' label starting a line anywhere in the page (outside navigation,
    footers and comments; an <aside> counts, as the article's facts box often is one), with the name after it;
    a 'Written by' label before a plain 'By'."""
    by = None
    for t in _BY_TEXTS(tree)[:400]:
        if len(t) > 200:
            continue
        s = " ".join(t.split()).lower()
        if not (s.startswith(_LABELLED_START) or s in ("by", "author", "authors") or _DATED_BY.match(s)):
            continue
        if not _outside_chrome(t.getparent(), tags=("nav", "footer")):
            continue
        cand = _byline_at(t.getparent(), t.is_tail)
        if not cand:
            continue
        if not s.startswith("by"):
            return cand
        by = by or cand
    return by


def _authorish(tree) -> list:
    """In one pass over the page, every element that may carry the author: itemprop/rel="author",
    links to author pages, author/byline classes, pictures with an alt text (document order)."""
    out = []
    for el in tree.iter(etree.Element):
        get = el.get
        c = get("class")
        if (c and ("uthor" in c or "byline" in c or "avatar" in c)) or get("itemprop") == "author" \
                or get("rel") == "author":
            out.append(el)
        elif el.tag == "img":
            if get("alt") or "avatar" in (get("src") or ""):
                out.append(el)
        elif el.tag == "a" and "/author" in (get("href") or ""):
            out.append(el)
    return out


def _marked_author(tree, nodes: list | None = None) -> str | None:
    """The first author marked up as such: itemprop="author" (its itemprop="name"), rel="author",
    or a link to an author page (/author/..., /authors/...), when its text is shaped like a name."""
    nodes = _authorish(tree) if nodes is None else nodes
    props = [el for el in nodes if el.get("itemprop") == "author"]
    names = [n for n in (el.find('.//*[@itemprop="name"]') for el in props[:5]) if n is not None]
    rel = [el for el in nodes if el.tag == "a" and el.get("rel") == "author"]
    pages = [el for el in nodes if el.tag == "a" and ("/author/" in (el.get("href") or "")
                                                      or "/authors/" in (el.get("href") or ""))]
    props = [el for el in props if el.tag != "img"]
    for group in (names, props, rel, pages):
        for el in group[:5]:
            if not _outside_chrome(el):
                continue
            s = inline_text(el)
            s = _AUTHOR_LABEL.sub("", s).strip(" ,") if s else s
            if s and len(s) <= 60 and _AUTHOR_NAME.match(s) and not s.isupper() and _name_like(s):
                return _good_author(s)
    return None


# what an author-classed element holds when its class goes on after 'author': 'author-bio', 'author__avatar'
_CLASSED_SKIP = re.compile(r"avatar|image|img|photo|pic|bio|desc|title|job|role|position|social|share|follow|"
                           r"more|about|count|date|time|list|comment|label|icon|tag|categor|topic", re.I)
_CLASS_AUTHOR = re.compile(r"author|byline", re.I)


def _author_class(cls: str) -> tuple[bool, bool]:
    """Whether a class attribute names the author's name itself (not their photo, bio, date ...)
    and whether it says so outright ('author-name', 'wp-block-post-author__name', 'type-author')."""
    for tok in cls.split():
        m = _CLASS_AUTHOR.search(tok)
        if not m:
            continue
        rest = tok[m.end():]
        named = "name" in rest.lower() or m.group().lower() == "author" and not rest.strip("-_s")
        if named or not _CLASSED_SKIP.search(rest):
            return True, named
    return False, False


def _classed_authors(tree, nodes: list | None = None) -> list[str]:
    """The texts of the first elements whose class names the author ('author-name', 'entry-author',
    'publish-date-author', 'byline'), outside navigation, footers, asides and comments, read as
    bylines; at most three different ones."""
    out: list[str] = []
    nodes = _authorish(tree) if nodes is None else nodes
    for el in [el for el in nodes if _CLASS_AUTHOR.search(el.get("class") or "")][:20]:
        ok, named = _author_class(el.get("class") or "")
        if not ok or not _outside_chrome(el):
            continue
        s = inline_text(el)
        if not s or len(s) > 150:
            continue
        cand = _byline_names(s, loose=named or len(s) <= 40, lower_ok=named)
        if cand and (named or len(cand.split()) >= 2) and cand not in out:
            out.append(cand)
            if len(out) == 3:
                break
    return out


_ALT_AFFIX = re.compile(
    r"^(?:(?:a\s+)?(?:picture|photo|headshot|avatar|image|portrait|profile(?:\s+picture)?)\s+of\s+)|"
    r"(?:['’]s)?\s*(?:avatar|headshot|profile picture|profile photo|photo|image|picture)$", re.I)
_AVATAR_PICTURE = re.compile(r"avatar|gravatar|headshot", re.I)
_AVATARISH = re.compile(r"avatar|author|profile|headshot|portrait|gravatar|rounded|circle|user|writer|staff|team|"
                        r"people|person|bio|byline|contributor|expert", re.I)


def _texts_after(el, n: int = 3, up: int = 6) -> list[str]:
    """The first ``n`` non-blank texts after ``el`` in document order (climbing at most ``up`` levels)."""
    out: list[str] = []
    node = el
    for _ in range(up):
        if node is None:
            break
        if node.tail and node.tail.strip():
            out.append(node.tail)
        sib = node.getnext()
        while sib is not None and len(out) < n:
            if isinstance(sib.tag, str) and sib.tag not in ("script", "style", "noscript"):
                out += [t for t in sib.itertext() if t.strip()][:n]
            if sib.tail and sib.tail.strip():
                out.append(sib.tail)
            sib = sib.getnext()
        if len(out) >= n:
            break
        node = node.getparent()
    return out[:n]


def _avatarish(img, alt: str) -> bool:
    """A portrait: so classed or named (or its parents), a small square picture, or an alt text saying so."""
    if _ALT_AFFIX.search(alt):
        return True
    el = img
    for _ in range(3):
        if el is None:
            break
        if _AVATARISH.search(el.get("class") or "") or _AVATARISH.search(el.get("id") or ""):
            return True
        el = el.getparent()
    if _AVATARISH.search(img.get("src") or ""):
        return True
    w, h = img.get("width") or "", img.get("height") or ""
    return w.isdigit() and h.isdigit() and int(w) <= 160 and int(h) <= 160


def _avatar_author(tree, nodes: list | None = None) -> str | None:
    """A person's photo next to their name: a portrait <img> whose alt text is the name written just
    before or after it (an author box, a byline with a portrait)."""
    nodes = _authorish(tree) if nodes is None else nodes
    for img in [el for el in nodes if el.tag == "img"][:80]:
        alt = " ".join(img.get("alt", "").split())
        if not alt and _AVATAR_PICTURE.search((img.get("class") or "") + " " + (img.get("src") or "")):
            # an avatar without alt text: the name written right after it ('<img class=avatar> Jane Doe in ...')
            after = _texts_after(img, 1)
            cand = _byline_names(after[0]) if after else None
            if cand and len(cand.split()) >= 2 and _outside_chrome(img):
                return cand
            continue
        if not 3 < len(alt) < 200:
            continue
        name = _ALT_AFFIX.sub("", alt)
        name, _, role = name.partition(",")
        name = _ALT_AFFIX.sub("", name).strip(" :")
        key = squash(name)
        words = name.split()
        if len(key) < 4 or not 1 <= len(words) <= 4 or not _name_like(name, loose=True) or _is_role(name) \
                or _looks_org(name) or not (_avatarish(img, alt) or _is_role(role)):
            continue
        for t in _texts_after(img):
            s = " ".join(t.split()).strip(" :,")
            sk = squash(s)
            if len(s) < 80 and sk.startswith(key) and (sk == key or s[len(name):len(name) + 1] in (",", " ")):
                if not _outside_chrome(img):
                    return None
                if sk == key and (len(words) == 1 or not _name_like(name)):
                    return s if _name_like(s, loose=True) else None
                return _byline_names(s, loose=True) or name
    return None


# ------------------------------------------------------------------ metadata
_METAS = etree.XPath("//meta[@content][@name or @property]")


def meta_authors(tree, ld_objects: list[dict]) -> tuple[list[str], list[str]]:
    """Author names as the page's metadata writes them: <meta name=author> & co., JSON-LD ``author``."""
    found: dict[str, list[str]] = {}
    for m in _METAS(tree):
        k = m.get("name") or m.get("property")
        if k in _META_AUTHOR_KEYS:
            found.setdefault(k, []).append(m.get("content"))

    def metas(*keys):
        vals = []
        for k in keys:
            for v in found.get(k, []):
                v = " ".join(htmllib.unescape(v).split())
                if v and v not in vals:
                    vals.append(v)
        return vals

    ld_authors: list[str] = []
    for o in ld_objects:
        if o.get("@type") in ("Review", "Comment", "Answer", "Question") or isinstance(o.get("reviewRating"), dict):
            continue
        a = o.get("author")
        for x in (a if isinstance(a, list) else [a]):
            name = x.get("name") if isinstance(x, dict) else x
            if isinstance(name, str) and name.strip() and name.strip() not in ld_authors:
                ld_authors.append(" ".join(htmllib.unescape(name).split()))
    authors = [a for a in metas(*_META_AUTHOR_KEYS) if "/" not in a and "@" not in a[:1] and len(a) <= 80]
    return authors, ld_authors


def _site_keys(names: list[str | None]) -> set[str]:
    keys = set()
    for n in names:
        if not n:
            continue
        keys.add(squash(n.split(".")[0] if "." in n and " " not in n else n))
    return keys - {""}


def _is_site(name: str, keys: set[str]) -> bool:
    """The site's own name ('Buzzsprout' on buzzsprout.com, 'Automateed Team'); a person's name that is
    also the site's ('Polly Barks' on pollybarks.com) counts as a person."""
    k = squash(name)
    if not k:
        return False
    if _name_like(name) and not _looks_org(name) and not name.isupper():
        return False
    return any(s == k or (len(s) >= 4 and s in k) or (len(k) >= 4 and k in s) for s in keys)


_OWNED_SITE = re.compile(r"^(.{3,40}?)['’]s\s+(?:blog|weblog|homepage|site|website|notes)$", re.I)
_HOST_SKIP = {"www", "blog", "blogs", "com", "org", "net", "io", "dev", "co", "uk", "me", "app", "github", "gitlab",
              "medium", "substack", "wordpress", "blogspot", "bearblog", "tumblr", "ghost", "netlify", "vercel",
              "pages", "home", "news", "the"}


def _site_owner(titles: list[str], site_names: list[str], hostname: str | None) -> str | None:
    """'Colin Watson's blog' in a title part -> 'Colin Watson'; a site named after a person on that
    person's domain ('Polly Barks' on pollybarks.com, 'Owain Brennan' on owain.bearblog.dev)."""
    for t in titles:
        for part in TITLE_SEP.split(t):
            m = _OWNED_SITE.match(part.strip())
            if m and _AUTHOR_NAME.match(m.group(1)):
                return m.group(1)
    labels = [x for x in re.split(r"[.\-]", (hostname or "").lower()) if len(x) >= 4 and x not in _HOST_SKIP]
    if not labels:
        return None
    for cand in site_names:
        cand = re.sub(r"^[©(\s]+|[)\s.]+$", "", cand or "").strip()
        if not (2 <= len(cand.split()) <= 3 and _AUTHOR_NAME.match(cand)) or _looks_org(cand) or cand.isupper():
            continue
        key = squash(cand)
        first = squash(cand.split()[0])
        if any(lab in key or (key in lab) or (len(first) >= 4 and lab.startswith(first)) for lab in labels):
            return cand
    return None


_SITE_NAMES = etree.XPath('//meta[@property="og:site_name" or @name="application-name"]/@content')
_HOME_LINKS = etree.XPath('//a[@href="/" or @href="./" or @href="../" or @rel="home"]')
_COPYRIGHTS = etree.XPath("//footer//text()[contains(., '©')]")


def _owner_names(tree, titles: list[str]) -> list[str]:
    """Names a personal site gives itself: title parts, og:site_name, the home link, the copyright line."""
    out: list[str] = []
    for t in titles:
        out += [p.strip() for p in TITLE_SEP.split(t)]
        out += re.findall(r"\(([^()]{3,40})\)\s*$", t)
    out += [" ".join(v.split()) for v in _SITE_NAMES(tree)[:2]]
    for a in _HOME_LINKS(tree)[:6]:
        out.append(inline_text(a))
    for t in _COPYRIGHTS(tree)[:3]:
        m = re.search(r"©\s*(?:(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)\d\d)?\s*)?([^.,|©]{3,40})", " ".join(t.split()))
        if m:
            out.append(m.group(1).strip())
    return [o for o in out if o]


# ----------------------------------------------------------------- entry points
@dataclass
class AuthorClues:
    """What the parsed page says about its author, read before extraction prunes the tree."""

    byline: str | None = None  # visible 'By X' line near the <h1>
    labelled: str | None = None  # a 'Written by X' / 'Authors:' / 'By X' line elsewhere
    marked: str | None = None  # itemprop / rel=author / author-page link
    classed: list[str] = field(default_factory=list)  # class="author-name" / "byline" elements
    avatar: str | None = None  # a portrait with the name written beside it
    meta: list[str] = field(default_factory=list)  # <meta name=author> & co., as written
    ld: list[str] = field(default_factory=list)  # JSON-LD author names, as written
    titles: list[str] = field(default_factory=list)  # <title>, og:title, ... (for 'X's blog')
    owners: list[str] = field(default_factory=list)  # names a personal site gives itself
    url: str | None = None  # the page's canonical / og:url address


_PAGE_URL = etree.XPath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")


def author_clues(tree, ld_objects: list[dict], titles: list[str] | None = None) -> AuthorClues:
    """The author clues of a freshly parsed page (``ld_objects``: its JSON-LD objects, ``titles``: its
    metadata titles); the costlier clues only when the page shows no byline at the head of the article."""
    meta, ld = meta_authors(tree, ld_objects)
    clues = AuthorClues(byline=_byline_near_h1(tree), meta=meta, ld=ld, titles=list(titles or []))
    if clues.byline and not _is_handle(clues.byline):
        return clues  # the article's own byline: nothing else is needed
    nodes = _authorish(tree)
    clues.labelled = _labelled_byline(tree)
    clues.marked = _marked_author(tree, nodes)
    clues.classed = _classed_authors(tree, nodes)
    clues.avatar = _avatar_author(tree, nodes)
    if not (meta or ld or clues.labelled or clues.marked or clues.classed or clues.avatar):
        clues.url = next((u for u in _PAGE_URL(tree) if u.startswith("http")), None)
        clues.owners = _owner_names(tree, clues.titles)
    return clues


def _name_words(s: str | None) -> list[str]:
    return [w for w in _words(s) if w not in ("and", "by")]


def _same(a: str | None, b: str | None) -> bool:
    """The same person (or list): one's name words contained in the other's ('Kaufman, Jeff T.' and
    'Jeff Kaufman', 'Paramita Ghosh' and 'Paramita (Guha) Ghosh')."""
    wa, wb = set(_name_words(a)), set(_name_words(b))
    return bool(wa and wb) and (wa <= wb or wb <= wa)


_REJECT_KEYS = {squash(r) for r in _AUTHOR_REJECT}


def _junk(name: str) -> bool:
    """Metadata that is no byline: 'August', 'Written By', 'Updated January', 'page.head.extra.author'."""
    ws = _words(name)
    return (not ws or squash(name) in _REJECT_KEYS
            or all(w in _NOT_NAME or w in _AUTHOR_CUT or w in _AUTHOR_MONTH_NAMES or w.isdigit() for w in ws))


def _person(name: str | None, site_keys: set[str], strict: bool = True) -> bool:
    """A person's name ('Jane Doe'; with ``strict`` off also 'Amanda'), not the site, an organisation
    or a user handle."""
    if not name or _is_site(name, site_keys) or _is_handle(name) or _junk(name):
        return False
    first = re.split(r",|;|\s+and\s+|\s+&\s+", name)[0].strip()
    if _looks_org(first):
        return False
    return _name_like(first) or not strict and _name_like(first, loose=True) and first[:1].isupper()


def _metadata_author(extracted: str | None, clues: AuthorClues, keys: set[str]) -> tuple[str | None, bool]:
    """trafilatura's author, cleaned, in the page's own spelling where that says more
    ('Center for Drug Evaluation and Research', not 'Center; Research'); and whether the page's
    <meta>/JSON-LD carry it (else trafilatura read it from the page body)."""
    raw = [r for r in clues.meta + clues.ld if _good_author(r) and not _junk(r)]
    raw.sort(key=lambda r: not _person(r, keys, strict=False))  # a person's name before the site's
    author = _good_author(extracted)
    if author and _junk(author):
        author = None
    if not author or not _person(author, keys, strict=False) and raw and _person(raw[0], keys, strict=False):
        for r in raw:
            if r.lower() not in _AUTHOR_REJECT and _HAS_WORD.search(r) and not r.isdigit():
                return _good_author(r), True
        return author, False
    in_meta = False
    aw = _words(author)
    for r in raw:
        rw = _words(r)
        if squash(r) == squash(author) and r != author and len(r.split()) == 1:
            return r, True  # keep the page's spelling ('q_admin', not 'Q Admin')
        it = iter(rw)
        if aw and all(w in it for w in aw):  # trafilatura's words, in order, in the page's metadata
            in_meta = True
            if len(rw) > len(aw) and len(r) <= 120 and not _is_handle(r):
                return _good_author(r), True
    return author, in_meta


def _choose_author(extracted: str | None, clues: AuthorClues, names: list[str | None],
                   hostname: str | None = None) -> str | None:
    """The order of trust of the module docstring."""
    keys = _site_keys(names)
    meta, in_meta = _metadata_author(extracted, clues, keys)
    if clues.byline and not (_is_handle(clues.byline) and meta and _person(meta, keys)):
        if meta and _same(meta, clues.byline) and _person(meta, keys) \
                and len(set(_name_words(meta))) > len(set(_name_words(clues.byline))):
            return meta  # the same person, written out in full ('Jacob' / 'Jacob Trussell'), or more authors
        return clues.byline  # the article's own 'By X' line
    visible: list[str] = []
    for v in (clues.labelled, clues.marked, *clues.classed, clues.avatar):
        if v and v not in visible:
            visible.append(v)
    if meta and not in_meta and not _name_like(meta.split(",")[0], loose=True) \
            and not _same(meta, " ".join(visible)):
        meta = None  # trafilatura's guess from the page body is no name ('Personal finance')
    if meta:
        if any(_same(meta, v) for v in visible):
            more = [v for v in visible if _same(meta, v) and len(set(_name_words(v))) > len(set(_name_words(meta)))]
            return more[0] if more and len(more[0]) <= 80 else meta
        people = [v for v in visible if _person(v, keys, strict=False)]
        if people and not _person(meta, keys, strict=False):
            return people[0]  # the metadata names the site / an organisation / a handle; the page shows a person
        if not in_meta and people:
            # trafilatura read it off the page body (a comment, a related post): the page's marked-up byline wins
            return people[0]
        return meta
    if visible:
        people = [v for v in visible if _person(v, keys, strict=False)]
        return (people or visible)[0]
    return _site_owner(clues.titles, clues.owners, hostname or _host(clues.url))


def _host(url: str | None) -> str | None:
    m = re.match(r"^https?://([^/:?#]+)", url or "")
    return m.group(1).lower() if m else None


def pick_author(clues: AuthorClues, extracted: str | None, names: list[str | None], content: str,
                url: str | None = None) -> str | None:
    """The page's author from trafilatura's ``extracted`` author and the ``clues``; ``names`` are the
    site's names (site name, domain), ``content`` the page's HTML source, ``url`` the page's address."""
    return _and_join(_choose_author(extracted, clues, names, _host(url)), content)


def _and_join(author: str | None, content: str) -> str | None:
    """'A, B, C' -> 'A, B and C' when the page itself writes the byline with 'and' ('B and C', 'B, and C')."""
    if not author or ", " not in author:
        return author
    names = author.split(", ")
    prev, last = names[-2], names[-1]
    if len(prev.split()) > 5 or len(last.split()) > 5:
        return author
    gap = r"(?:\s|&nbsp;|<[^<>]{0,300}>|,)*"
    if re.search(re.escape(prev) + gap + r"and" + gap + re.escape(last), content):
        return ", ".join(names[:-1]) + " and " + last
    return author
