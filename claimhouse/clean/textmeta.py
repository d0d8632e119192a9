"""Small metadata helpers shared by the cleaners: dates, domains, titles, language."""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timezone

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = r"(?:[,\s]+(?:at\s+)?(?P<h>[0-2]?\d)[:.](?P<mi>[0-5]\d)(?::[0-5]\d)?\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?"
DATE_PATTERNS = [
    re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<day>[0-3]?\d)(?:[T\s](?P<h>[0-2]\d):(?P<mi>[0-5]\d))?", re.I),
    re.compile(r"(?P<year>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<day>[0-3]?\d)", re.I),
    re.compile(_DAY + r"\s+" + _MON + r",?\s+" + _YEAR + _TIME, re.I),
    re.compile(_MON + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME, re.I),
    re.compile(r"(?P<day>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<year>(?:19|20)\d\d)" + _TIME, re.I),
]
# a whole line that is a date (optionally with weekday, time, "Published"/"Updated" label)
_DATE_LINE_PREFIX = re.compile(
    r"^(?:(?:published|posted|updated|date|last updated|on)\s*(?:on|at)?\s*[:\-]?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?", re.I)


def _mk(m: re.Match) -> datetime | None:
    g = m.groupdict()
    try:
        month = int(g["m"]) if g.get("m") else _MONTHS[g["mon"][:3].lower()]
        hour = int(g["h"]) if g.get("h") else 0
        minute = int(g["mi"]) if g.get("mi") else 0
        if g.get("ampm"):
            pm = g["ampm"].lower().startswith("p")
            hour = hour % 12 + (12 if pm else 0)
        return datetime(int(g["year"]), month, int(g["day"]), hour if hour < 24 else 0, minute)
    except (KeyError, ValueError, TypeError):
        return None


def find_date_match(text: str) -> tuple[re.Match, datetime] | None:
    """The first date in ``text`` with its match (``m.start()``/``m.end()`` locate it; ``m.re`` is its pattern)."""
    best = None
    for pat in DATE_PATTERNS:
        for m in pat.finditer(text):
            d = _mk(m)
            if d and (best is None or m.start() < best[0].start()):
                best = (m, d)
            break
    return best


def find_date(text: str) -> datetime | None:
    """The first date in ``text`` (several common written forms)."""
    best = find_date_match(text)
    return best[1] if best else None


def date_line(line: str) -> datetime | None:
    """The date when the whole line is a date (with optional label/weekday/time), else None."""
    s = line.strip(" \t|·•-–—")
    p = _DATE_LINE_PREFIX.match(s)
    rest = s[p.end():] if p else s
    for pat in DATE_PATTERNS:
        m = pat.fullmatch(rest.strip(" .,"))
        if m:
            return _mk(m)
    return None


def parse_iso(value, local: bool = False) -> datetime | None:
    """'2025-02-08', '2025-02-08T11:38:30', '2025-02-08T11:38:30+05:00' -> naive datetime (UTC when an offset is given).

    ``local=True`` keeps the wall-clock time as written and drops the offset instead
    ('2025-02-08T23:30:00-05:00' -> 2025-02-08 23:30, not 2025-02-09 04:30 UTC).
    """
    if not value:
        return None
    s = str(value).strip()
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return find_date(s)
    if d.tzinfo:
        d = d.replace(tzinfo=None) if local else d.astimezone(timezone.utc).replace(tzinfo=None)
    return d


@functools.lru_cache(maxsize=1)
def _extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=4096)
def registered_domain(url_or_host: str | None) -> str | None:
    """'https://www.cnn.com/x' -> 'cnn.com'; None when there is no registrable domain."""
    if not url_or_host:
        return None
    s = url_or_host.strip()
    if not s or " " in s:
        return None
    r = _extractor()(s)
    dom = getattr(r, "top_domain_under_public_suffix", None)
    if dom is None:  # older tldextract
        dom = r.registered_domain
    return dom.lower() or None


_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:/\S*)?$", re.I)


def outlet_from_name(name: str | None) -> str | None:
    """A domain when ``name`` is a domain or URL ('cnn.com', 'https://cnn.com/x'), else the cleaned name."""
    if not name:
        return None
    s = name.strip().strip(".,;:!\"'“”‘’()[]")
    if not s:
        return None
    if _DOMAIN_RE.match(s):
        dom = registered_domain(s if "://" in s else "http://" + s)
        if dom:
            return dom
    return s


def squash(s: str | None) -> str:
    """Lower-case alphanumerics only (accents removed), for fuzzy comparisons."""
    if not s:
        return ""
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s.lower() if c.isalnum())


# --------------------------------------------------------------------- titles
# what separates a headline from a site name or section in a page title
TITLE_SEP = re.compile(r"\s+(?:\||-|–|—|•|·|::|»|«|~|/)\s+|\s*\|\s*")


def strip_site_suffix(title: str | None, site_names: list[str | None]) -> str | None:
    """Drop a leading/trailing ' | Site', ' - Site', ' – Site', ' — Site' part.

    A part is dropped when it matches one of ``site_names`` (site name, domain),
    or when it is short, title-cased and the remaining part is clearly the headline.
    """
    if not title:
        return title
    title = " ".join(title.split())
    names = {squash(n) for n in site_names if n}
    names |= {squash(n.split(".")[0]) for n in site_names if n and "." in n}
    names.discard("")
    for _ in range(3):
        parts = TITLE_SEP.split(title)
        if len(parts) < 2:
            break
        seps = TITLE_SEP.findall(title)
        changed = False
        # trailing part
        last = parts[-1]
        head = title[: len(title) - len(last) - len(seps[-1])].strip()
        if _is_site_part(last, names, head):
            title, changed = head, True
        else:
            first = parts[0]
            tail = title[len(first) + len(seps[0]):].strip()
            if _is_site_part(first, names, tail, leading=True):
                title, changed = tail, True
        if not changed:
            break
    return title


def _is_site_part(part: str, names: set[str], rest: str, leading: bool = False) -> bool:
    sp = squash(part)
    if not sp or len(squash(rest)) < 3:
        return False
    rest_words = rest.split()
    if len(rest_words) < 2:
        return False
    for n in names:
        if len(n) >= 3 and (sp == n or (len(sp) >= 4 and (sp in n or n in sp))):
            return True
    if sp.endswith(("com", "org", "net")) and "." in part:
        return True
    words = part.split()
    if leading:
        return False  # a leading part is only dropped when it names the site
    # short, title-cased and the headline before it is longer
    if 1 <= len(words) <= 4 and len(rest_words) >= len(words) + 2 and not part.endswith(("?", "!")):
        caps = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
        return caps == len(words)
    return False


# ------------------------------------------------------------------- language
@functools.cache
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


MIN_LANGUAGE_CONFIDENCE = 0.9


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text, or None when undetermined (too short, unsure, or no 639-1 code)."""
    if not text or len(text.strip()) < 20:
        return None
    lang, prob = _language_identifier().classify(text[:2500])
    if len(lang or "") != 2 or prob < MIN_LANGUAGE_CONFIDENCE:
        return None
    return lang
