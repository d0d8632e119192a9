"""Numeric expressions of a parsed document: value, unit, change and subject.

``extract_quantities(doc, sentences, claims)`` walks the spaCy tokens of each sentence
and recognises a number: digits with separators/decimals ("16,100", "1.5"), scale words
and abbreviations ("1.5 million", "$2bn", "€3m", "4.3M"), number words ("five",
"forty-three", "two hundred and five", "a dozen"), plural scales ("dozens of",
"hundreds of", "tens of thousands of" -> a range from the scale to ten times it, change ``=``) and
fractions ("half of", "two-thirds of", "one out of three"; the unit is the share of what
is counted, "% voters", and none for "half of which"). Then it reads what sits
around it:

* before it: a currency symbol or code ("$", "US$", "$US", "€", "£", "USD", "RM"), a
  sign ("minus-5", "+0.2%", "~25") and the change markers: ``~`` about / around /
  approximately / roughly / nearly / almost / some / averaging; ``>`` more than / over /
  at least / upwards of / above; ``<`` under / fewer than / less than / up to / below;
  ``up`` / ``down`` when a rise/fall verb or "up"/"down" governs the number directly or
  through "by" ("rose 5%", "fell by $2bn", "up 9.4 per cent"). A bound or approximation
  wins over up/down; the level reached ("fell 7% to $2.3bn") stays ``=``; up/down is not
  used for counted things ("Russia lost 40,000 troops" is ``=``);
* after it: a range ("10-15", "1 to 1.5 degrees", "between 5% and 6%", "ranging from
  $200 to $4 million"), a percent sign or word ("%", "percent", "per cent", "percentage
  points", "basis points"), a measurement unit ("kilometres", "km/h", "square miles",
  "degrees Celsius"; see ``units``), a currency noun ("dollars", "Australian dollars"),
  a rate ("$58.24 per barrel", "$3,500 a month") or the noun being counted ("40,000
  troops"; "12,000 North Korean soldiers" -> unit "soldiers", normalized "soldier",
  subject "North Korean soldiers"). The unit keeps the counted noun with its
  adjectives and compounds as written ("heart transplants", "different bosses") but not
  nationality / place words, which go to the subject; ``normalized_unit`` is the
  singular without adjectives ("heart transplant", "boss", "soldier").
  "16,100 of whom" / "two of them" take the unit and subject of the last counted
  quantity of the paragraph.

Not quantities: dates and years ("2025", "13 March 2025", "the 1990s"), times ("10:30",
"5pm"), ordinals ("82nd Brigade"), numbers that are part of a name or label ("iPhone 11",
"Su-34", "COVID-19", "Brigade 155", "Article 5", "787 Dreamliner", "a 911 caller"),
phone numbers, scores ("2-0"), "one of them" (but "one of the best screens" counts one
"best screens"), the pronoun "one" ("each one", "one that")
and other number words with nothing counted after them, and hyphenated compound
modifiers with a time unit ("a five-year plan", "a 30-day ceasefire"); a hyphenated
measure is kept ("a 6.1-inch display", "2,000-kilometre border") and so is a counted noun
("a six-cylinder engine", "three-point range"). Durations are kept
("six months", "three years") and so are ages ("50-year-old", "over the age of 21").
"one drone operator" IS a quantity (value 1, unit "drone operator"): a number word that
modifies a noun counts that noun.

A range keeps its lower bound as ``value``, its upper bound as ``value_max`` and its
whole text as ``surface`` ("hundreds of" is 100 to 1,000, "dozens of" 12 to 120);
"rose from 240 to 273" is one range too (both levels, lower end first, also when it falls: "from 4.8
to 4.7 percent"); "increased by $43.6bn to $419.2bn" gives two quantities (the change, then the level
reached). A conversion in brackets right after a quantity
inherits its change ("more than 7.5 million crowns (US$1.1 million)").
"""
from __future__ import annotations

import bisect
import re
import threading

from claimhouse.nlp.numbers import (
    FRACTIONS,
    NUMBER_WORDS,
    PLURAL_SCALES,
    SCALE_ABBREV,
    SCALES,
    parse_digits,
    parse_words,
)
from claimhouse.nlp.units import (
    AGE_WORDS,
    AMBIGUOUS_SHORT,
    CURRENCY_SYMBOLS,
    PERCENT_WORDS,
    TIME_UNITS,
    currency_symbol,
    currency_word,
    measure_of,
)
from claimhouse.types import Claim, Quantity, Sentence

# a numeral token, possibly with a glued currency prefix and a glued suffix
GLUED = re.compile(
    r"^(?P<sign>[~+\-−±])?(?P<cur>US\$|AU?\$|CA?\$|NZ\$|HK\$|S\$|R\$|\$|€|£|¥|₹|₽|₴|₪|₩|PS|Rs\.?|Y=|"
    r"USD|EUR|GBP|JPY|AUD|CAD|CHF|CNY|INR|RUB|UAH|HKD|SGD|NZD|RMB|RM)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<suf>[A-Za-zμµ%°²³]+[23²³]?(?:/[A-Za-z]+[23²³]?|-[A-Za-z]+)*)?\.?$"
)
ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}
TIME_SUFFIX = {"am", "pm", "a.m.", "p.m.", "hrs", "gmt", "utc", "bst", "cet", "est", "edt",
               "pst", "pdt", "et", "pt", "ct", "mt"}
NEXT_TIME_WORDS = {"am", "pm", "a.m.", "p.m.", "a.m", "p.m", "gmt", "utc", "bst", "cet",
                   "edt", "est", "pdt", "pst", "et", "pt", "o'clock", "local", "hrs"}

APPROX = ("about", "around", "approximately", "roughly", "nearly", "almost", "some",
          "approx", "approx.", "circa", "c.", "~", "estimated", "an estimated", "close to",
          "an approximate", "at around", "at about", "just about", "just over",
          "averaging", "averaged")
MORE = ("more than", "over", "at least", "upwards of", "above", "in excess of",
        "greater than", "exceeding", "over than", "well over", "more then", "beyond",
        "north of", "a minimum of", "no less than", "no fewer than", "not less than")
LESS = ("less than", "fewer than", "under", "below", "up to", "at most", "no more than",
        "just under", "as few as", "not more than", "a maximum of", "less then",
        "shy of", "short of", "a little under", "just below")
# "just over" reads as "about" in news ("just over 5%"); listed under APPROX first? no:
# the longest matching phrase wins, and "just over" is meant as ">" -- see _change().
UP_LEMMAS = {"rise", "increase", "gain", "climb", "jump", "grow", "advance", "surge", "soar",
             "rally", "add", "boost", "spike", "rocket", "leap", "expand", "up",
             "improve", "hike", "widen", "accelerate"}
