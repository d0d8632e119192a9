"""Named mentions of a parsed document, with a rule layer over spaCy's NER and
in-document canonical names.

``extract_entities(doc, sentences)`` keeps spaCy's named entities (PERSON, ORG, GPE, LOC,
NORP, FAC, EVENT, WORK_OF_ART, LAW, PRODUCT; numeric and date labels are dropped),
cut at paragraph breaks and trimmed (leading "the", possessive "'s", titles and roles
before person names: "President Volodymyr Zelensky" -> "Volodymyr Zelensky").
Offsets are those of the trimmed text.

Place fixes (en_core_web_sm tags "Kursk" PRODUCT and "Kyiv" PERSON on the seeds):

1. context: a mention followed by an administrative noun ("Kursk region", "Donetsk
   Oblast", "Sumy province"), ending with one, or a one-word mention right after a
   locative preposition ("in Kyiv", "near Sudzha", "towards Pokrovsk"; not before "'s")
   is a place; such a context is a *strong* place vote for its surface;
2. propagation: every mention of a surface (compared with ``canonical_key``) that is a
   place by context somewhere in the document, or that spaCy tags GPE/LOC at least as
   often as it tags it with a confusable label (PERSON, PRODUCT, WORK_OF_ART, FAC,
   EVENT, LAW, ORG; upper-case acronyms only by context), takes the place label;
3. a confusable one-word mention whose surface heads a "<X> Oblast/region" name in the
   document is GPE;
4. a short list of world capitals (``CAPITALS``, no regions or towns) is GPE when the
   model gives them a confusable label: capitals are often used as actors ("Kyiv
   said"), where no preposition helps. This is the only gazetteer.

None of 1-4 applies to a word that is part of a full person name in the document
("Angelica Evans" -> "according to Evans" stays PERSON); conversely a one-word ORG/NORP
mention that is a word of a full person name is PERSON ("Trump" tagged ORG next to
"Donald Trump").

``canonical`` (within the document): a person's name maps to the most frequent full
name that contains it, surname matches first ("Zelensky" -> "Volodymyr Zelensky",
"Clinton" -> "Hillary Clinton" when she is mentioned more than Bill Clinton); an acronym
maps to its expansion when the document defines it ("the Institute for the Study of
War (ISW)") or uses a long name whose capital initials spell it; other mentions keep
their trimmed text.

Across the corpus, ``resolve_names`` maps these in-document names (and the speakers of
claims) to one canonical name per entity; the pipeline stores the result in
``core.entity_names`` and rewrites ``canonical`` with it.

``canonical_key(name)`` normalises spellings for cross-document merging: lower case,
no diacritics or punctuation, no leading "the", no titles, doubled final letters
collapsed ("Zelenskyy" ~ "Zelensky").
"""
from __future__ import annotations

import bisect
import functools
import re
import unicodedata

from claimhouse.types import Entity, Sentence

LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"}
PLACE = {"GPE", "LOC"}
# labels the small English model gives to place names it does not know
CONFUSABLE = {"PERSON", "PRODUCT", "WORK_OF_ART", "FAC", "EVENT", "LAW", "ORG"}
PLACE_NOUNS = {"region", "regions", "oblast", "oblasts", "province", "provinces", "district",
               "districts", "raion", "county", "governorate", "krai", "prefecture", "canton"}
# after these the one-word name is a place, not a person
LOCATIVE = {"in", "near", "outside", "towards", "toward", "into", "inside", "across",
            "throughout"}
# A small general list of capitals that the small model takes for people or products
# (a gazetteer of world capitals only, no regions or towns: those are caught by the
# context rules above).
CAPITALS = {
    "kyiv", "kiev", "moscow", "washington", "london", "paris", "berlin", "beijing", "tokyo",
    "warsaw", "minsk", "vilnius", "riga", "tallinn", "helsinki", "stockholm", "oslo",
    "copenhagen", "brussels", "amsterdam", "vienna", "prague", "budapest", "bratislava",
    "bucharest", "sofia", "belgrade", "zagreb", "ljubljana", "athens", "rome", "madrid",
    "lisbon", "dublin", "bern", "ankara", "tbilisi", "yerevan", "baku", "chisinau", "tehran",
    "baghdad", "damascus", "beirut", "amman", "riyadh", "doha", "cairo", "jerusalem",
    "kabul", "islamabad", "delhi", "new delhi", "pyongyang", "seoul", "taipei", "hanoi",
    "bangkok", "jakarta", "manila", "canberra", "ottawa", "mexico city", "brasilia",
    "buenos aires", "nairobi", "pretoria", "abuja", "addis ababa", "astana", "tashkent",
}

