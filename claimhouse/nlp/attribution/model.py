"""The shipped attribution model: a CRF tagger (python-crfsuite) over the features of features.py, and a
linking step that makes attributions of the tagged spans.

Tags: ``B-S``/``I-S`` source, ``B-C``/``I-C`` cue, ``B-T``/``I-T`` content, ``O``. Linking works paragraph by
paragraph: each content span goes to the cue it hangs under in the parse, or else to the nearest cue of its
sentence; each source likewise; contents given to one cue are one attribution (PolNeAR's Content2); a cue without content is
no attribution. The confidence of an attribution is the mean marginal probability the tagger gives its
tokens' labels."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc

from claimhouse.nlp.attribution.features import doc_features, paragraphs, rule_labels
from claimhouse.types import Claim

MODEL_DIR = Path(__file__).resolve().parent / "model"
CRF_FILE = "attribution.crfsuite"
META_FILE = "meta.json"


@dataclass
class Span:
    role: str  # 'S' | 'C' | 'T'
    lo: int  # token range
    hi: int
    confidence: float


@dataclass
class Linked:
    cue: Span
    contents: list[Span] = field(default_factory=list)
    source: Span | None = None

    @property
    def confidence(self) -> float:
        parts = [self.cue.confidence] + [c.confidence for c in self.contents]
        return sum(parts) / len(parts)


class AttributionModel:
    def __init__(self, folder: Path = MODEL_DIR):
        import pycrfsuite

        self.folder = Path(folder)
        self.meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        self.name = self.meta["name"]
        self.cue_lemmas = frozenset(self.meta["cue_lemmas"])
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(self.folder / CRF_FILE))

    def tag(self, doc: Doc, rules: list[str]) -> tuple[list[str], list[float]]:
        """A label and its marginal probability for every token (``O`` and 1.0 outside paragraphs)."""
        labels = ["O"] * len(doc)
        probs = [1.0] * len(doc)
        for (lo, hi), feats in doc_features(doc, rules, self.cue_lemmas):
            seq = self.tagger.tag(feats)
            for k, lab in enumerate(seq):
                labels[lo + k] = lab
                probs[lo + k] = self.tagger.marginal(lab, k)
        return labels, probs

    def attributions(self, doc: Doc, rule_claims: list[Claim]) -> list[Linked]:
        labels, probs = self.tag(doc, rule_labels(doc, rule_claims))
        return link(doc, spans_of(labels, probs))


def spans_of(labels: list[str], probs: list[float]) -> list[Span]:
    """Maximal runs of one role (a ``B`` starts a new run; an ``I`` after another role starts one too)."""
    out: list[Span] = []
    cur: list | None = None
    for i, lab in enumerate(labels):
        if lab == "O":
            cur = None
            continue
        kind, role = lab.split("-", 1)
        if cur is None or kind == "B" or cur[0] != role:
            cur = [role, i, i + 1, [probs[i]]]
            out.append(cur)
        else:
            cur[2] = i + 1
            cur[3].append(probs[i])
    return [Span(r, lo, hi, sum(p) / len(p)) for r, lo, hi, p in out]


def _hangs_under(doc: Doc, span: Span, cue: Span) -> bool:
    """Whether a token of ``span`` has an ancestor inside ``cue`` (within six steps)."""
    for i in range(span.lo, span.hi):
        node = doc[i]
        for _ in range(6):
            if node.head.i == node.i:
                break
            node = node.head
            if cue.lo <= node.i < cue.hi:
                return True
    return False


def _distance(a: Span, b: Span) -> int:
    return max(0, max(a.lo, b.lo) - min(a.hi, b.hi))


def link(doc: Doc, spans: list[Span]) -> list[Linked]:
    para = {i: k for k, (lo, hi) in enumerate(paragraphs(doc)) for i in range(lo, hi)}  # tagged tokens only
    sent_of = {}
    for k, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            sent_of[i] = k
    cues = [Linked(s) for s in spans if s.role == "C"]

    def best(span: Span) -> Linked | None:
        # a cue of the same sentence, or one the span hangs under in the parse; under it first, then nearest
        options = []
        for c in cues:
            if para.get(c.cue.lo) != para.get(span.lo):
                continue
            under = _hangs_under(doc, span, c.cue)
            same = sent_of.get(c.cue.lo) == sent_of.get(span.lo)
            if under or same:
                options.append(((0 if under else 1, 0 if same else 1, _distance(span, c.cue)), c))
        return min(options, key=lambda o: o[0])[1] if options else None

    for s in spans:
        if s.role == "T":
            target = best(s)
            if target is not None:
                target.contents.append(s)
    for s in spans:
        if s.role == "S":
            target = best(s)
            if target is not None and (target.source is None
                                       or _distance(s, target.cue) < _distance(target.source, target.cue)):
                target.source = s
    return [c for c in cues if c.contents]


@functools.cache
def load(folder: str | None = None) -> AttributionModel | None:
    """The shipped model, once per process; None when the package holds none."""
    path = Path(folder) if folder else MODEL_DIR
    if not (path / CRF_FILE).exists():
        return None
    return AttributionModel(path)