DOWN_LEMMAS = {"fall", "drop", "decline", "decrease", "lose", "slip", "slide", "plunge",
               "plummet", "tumble", "sink", "shrink", "cut", "down", "lower", "reduce",
               "shed", "dip", "slump", "crash", "sag", "ease", "contract", "narrow",
               "retreat", "fell", "slow", "erode", "trim", "off"}
PRONOUN_OF = {"whom", "which", "them", "those", "these", "us", "you", "it"}
NOT_COUNTED = {"%", "percent", "of", "and", "or", "to", "per", "-", "times", "time"}
# heads of noun phrases that are not what a number counts (day-of-month, list items ...)
NOT_UNIT_LEMMAS = {"time", "%"}
ENT_EXCLUDE = {"DATE", "TIME", "ORDINAL"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
          "sep", "sept", "oct", "nov", "dec"}
# words before a number that make it a label, not an amount: "category 4", "Article 5"
NUMBERED_LABELS = {"no", "no.", "number", "#", "nos", "version", "v", "model", "route", "chapter",
                   "article", "section", "page", "room", "flight", "gate", "level", "tier", "season",
                   "episode", "week", "day", "game", "round", "phase", "stage", "step", "part", "vol",
                   "volume", "issue", "grade", "class", "type", "size", "category", "channel",
                   "figure", "table", "line", "verse", "brigade", "division", "battalion", "regiment",
                   "corps", "unit", "squadron", "platoon", "resolution", "amendment", "paragraph",
                   "act", "rule", "item", "lot", "code", "tel", "tel.", "phone", "fax", "ext", "p.", "pp.",
                   # stock indices named by a number, also lower-cased and without the ampersand ("the sp 500")
                   "s&p", "sp", "ftse", "nikkei", "russell", "stoxx", "dax", "cac", "asx", "nifty", "kospi"}
PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b")
HYPHENS = {"-", "‐", "–", "—"}


_T = threading.local()  # the text of the document being processed


class _Num:
    """A recognised number: token span [i, j), value, and what it brought with it."""

    def __init__(self, i: int, j: int, value: float, cur: str | None = None,
                 cur_norm: str | None = None, suffix: str | None = None,
                 plural_scale: bool = False, is_words: bool = False):
        self.i, self.j, self.value = i, j, value
        self.cur, self.cur_norm, self.suffix = cur, cur_norm, suffix
        self.plural_scale, self.is_words = plural_scale, is_words
        self.sign: str | None = None
        self.bound: str | None = None
        self.score = False
        self.fraction = False
        self.upper: float | None = None  # upper end of a range


def _is_word_number(tok) -> bool:
    return tok.lower_ in NUMBER_WORDS


def _read_number(toks, i: int) -> _Num | None:
    """Number starting at token index ``i`` of the sentence token list ``toks``."""
    t = toks[i]
    low = t.lower_
    n = len(toks)
    # plural scales: "dozens of", "hundreds of thousands of", "tens of millions of"
    if low in PLURAL_SCALES:
        value = PLURAL_SCALES[low]
        j = i + 1
        if j + 1 < n and toks[j].lower_ == "of" and toks[j + 1].lower_ in PLURAL_SCALES:
            value *= PLURAL_SCALES[toks[j + 1].lower_]
            j += 2
        if j < n and toks[j].lower_ == "of" and low not in {"tens", "scores"} or (
                j < n and toks[j].lower_ == "of" and j > i + 1):
            num = _Num(i, j, float(value), plural_scale=True, is_words=True)
            # "hundreds of": 100 to 1,000; "tens of thousands of": 10,000 to 100,000; "dozens of": 12 to 120
            num.upper = float(value) * 10
            return num
        return None
    m = GLUED.match(t.text)
    pre = None
    prefix_word = None
    if m is None:
        mp = re.match(r"^([a-z]+)[-‐–](?=[\d.])", t.text)
        if mp and mp.group(1) not in {"mid", "late", "early", "pre", "post", "covid", "top", "last",
                                      "first", "under", "u", "round", "week", "day", "year"}:
            m = GLUED.match(t.text[mp.end():])
            prefix_word = mp.group(1) if m else None
    if m is None and i > 0 and toks[i - 1].text == "$":
        m2 = re.match(r"^(US|A|AU|C|NZ|HK|S)(?=\d)", t.text)
        if m2:
            pre = "$" + m2.group(1)
            m = GLUED.match(t.text[len(m2.group(1)):])
    if m:
        value = parse_digits(m.group("num"))
        if value is None:
            return None
        cur = m.group("cur")
        suf = m.group("suf")
        # "$US55,931,000", "$A82,615,680": spaCy splits off the "$"
        if pre:
            cur = pre
        sign = m.group("sign")
        num = _Num(i, i + 1, value, cur=cur, cur_norm=currency_symbol(cur) if cur else None,
                   suffix=suf)
        num.sign = sign
        if prefix_word == "minus":
            num.value = -num.value
        elif prefix_word in {"sub", "under"}:
            num.bound = "<"
        elif prefix_word in {"over", "super"}:
            num.bound = ">"
        if sign in {"-", "−"} and (t.idx == 0 or _T.text[t.idx - 1] in " ($"):
            if i > 0 and toks[i - 1].text[:1].isupper() and toks[i - 1].is_alpha and toks[i - 1].text.isupper():
                return None  # "COVID -19"
            num.value = -num.value
        if i > 0 and toks[i - 1].lower_ == "minus" and not prefix_word:
            num.value = -abs(num.value)
        if suf == "M" or (suf and suf.lower() in SCALE_ABBREV and (suf.lower() != "m" or cur)):
            num.value *= SCALE_ABBREV[suf.lower()]
            num.suffix = None
        elif suf and suf.lower() in {"bn", "mn", "tn", "trn", "bln", "mln", "k"}:
            num.value *= SCALE_ABBREV[suf.lower()]
            num.suffix = None
        # "100km/hr": spaCy leaves "/hr" apart
        if num.suffix and i + 2 < n and toks[i + 1].text == "/" and not t.whitespace_ \
                and not toks[i + 1].whitespace_ and toks[i + 2].is_alpha:
            num.suffix = num.suffix + "/" + toks[i + 2].text
            num.j = i + 3
        # a following scale word: "1.5 million", "$2 bn", "€3 m" (m only with a currency)
        j = i + 1
        if num.suffix is None and j < n:
            w = toks[j].lower_
            w = w.rstrip(".") if w.endswith(".") and len(w) > 1 else w
            if toks[j].text in {"M", "B", "K", "bn", "BN", "Bn", "mn", "tn"} and not t.whitespace_:
                num.value *= SCALE_ABBREV[toks[j].text.lower()]
                num.j = j + 1
                return num
            if w in SCALES and w != "hundred" or w in {"bn", "mn", "mln", "bln", "tn", "trn"} or (
                    w in {"m", "b", "k"} and (num.cur or _cur_before(toks, i))):
                num.value *= SCALE_ABBREV.get(w, SCALES.get(w, 1))
                num.j = j + 1
            elif w == "hundred":
                num.value *= 100
                num.j = j + 1
                if j + 1 < n and toks[j + 1].lower_ in SCALES:
                    num.value *= SCALES[toks[j + 1].lower_]
                    num.j = j + 2
        return num
    # number words: "forty-three", "two hundred and five", "a dozen", "a million"
    frac = _read_fraction(toks, i) if low in UNITS_WORDS_SMALL else None
    if frac is not None:
        return frac
    if _is_word_number(t) or (low in {"a", "an"} and i + 1 < n
                              and toks[i + 1].lower_ in {"dozen", "hundred", "thousand",
                                                         "million", "billion", "trillion"}):
        words = [t.text]
        j = i + 1
        while j < n:
            w = toks[j].lower_
            if w in NUMBER_WORDS and w != "score":
                words.append(w)
                j += 1
            elif w in HYPHENS and j + 1 < n and _is_word_number(toks[j + 1]) and not toks[j - 1].whitespace_:
                j += 1
            elif w == "and" and j + 1 < n and _is_word_number(toks[j + 1]) and words[-1] in {
                    "hundred", "thousand", "million", "billion"}:
                j += 1
            else:
                break
        if words[0].lower() in {"a", "an"} and len(words) == 1:
            return None
        if all(w.lower() in {"dozen", "hundred", "thousand", "million", "billion", "trillion", "score"}
               for w in words):
            return None  # a bare "hundred" / "score": not a number on its own
        value = parse_words(words)
        if value is None:
            return None
        out = _Num(i, j, value, is_words=True)
        # "one out of three Germans": a fraction
        if j + 2 < n and toks[j].lower_ == "out" and toks[j + 1].lower_ == "of":
            other = _read_number(toks, j + 2)
            if other is not None and other.value:
                out = _Num(i, other.j, value / other.value, is_words=True)
                out.fraction = True
        return out
    # fractions before "of": "half of", "two-thirds of", "a third of"
    if low in FRACTIONS or (low in {"a", "one", "two", "three"} and i + 1 < n):
        return _read_fraction(toks, i)
    return None


