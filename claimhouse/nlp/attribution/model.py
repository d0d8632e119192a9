"""The shipped attribution model: a CRF tagger (python-crfsuite) over the features of features.py, and a
linking step that makes attributions of the tagged spans.

Tags: ``B-S``/``I-S`` source, ``B-C``/``I-C`` cue, ``B-T``/``I-T`` content, ``O``. Linking works paragraph by
paragraph: each content span goes to the cue it hangs under in the parse, or else to the nearest cue of its
sentence; each source likewise; contents given to one cue are one attribution (PolNeAR's Content2); a cue without content is
no attribution. A cue the tagger gave no source gets the subject of its verb, when the parse has one outside
the attribution's spans ("Clinton has criticized X": the tagger often finds cue and content, not "Clinton"):
on the held-out fifth of the train split that raised the model's attribution F1 by about 0.03.
The confidence of an attribution is the mean marginal probability the tagger gives its tokens' labels."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from spacy.tokens import Doc, Token

from claimhouse.nlp.attribution.features import (
    doc_features,
    paragraphs,
    rule_labels,
)
from claimhouse.types import Claim

MODEL_DIR = Path(__file__).resolve().parent / "model"
CRF_FILE = "attribution.crfsuite"
META_FILE = "meta.json"
CLUSTERS_FILE = "clusters.npz"  # the word-class centroids of features.cluster_ids, float16, one array per size


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
        self.centroids = load_centroids(self.folder / CLUSTERS_FILE)

    def tag(self, doc: Doc, rules: list[str]) -> tuple[list[str], list[float]]:
        """A label and its marginal probability for every token (``O`` and 1.0 outside paragraphs)."""
        labels = ["O"] * len(doc)
        probs = [1.0] * len(doc)
        for (lo, hi), feats in doc_features(doc, rules, self.cue_lemmas, self.centroids):
            seq = self.tagger.tag(feats)
            for k, lab in enumerate(seq):
                labels[lo + k] = lab
                probs[lo + k] = self.tagger.marginal(lab, k)
        return labels, probs

    def attributions(self, doc: Doc, rule_claims: list[Claim]) -> list[Linked]:
        labels, probs = self.tag(doc, rule_labels(doc, rule_claims))
        return link(doc, spans_of(labels, probs))


def load_centroids(path: Path) -> list[np.ndarray]:
    """The centroid sets of a model folder, smallest first, as float32 rows; none for a model without.
    They were written as float16 unit rows and are used as stored (not scaled again), so the pipeline
    computes exactly the word classes the model was trained on (train.learn_clusters rounds the same way)."""
    if not path.exists():
        return []
    with np.load(path) as z:
        return [z[k].astype(np.float32) for k in sorted(z.files, key=lambda k: z[k].shape[0])]


def save_centroids(path: Path, centroids: list[np.ndarray]) -> None:
    """Write centroid sets as load_centroids reads them (float16; exact for train.learn_clusters' rows)."""
    np.savez_compressed(path, **{f"k{len(c)}": np.asarray(c).astype(np.float16) for c in centroids})


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
    out = [c for c in cues if c.contents]
    for a in out:
        if a.source is None:
            a.source = _subject_source(doc, a)
    return out


_SUBJECT = ("nsubj", "nsubjpass", "csubj")
_CLIMB = ("xcomp", "conj", "advcl", "ccomp")  # a verb without its own subject takes its head's


def _subject_source(doc: Doc, a: Linked) -> Span | None:
    """The subject of the cue's verb as the source of an attribution the tagger gave none: its whole
    subtree when that stays clear of the cue and contents, else the subject word alone. Up to three steps
    up through verbs without a subject of their own that share their head's (an open complement, a
    conjunct, a participle); a relative clause's antecedent is its subject."""
    taken = set(range(a.cue.lo, a.cue.hi))
    for s in a.contents:
        taken.update(range(s.lo, s.hi))
    node: Token = doc[a.cue.lo:a.cue.hi].root
    subject = None
    for _ in range(3):
        own = [ch for ch in node.children if ch.dep_ in _SUBJECT or ch.dep_ == "expl"]
        if own:  # the verb has its own subject: that, unless it is part of the cue or content ("it is not clear")
            subject = next((ch for ch in own if ch.dep_ != "expl" and ch.i not in taken), None)
            break
        if node.dep_ == "relcl" and node.head.i != node.i:
            subject = node.head if node.head.i not in taken else None
            break
        if node.dep_ not in _CLIMB or node.head.i == node.i:
            break
        node = node.head
    if subject is None:
        return None
    lo, hi = subject.left_edge.i, subject.right_edge.i + 1
    if any(lo <= i < hi for i in taken):
        lo, hi = subject.i, subject.i + 1
    return Span("S", lo, hi, a.cue.confidence)


@functools.cache
def load(folder: str | None = None) -> AttributionModel | None:
    """The shipped model, once per process; None when the package holds none."""
    path = Path(folder) if folder else MODEL_DIR
    if not (path / CRF_FILE).exists():
        return None
    return AttributionModel(path)
