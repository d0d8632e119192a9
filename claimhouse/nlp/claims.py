"""Claim extraction: attributions (who said what, through which cue) and assertions.

``extract_claims(doc, sentences)`` works on the dependency parse of the whole clean
document (paragraphs separated by ``\\n``) plus a small lexicon (``lexicon.py``).
No Dagster, no I/O.

Attributions
    A cue is a reporting verb (by lemma, ``lexicon.CUE_VERBS``) outside quotation marks,
    or one of the multi-word cues "according to", "as per", "As X notes,", "in a
    statement", "has learned", "citing". The source is the grammatical speaker (subject,
    passive agent, pobj of "according to"), with its compounds and appositions. The
    content is, in order of preference: the clausal complement ("X said (that) ..."),
    the rest of the clause when the cue is parenthetical ("..., X said."), the direct
    object for verbs such as confirm/deny/cite, or an adjacent quotation (before the
    cue, or after "said:"). Content that lies inside quotation marks is widened to the
    whole quotation, and an unbroken quotation of the same speaker that goes on in the
    next sentence(s) or paragraph(s) is joined to it. Cues inside quotation marks are not
    used (a quotation's own "he said" belongs to the quoted speaker).

    The cue takes the auxiliaries, negation and adverbs right before the verb ("has repeatedly
    said", "did not say") and a preposition that introduces the content ("warned against X",
    "spoke about X"). Reporting nouns with a 'that' clause are cues too ("Trump's claim that
    ...", "warnings from officials that ..."; ``lexicon.CUE_NOUNS``), and so are stance verbs
    ("Clinton wants to ...", ``lexicon.STANCE_VERBS``) when the verb has its own person,
    group or organisation subject. An attribution whose cue lies inside another attribution's
    content is part of what the outer source reports and is dropped ("Police say he refused to
    drop the gun": no claim by "he"), unless its cue is a speech verb (``lexicon.NESTED_CUES``:
    "Aides said Clinton told donors that ...").

    Paragraph-level formats are recognised as well: transcript lines ("PENCE: ..."),
    headline attributions ("Rush Limbaugh: ..." when the name is a PERSON/ORG) and signed
    quotations ("“...”― Carla Sanchez"); their cue_text is the punctuation mark.

    source_canonical: pronouns and relative pronouns resolve to the nearest fitting
    person (previous person speaker or PERSON mention outside quotations), surnames to the
    document's full name, "the report"/"the publication" to the last publication speaker;
    organisations and publications lose a leading "the" (kept as "The X" when the text
    writes it that way mid-sentence).

    When the content is made of several pieces (a quotation split by "Evans said", or a
    clause interrupted by "according to X"), ``content_text`` is the pieces joined by a
    space and ``content_start``/``content_end`` span from the first piece to the last.
    Otherwise ``content_text == doc.text[content_start:content_end]``. The cue always
    satisfies ``doc.text[cue_start:cue_end] == cue_text``; the record has no source
    offsets (``source_text`` is the words as written).

Assertions
    Every other sentence that reads as an unattributed declarative statement (a finite
    verb, at least six words, not a question, not a heading or fragment, not mostly a
    quotation) becomes one assertion whose content is the sentence.
"""
from __future__ import annotations

import bisect
import functools
import os
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from claimhouse.nlp import lexicon as lx
from claimhouse.types import Claim, Sentence

OPEN_DOUBLE = "“„«"
CLOSE_DOUBLE = "”»"
STRAIGHT_DOUBLE = '"'
QUOTE_CHARS = "“”„«»\"'‘’`"
MIN_ASSERTION_WORDS = 6
FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})
CONTENT_DEPS = ("ccomp",)
WORD = re.compile(r"\w+")
TERMINAL = re.compile(r"[.!…][\"'”’)\]]*\s*$|[\"”’]\s*$")


# ----------------------------------------------------------------- quotations
_MARK = re.compile(r"''|``|[“”„«»\"‘]")


def _quote_spans(text: str) -> list[tuple[int, int, bool, bool]]:
    """Quotations as (start, end, opened_here, closed_here) char spans of the inner text.

    Works paragraph by paragraph. An opening mark left unclosed at the end of a paragraph
    makes the quotation run to the end of that paragraph (the news convention for a
    quotation going on in the next paragraph, which then opens with a new mark).
    ``''`` and ``````  count as double quotes (NYT / PTB style). Single quotes only count
    when they cannot be apostrophes (‘ at a word start, ’ not followed by a letter) and
    are not inside a double quotation.
    """
    out: list[tuple[int, int, bool, bool]] = []
    pos = 0
    for para in text.split("\n"):
        open_at = None  # char index just after the opening mark
        n = len(para)
        skip_until = -1
        for m in _MARK.finditer(para):
            i = m.start()
            if i < skip_until:
                continue
            mk = m.group()
            if mk in ("“", "„", "«", "``"):
                if open_at is None:
                    open_at = m.end()
            elif mk in ("”", "»"):
                if open_at is not None:
                    out.append((pos + open_at, pos + i, True, True))
                    open_at = None
            elif mk in ('"', "''"):
                if open_at is None:
                    open_at = m.end()
                else:
                    out.append((pos + open_at, pos + i, True, True))
                    open_at = None
            elif mk == "‘" and open_at is None and (i == 0 or not para[i - 1].isalnum()):
                j = i + 1
                while j < n:
                    if para[j] == "’" and (j + 1 == n or not para[j + 1].isalnum()):
                        break
                    if para[j] in "\"“”":
                        j = n
                        break
                    j += 1
                if j < n and j - i > 12:  # a short ‘x’ is a title or a scare quote
                    out.append((pos + i + 1, pos + j, True, True))
                    skip_until = j + 1
        if open_at is not None and n - open_at > 1:
            out.append((pos + open_at, pos + n, True, False))
        pos += n + 1
    return out


@dataclass
class _Ctx:
    doc: Doc
    text: str
    sentences: list[Sentence]
    sent_starts: list[int]
    quotes: list[tuple[int, int, bool, bool]]
    quote_starts: list[int]
    ent_of: dict[int, Span]
    para_starts: list[int]
    persons: list[tuple[int, str]] = field(default_factory=list)  # (position, full name)
    person_ents: list[Span] = field(default_factory=list)  # PERSON entities in text order
    person_ent_starts: list[int] = field(default_factory=list)
    place_names: set[str] = field(default_factory=set)  # texts tagged GPE / LOC somewhere in the document
    claims: list[Claim] = field(default_factory=list)
    claim_heads: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # (pos, kind, canonical)

    def quote_at(self, char: int) -> int | None:
        """Index of the quotation whose inner span contains ``char``."""
        k = bisect.bisect_right(self.quote_starts, char) - 1
        if k >= 0 and self.quotes[k][0] <= char < self.quotes[k][1]:
            return k
        return None

    def sent_of_char(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, char) - 1)

    def para_of_char(self, char: int) -> int:
        return bisect.bisect_right(self.para_starts, char) - 1


def _build_ctx(doc: Doc, sentences: list[Sentence]) -> _Ctx:
    text = doc.text
    quotes = _quote_spans(text)
    sent_starts = [s.start_char for s in sentences]
    ent_of = {}
    for e in doc.ents:
        for i in range(e.start, e.end):
            ent_of[i] = e
    para_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    ctx = _Ctx(doc, text, sentences, sent_starts, quotes, [q[0] for q in quotes], ent_of, para_starts)
    ctx.place_names = {e.text for e in doc.ents if e.label_ in ("GPE", "LOC")}
    ctx.person_ents = [e for e in doc.ents if e.label_ == "PERSON"]
    ctx.person_ent_starts = [e.start_char for e in ctx.person_ents]
    for e in ctx.person_ents:
        if e.label_ == "PERSON":
            name = _clean_name(e.text)
            if 2 <= len(name.split()) <= 4 and not _is_publication(name) and all(w[:1].isupper() for w in name.split()):
                ctx.persons.append((e.start_char, name))
    return ctx