UNITS_WORDS_SMALL = {"a", "one", "two", "three", "four", "half"}


def _read_fraction(toks, i: int) -> _Num | None:
    n = len(toks)
    low = toks[i].lower_
    if low == "half" and i + 1 < n and toks[i + 1].lower_ == "of":
        if i > 0 and toks[i - 1].lower_ in {"first", "second", "the", "this", "that"}:
            return None
        f = _Num(i, i + 1, 0.5, is_words=True)
        f.fraction = True
        return f
    # "two-thirds of", "a third of", "one quarter of"
    k = i + 1
    if k < n and toks[k].lower_ in HYPHENS:
        k += 1
    if k < n and toks[k].lower_ in FRACTIONS and toks[k].lower_ != "half" and k + 1 < n \
            and toks[k + 1].lower_ == "of":
        mult = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}.get(low, 1)
        f = _Num(i, k + 1, mult * FRACTIONS[toks[k].lower_], is_words=True)
        f.fraction = True
        return f
    return None


def _cur_before(toks, i: int) -> tuple[int, str, str] | None:
    """Currency symbol or code right before token ``i``: (start index, surface, canonical)."""
    if i == 0:
        return None
    p = toks[i - 1]
    sym = currency_symbol(p.text)
    if sym is not None and (p.text in CURRENCY_SYMBOLS or p.text.isupper() or not p.text.isalpha()):
        if p.text.lower() in {"ps", "rs", "rm"} and p.whitespace_:
            return None  # "PS" / "RM" as a currency only when glued to the number
        start = i - 1
        surface = p.text
        # "US $58.24", "US$ 5"
        if i >= 2 and p.text == "$" and toks[i - 2].text in {"US", "U.S.", "A", "AU", "C", "NZ", "HK", "S"}:
            start = i - 2
            surface = toks[i - 2].text + "$"
            sym = currency_symbol(surface.replace(".", "")) or sym
        return start, surface, sym
    return None


def _match_phrase(words: list[str], phrases) -> str | None:
    """Longest phrase of ``phrases`` that ``words`` (lower-cased, in order) ends with."""
    best = None
    for ph in phrases:
        parts = ph.split()
        if len(parts) <= len(words) and words[len(words) - len(parts):] == parts:
            if best is None or len(parts) > len(best.split()):
                best = ph
    return best


def _change(toks, start: int, unit_kind: str, sent_start: int) -> tuple[str, int]:
    """Change marker of a number whose span starts at token ``start``; returns (change,
    index of the first token of the marker) so the surface can include it."""
    before = [t.lower_ for t in toks[max(sent_start, start - 4):start]]
    ph_more = _match_phrase(before, MORE)
    ph_less = _match_phrase(before, LESS)
    ph_appr = _match_phrase(before, APPROX)
    cands = [(ph, c) for ph, c in ((ph_more, ">"), (ph_less, "<"), (ph_appr, "~")) if ph]
    change, marker_len = "=", 0
    if cands:
        ph, change = max(cands, key=lambda x: len(x[0].split()))
        if ph == "just over":
            change = ">"
        marker_len = len(ph.split())
        # "over" / "under" / "some" need to be right before the number
        if ph in {"some"} and (start - 1 >= 0 and toks[start - 1].lower_ != "some"):
            change, marker_len = "=", 0
    if change != "=":
        return change, start - marker_len  # a bound or an approximation wins over up/down
    # up/down: "rose 5%", "fell by $2bn", "up 9.4 per cent", "plummeting 65%",
    # "grow sales by 35 per cent"
    if unit_kind in {"percent", "money", "measure", "none"}:
        k = start - marker_len - 1
        v = None
        if k >= sent_start and toks[k].lower_ == "by":
            v = toks[k].head if toks[k].head.pos_ in {"VERB", "AUX"} else (toks[k - 1] if k - 1 >= sent_start else None)
        elif k >= sent_start:
            v = toks[k]
        if v is not None and v.dep_ == "prt" and v.head.lemma_.lower() not in {
                "trend", "go", "move", "edge", "tick", "inch", "creep", "shoot", "head", "come", "be",
                "close", "end", "finish", "open", "trade", "push", "drift", "slip"}:
            v = None  # "gave up 517 yards"; but "trending up 0.2%", "closed down 1%"
        if v is not None:
            lem = v.lemma_.lower()
            if v.lower_ in {"up", "down"} and v.pos_ in {"ADV", "ADP", "PART", "ADJ"}:
                return ("up" if v.lower_ == "up" else "down"), start - marker_len
            if v.pos_ in {"VERB", "AUX"} or v.tag_.startswith("VB"):
                if lem in UP_LEMMAS or v.lower_ in {"rose", "grew"}:
                    return "up", start - marker_len
                if lem in DOWN_LEMMAS or v.lower_ in {"fell", "sank", "shrank"}:
                    if lem == "lose" and unit_kind == "none":
                        return change, start - marker_len
                    return "down", start - marker_len
    return change, start - marker_len


