"""Plain data records passed between the text steps and the warehouse layer.

Nothing here imports Dagster or DuckDB: the text logic (``ingest``, ``clean``,
``nlp``, ``claims``, ``quantities``, ``entities``) produces these records and the
asset layer turns them into table rows, adding the ids.

All character offsets are offsets into the clean document text
(``staging.documents.text``), end exclusive, so ``text[start_char:end_char]``
is the span.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class RejectedInput(Exception):
    """A document a step cannot handle. It goes to ``quarantine.documents``.

    ``reason`` is short and machine readable (``empty``, ``binary``,
    ``malformed_json``, ``not_utf8_decodable``, ``no_text``, ``timeout`` ...);
    ``detail`` is the human-readable explanation.
    """

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Detected:
    """A raw input whose format was recognised and whose bytes were decoded."""

    source_format: str  # 'wordpress_json' | 'html' | 'text'
    content: str  # decoded content: the JSON text, the HTML markup, or the plain text
    encoding: str | None = None  # charset used to decode the bytes


@dataclass
class CleanDocument:
    """The cleaned body text of one document and its metadata."""

    text: str  # paragraphs separated by '\n', no markup, no site chrome
    title: str | None = None
    url: str | None = None
    outlet: str | None = None  # publisher of this copy (domain or name)
    original_outlet: str | None = None  # where a syndicated copy first appeared
    author: str | None = None  # byline names, comma separated
    published_at: datetime | None = None
    language: str | None = None  # ISO 639-1
    site_name: str | None = None  # display name of the publisher, when known


@dataclass
class Sentence:
    paragraph_index: int
    sentence_index: int  # position in the document, 0-based, across paragraphs
    start_char: int
    end_char: int
    text: str


@dataclass
class Claim:
    """An attribution (source, cue, content) or an unattributed assertion."""

    claim_type: str  # 'attribution' | 'assertion'
    sentence_index: int  # first sentence the claim lies in
    content_text: str
    content_start: int  # offsets of the content span
    content_end: int
    source_text: str | None = None  # speaker as written
    source_canonical: str | None = None  # speaker resolved within the document
    source_kind: str | None = None  # 'person' | 'organization' | 'publication' | 'pronoun' | 'unnamed' | None
    source_role: str | None = None  # 'ISW analyst' for 'ISW analyst Angelica Evans'
    cue_text: str | None = None  # 'said', 'according to', 'reports'
    cue_start: int | None = None
    cue_end: int | None = None
    is_direct_quote: bool = False
    is_hedged: bool = False
    is_negated: bool = False
    source_start: int | None = None  # offsets of the source span as written (not stored)
    source_end: int | None = None
    model: str = "rules"  # what found the claim: 'rules', or the attribution model's name
    confidence: float | None = None  # the model's confidence in the whole attribution; None for rules


@dataclass
class Quantity:
    sentence_index: int
    surface: str  # as written: '40,000 troops'
    value: float
    start_char: int
    end_char: int
    unit: str | None = None  # as written: 'troops', 'kilometres', '$', '%'
    normalized_unit: str | None = None  # 'troop', 'kilometre', 'dollar', 'percentage'
    change: str = "="  # '=', '~', '>', '<', 'up', 'down'
    subject: str | None = None  # what is counted or measured
    claim_index: int | None = None  # index into Analysis.claims of the claim carrying it
    value_max: float | None = None  # upper bound of a range ('10-15 km', 'hundreds of'); None for one value


@dataclass
class Entity:
    sentence_index: int
    text: str
    label: str  # PERSON, ORG, GPE, LOC, NORP, ...
    canonical: str  # one name for all spellings within the document (the warehouse resolves it across the corpus)
    start_char: int
    end_char: int


@dataclass
class Analysis:
    """Everything the NLP step finds in one clean document."""

    sentences: list[Sentence] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