# -------------------------------------------------------------- span helpers
def _trim(doc: Doc, lo: int, hi: int) -> tuple[int, int]:
    """Token range [lo, hi) without leading/trailing punctuation, spaces and quote marks."""
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space or doc[lo].text in QUOTE_CHARS):
        lo += 1
    while hi > lo and (doc[hi - 1].is_punct or doc[hi - 1].is_space or doc[hi - 1].text in QUOTE_CHARS):
        if doc[hi - 1].text == ")" and any(t.text == "(" for t in doc[lo:hi - 1]):
            break
        hi -= 1
    return lo, hi


def _subtree_range(tok: Token) -> tuple[int, int]:
    return tok.left_edge.i, tok.right_edge.i + 1


def _ranges_minus(lo: int, hi: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = [(lo, hi)]
    for a, b in holes:
        nxt = []
        for x, y in out:
            if b <= x or a >= y:
                nxt.append((x, y))
                continue
            if x < a:
                nxt.append((x, a))
            if b < y:
                nxt.append((b, y))
        out = nxt
    return out


def _char_frags(doc: Doc, tok_ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    frags = []
    for lo, hi in sorted(tok_ranges):
        lo, hi = _trim(doc, lo, hi)
        if hi - lo <= 0:
            continue
        if not any(not (t.is_punct or t.is_space) for t in doc[lo:hi]):
            continue
        frags.append((doc[lo].idx, doc[hi - 1].idx + len(doc[hi - 1].text)))
    return frags


def _in_quotes_share(ctx: _Ctx, frags: list[tuple[int, int]]) -> float:
    total = inside = 0
    for a, b in frags:
        total += b - a
        for k in range(max(0, bisect.bisect_right(ctx.quote_starts, a) - 1), len(ctx.quotes)):
            qa, qb, _, _ = ctx.quotes[k]
            if qb <= a:
                continue
            if qa >= b:
                break
            inside += min(b, qb) - max(a, qa)
    return inside / total if total else 0.0


# ------------------------------------------------------------------- sources
def _source_token(v: Token) -> tuple[Token | None, bool]:
    """The speaker token of cue verb ``v`` and whether the verb is passive without agent."""
    cur = v
    for _ in range(4):
        subj = None
        agent = None
        for c in cur.children:
            if c.dep_ in ("nsubj", "csubj") and subj is None:
                subj = c
            elif c.dep_ == "nsubjpass" and subj is None:
                subj = c
            elif c.dep_ == "agent":
                for cc in c.children:
                    if cc.dep_ == "pobj":
                        agent = cc
        if agent is not None:
            return agent, False
        if subj is not None:
            if subj.dep_ == "nsubjpass":
                return None, True
            if subj.lower_ in lx.RELATIVE_PRONOUNS and cur.dep_ == "relcl":
                return subj, False
            if subj.lower_ == "it" and any(c.dep_ == "ccomp" for c in cur.children) and cur == v and \
                    any(c.dep_ == "auxpass" for c in cur.children):
                return None, True
            return subj, False
        # inherit from the governing verb: "... and added", "..., saying", "...,citing"
        if cur.dep_ in ("conj", "advcl", "xcomp") and cur.head.pos_ in ("VERB", "AUX") and cur.head != cur:
            if cur.dep_ == "advcl" and any(c.dep_ == "mark" for c in cur.children):
                return None, False
            cur = cur.head
            continue
        # "... responded by saying", "... began by saying": the subject of the verb the preposition hangs on
        if cur.dep_ == "pcomp" and cur.tag_ == "VBG" and cur.head.dep_ == "prep" and \
                cur.head.head.pos_ in ("VERB", "AUX") and cur.head.lower_ in ("by", "after", "before", "in", "while"):
            cur = cur.head.head
            continue
        if cur.dep_ == "acl" and cur.head.pos_ in ("NOUN", "PROPN"):
            return cur.head, False
        break
    return None, False


def _source_range(src: Token, v: Token) -> tuple[int, int]:
    lo, hi = _subtree_range(src)
    for c in src.children:
        if c.i > src.i and ((c.dep_ in ("relcl", "acl") and c.lemma_.lower() in lx.CUE_VERBS) or
                            c.left_edge.i <= v.i <= c.right_edge.i):
            hi = min(hi, c.left_edge.i)
    if lo <= v.i < hi:
        hi = v.i
    return _trim(src.doc, lo, hi)


# ------------------------------------------------------------------- content
def _clause_content(v: Token) -> list[tuple[int, int]] | None:
    """Token ranges of the content of cue verb ``v`` found in the parse, or None."""
    doc = v.doc
    comps = [c for c in v.children if c.dep_ in CONTENT_DEPS]
    if not comps:
        # the parser's reading of "said after the talks (that) he would ...": an unmarked adverbial
        # clause with its own subject after the verb is the reported clause
        comps = [c for c in v.children if c.dep_ == "advcl" and c.i > v.i and c.pos_ in ("VERB", "AUX")
                 and not any(m.dep_ == "mark" for m in c.children)
                 and any(m.dep_ in ("nsubj", "nsubjpass") for m in c.children)]
    if comps:
        c = max(comps, key=lambda c: c.right_edge.i - c.left_edge.i)
        return [_subtree_range(c)]
    # parenthetical cue: "..., X said." / "..., X said, ..." / "As X notes, ..."
    head = v.head
    if v.dep_ in ("parataxis", "ccomp", "advcl") and head != v:
        marks = [c for c in v.children if c.dep_ == "mark"]
        if v.dep_ == "advcl":
            if not any(c.lower_ == "as" for c in marks):
                return None
        else:
            if marks:
                return None
            if head.i > v.i:
                # mid-sentence: "The museum, Mr. Obama said, would make ..."
                last = v.right_edge.i
                while last > v.i and (doc[last].is_punct or doc[last].is_space):
                    last -= 1
                if last + 1 >= len(doc) or doc[last + 1].text not in (",", "—", "–"):
                    return None
            if head.lemma_.lower() in lx.CUE_VERBS:  # v is itself what someone else said
                return None
            # a parenthetical cue is set off by a comma / dash before its clause
            first = v.left_edge.i
            while first < v.i and (doc[first].is_punct or doc[first].is_space):
                first += 1
            if first == 0 or doc[first - 1].text not in (",", "—", "–", "-", "("):
                return None
        lo, hi = _subtree_range(head)
        vl, vh = _subtree_range(v)
        ranges = [r for r in _ranges_minus(lo, hi, [(vl, vh)]) if r[1] > r[0]]
        ranges = [r for r in ranges if any(not (t.is_punct or t.is_space) for t in doc[r[0]:r[1]])]
        if ranges:
            return ranges
    return None


def _naming_content(v: Token) -> tuple[list[tuple[int, int]], int] | None:
    """Content of 'call X Y' / 'label X as Y' / 'call for X' and the end token of the cue."""
    dobj = next((c for c in v.children if c.dep_ == "dobj"), None)
    pred = next((c for c in v.children if c.dep_ in ("oprd", "xcomp") or
                 (c.dep_ == "prep" and c.lower_ == "as" and c.i > v.i)), None)
    if dobj is not None and pred is not None and dobj.i < pred.i:
        return [(dobj.left_edge.i, pred.right_edge.i + 1)], v.i + 1
    if v.lemma_.lower() == "call":
        prep = next((c for c in v.children if c.dep_ in ("prep", "prt") and c.lower_ in ("for", "on")
                     and c.i == v.i + 1), None)
        if prep is not None:
            objs = [c for c in prep.children if c.dep_ in ("pobj", "pcomp")]
            if objs:
                lo = objs[0].left_edge.i
                hi = max([objs[0].right_edge.i] + [c.right_edge.i for c in v.children if c.dep_ == "xcomp"]) + 1
                return [(lo, hi)], prep.i + 1
        return None
    return None


# verbs whose direct object is the person spoken to ('..., she told reporters.')
ADDRESSEE_VERBS = frozenset("tell inform assure remind warn ask advise brief".split())


def _trailing_cue_content(v: Token, src: Token | None) -> list[tuple[int, int]] | None:
    """'<content>, X said.' / '<content>, said X.': the cue and speaker close the sentence."""
    if src is None:
        return None
    doc = v.doc
    sent = v.sent
    sl, sh = _subtree_range(src)
    lo = min(sl, v.i)
    if lo <= sent.start + 2 or doc[lo - 1].text not in (",", "—", "–"):
        return None
    # after the cue: only the speaker, adverbials of time/place and punctuation
    for t in doc[v.i + 1:sent.end]:
        if sl <= t.i < sh or t.is_punct or t.is_space:
            continue
        if t.head == v and (t.dep_ in ("npadvmod", "advmod", "prep", "dative") or
                            (t.dep_ == "dobj" and (t.pos_ == "PRON" or v.lemma_.lower() in ADDRESSEE_VERBS))) or \
                (t.head.i > v.i and t.dep_ not in ("ccomp", "conj", "advcl", "relcl")):
            continue
        return None
    # before the speaker: the tokens between the comma and the speaker must be the cue's own
    for t in doc[lo:min(sl, v.i)]:
        if not (t.head == v or sl <= t.i < sh):
            return None
    return [(sent.start, lo - 1)]


def _dobj_content(v: Token) -> list[tuple[int, int]] | None:
    if v.lemma_.lower() not in lx.DOBJ_CONTENT_VERBS and v.lemma_.lower() not in lx.CUE_VERBS:
        return None
    for c in v.children:
        if c.dep_ == "dobj" and c.pos_ not in ("PRON",):
            hi = c.right_edge.i + 1
            for r in v.children:
                if r.i > c.i and (r.dep_ in ("oprd", "xcomp", "ccomp", "pcomp") or
                                  (r.dep_ == "prep" and r.lower_ in ("as", "to", "of", "for", "about"))):
                    hi = max(hi, r.right_edge.i + 1)
            return [(c.left_edge.i, hi)]
    for c in v.children:
        if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX"):
            return [_subtree_range(c)]
    return None


def _adjacent_quote(ctx: _Ctx, lo_tok: int, hi_tok: int) -> list[int] | None:
    """A quotation that ends right before token ``lo_tok`` or starts right after ``hi_tok``
    (only punctuation between), as quotation indices."""
    doc = ctx.doc
    text = ctx.text
    lo_tok, hi_tok = _trim(doc, lo_tok, hi_tok)
    if hi_tok <= lo_tok:
        return None
    start = doc[lo_tok].idx
    end = doc[hi_tok - 1].idx + len(doc[hi_tok - 1].text)
    # before: ... ," X said
    k = bisect.bisect_right(ctx.quote_starts, start) - 1
    if k >= 0:
        qa, qb, _, closed = ctx.quotes[k]
        gap = text[qb:start]
        if qb <= start and closed and re.fullmatch(r"[\s,.:;!?—–-]*[”\"'’]?[\s,—–-]*", gap) and "\n" not in gap:
            return [k]
    # after: X said: "..." / X said, "..."
    k = bisect.bisect_left(ctx.quote_starts, end)
    if k < len(ctx.quotes):
        qa, qb, _, _ = ctx.quotes[k]
        gap = text[end:qa]
        if re.fullmatch(r"[ \t]*[:,—–-]?[ \t]*[“\"‘'„«`]{1,2}", gap):
            return [k]
        if re.fullmatch(r"\s*:\s*[“\"‘'„«`]{1,2}", gap):
            return [k]
    return None


def _widen_to_quotes(ctx: _Ctx, frags: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool]:
    """If the content mostly lies in quotation marks, use the whole quotation(s)."""
    if not ctx.quotes or _in_quotes_share(ctx, frags) < 0.8:
        return frags, False
    ks = []
    for a, b in frags:
        for k in range(max(0, bisect.bisect_right(ctx.quote_starts, a) - 1), len(ctx.quotes)):
            qa, qb, _, _ = ctx.quotes[k]
            if qa >= b:
                break
            if qb > a and k not in ks:
                ks.append(k)
    if not ks:
        return frags, False
    return [ctx.quotes[k][:2] for k in ks], True


def _cue_free(ctx: _Ctx, a: int, b: int) -> bool:
    """True if the text [a, b) outside quotation marks has no reporting verb."""
    span = ctx.doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return True
    for t in span:
        if ctx.quote_at(t.idx) is None and t.pos_ == "VERB" and t.lemma_.lower() in lx.CUE_VERBS:
            return False
    return True


def _join_continuations(ctx: _Ctx, ks: list[int], cue_end: int) -> list[int]:
    """Extend a quotation content with the same speaker's unbroken quotation that goes on
    after the cue sentence, or in the following paragraph(s)."""
    text = ctx.text
    ks = sorted(ks)
    while True:
        last = ks[-1]
        qa, qb, _, closed = ctx.quotes[last]
        nxt = last + 1
        if nxt >= len(ctx.quotes):
            break
        na, nb, _, n_closed = ctx.quotes[nxt]
        if not closed:
            # quotation left open at the end of the paragraph: the next paragraph goes on
            between = text[qb:na]
            if re.fullmatch(r"\s*\n\s*[“\"‘„«]", between):
                ks.append(nxt)
                continue
            break
        if qb <= cue_end <= na:
            # the quote came before the cue: "“A,” Evans said. “B.”" / "“A,” said X, “B”"
            between = text[qb:na]
            if "\n" not in between and len(between) < 200 and \
                    not any(ch in between[1:-1] for ch in "“”\"") and \
                    _cue_free(ctx, nb, _sentence_end_after(ctx, nb)):
                ks.append(nxt)
                continue
        break
    return ks


def _sentence_end_after(ctx: _Ctx, char: int) -> int:
    s = ctx.sent_of_char(max(0, char - 1))
    return ctx.sentences[s].end_char if ctx.sentences else char


# ------------------------------------------------------------ canonical names
def _strip_the(name: str) -> str:
    return re.sub(r"^(?:the|The|THE)\s+", "", name).strip()


def _clean_name(name: str) -> str:
    name = re.sub(r"(?:'s|’s|'|’)$", "", name.strip()).strip(" ,.;:")
    words = name.split()
    while len(words) > 1 and words[0].lower().strip(".") in TITLES:
        words = words[1:]
    return " ".join(words)


def _clean_org(name: str) -> str:
    return re.sub(r"(?:'s|’s|'|’)$", "", _strip_the(name.strip())).strip(" ,.;:")


def _full_person_name(ctx: _Ctx, short: str, pos: int) -> str:
    """'Evans' -> 'Angelica Evans': nearest preceding (else first following) longer person
    name of the document that ends with ``short``."""
    sw = short.split()
    if not sw:
        return short
    best = None
    best_after = None
    for p, name in ctx.persons:
        nw = name.split()
        if len(nw) <= len(sw):
            continue
        if nw[-len(sw):] == sw:
            if p < pos:
                best = name
            elif best_after is None:
                best_after = name
    return best or best_after or short


def _is_known_person(ctx: _Ctx, name: str) -> bool:
    sw = name.split()
    return any(n.split()[-len(sw):] == sw for _, n in ctx.persons)


def _title_words() -> frozenset[str]:
    return frozenset(w.strip(".") for w in lx.NAME_TITLES)


TITLES = _title_words()


def _publication_name(ctx: _Ctx, name: str) -> str:
    """'Telegraph' -> 'The Telegraph' when the document writes 'The Telegraph' mid-sentence."""
    if re.search(r"[a-z,;:]\s+The\s+" + re.escape(name) + r"\b", ctx.text):
        return "The " + name
    return name


def _is_publication(name: str) -> bool:
    words = re.findall(r"[a-z]+", name.lower())
    if words == ["kyiv"]:  # the city (or its government); "Kyiv Independent" and "Kyiv Post" are outlets
        return False
    return any(w in lx.PUBLICATION_WORDS for w in words)


def _resolve_source(ctx: _Ctx, src: Token, lo: int, hi: int, pos: int) -> tuple[str | None, str | None, str | None]:
    """(canonical, kind, role) of the source whose head is ``src`` and span is [lo, hi)."""
    doc = ctx.doc
    low = src.lower_
    if low in lx.RELATIVE_PRONOUNS and src.head.dep_ == "relcl" and src.head.head != src.head:
        ante = src.head.head  # "Evans, who said ..." -> Evans
        a_lo, a_hi = _source_range(ante, src.head)
        if a_hi > a_lo and ante.lower_ not in lx.RELATIVE_PRONOUNS:
            return _resolve_source(ctx, ante, a_lo, a_hi, doc[a_lo].idx)
    if src.pos_ == "PRON" or low in lx.PERSON_PRONOUNS | lx.GROUP_PRONOUNS | lx.THING_PRONOUNS:
        if low in lx.NEGATING_DETERMINERS or low in ("nobody", "someone", "everyone", "one", "some", "many", "others"):
            return doc[lo:hi].text, "unnamed", None
        para = ctx.para_of_char(pos)
        if low in lx.PERSON_PRONOUNS:
            cand = None
            cand_pos = -1
            for cpos, kind, canon in reversed(ctx.claim_heads):
                if kind == "person" and canon and ctx.para_of_char(cpos) >= para - 2:
                    cand, cand_pos = canon, cpos
                    break
            # the nearest person mention (outside quotations) after that claim's speaker
            k = bisect.bisect_left(ctx.person_ent_starts, pos) - 1
            while k >= 0 and ctx.person_ent_starts[k] > cand_pos:
                e = ctx.person_ents[k]
                k -= 1
                if ctx.quote_at(e.start_char) is not None:
                    continue
                name = _clean_name(e.text)
                full = _full_person_name(ctx, name, e.start_char) if len(name.split()) == 1 else name
                if len(full.split()) >= 2 or _is_known_person(ctx, full):
                    cand, cand_pos = full, e.start_char
                    break
            for ppos, name in ctx.persons:
                if cand_pos < ppos < pos and ctx.quote_at(ppos) is None:
                    cand, cand_pos = name, ppos
            return cand, "pronoun", None
        if low in lx.GROUP_PRONOUNS | lx.THING_PRONOUNS:
            for cpos, kind, canon in reversed(ctx.claim_heads):
                if kind in ("organization", "publication", "unnamed") and ctx.para_of_char(cpos) >= para - 1:
                    return canon, "pronoun", None
                break
            return None, "pronoun", None
        return None, "pronoun", None
    # a named person / organisation: the entity holding the head, or an apposition's entity
    ent = ctx.ent_of.get(src.i)
    if ent is None or ent.label_ not in ("PERSON", "ORG", "GPE", "NORP", "FAC", "WORK_OF_ART", "LOC"):
        for c in src.children:
            if c.dep_ == "appos" and c.i in ctx.ent_of and ctx.ent_of[c.i].label_ == "PERSON":
                ent = ctx.ent_of[c.i]
                break
        else:
            ent = ent if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP") else None
    if ent is None and src.pos_ == "PROPN":
        # a name the NER missed: the run of proper nouns ending at the head
        a = src.i
        while a - 1 >= lo and doc[a - 1].pos_ == "PROPN" and doc[a - 1].dep_ == "compound":
            a -= 1
        ta = a
        while ta < src.i and doc[ta].lower_.strip(".") in TITLES:
            ta += 1
        name = _clean_name(doc[ta:src.i + 1].text)
        words = name.split()
        org_like = _is_publication(name) or any(w.lower() in lx.ORG_WORDS for w in words) or \
            any(c.dep_ == "det" for c in src.children)
        if not org_like and (_is_known_person(ctx, name) or (2 <= len(words) <= 4 and all(w[:1].isupper() for w in words))):
            full = _full_person_name(ctx, name, pos)
            return full, "person", _role(doc, lo, hi, ta, src.i + 1, src)
        name = _clean_org(doc[a:src.i + 1].text)
        if _is_publication(name):
            return _publication_name(ctx, name), "publication", _role(doc, lo, hi, a, src.i + 1, src)
        return name, "organization", _role(doc, lo, hi, a, src.i + 1, src)
    if ent is not None:
        a, b = max(ent.start, lo), min(ent.end, hi)
        if ent.label_ == "PERSON" and ent.text in ctx.place_names and not _is_known_person(ctx, ent.text):
            return _clean_org(ent.text), "organization", _role(doc, lo, hi, a, b, src)  # 'Kiev' tagged PERSON
        if ent.label_ == "PERSON":
            # drop titles ("President", "Mr.") and roles swallowed by the entity
            ta = a
            while ta < b - 1 and doc[ta].lower_.strip(".") in TITLES:
                ta += 1
            name = _clean_name(doc[ta:b].text)
            if len(name.split()) == 1:
                name = _full_person_name(ctx, name, pos)
            return name, "person", _role(doc, lo, hi, ta, b, src)
        name = _clean_org(doc[a:b].text)
        if _is_known_person(ctx, name) and len(name.split()) == 1:
            return _full_person_name(ctx, name, pos), "person", _role(doc, lo, hi, a, b, src)
        kind = "publication" if _is_publication(name) else "organization"
        if kind == "organization" and src.lemma_.lower() in lx.PUBLICATION_ANAPHORS:
            kind = "publication"
        if kind == "publication":
            name = _publication_name(ctx, name)
        return name, kind, _role(doc, lo, hi, a, b, src)
    # a common noun in apposition to a name: "Mark Sullivan, a lawyer (who said ...)"
    if src.dep_ == "appos" and src.head.pos_ == "PROPN" and src.head.i < src.i:
        h = src.head
        canon, kind, _ = _resolve_source(ctx, h, h.left_edge.i, h.i + 1, doc[h.left_edge.i].idx)
        if kind == "person":
            return canon, kind, _role(doc, lo, hi, lo, lo, src)
    lem = src.lemma_.lower()
    if lem in lx.PUBLICATION_ANAPHORS and any(t.dep_ == "det" and t.lower_ in ("the", "this", "that") for t in src.children):
        if not any(c.dep_ in ("prep", "acl", "amod", "compound") for c in src.children):
            for cpos, kind, canon in reversed(ctx.claim_heads):
                if kind == "publication":
                    return canon, "publication", None
        # "an analysis published by The Telegraph"
    for t in doc[lo:hi]:
        e = ctx.ent_of.get(t.i)
        if e is not None and e.label_ in ("ORG", "PERSON", "WORK_OF_ART", "NORP") and t.i > src.i and \
                lem in lx.PUBLICATION_ANAPHORS:
            name = _clean_org(e.text)
            if _is_publication(name):
                return _publication_name(ctx, name), "publication", None
            return name, ("organization" if e.label_ == "ORG" else "person"), None
    if src.pos_ == "NOUN" and src.tag_ in ("NNP", "NNPS"):
        return _strip_the(doc[lo:hi].text), "organization", None
    return _strip_the(doc[lo:hi].text) if lem not in lx.UNNAMED_HEADS else doc[lo:hi].text, "unnamed", None


def _role(doc: Doc, lo: int, hi: int, a: int, b: int, head: Token) -> str | None:
    """The words of the source span around the name [a, b): 'ISW analyst', 'editor-in-chief of X'."""
    before = doc[lo:a]
    words = [t for t in before if not (t.is_punct or t.lower_ in ("the", "a", "an"))]
    parts = []
    if words:
        parts.append(doc[words[0].i:words[-1].i + 1].text)
    if b < hi:
        lo2, hi2 = _trim(doc, b, hi)
        # an apposition after the name; drop a parenthetical party "(Reform)"
        if hi2 > lo2 and doc[b].text not in ("(",):
            after = doc[lo2:hi2].text
            after = re.sub(r"^\(.*?\)\s*,?\s*", "", after).strip(" ,")
            if after and not after.startswith("("):
                parts.append(after)
    role = ", ".join(p.strip(" ,") for p in parts if p.strip(" ,"))
    return role or None


# ---------------------------------------------------------------- flags
def _is_negated(v: Token, src: Token | None) -> bool:
    if v.lemma_.lower() in lx.NEGATING_CUES:
        return True
    if any(c.dep_ == "neg" for c in v.children):
        return True
    if src is not None:
        if src.lower_ in ("nobody", "none", "no-one"):
            return True
        if any(c.dep_ == "det" and c.lower_ in lx.NEGATING_DETERMINERS for c in src.children):
            return True
        if src.lower_ == "one" and src.i > 0 and src.doc[src.i - 1].lower_ == "no":
            return True
    return False


def _is_hedged(ctx: _Ctx, cue_lemma: str, frags: list[tuple[int, int]], cue_span: tuple[int, int]) -> bool:
    if cue_lemma in lx.HEDGE_CUES:
        return True
    a = min([cue_span[0]] + [f[0] for f in frags])
    b = max([cue_span[1]] + [f[1] for f in frags])
    seg = ctx.text[a:b].lower()
    words = set(WORD.findall(seg))
    if words & lx.HEDGE_WORDS:
        return True
    s = ctx.sentences[ctx.sent_of_char(cue_span[0])].text.lower() if ctx.sentences else seg
    return "if confirmed" in s or bool(set(WORD.findall(s)) & {"reportedly", "allegedly", "purportedly"})


# ------------------------------------------------------------------- driver
@dataclass
class _Cand:
    cue_lo: int  # cue token range
    cue_hi: int
    cue_lemma: str
    src: Token | None
    src_range: tuple[int, int] | None
    frags: list[tuple[int, int]]  # content char fragments
    quote_ks: list[int] | None
    verb: Token | None
    fixed: bool = False  # content is final: no widening to quotations, no joining
    cue_chars: tuple[int, int] | None = None  # when the cue is not a whole token ("”―")


def _find_candidates(ctx: _Ctx) -> list[_Cand]:
    doc = ctx.doc
    out: list[_Cand] = []
    used_cue_tokens: set[int] = set()
    for t in doc:
        if ctx.quote_at(t.idx) is not None:
            continue
        low = t.lower_
        # ---- "according to X", "as per X"
        if low == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            to = doc[t.i + 1]
            pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            src_lo, src_hi = _trim(doc, *_subtree_range(pobj))
            cue_lo, cue_hi = t.i, t.i + 2
            hole = (min(t.left_edge.i, t.i), max(t.right_edge.i + 1, src_hi))
            out.append(_rest_of_clause(ctx, t, hole, cue_lo, cue_hi, "according to", pobj, (src_lo, src_hi)))
            continue
        if low == "per" and t.i > 0 and doc[t.i - 1].lower_ == "as":
            pobj = next((c for c in t.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            src_lo, src_hi = _trim(doc, *_subtree_range(pobj))
            hole = (t.i - 1, max(t.right_edge.i + 1, src_hi))
            anchor = doc[t.i - 1] if doc[t.i - 1].head != t else t
            out.append(_rest_of_clause(ctx, anchor, hole, t.i - 1, t.i + 1, "as per", pobj, (src_lo, src_hi)))
            continue
        # ---- "As The Telegraph notes, ..." with the verb tagged as a noun
        if low in lx.NOUNISH_CUE_FORMS and t.pos_ != "VERB":
            c = _as_noun_cue(ctx, t)
            if c is not None:
                out.append(c)
                used_cue_tokens.add(t.i)
            continue
        if t.pos_ == "NOUN" and t.lemma_.lower() in lx.CUE_NOUNS:
            c = _noun_candidate(ctx, t)
            if c is not None:
                out.append(c)
            continue
        if t.pos_ not in ("VERB",) or not t.tag_.startswith("VB"):
            continue
        lemma = t.lemma_.lower()
        in_statement = any(c.dep_ == "prep" and c.lower_ == "in" and
                           any(g.dep_ == "pobj" and g.lemma_.lower() == "statement" for g in c.children)
                           for c in t.children)
        if lemma not in lx.CUE_VERBS and not in_statement and not _that_clause_verb(t):
            if lemma in lx.STANCE_VERBS:
                c = _stance_candidate(ctx, t, lemma)
                if c is not None:
                    out.append(c)
            continue
        if lemma == "learn" and not any(c.dep_ == "aux" and c.lemma_ == "have" for c in t.children):
            continue
        if lemma == "point" and not any(c.dep_ == "prt" and c.lower_ == "out" for c in t.children):
            continue
        c = _verb_candidate(ctx, t, lemma, in_statement)
        if c is not None:
            out.append(c)
    return out


_LABEL_STOP = frozenset("""
the latest correction corrections clarification source sources update updated photo photos image video
watch read related editor note editors advertisement sponsor share tags by breaking live opinion
analysis exclusive transcript q a faq more see also credit caption
""".split())
_SPEAKER_LINE = re.compile(r"^([\"“]?)\s*([A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})[ \t]*:[ \t]+(\S.*)$")
_SIGNED_QUOTE = re.compile(r"[”\"][ \t]*([―—–]|--)[ \t]*([A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,4})[ \t.]*$")


def _paragraph_candidates(ctx: _Ctx) -> list[_Cand]:
    """Speaker formats that live at paragraph level: 'PENCE: ...' (transcripts),
    'Rush Limbaugh: ...' (headline-style attribution), '“...”― Carla Sanchez' (signed quote)."""
    doc = ctx.doc
    out: list[_Cand] = []
    pos = 0
    for para in ctx.text.split("\n"):
        start = pos
        pos += len(para) + 1
        if len(para) < 12:
            continue
        m = _SPEAKER_LINE.match(para)
        if m:
            name = m.group(2)
            words = name.lower().replace("’", "'").split()
            ok = not (words[0] in _LABEL_STOP or words[-1] in _LABEL_STOP or " ".join(words) in _LABEL_STOP)
            ok = ok and not re.search(r"\w{2,}\.\s", name) and len(m.group(3).split()) >= 3
            ns, ne = start + m.start(2), start + m.end(2)
            span = doc.char_span(ns, ne, alignment_mode="expand")
            if ok and span is not None:
                caps = name.isupper() and len(name) >= 3
                is_named = any(t.ent_type_ in ("PERSON", "ORG") for t in span) or \
                    span[-1].lemma_.lower() in ("poll", "survey", "study") or _is_known_person(ctx, name.title())
                if caps or is_named:
                    colon = doc.char_span(ne, start + m.start(3), alignment_mode="expand")
                    cue = next((t for t in colon if t.text == ":"), None) if colon is not None else None
                    if cue is not None:
                        a, b = start + m.start(3), start + len(para)
                        while b > a and ctx.text[b - 1] in " \t\"”":
                            b -= 1
                        out.append(_Cand(cue.i, cue.i + 1, ":", span[-1], (span.start, span.end),
                                         [(a, b)], None, None, fixed=True))
                        continue
        m = _SIGNED_QUOTE.search(para)
        if m:
            ns, ne = start + m.start(2), start + m.end(2)
            span = doc.char_span(ns, ne, alignment_mode="expand")
            k = ctx.quote_at(start + m.start() - 1)
            if span is not None and k is not None and any(t.ent_type_ == "PERSON" or t.pos_ == "PROPN" for t in span):
                dash = doc.char_span(start + m.start(1), start + m.end(1), alignment_mode="expand")
                if dash is not None:
                    out.append(_Cand(dash.start, dash.end, "―", span[-1], (span.start, span.end),
                                     [ctx.quotes[k][:2]], [k], None, fixed=True,
                                     cue_chars=(start + m.start(1), start + m.end(1))))
    return out


_AGENT_ENTS = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def _agentive(src: Token) -> bool:
    low = src.lower_
    return (src.ent_type_ in _AGENT_ENTS or low in lx.PERSON_PRONOUNS or low in ("they", "who")
            or src.lemma_.lower() in lx.UNNAMED_HEADS or src.pos_ == "PROPN")


def _stance_candidate(ctx: _Ctx, v: Token, lemma: str) -> _Cand | None:
    """A predicate of an agent (person, organisation, group) with a complement: what the agent wants,
    plans, supports, attacks ... (PolNeAR's broad sense of attribution)."""
    src = next((c for c in v.children if c.dep_ == "nsubj"), None)  # its own subject: not "met to discuss"
    if src is None or not _agentive(src) or ctx.quote_at(src.idx) is not None:
        return None
    doc = ctx.doc
    content = None
    cue_hi = v.i + 1
    for dep in ("ccomp", "xcomp", "dobj"):
        comp = next((c for c in v.children if c.dep_ == dep and c.i > v.i), None)
        if comp is not None and not (dep == "dobj" and comp.pos_ == "PRON"):
            lo, hi = _subtree_range(comp)
            content = [(lo, hi)]
            break
    if content is None:
        found = _prep_content(v)
        if found is None:
            return None
        content, cue_hi = found
    if content[0][0] <= src.i < content[0][1]:
        return None
    frags = _char_frags(doc, content)
    if not frags:
        return None
    return _Cand(v.i, cue_hi, lemma, src, _source_range(src, v), frags, None, v)


def _noun_candidate(ctx: _Ctx, n: Token) -> _Cand | None:
    """A reporting noun with its 'that' clause: "his claim that the vote was rigged", "warnings from
    officials that the dam could burst". The source is the possessor, or the 'from' / 'by' object."""
    clause = next((c for c in n.children if c.dep_ in ("acl", "ccomp") and c.i > n.i and
                   any(m.dep_ == "mark" and m.lower_ in ("that", "whether") for m in c.children)), None)
    if clause is None:
        return None
    src = next((c for c in n.children if c.dep_ == "poss"), None)
    if src is None:
        prep = next((c for c in n.children if c.dep_ == "prep" and c.lower_ in ("from", "by", "of") and c.i < clause.i), None)
        src = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
    if src is not None and (src.lower_ in ("i", "my", "we", "our", "you", "your") or ctx.quote_at(src.idx) is not None):
        return None
    frags = _char_frags(ctx.doc, [_subtree_range(clause)])
    if not frags:
        return None
    src_range = None
    if src is not None:
        lo, hi = _subtree_range(src)
        if src.dep_ == "poss":
            hi = max(lo, min(hi, n.i))
            while hi > lo + 1 and ctx.doc[hi - 1].dep_ == "case":  # "Trump's claim": the source is "Trump"
                hi -= 1
            lo, hi = _trim(ctx.doc, lo, hi)
        src_range = (lo, hi)
    return _Cand(n.i, n.i + 1, n.lemma_.lower(), src, src_range, frags, None, None)


def _that_clause_verb(t: Token) -> bool:
    """Any verb with a subject and a 'that' complement clause ("Republicans fear that ...")."""
    if t.lemma_.lower() in lx.NON_CUE_THAT_VERBS:
        return False
    has_subj = any(c.dep_ == "nsubj" and c.lower_ not in ("it", "this", "that", "which") for c in t.children)
    return has_subj and any(c.dep_ == "ccomp" and c.i > t.i and
                            any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children) for c in t.children)


def _rest_of_clause(ctx: _Ctx, anchor: Token, hole: tuple[int, int], cue_lo: int, cue_hi: int, lemma: str,
                    src: Token | None, src_range: tuple[int, int] | None) -> _Cand | None:
    doc = ctx.doc
    head = anchor.head if anchor.head != anchor else anchor
    # climb to the clause: for "according to" attached to a noun, use the sentence
    while head.dep_ not in ("ROOT", "ccomp", "conj", "parataxis", "advcl") and head.head != head:
        head = head.head
    lo, hi = _subtree_range(head)
    sent = doc[anchor.i].sent
    lo, hi = max(lo, sent.start), min(hi, sent.end)
    ranges = _ranges_minus(lo, hi, [hole])
    frags = _char_frags(doc, ranges)
    if not frags:
        return None
    return _Cand(cue_lo, cue_hi, lemma, src, src_range, frags, None, None)


def _as_noun_cue(ctx: _Ctx, t: Token) -> _Cand | None:
    """'As The Telegraph notes, <content>' when the tagger made 'notes' a noun."""
    doc = ctx.doc
    sent = t.sent
    j = t.i - 1
    while j >= sent.start and doc[j].lower_ != "as" and t.i - j <= 6 and not doc[j].is_punct:
        j -= 1
    if j < sent.start or doc[j].lower_ != "as" or t.i - j < 2:
        return None
    if t.i + 1 >= sent.end or doc[t.i + 1].text != ",":
        return None
    if j > sent.start and doc[j - 1].text not in (",", "—", "–", "-", "(") :
        return None
    src_lo, src_hi = j + 1, t.i
    src = doc[src_hi - 1]
    hole = (j, t.i + 2)
    ranges = _ranges_minus(sent.start, sent.end, [hole])
    frags = _char_frags(doc, ranges)
    if not frags:
        return None
    return _Cand(t.i, t.i + 1, lx.NOUNISH_CUE_FORMS[t.lower_], src, (src_lo, src_hi), frags, None, None)


def _quote_before_cue(ctx: _Ctx, v: Token, src: Token | None) -> list[int] | None:
    """“...,” X said / “...,” said X: a closed quotation right before the source-and-cue;
    or X said: “...”, a quotation right after the cue and a colon."""
    if src is None or ctx.quote_at(src.idx) is not None:
        return None
    doc = v.doc
    nxt = v.i + 1
    while nxt < len(doc) and doc[nxt].head == v and doc[nxt].dep_ in ("npadvmod", "advmod") and nxt < v.i + 3:
        nxt += 1
    if nxt < len(doc) and doc[nxt].text == ":":
        k = bisect.bisect_left(ctx.quote_starts, doc[nxt].idx + 1)
        if k < len(ctx.quotes) and re.fullmatch(r"\s*[“\"‘'„«]+", ctx.text[doc[nxt].idx + 1:ctx.quotes[k][0]]):
            return [k]
    sl, sh = _subtree_range(src)
    lo = min(v.i, sl)
    # only the speaker and the verb (and adverbs / auxiliaries) may separate quote and cue
    left = [t for t in v.doc[lo:v.i] if not (sl <= t.i < sh)]
    if any(t.dep_ not in ("aux", "advmod", "neg", "punct") for t in left):
        return None
    if any(c.dep_ == "ccomp" and c.i > v.i for c in v.children):
        return None
    k = bisect.bisect_right(ctx.quote_starts, v.doc[lo].idx) - 1
    if k < 0:
        return None
    qa, qb, _, closed = ctx.quotes[k]
    gap = ctx.text[qb:v.doc[lo].idx]
    if not closed or "\n" in gap or not re.fullmatch(r"[,.!?…—–-]?\s*[”\"'’»]+\s*[,—–-]?\s*", gap):
        return None
    if ctx.text[qb - 1:qb] not in (",", "?", "!", "—", "–", "-", ".", "…") and not gap.startswith((",", "?", "!")):
        return None
    return [k]


CUE_LEFT_DEPS = frozenset({"aux", "auxpass", "neg", "advmod"})


def _cue_left_edge(v: Token, lo: int, src: Token | None) -> int:
    """The cue starts at the auxiliaries, negation and adverbs right before the verb:
    'has said', 'did not say', 'also noted', 'repeatedly accused'."""
    doc = v.doc
    sl, sh = _subtree_range(src) if src is not None else (-1, -1)
    j = lo - 1
    while j >= 0 and doc[j].head == v and doc[j].dep_ in CUE_LEFT_DEPS and not (sl <= j < sh) \
            and not doc[j].is_punct and doc[j].right_edge.i == j:
        lo = j
        j -= 1
    return lo


CONTENT_PREPS = frozenset("about against of on for over".split())


def _prep_content(v: Token) -> tuple[list[tuple[int, int]], int] | None:
    """'warned against X', 'spoke out about X': the object of the preposition right after the verb
    (or its particle) as content, and the cue's end token (the preposition belongs to the cue)."""
    nxt = v.i + 1
    doc = v.doc
    if nxt < len(doc) and doc[nxt].dep_ == "prt" and doc[nxt].head == v:
        nxt += 1
    if nxt >= len(doc):
        return None
    p = doc[nxt]
    if p.head != v or p.dep_ != "prep" or p.lower_ not in CONTENT_PREPS:
        return None
    obj = next((c for c in p.children if c.dep_ in ("pobj", "pcomp")), None)
    return ([_subtree_range(obj)], p.i + 1) if obj is not None else None


def _misparsed_speaker(v: Token) -> Token | None:
    """A name right before a finite cue verb that the parser hung elsewhere ('... of the Post Trump said that')."""
    if v.i == 0 or v.tag_ not in ("VBD", "VBZ", "VBP") or v.dep_ not in ("ROOT", "ccomp", "conj"):
        return None
    prev = v.doc[v.i - 1]
    if prev.pos_ in ("PROPN", "PRON") and prev.dep_ in ("pobj", "compound", "npadvmod", "dobj", "appos") and \
            prev.sent == v.sent and (prev.pos_ != "PRON" or prev.lower_ in lx.PERSON_PRONOUNS | lx.GROUP_PRONOUNS):
        return prev
    return None


def _verb_candidate(ctx: _Ctx, v: Token, lemma: str, in_statement: bool) -> _Cand | None:
    doc = ctx.doc
    src, passive = _source_token(v)
    if src is None and not passive:
        src = _misparsed_speaker(v)
    quote_ks = _quote_before_cue(ctx, v, src)
    content = None
    if quote_ks is None:
        content = _trailing_cue_content(v, src)
    if quote_ks is None and content is None:
        content = _clause_content(v)
    cue_hi_override = None
    if quote_ks is None and content is None and lemma in lx.NAMING_VERBS:
        named = _naming_content(v)
        if named is not None:
            content, cue_hi_override = named
        elif lemma in ("call", "label", "brand", "term", "dub"):
            return None
    if content is None and quote_ks is None and lemma not in lx.CLAUSE_ONLY_VERBS:
        content = _dobj_content(v)
    if content is None and quote_ks is None and cue_hi_override is None:
        found = _prep_content(v)
        if found is not None:
            content, cue_hi_override = found
    if content is not None:
        # the content must not swallow the source
        if src is not None:
            content = [r for r in content if not (r[0] <= src.i < r[1])] or None
    if content:
        cut = []
        for lo, hi in content:
            semi = next((t.i for t in doc[lo:hi] if t.text == ";" and ctx.quote_at(t.idx) is None), None)
            cut.append((lo, semi) if semi is not None and semi > lo else (lo, hi))
        content = cut
    frags = _char_frags(doc, content) if content else []
    if quote_ks is not None:
        frags = [ctx.quotes[k][:2] for k in quote_ks]
    if not frags:
        # an adjacent quotation: “...,” Evans said.  /  Evans said: “...”
        lo, hi = _subtree_range(v)
        ks = _adjacent_quote(ctx, lo, hi)
        if ks is None and src is not None:
            sl, sh = _subtree_range(src)
            ks = _adjacent_quote(ctx, min(lo, sl), max(hi, sh))
        if ks is None:
            # the verb's subtree may hold the quotation itself: 'X often say, "..."'
            hi2 = v.i + 1
            if src is not None and src.i > v.i:
                hi2 = max(hi2, _subtree_range(src)[1])
            ks = _adjacent_quote(ctx, min(lo, v.i), hi2) if ctx.quote_at(doc[hi2 - 1].idx) is None else None
        if ks is None:
            return None
        quote_ks = ks
        frags = [ctx.quotes[k][:2] for k in ks]
    if lemma in lx.WEAK_CUE_VERBS and quote_ks is None and not any(c.dep_ == "ccomp" for c in v.children):
        if not (lemma == "learn" or lemma == "point"):
            return None
    if src is None and not passive:
        # a verb with no speaker at all ("to say that ...") is not an attribution
        return None
    if src is not None and src.lower_ in ("i", "we", "you"):
        return None
    cue_lo, cue_hi = v.i, v.i + 1
    if lemma == "point":
        prt = [c for c in v.children if c.dep_ == "prt"]
        cue_hi = max(cue_hi, prt[0].i + 1)
    if cue_hi_override is not None:
        cue_hi = cue_hi_override
    cue_lo = _cue_left_edge(v, cue_lo, src)
    if in_statement and lemma not in lx.CUE_VERBS:
        prep = next(c for c in v.children if c.dep_ == "prep" and c.lower_ == "in")
        cue_lo, cue_hi = prep.i, prep.right_edge.i + 1
        lemma = "in a statement"
    src_range = _source_range(src, v) if src is not None else None
    return _Cand(cue_lo, cue_hi, lemma, src, src_range, frags, quote_ks, v)


def _make_claim(ctx: _Ctx, c: _Cand) -> Claim | None:
    doc = ctx.doc
    text = ctx.text
    frags = sorted(c.frags)
    ks = c.quote_ks
    direct = False
    if c.fixed:
        direct = _in_quotes_share(ctx, frags) >= 0.8
    elif ks is None:
        widened, direct = _widen_to_quotes(ctx, frags)
        if direct:
            ks = [k for k in range(len(ctx.quotes)) if ctx.quotes[k][:2] in widened]
            frags = widened
    else:
        direct = True
    cue_start = doc[c.cue_lo].idx
    cue_end = doc[c.cue_hi - 1].idx + len(doc[c.cue_hi - 1].text)
    if c.cue_chars is not None:
        cue_start, cue_end = c.cue_chars
    if ks and not c.fixed:
        ks = _join_continuations(ctx, ks, cue_end)
        frags = [ctx.quotes[k][:2] for k in ks]
    # strip trailing commas / spaces inside quotations
    clean = []
    for a, b in frags:
        while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:—–-"):
            b -= 1
        while a < b and text[a].isspace():
            a += 1
        if b > a:
            clean.append((a, b))
    frags = clean
    if not frags:
        return None
    # the cue must not lie inside its own content
    if any(a <= cue_start < b for a, b in frags):
        return None
    content_text = " ".join(text[a:b] for a, b in frags)
    if not WORD.search(content_text):
        return None
    src_text = canon = kind = role = None
    if c.src is not None and c.src_range is not None and c.src_range[1] > c.src_range[0]:
        lo, hi = c.src_range
        src_text = doc[lo:hi].text
        canon, kind, role = _resolve_source(ctx, c.src, lo, hi, doc[lo].idx)
        if canon is None and kind != "pronoun":
            canon = src_text
    first = min(frags[0][0], cue_start)
    claim = Claim(
        claim_type="attribution",
        sentence_index=ctx.sentences[ctx.sent_of_char(first)].sentence_index if ctx.sentences else 0,
        content_text=content_text,
        content_start=frags[0][0],
        content_end=frags[-1][1],
        source_text=src_text,
        source_canonical=canon,
        source_kind=kind,
        source_role=role,
        cue_text=text[cue_start:cue_end],
        cue_start=cue_start,
        cue_end=cue_end,
        is_direct_quote=direct,
        is_hedged=_is_hedged(ctx, c.cue_lemma, frags, (cue_start, cue_end)),
        is_negated=_is_negated(c.verb, c.src) if c.verb is not None else False,
    )
    if src_text is not None:
        claim.source_start, claim.source_end = doc[c.src_range[0]].idx, doc[c.src_range[1] - 1].idx + len(doc[c.src_range[1] - 1].text)
    return claim


def _assertions(ctx: _Ctx, covered: set[int]) -> list[Claim]:
    out = []
    doc = ctx.doc
    for s in ctx.sentences:
        if s.sentence_index in covered:
            continue
        t = s.text
        if t.rstrip().endswith("?") or not TERMINAL.search(t):
            continue
        if len(WORD.findall(t)) < MIN_ASSERTION_WORDS:
            continue
        if _in_quotes_share(ctx, [(s.start_char, s.end_char)]) > 0.5:
            continue
        span = doc.char_span(s.start_char, s.end_char, alignment_mode="expand")
        if span is None or not any(tok.tag_ in FINITE_TAGS for tok in span):
            continue
        out.append(Claim(claim_type="assertion", sentence_index=s.sentence_index, content_text=t,
                         content_start=s.start_char, content_end=s.end_char))
    return out


# Which attributions a document gets (CLAIMHOUSE_ATTRIBUTIONS): 'combined' (the rules', and the trained
# model's where the rules found none), 'model' or 'rules'. Chosen on held-out train articles
# (claimhouse/nlp/attribution/train.py); without a shipped model, the rules.
ATTRIBUTIONS = os.environ.get("CLAIMHOUSE_ATTRIBUTIONS", "combined")


@functools.cache
def _warn_once(message: str) -> None:
    import logging

    logging.getLogger(__name__).warning(message)


def _with_model(ctx: _Ctx, rules: list[Claim], mode: str) -> list[Claim]:
    if mode == "rules":
        return rules
    from claimhouse.nlp.attribution import model as am
    from claimhouse.nlp.attribution.combine import choose, make_claims

    try:
        model = am.load()
    except Exception as exc:  # noqa: BLE001 - a broken model install must not quarantine every document
        _warn_once(f"attribution model not loaded ({type(exc).__name__}: {exc}); using the rules only")
        return rules
    if model is None:
        return rules
    kept, linked = choose(model, ctx.doc, rules, mode)
    return sorted(kept + make_claims(ctx, linked, model.name), key=lambda c: (c.content_start, c.cue_start or 0))


def _covered_share(c: Claim, sent: Sentence) -> float:
    """Share of the sentence's characters inside the claim's cue and content span."""
    lo = max(sent.start_char, min(c.content_start, c.cue_start if c.cue_start is not None else c.content_start))
    hi = min(sent.end_char, max(c.content_end, c.cue_end if c.cue_end is not None else c.content_end))
    return max(0, hi - lo) / max(1, sent.end_char - sent.start_char)


def extract_claims(doc: Doc, sentences: list[Sentence], attributions_from: str | None = None) -> list[Claim]:
    """Attributions and unattributed assertions of one parsed document, in text order. ``attributions_from``
    ('rules', 'model', 'combined'; default CLAIMHOUSE_ATTRIBUTIONS) says which attributions it keeps."""
    ctx = _build_ctx(doc, sentences)
    cands = _find_candidates(ctx) + _paragraph_candidates(ctx)
    attributions: list[Claim] = []
    lemmas: list[str] = []
    seen: set[tuple[int, int]] = set()
    for c in sorted((c for c in cands if c is not None), key=lambda c: c.cue_lo):
        claim = _make_claim(ctx, c)
        if claim is None or (claim.cue_start, claim.cue_end) in seen:
            continue
        seen.add((claim.cue_start, claim.cue_end))
        attributions.append(claim)
        lemmas.append(c.cue_lemma)
        pos = doc[c.src_range[0]].idx if c.src_range else claim.cue_start
        kind = claim.source_kind
        if kind == "pronoun" and claim.source_canonical:
            kind = "person" if (claim.source_text or "").lower() in lx.PERSON_PRONOUNS else "organization"
        ctx.claim_heads.append((pos, kind, claim.source_canonical))
        if kind == "person" and claim.source_canonical and len(claim.source_canonical.split()) >= 2:
            ctx.persons.append((pos, claim.source_canonical))
            ctx.persons.sort()
    # an attribution inside the content of another is part of what the outer source reports
    # ("Police say he refused to drop the gun": no claim by "he"); a reported speech act stays
    # ("Trump said Clinton told donors that ...")
    contents = [(cl.content_start, cl.content_end, i) for i, cl in enumerate(attributions)]
    attributions = [cl for i, (cl, lem) in enumerate(zip(attributions, lemmas))
                    if lem in lx.NESTED_CUES or not any(a <= cl.cue_start < b and j != i for a, b, j in contents)]
    attributions = _with_model(ctx, attributions, attributions_from or ATTRIBUTIONS)
    covered: set[int] = set()
    for cl in attributions:
        for a, b in ((cl.content_start, cl.content_end), (cl.cue_start, cl.cue_end)):
            s0, s1 = ctx.sent_of_char(a), ctx.sent_of_char(max(a, b - 1))
            if not ctx.sentences:
                continue
            for i in range(s0, s1 + 1):
                sent = ctx.sentences[i]
                # the model's attributions replace a sentence's assertion only where they cover most of it
                # ("as Trump continued his calls for negotiations, Zelensky made it clear ..." stays an assertion)
                if cl.model == "rules" or _covered_share(cl, sent) >= 0.5:
                    covered.add(sent.sentence_index)
    claims = attributions + _assertions(ctx, covered)
    claims.sort(key=lambda c: (c.sentence_index, c.content_start))
    return claims