def _noun_run(toks, k: int, limit: int):
    """From token index ``k``: optional modifiers then a run of nouns. Returns
    (first token index of the run of nouns, last index) or None."""
    n = min(len(toks), limit)
    j = k
    if k < n and toks[k].lower_ in {"last", "next", "this", "past", "coming", "that", "per", "each", "a"}:
        return None  # "2.1 last year", "5 per cent"
    # skip adjectives / participles / nationality words before the noun
    while j < n and (toks[j].pos_ in {"ADJ"} or toks[j].tag_ in {"JJ", "JJR", "JJS", "VBN", "VBG"}
                     or (toks[j].pos_ == "PROPN" and toks[j].ent_type_ in {"NORP", "GPE"})
                     or (toks[j].lower_ in HYPHENS and not toks[j - 1].whitespace_)):
        if toks[j].tag_ in {"VBN", "VBG"} and toks[j].dep_ not in {"amod", "compound"}:
            if j > k and toks[j - 1].ent_type_ == "NORP":
                break  # "millions of Americans including ...": the verb starts after the counted people
            return None
        j += 1
        if j - k > 4:
            return None
    first = j
    if (j == n or toks[j].pos_ not in {"NOUN", "PROPN"}) and j > k and toks[j - 1].ent_type_ == "NORP" \
            and toks[j - 1].text.endswith("s"):
        return j - 1, j - 1  # "1,307,000 Americans"
    while j < n and (toks[j].pos_ in {"NOUN", "PROPN"} or toks[j].tag_ in {"NN", "NNS", "NNP", "NNPS"}):
        if toks[j].ent_type_ in {"DATE", "TIME"} and toks[j].lemma_.lower() not in TIME_UNITS:
            break
        j += 1
    if j == first:
        return None
    last = j - 1
    # prefer the head the parser attaches the run to (stop at the syntactic head)
    for m in range(first, last + 1):
        if toks[m].dep_ not in {"compound", "amod", "nmod"} or toks[m].head.i < toks[m].i:
            last = m
            break
    return first, last


def _singular(tok) -> str:
    lem = tok.lemma_
    if tok.text.isupper() and len(tok.text) > 1:
        return tok.text
    if tok.pos_ == "PROPN":
        base = lem if lem and lem.lower() != tok.lower_ else tok.text
        if base == tok.text and tok.text.endswith("s") and len(tok.text) > 3 and not tok.text.endswith("ss"):
            base = tok.text[:-1]
        return base
    return lem.lower() if lem else tok.lower_


def _read_unit(toks, num: _Num, sent_end: int):
    """Unit after the number. Returns (end token index (exclusive), unit surface, normalized,
    kind, head token index or None). kind: percent|money|measure|count|age|none."""
    n = sent_end
    k = num.j
    if num.suffix:
        suf = num.suffix
        sl = suf.lower()
        if sl in PERCENT_WORDS or sl == "pc":
            return k, suf, PERCENT_WORDS.get(sl, "percentage"), "percent", None
        meas = measure_of(suf)
        if meas:
            return _per(toks, k, n, suf, meas, "measure")
        if sl in AGE_WORDS:
            return k, suf, AGE_WORDS[sl], "age", None
        return k, suf, sl, "measure", None
    # "over the age of 21", "aged 21"
    b = num.i - 1
    if b >= 1 and toks[b].lower_ == "of" and toks[b - 1].lower_ == "age" or b >= 0 and toks[b].lower_ == "aged":
        return k, "age" if toks[b].lower_ == "of" else None, "year of age", "age", None
    if k >= n:
        return k, None, None, "none", None
    t = toks[k]
    low = t.lower_
    # percent
    if low in {"%", "percent", "pct", "pct."}:
        return k + 1, t.text, "percentage", "percent", None
    if low == "per" and k + 1 < n and toks[k + 1].lower_ == "cent":
        return k + 2, "per cent", "percentage", "percent", None
    if low == "percentage" and k + 1 < n and toks[k + 1].lower_ in {"point", "points"}:
        return k + 2, f"{t.text} {toks[k + 1].text}", "percentage point", "percent", None
    if low == "basis" and k + 1 < n and toks[k + 1].lower_ in {"point", "points"}:
        return k + 2, f"{t.text} {toks[k + 1].text}", "basis point", "percent", None
    # ages: "50-year-old", "50 year-old", "50 years old"
    for L in (4, 3, 2):
        if k + L <= n:
            seg = "".join(x.text + (x.whitespace_ and " ") for x in toks[k:k + L]).strip().lower()
            seg = seg.lstrip("-‐–").strip()
            if seg in AGE_WORDS:
                return k + L, _T.text[toks[k].idx:toks[k + L - 1].idx + len(toks[k + L - 1])].lstrip("-‐– "), AGE_WORDS[seg], "age", None
    # hyphenated compound modifier: "a 6.1-inch display" is a measure, "a six-cylinder engine" counts
    # cylinders; "a five-year plan", "a 30-day pause" are not quantities
    if low in HYPHENS and not toks[k - 1].whitespace_ and k + 1 < n and toks[k + 1].is_alpha \
            and not toks[k].whitespace_:
        meas = measure_of(toks[k + 1].text)
        if meas and meas not in TIME_UNITS and toks[k + 1].lower_ not in AMBIGUOUS_SHORT | {"point", "points"}:
            return k + 2, toks[k + 1].text, meas, "measure", None
        w = toks[k + 1]
        if (not meas or w.lower_ == "point") and w.tag_ == "NN" and w.lower_ not in {"old", "year", "time"} and len(w.text) > 2 \
                and k + 2 < n and toks[k + 2].pos_ in {"NOUN", "PROPN"}:
            # "a three-point shot", "six-cylinder engine": the number counts the noun after the hyphen
            return k + 2, w.text, w.lemma_.lower(), "count", None
        return k, None, None, "modifier", None
    # "6.5 times earnings", "three times"
    if low == "times" and t.tag_ in {"NNS", "CC", "RB", "IN"} | {t.tag_}:
        return k + 1, t.text, "multiple", "measure", None
    # currency code after the number: "110 JPY", "5 USD"; Reuters writes a rate's code with "=": "108.79 JPY="
    code = t.text[:-1] if len(t.text) == 4 and t.text.endswith("=") else t.text
    if code.isupper() and len(code) == 3 and currency_symbol(code):
        return _per(toks, k + 1, n, code, currency_symbol(code), "money")
    # currency noun, possibly qualified: "dollars", "Australian dollars", "Hong Kong dollars"
    for L in range(0, 3):
        if k + L < n:
            cw = currency_word(toks[k + L].text)
            if cw and all(x.text[:1].isupper() and x.is_alpha and not x.is_sent_start for x in toks[k:k + L]) \
                    and not (toks[k + L].lower_ in {"won", "real", "rand"} and L == 0 and toks[k + L].text.islower()):
                if toks[k + L].lower_ in {"pound", "pounds"} and L == 0:
                    break  # "208 pounds" is a weight
                quals = " ".join(x.text.lower() for x in toks[k:k + L])
                norm = cw
                if quals and quals not in {"us", "u.s."} and quals.split()[-1] not in cw:
                    norm = f"{quals} {toks[k + L].lemma_.lower() if toks[k + L].lemma_ else cw}"
                    if norm.endswith("s") and not norm.endswith("ss"):
                        norm = norm[:-1]
                    if cw == "krone":
                        norm = f"{quals} krone"
                surface = _T.text[toks[k].idx:toks[k + L].idx + len(toks[k + L])]
                return _per(toks, k + L + 1, n, surface, norm, "money")
    # measurement units, longest first: "square miles", "km/h", "nautical miles"
    for L in (3, 2, 1):
        if k + L <= n:
            seg_toks = toks[k:k + L]
            if any(x.is_punct and x.text not in {"/", "-"} for x in seg_toks) or \
                    any(x.text == "-" and (x.whitespace_ or toks[x.i - toks[0].i - 1].whitespace_) for x in seg_toks):
                continue
            joined = "".join(x.text + x.whitespace_ for x in seg_toks).strip()
            meas = measure_of(joined)
            if meas is None and L > 1:
                meas = measure_of(" ".join(x.text for x in seg_toks))
            if meas:
                sl = joined.lower()
                if L == 1 and sl in AMBIGUOUS_SHORT and toks[k - 1].whitespace_:
                    continue
                if L == 1 and sl in {"point", "points", "goal", "goals", "run", "runs"}:
                    break  # counted like any other noun below
                return _per(toks, k + L, n, joined, meas, "measure")
    return None