# titles and roles dropped from the front of person names
TITLES = {
    "president", "vice", "prime", "minister", "ministers", "chancellor", "secretary",
    "general", "gen", "gen.", "lt", "lt.", "col", "col.", "maj", "maj.", "capt", "capt.",
    "commander", "admiral", "marshal", "colonel", "major", "captain", "lieutenant", "sergeant",
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "professor",
    "sir", "dame", "lord", "lady", "king", "queen", "prince", "princess", "pope", "saint",
    "st.", "sen", "sen.", "senator", "rep", "rep.", "representative", "congressman",
    "congresswoman", "governor", "gov", "gov.", "mayor", "ambassador", "envoy", "spokesman",
    "spokeswoman", "spokesperson", "analyst", "analysts", "expert", "experts", "adviser",
    "advisor", "chief", "head", "director", "deputy", "foreign", "defence", "defense",
    "interior", "finance", "justice", "security", "economy", "state", "senior", "former",
    "acting", "then", "late", "ukrainian", "russian", "us", "u.s.", "american", "british",
    "estonian", "german", "french", "chairman", "chairwoman", "chair", "ceo", "founder",
    "presidential", "military", "researcher", "correspondent", "reporter", "journalist",
    "commentator", "officer", "official", "leader", "judge", "justice", "attorney",
    "patriarch", "archbishop", "bishop", "rev", "rev.", "reverend", "sheikh", "emir", "crown",
}
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")


def _strip_accents(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=65536)
def canonical_key(name: str, titles: bool = True) -> str:
    """A key that is equal for spelling variants of one name across documents:
    lower case, no diacritics, no punctuation, no leading "the", no titles (unless
    ``titles`` is false: "Ukrainian Armed Forces" is not "Russian Armed Forces"), doubled
    final letters collapsed ("Zelenskyy" ~ "Zelensky" -> "volodymyr zelensky")."""
    s = _strip_accents(name or "").casefold()
    s = s.replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s]", " ", s)
    words = s.split()
    while words and words[0] == "the":
        words = words[1:]
    while titles and len(words) > 1 and words[0].rstrip(".") in TITLES | {t.rstrip(".") for t in TITLES}:
        words = words[1:]
    out = []
    for w in words:
        while len(w) > 3 and w[-1] == w[-2] and w[-1].isalpha():
            w = w[:-1]
        out.append(w)
    return " ".join(out)


def _trim(text: str, start: int, end: int, label: str) -> tuple[int, int]:
    """Character span of a mention without leading "the", trailing possessive and, for
    people, leading titles and roles."""
    seg = text[start:end]
    m = LEADING_THE.match(seg)
    if m:
        start += m.end()
        seg = text[start:end]
    m = POSSESSIVE.search(seg)
    if m and end - start > len(m.group(0)):
        end -= len(m.group(0))
        seg = text[start:end]
    if label == "PERSON":
        while True:
            m = re.match(r"^(\S+)\s+", seg)
            if not m or m.group(1).casefold() not in TITLES:
                break
            start += m.end()
            seg = text[start:end]
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ")":
        end -= 1
    return start, end