def _per(toks, k: int, n: int, surface: str, norm: str, kind: str):
    """Extend a unit with a rate: "per barrel", "a month", "per square foot", "barrel-a-day"."""
    if k + 3 < n and toks[k].text == "-" and toks[k + 1].lower_ in {"a", "an", "per"} and toks[k + 2].text == "-" \
            and not any(x.whitespace_ for x in toks[k - 1:k + 3]) and measure_of(toks[k + 3].text) in TIME_UNITS:
        # "a 52,000 barrel-a-day refinery": the rate written as one hyphenated word
        rate = _T.text[toks[k].idx:toks[k + 3].idx + len(toks[k + 3])]
        return k + 4, f"{surface}{rate}" if surface else rate.lstrip("-"), \
            f"{norm} per {measure_of(toks[k + 3].text)}", kind, None
    if k + 1 < n and toks[k].lower_ in {"per", "a", "an", "/", "each"}:
        for L in (2, 1):
            if k + 1 + L <= n:
                seg = toks[k + 1:k + 1 + L]
                joined = " ".join(x.text for x in seg)
                meas = measure_of(joined)
                is_noun = L == 1 and seg[0].tag_ in {"NN", "NNP"} and seg[0].is_alpha
                if k + 1 + L < n and toks[k + 1 + L].lower_ in {"earlier", "ago", "before", "later", "previously", "prior"}:
                    return k, surface, norm, kind, None  # "$6.78bn a year earlier"
                if toks[k].lower_ in {"a", "an"} and not (meas and meas in TIME_UNITS | {"gallon", "barrel", "litre", "ounce", "kilogram", "pound-mass"} or (is_noun and seg[0].lower_ in {"share", "head", "person", "piece", "unit", "night", "ticket"})):
                    continue
                if meas or is_noun:
                    end = toks[k + L].idx + len(toks[k + L])
                    unit_surface = _T.text[toks[k].idx - 0:end]
                    unit_surface = f"{surface} {unit_surface}" if surface else unit_surface
                    norm_rate = meas or seg[0].lemma_.lower()
                    return k + 1 + L, unit_surface, f"{norm} per {norm_rate}", kind, None
    return k, surface, norm, kind, None


def _counted(toks, num: _Num, sent_end: int, prev_units: list):
    """The noun a number counts: "40,000 troops", "12,000 North Korean soldiers",
    "hundreds of civilians", "16,100 of whom" (unit of the previous quantity)."""
    k = num.j
    n = sent_end
    if k < n and toks[k].lower_ == "of":
        # "16,100 of whom", "two of them": same unit as the previous quantity
        if k + 1 < n and toks[k + 1].lower_ in PRONOUN_OF and not (
                toks[k + 1].lower_ in {"those", "these"} and k + 2 < n
                and toks[k + 2].pos_ in {"NOUN", "PROPN", "ADJ"}):
            if prev_units:
                u = prev_units[-1]
                return k + 2, u[0], u[1], u[2], True
            return k + 2, None, None, None, True
        # "hundreds of civilians", "two of the soldiers"
        m = k + 1
        while m < n and (toks[m].pos_ in {"DET", "PRON"} and (toks[m].lower_ not in PRONOUN_OF or toks[m].lower_ in {"those", "these"})
                         or toks[m].pos_ == "NUM" and m > k + 1):
            m += 1  # "two of the five drones"
        if m + 1 < n and toks[m].lower_ in {"most", "least"} and toks[m + 1].pos_ == "ADJ":
            m += 1  # "one of the most spectacular catches"
        run = _noun_run(toks, m, n)
        if run:
            res = _unit_from_run(toks, m, run)
            if res is not None and any(toks[x].pos_ == "NUM" for x in range(k + 1, m)):
                # "two of the five drones": keep "five drones" for its own quantity
                return k, res[1], res[2], res[3], res[4]
            return res
        return None
    # the parser's attachment: number --nummod--> noun
    t_last = toks[num.j - 1]
    head = t_last.head
    if t_last.dep_ in {"nummod", "quantmod", "compound", "amod"} and head.i > t_last.i and head.i - toks[0].i < n \
            and head.pos_ in {"NOUN", "PROPN"} and head.i - t_last.i <= 6:
        hk = head.i - toks[0].i
        if all(toks[x].pos_ in {"ADJ", "NOUN", "PROPN", "PUNCT", "VERB", "ADV"} and toks[x].lower_ not in {",", "(", ")", "and", "or"}
               for x in range(k, hk)):
            run = _noun_run(toks, k, hk + 1)
            if run:
                return _unit_from_run(toks, k, (run[0], hk))
    run = _noun_run(toks, k, n)
    if run and run[0] == k:
        return _unit_from_run(toks, k, run)
    if run and num.is_words:
        return _unit_from_run(toks, k, run)
    return None


def _unit_from_run(toks, k: int, run):
    first, last = run
    head = toks[last]
    if head.lemma_.lower() in NOT_UNIT_LEMMAS or head.ent_type_ in {"DATE", "TIME"} and \
            head.lemma_.lower() not in TIME_UNITS:
        return None
    # unit as written: the head noun with its modifiers ("different bosses", "heart
    # transplants"), but nationality / place words stay out ("12,000 North Korean
    # soldiers" -> "soldiers"; they go to the subject). normalized: compound nouns + head.
    u0 = last
    while u0 - 1 >= k and toks[u0 - 1].ent_type_ not in {"NORP", "GPE", "LOC", "ORG", "PERSON"} and (
            toks[u0 - 1].pos_ in {"ADJ", "NOUN"} or toks[u0 - 1].tag_ in {"JJ", "JJR", "JJS", "VBN", "VBG", "NN", "NNS"}
            or (toks[u0 - 1].pos_ == "PROPN" and toks[u0 - 1].dep_ == "compound")
            or (toks[u0 - 1].text in HYPHENS and not toks[u0 - 1].whitespace_ and u0 - 2 >= k)):
        u0 -= 1
    c0 = u0
    while c0 < last and (toks[c0].pos_ in {"ADJ"} or toks[c0].tag_ in {"JJ", "JJR", "JJS", "VBN", "VBG"}
                         or toks[c0].text in HYPHENS):
        c0 += 1
    unit = _T.text[toks[u0].idx:head.idx + len(head)]
    norm_head = _singular(head)
    norm = (_T.text[toks[c0].idx:head.idx].lower() + norm_head) if c0 < last else norm_head
    meas = measure_of(head.text)
    if meas and u0 == last:
        norm = meas
    elif measure_of(unit):
        norm = measure_of(unit)
    subject = _T.text[toks[k].idx:head.idx + len(head)] if k <= last else None
    return last + 1, unit, norm, subject, False


def _excluded(toks, num: _Num, sent_start_tok: int, text: str) -> bool:
    """Numbers that are not quantities: dates, times, ordinals, parts of names."""
    t = toks[num.i]
    if num.suffix:
        sl = num.suffix.lower()
        if sl in ORDINAL_SUFFIX or sl in TIME_SUFFIX or sl in {"s", "'s"}:
            return True  # 82nd, 5pm, 1990s, "Channel 5s"
    # glued to letters or an identifier hyphen: "Su-34", "COVID-19", "F-16", "G7"
    start = t.idx
    if start > 0:
        c = _T.text[start - 1]
        if c.isalpha() and not num.cur:
            return True
        if c in "-‐–/" and start > 1 and _T.text[start - 2].isalnum():
            w0 = start - 1
            while w0 > 0 and _T.text[w0 - 1].isalnum():
                w0 -= 1
            word = _T.text[w0:start - 1]
            if word.lower() == "minus":
                num.value = -abs(num.value)
            elif word.lower() in {"sub", "under"}:
                num.bound = "<"
            elif word.lower() in {"over", "super"}:
                num.bound = ">"
            elif not word.islower() or any(ch.isdigit() for ch in word) or word.lower() in {"mid", "late", "early", "pre", "post"}:
                return True  # "Su-34", "COVID-19", "TA-125", "mid-2025"
        if c in "#№":
            return True
    end = toks[num.j - 1].idx + len(toks[num.j - 1])
    if end < len(_T.text) and _T.text[end] in ":" and end + 1 < len(_T.text) and _T.text[end + 1].isdigit():
        return True  # 10:27
    if ":" in t.text or t.text.count(".") > 1:
        return True
    nxt = toks[num.j].lower_ if num.j < len(toks) else ""
    if nxt in NEXT_TIME_WORDS:
        return True
    prv = toks[num.i - 1].lower_.rstrip(".") if num.i > 0 else ""
    if not num.is_words and (nxt.rstrip(".") in MONTHS or prv in MONTHS) and float(num.value).is_integer() \
            and (num.value <= 31 or 1000 <= num.value <= 2100):
        return True  # "14 Mar 2025", "March 29"
    return False


def _excluded_context(toks, num: _Num, kind: str, unit: str | None, sent_start: int) -> bool:
    t = toks[num.i]
    last = toks[num.j - 1]
    ent = t.ent_type_ or last.ent_type_
    if kind == "modifier":
        return True
    # "a quarter of voters" is a fraction even where the tagger sees a DATE ("a quarter")
    datelike = (num.is_words and not num.fraction) or (
        not num.cur and "," not in t.text and float(num.value).is_integer()
        and (0 < num.value <= 31 or 1000 <= num.value <= 2100))
    if ent in ENT_EXCLUDE and kind not in {"age", "money", "percent"} and datelike:
        u = (unit or "").split()[-1].lower() if unit else ""
        is_duration = (measure_of(u) or u.rstrip("s")) in TIME_UNITS
        other_measure = kind == "measure" and not is_duration
        if not is_duration and not other_measure:
            return True  # a date or a time, not a duration ("13 March", "2025", "August 5")
    if kind in {"money", "percent", "measure", "age"}:
        return False
    # year-like bare numeral: 1100-2100, no comma, nothing counted
    if not num.is_words and kind == "none" and re.fullmatch(r"1[1-9]\d\d|2[01]\d\d", t.text):
        return True
    yearlike = not num.is_words and re.fullmatch(r"1[1-9]\d\d|2[01]\d\d", t.text) is not None
    prev = toks[num.i - 1] if num.i > sent_start else None
    nxt = toks[num.j] if num.j < len(toks) else None
    prev_name = prev is not None and (prev.pos_ == "PROPN" or prev.text[:1].isupper() and prev.is_alpha) \
        and not currency_symbol(prev.text)
    # a decimal is an amount, never a label: "0.5 WAR", "2.5 F"
    unit_is_name = bool(kind == "count" and nxt is not None and unit and unit.startswith(nxt.text)
                        and float(num.value).is_integer()
                        and nxt.pos_ == "PROPN" and nxt.ent_type_ not in {"NORP", "GPE", "LOC"}
                        and not (num.is_words and unit.split()[-1].islower()))  # "four FA Cup finals" counts
    singular_unit = bool(unit) and not unit.lower().endswith("s")
    if kind == "count" and yearlike and (singular_unit or prev_name or (prev is not None and prev.tag_ in {"PRP$", "POS"})):
        return True  # "2019 review", "Keytruda's 2018 sales"
    if kind == "count" and nxt is not None and nxt.pos_ == "PROPN" and nxt.text[:1].isupper() \
            and nxt.ent_type_ not in {"NORP", "GPE", "LOC"} and re.fullmatch(r"\d{1,4}", t.text):
        return True  # "737 Max jets", "11 Pro cameras", "575 Wilbraham Road"
    if kind == "count" and prev is not None and prev.lower_ in {"a", "an"} and singular_unit \
            and not num.is_words:
        return True  # "a 911 caller", "a 2-1 margin": a label, not a count
    if kind == "count" and unit_is_name:
        return True  # "787 Dreamliner", "575 Wilbraham Road", "iPhone 12 Mini deal"
    # part of a name: "iPhone 11", "Big 12", "Fortune 100", "Brigade 155", "Article 5"
    if prev is not None and kind in {"none", "count"} and not num.is_words:
        if prev_name and (kind == "none" or singular_unit):
            return True
        if prev.lower_ in NUMBERED_LABELS:
            return True
    if nxt is not None and kind == "none" and not num.is_words:
        if nxt.pos_ == "PROPN" and nxt.text[:1].isupper() and nxt.ent_type_ not in {"NORP"}:
            return True  # "11 Pro", "3 Series"
    if num.is_words and kind == "none" and not num.fraction:
        return True  # "each one", "the top three", "one another"
    return False