def _acronym_of(long_form: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", long_form) if w]
    return "".join(w[0] for w in words if w[0].isupper())


DEFINED_ACRONYM = re.compile(
    r"((?:[A-Z][\w&'’.-]*)(?:\s+(?:of|for|the|and|on|in|to|de|du|des|la|[A-Z][\w&'’.-]*))*)\s*\(([A-Z][A-Za-z&]{1,9})\)")


def _acronyms(doc_text: str, names: list[str]) -> dict[str, str]:
    """Acronym -> long form, from "Long Form (ACR)" in the text, or from a long name in
    the document whose capital initials spell the acronym."""
    out: dict[str, str] = {}
    for m in DEFINED_ACRONYM.finditer(doc_text):
        long_form, acr = m.group(1), m.group(2)
        words = long_form.split()
        # take the shortest suffix of the capitalised run whose initials give the acronym
        for a in range(len(words)):
            cand = " ".join(words[a:])
            if cand.split()[0].lower() in {"the", "of", "for", "and"}:
                continue
            if _acronym_of(cand).upper() == acr.upper().replace("&", ""):
                out[acr] = LEADING_THE.sub("", cand)
                break
    for n in names:
        if len(n.split()) >= 2:
            acr = _acronym_of(n)
            if len(acr) >= 2 and acr not in out and acr in names:
                out[acr] = n
    return out


def extract_entities(doc, sentences: list[Sentence]) -> list[Entity]:
    """One ``Entity`` per named mention of ``doc`` (see the module docstring)."""
    text = doc.text
    starts = [s.start_char for s in sentences]
    mentions = []  # [start, end, label, ent]
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        s, e = ent.start_char, ent.end_char
        if "\n" in text[s:e]:  # never across a paragraph break
            e = s + text[s:e].index("\n")
        s, e = _trim(text, s, e, ent.label_)
        if e <= s or not any(ch.isalpha() for ch in text[s:e]):
            continue
        mentions.append([s, e, ent.label_, ent])

    # words of full person names ("Angelica Evans" -> "Evans" is a person)
    person_words = set()
    for s, e, label, _ in mentions:
        if label == "PERSON" and len(text[s:e].split()) > 1:
            person_words.update(canonical_key(w) for w in text[s:e].split())

    # rules 1-2: context. A mention fixed by context is a strong place vote.
    strong = [False] * len(mentions)
    for idx, m in enumerate(mentions):
        s, e, label, ent = m
        nxt = doc[ent.end] if ent.end < len(doc) else None
        prv = doc[ent.start - 1] if ent.start > 0 else None
        last_word = text[s:e].split()[-1].lower()
        context = (
            (nxt is not None and nxt.lower_ in PLACE_NOUNS)  # "Kursk region", "Donetsk Oblast"
            or last_word in {"region", "oblast", "province", "oblast's"}  # inside the mention
            or (len(ent) == 1 and label != "ORG" and prv is not None and prv.lower_ in LOCATIVE
                and not (nxt is not None and nxt.text in {"'s", "’s"}))  # "in Kyiv", "near Sudzha"
        )
        if context and (label in CONFUSABLE or label in PLACE) and canonical_key(text[s:e]) not in person_words:
            strong[idx] = True
            if label not in PLACE:
                m[2] = "GPE"

    # rule 3: vote per surface. Places win when place votes (spaCy GPE/LOC mentions and
    # context-fixed mentions) are at least as many as the confusable labels.
    votes: dict[str, list[int]] = {}
    place_label: dict[str, str] = {}
    strong_keys = set()
    for idx, (s, e, label, ent) in enumerate(mentions):
        key = canonical_key(text[s:e])
        v = votes.setdefault(key, [0, 0])
        if label in PLACE:
            v[0] += 1
            place_label.setdefault(key, label)
            if strong[idx]:
                strong_keys.add(key)
        elif label in CONFUSABLE:
            v[1] += 1
    # rule 4: a one-word PERSON that names a place elsewhere as "<X> region/oblast/..."
    region_names = set()
    for s, e, label, _ in mentions:
        words = text[s:e].split()
        if label in PLACE and len(words) > 1 and all(w.lower() in PLACE_NOUNS for w in words[1:]):
            region_names.add(canonical_key(words[0]))
    for idx, m in enumerate(mentions):
        key = canonical_key(text[m[0]:m[1]])
        one_word = " " not in text[m[0]:m[1]].strip()
        if m[2] in CONFUSABLE and key in place_label and key not in person_words \
                and (key in strong_keys or (votes[key][0] >= votes[key][1] and not text[m[0]:m[1]].isupper())):
            m[2] = place_label[key]  # a place by context somewhere, or mostly a place
        elif m[2] in CONFUSABLE and one_word and key in region_names and key not in person_words:
            m[2] = "GPE"  # "Kursk" next to "Kursk Oblast"
        elif m[2] in CONFUSABLE and key in CAPITALS and key not in person_words:
            m[2] = "GPE"
        elif m[2] in {"ORG", "NORP"} and one_word and key in person_words \
                and not strong[idx] and votes.get(key, [0, 0])[0] <= 1:
            m[2] = "PERSON"  # "Trump" tagged ORG next to "Donald Trump"

    # canonical names
    names = [text[s:e] for s, e, _, _ in mentions]
    acr = _acronyms(text, names)
    # full person names with their mention counts and first position
    full: dict[str, list[int]] = {}
    for s, e, label, ent in mentions:
        if label == "PERSON":
            nm = _clean_name(text[s:e])
            span = doc.char_span(s, e, alignment_mode="expand")
            # only names made of proper nouns: not headline debris like "Obama Says"
            if span is not None and any(t.pos_ not in {"PROPN", "PUNCT"} and t.is_alpha for t in span):
                continue
            if len(nm.split()) > 1:
                f = full.setdefault(nm, [0, s])
                f[0] += 1
    out: list[Entity] = []
    resolved: dict[str, str] = {}
    for s, e, label, _ in mentions:
        name = _clean_name(text[s:e])
        canonical = name
        if label == "PERSON" and name in resolved:
            canonical = resolved[name]
        elif label == "PERSON":
            # the most frequent full name that contains this one (ties: the shorter, then
            # the first introduced): "Clinton" -> "Hillary Clinton", not "Bill Clinton"
            toks = name.split()
            cands = [(c, f) for c, f in full.items() if len(c.split()) >= len(toks) and _contains(c.split(), toks)]
            if cands:
                # surname matches first ("Clinton" -> "Hillary Clinton", not "Clinton Plan")
                ends = [cf for cf in cands if canonical_key(cf[0].split()[-1]) == canonical_key(toks[-1])]
                canonical = min(ends or cands, key=lambda cf: (-cf[1][0], len(cf[0].split()), cf[1][1]))[0]
            resolved[name] = canonical
        elif name in acr:
            canonical = acr[name]
        k = bisect.bisect_right(starts, s) - 1
        out.append(Entity(sentence_index=max(0, k), text=text[s:e], label=label, canonical=canonical,
                          start_char=s, end_char=e))
    return out


def _clean_name(name: str) -> str:
    return " ".join(re.sub(r"[\[\]{}]", "", name).split())


def _contains(longer: list[str], shorter: list[str]) -> bool:
    """``shorter`` occurs in ``longer`` as a contiguous run of words, compared with
    ``canonical_key`` ("Zelenskyy" inside "Volodymyr Zelensky")."""
    lk = [canonical_key(w) for w in longer]
    sk = [canonical_key(w) for w in shorter]
    n = len(sk)
    return any(lk[i:i + n] == sk for i in range(len(lk) - n + 1))


# ---------------------------------------------------------------- across the corpus
PERSONISH = {"PERSON", "ORG"}  # labels under which the small model files people's surnames


def resolve_names(names: list[tuple[str, str, int]]) -> dict[str, tuple[str, str]]:
    """One canonical name per entity across the corpus.

    ``names`` holds (name, label, mentions) for every in-document canonical name (and
    every speaker name). Returns name -> (corpus canonical, label) for every name given:

    1. spellings with the same ``canonical_key`` are one entity ("Volodymyr Zelenskyy",
       "President Volodymyr Zelensky", "The Telegraph" / "Telegraph"); its name is the
       most mentioned spelling (ties: the longer, then the first in order), its label
       the most mentioned label;
    2. a person's name that is a contiguous part of longer person names ("Zelensky",
       "Trump" tagged ORG) joins the most mentioned of them whose last word matches its
       last word, when that one has at least twice the mentions of the next candidate
       (so a lone "Clinton" between Hillary and Bill Clinton stays apart) and, for a
       one-word ORG, at least as many mentions as the ORG reading;
    3. an upper-case ORG acronym ("ISW") joins the most mentioned multi-word ORG name
       whose capital initials spell it ("Institute for the Study of War").
    """
    groups: dict[str, dict] = {}
    for name, label, n in names:
        if not name:
            continue
        key = canonical_key(name, titles=label == "PERSON")
        if not key:
            continue
        g = groups.setdefault(key, {"spell": {}, "label": {}, "n": 0})
        g["spell"][name] = g["spell"].get(name, 0) + n
        g["label"][label] = g["label"].get(label, 0) + n
        g["n"] += n
    for g in groups.values():
        g["name"] = max(g["spell"].items(), key=lambda kv: (kv[1], len(kv[0])))[0]
        g["lab"] = max(g["label"].items(), key=lambda kv: (kv[1], kv[0] == "PERSON"))[0]
    target: dict[str, str] = {k: k for k in groups}
    persons = {k: g for k, g in groups.items() if g["lab"] == "PERSON" and len(k.split()) > 1}
    by_last: dict[str, list[str]] = {}
    for k in persons:
        by_last.setdefault(k.split()[-1], []).append(k)
    by_acronym: dict[str, list[str]] = {}  # capital initials -> multi-word ORG names (computed once each)
    for k, g in groups.items():
        if g["lab"] == "ORG" and len(g["name"].split()) > 1:
            by_acronym.setdefault(_acronym_of(LEADING_THE.sub("", g["name"])).upper(), []).append(k)
    for k, g in groups.items():
        words = k.split()
        if g["lab"] in PERSONISH and k not in persons:
            cands = [c for c in by_last.get(words[-1], []) if c != k and _contains(c.split(), words)]
            cands.sort(key=lambda c: -groups[c]["n"])
            if cands and (len(cands) == 1 or groups[cands[0]]["n"] >= 2 * groups[cands[1]]["n"]):
                best = cands[0]
                if g["lab"] == "PERSON" or (len(words) == 1 and g["label"].get("PERSON", 0) + groups[best]["n"]
                                            >= g["label"].get("ORG", 0)):
                    target[k] = best
                    continue
        if g["lab"] == "ORG" and len(words) == 1 and g["name"].isupper() and 2 <= len(g["name"]) <= 8:
            longs = by_acronym.get(g["name"], [])
            if longs:
                target[k] = max(longs, key=lambda c: groups[c]["n"])
    out: dict[str, tuple[str, str]] = {}
    for k, g in groups.items():
        t = groups[target[k]]
        label = "PERSON" if t["lab"] == "PERSON" else g["lab"] if target[k] == k else t["lab"]
        for spelling in g["spell"]:
            out[spelling] = (t["name"], label)
    return out