def _subject(toks, num: _Num, kind: str, unit_subject: str | None, end_k: int, sent_end: int):
    if unit_subject:
        return unit_subject
    doc = toks.doc
    n = sent_end
    # "5% of its workforce", "$2bn of aid"
    if end_k + 1 < n and toks[end_k].lower_ == "of":
        m = end_k + 1
        run = _noun_run(toks, m + (1 if toks[m].pos_ in {"DET", "PRON"} else 0), n)
        if run:
            return _T.text[toks[m].idx:toks[run[1]].idx + len(toks[run[1]])]
    # nominal subject of the verb governing the number
    tok = toks[num.j - 1]
    seen = 0
    while tok.head.i != tok.i and seen < 6:
        tok = tok.head
        seen += 1
        if tok.pos_ in {"VERB", "AUX"}:
            for ch in tok.children:
                if ch.dep_ in {"nsubj", "nsubjpass"} and ch.pos_ in {"NOUN", "PROPN"} and ch.is_alpha \
                        and not (toks[num.i].i <= ch.i <= toks[end_k - 1].i if end_k > num.i else False):
                    left = min(x.i for x in ch.subtree if x.dep_ in {"det", "amod", "compound", "poss", "nmod"} or x.i == ch.i)
                    return _T.text[doc[left].idx:ch.idx + len(ch)]
            break
    return None


def _sentence_index(sentences: list[Sentence], starts: list[int], pos: int) -> int:
    k = bisect.bisect_right(starts, pos) - 1
    return max(0, k)


def _claim_index(claims: list[Claim], sent_idx: int, start: int, end: int) -> int | None:
    best, best_len = None, None
    for ci, c in enumerate(claims):
        if c.content_start is None or c.content_end is None:
            continue
        if c.content_start <= start and end <= c.content_end:
            length = c.content_end - c.content_start
            if best is None or length < best_len:
                best, best_len = ci, length
    return best


def _read_range(toks, num: _Num, sent_end: int) -> int:
    """Token index after the upper end of a range ("10-15", "1 to 1.5", "$3bn to $5bn"),
    or ``num.j`` when none."""
    k = num.j
    n = sent_end
    if k + 1 >= n:
        return k
    sep = toks[k].lower_
    if sep in HYPHENS or sep == "to" or (sep in {"and", "or"} and num.i > 0 and toks[num.i - 1].lower_ == "between") \
            or (sep == "or" and num.is_words):
        from_to = False
        if sep == "to":
            # "increased by $43.6bn to $419.2bn": two values (the change, then the level);
            # "rose from 240 to 273", "prices range from $370,000 to $5.5 million": one range
            b = num.i - 1
            while b >= 0 and (toks[b].text in CURRENCY_SYMBOLS or toks[b].text in {"US", "HK", "A", "C"}
                              or toks[b].lower_ in {"about", "around", "roughly", "some", "approximately"}):
                b -= 1
            bare = num.j - num.i == 1 and not num.cur and not num.suffix and k + 1 < n \
                and toks[k + 1].text not in CURRENCY_SYMBOLS
            if b >= 0 and toks[b].lower_ == "by" and not bare:
                return k
            from_to = b >= 0 and toks[b].lower_ == "from"
        m = k + 1
        if m < n and (currency_symbol(toks[m].text) and toks[m].text in CURRENCY_SYMBOLS):
            m += 1
        if m < n:
            other = _read_number(toks, m)
            if other is not None and sep in HYPHENS and not num.cur and not toks[k - 1].whitespace_ \
                    and not toks[k].whitespace_ and float(num.value).is_integer() \
                    and float(other.value).is_integer() and other.value <= num.value and other.j == m + 1:
                num.score = True  # "2-0", "89-89": a score, not a range
                return other.j
            if other is not None and (other.is_words == num.is_words or sep not in HYPHENS):
                if sep in HYPHENS and (toks[k - 1].whitespace_ or toks[k].whitespace_) and not num.cur \
                        and not (sep == "–" and toks[k - 1].whitespace_ and toks[k].whitespace_):
                    return k  # "2 - 0", but "25 – 40min" is a range
                if other.value >= num.value or sep != "to" or from_to:
                    if other.suffix and num.suffix is None:
                        num.suffix = other.suffix
                    # "1 to 1.5 million", "US $89 to $93 billion": scale of the upper end applies to both
                    base = parse_digits(toks[m].text)
                    if base and other.value > base and num.j - num.i == 1 and num.value < base:
                        num.value *= other.value / base
                    # "slow from 4.8 to 4.7 percent": the range of both levels, lower end first
                    num.value, num.upper = min(float(other.value), float(num.value)), \
                        max(float(other.value), float(num.value))
                    return other.j
    return k


def extract_quantities(doc, sentences: list[Sentence], claims: list[Claim]) -> list[Quantity]:
    """One ``Quantity`` per numeric expression of ``doc`` (see the module docstring)."""
    out: list[Quantity] = []
    starts = [s.start_char for s in sentences]
    text = doc.text
    _T.text = text  # doc.text rebuilds the string on every access: read it once
    prev_units: list[tuple[str | None, str | None, str | None]] = []  # antecedents of "of whom"
    para = None
    for s_idx, sent in enumerate(sentences):
        if sent.paragraph_index != para:
            para, prev_units = sent.paragraph_index, []
        span = doc.char_span(sent.start_char, sent.end_char, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        toks = span  # a Span: toks[k] is a Token, toks.doc the Doc
        phones = [(m.start() + sent.start_char, m.end() + sent.start_char) for m in PHONE.finditer(sent.text)]
        n = len(toks)
        prev_end = None
        i = 0
        while i < n:
            num = _read_number(toks, i)
            if num is None:
                i += 1
                continue
            if _excluded(toks, num, 0, text):
                i = num.j
                continue
            if num.is_words and toks[i].lower_ == "one" and num.j < n and toks[num.j].lower_ == "of" and (
                    num.j + 1 >= n or toks[num.j + 1].pos_ != "DET" or toks[i].ent_type_ in ENT_EXCLUDE):
                i = num.j  # "one of them", "one of these days"; but "one of the best screens" counts one
                continue
            tok_start = toks[num.i].idx
            if any(a <= tok_start < b for a, b in phones):
                i = num.j
                continue
            # currency before the number
            cur_surface, cur_norm, first = num.cur, num.cur_norm, num.i
            cb = _cur_before(toks, num.i)
            if cb and not cur_norm:
                first, cur_surface, cur_norm = cb
            if first > 0 and toks[first - 1].lower_ == "minus" and num.value < 0:
                first -= 1  # "about minus 387 Fahrenheit": the sign word is part of the number
            # range
            range_end = _read_range(toks, num, n)
            after = num.j
            num.j = range_end
            unit = norm = subject = None
            head_i = None
            kind = "none"
            res = _read_unit(toks, num, n)
            end_k = num.j
            if res is not None:
                end_k, unit, norm, kind, head_i = res
            if cur_norm:
                # money: "$5", "€3m", "USD 10", "US$ 58.24 per barrel"
                kind = "money"
                money_unit = cur_surface
                money_norm = cur_norm
                if res is not None and res[3] == "money":
                    pass  # "$5 Australian dollars" -- keep the written noun
                else:
                    tmp = _per(toks, num.j, n, money_unit, money_norm, "money")
                    end_k, unit, norm = max(tmp[0], num.j), tmp[1], tmp[2]
                    if tmp[0] == num.j:
                        end_k = num.j
            counted_of = False
            if kind == "none":
                cres = _counted(toks, num, n, prev_units)
                if cres is not None:
                    end_k, unit, norm, subject, counted_of = cres
                    if num.fraction:
                        # a share of a whole: "a third of the Britian population" -> "% Britian population";
                        # "half of which": a share of the thing named before, no unit of its own
                        if counted_of:
                            unit = norm = None
                        elif unit and subject:
                            unit, norm = f"% {subject}", f"% {norm}"
                    kind = "count" if unit else "none"
                    if unit and measure_of(unit) and unit.lower() not in {"point", "points"}:
                        kind = "measure"
                    if unit and not counted_of and end_k < n and toks[end_k].lower_ == "per":
                        # "three thousand tests per day": a rate of the counted thing
                        end_k, unit, norm = _per(toks, end_k, n, unit, norm, kind)[:3]
            if num.plural_scale and kind == "none":
                i = max(num.j, i + 1)
                continue
            if num.score and kind == "none":
                i = max(num.j, i + 1)
                continue
            if _excluded_context(toks, num, kind, unit, 0) and not counted_of:
                i = max(num.j, i + 1)
                continue
            if num.is_words and toks[num.i].lower_ == "one" and kind == "count" and num.i > 0 and toks[num.i - 1].lower_ in {"no", "any", "every", "each", "the", "this", "that"}:
                i = max(end_k, i + 1)
                continue
            change, marker_i = _change(toks, first, kind if kind != "age" else "none", 0)
            if change == "=":
                if num.sign == "~":
                    change = "~"
                elif num.sign == "+":
                    change = "up"
                elif num.bound:
                    change = num.bound
            # a conversion in brackets inherits the bound: "more than 7.5m crowns (US$1.1m)"
            if first > 0 and toks[first - 1].text in {"(", "/"} and out and prev_end is not None \
                    and 0 <= toks[first - 1].idx - prev_end <= 2 and change == "=":
                change = out[-1].change
            start_char = toks[first].idx
            last_tok = toks[max(end_k, num.j) - 1]
            end_char = last_tok.idx + len(last_tok)
            if unit and unit.endswith(".") and last_tok.text.endswith(".") and len(unit) > 1 \
                    and (measure_of(unit[:-1]) or currency_word(unit[:-1]) or max(end_k, num.j) == n
                         and "." not in unit[:-1]):
                # "7.5 km/h.", "125.8 p.", "16 billion b." at the end of a sentence: the full stop is not the unit's
                unit, end_char = unit[:-1], end_char - 1
                if norm and norm.endswith("."):
                    norm = norm[:-1]
            if subject is None:
                subject = _subject(toks, num, kind, None, end_k, n)
            value = float(num.value)
            q = Quantity(
                sentence_index=_sentence_index(sentences, starts, start_char),
                surface=text[start_char:end_char],
                value=value,
                start_char=start_char,
                end_char=end_char,
                unit=unit,
                normalized_unit=norm,
                change=change,
                subject=subject,
                value_max=float(num.upper) if num.upper is not None and not num.score else None,
            )
            q.claim_index = _claim_index(claims, q.sentence_index, start_char, end_char)
            out.append(q)
            if kind == "count" and unit:
                prev_units.append((unit, norm, subject))
            prev_end = end_char
            i = max(end_k, num.j, after, i + 1)
    return _merge_ranges(out, text)


def _merge_ranges(qs: list[Quantity], text: str) -> list[Quantity]:
    """Join "between 5% and 6%", "$3 billion to $5 billion", "1 per cent to 1.5 per cent"
    into one quantity (lower bound as value, the whole range as surface)."""
    out: list[Quantity] = []
    for q in qs:
        if out:
            p = out[-1]
            between = text[p.end_char:q.start_char].strip().lower()
            before = text[max(0, p.start_char - 40):p.start_char].rstrip().lower()
            same_unit = p.normalized_unit is not None and p.normalized_unit == q.normalized_unit
            # "between $62 and $68 per share": the rate written once, after the upper end
            rate = p.normalized_unit is not None and q.normalized_unit is not None \
                and q.normalized_unit.startswith(p.normalized_unit + " per ")
            same_unit = same_unit or rate
            # "dropping from 208 pounds to 193": both levels, the unit written once after the first
            from_to = between == "to" and re.search(r"\bfrom$", before) is not None \
                and p.normalized_unit is not None and (q.normalized_unit is None or q.normalized_unit == p.normalized_unit) \
                and p.value_max is None and q.value_max is None
            ok = False
            if from_to and p.sentence_index == q.sentence_index:
                ok = True
            elif same_unit and p.sentence_index == q.sentence_index and q.value >= p.value:
                if between == "and" and before.endswith("between"):
                    ok = True
                elif between in {"to", "-", "–", "—"}:
                    prev_word = before.split()[-1] if before.split() else ""
                    ok = prev_word != "by"
            if ok:
                p.end_char = q.end_char
                p.surface = text[p.start_char:p.end_char]
                p.value_max = q.value_max if q.value_max is not None else q.value
                if p.value_max < p.value:
                    p.value, p.value_max = p.value_max, p.value
                if rate:
                    p.unit, p.normalized_unit = q.unit, q.normalized_unit
                if p.change == "=":
                    p.change = q.change
                if p.claim_index is None:
                    p.claim_index = q.claim_index
                continue
        out.append(q)
    return out
