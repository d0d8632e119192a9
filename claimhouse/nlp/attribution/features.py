"""Token features for the attribution tagger: one sequence per paragraph of a parsed document.

Each token is described by its own form and parse (lemma, part of speech, dependency, entity), its head,
its nearest ancestor that is a reporting cue (and the dependency by which the token hangs under it),
whether it lies inside quotation marks, the label the rules gave it (claimhouse.nlp.claims), and the same for
its neighbours. The cue words are learnt from the train split (``cue_lemmas``), not written by hand.

Word classes: the spaCy model's own contextual token vectors (``doc.tensor``, from its tok2vec layer, which
the parse computes anyway) are assigned to the nearest of k centroids learnt on the train split
(``cluster_ids``; k = 64, 256 and 1024, k-means on unit vectors, nearest by cosine). A token's class, its head's and its
neighbours' are features, so "has criticized" can share what the tagger learnt of "has attacked" without
the CRF taking 96 real numbers per token."""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

import numpy as np
from spacy.tokens import Doc

from claimhouse.types import Claim

WINDOW = (-2, -1, 1, 2)
CLASS_BLOCK = 2048  # tokens whose word classes are computed at once
MAX_CLIMB = 6  # ancestors looked at for a cue


def paragraphs(doc: Doc) -> list[tuple[int, int]]:
    """(first, end) token ranges of the paragraphs: runs of tokens between line breaks, without the
    whitespace tokens at their edges; empty paragraphs are left out."""
    out, start = [], None
    for i, tok in enumerate(doc):
        if tok.is_space and "\n" in tok.text:
            if start is not None:
                out.append((start, i))
            start = None
            continue
        if start is None and not tok.is_space:
            start = i
        if "\n" in tok.whitespace_:
            if start is not None:
                out.append((start, i + 1))
            start = None
    if start is not None:
        out.append((start, len(doc)))
    return out


def rule_labels(doc: Doc, claims: Iterable[Claim]) -> list[str]:
    """The rules' attributions as one BIO label per token (``B-S`` ... ``O``, as in brat.token_labels)."""
    from claimhouse.nlp.attribution.brat import GoldAttribution, token_labels

    atts = []
    for c in claims:
        if c.claim_type != "attribution" or c.cue_start is None:
            continue
        atts.append(GoldAttribution(
            source=[(c.source_start, c.source_end)] if c.source_start is not None else [],
            cue=[(c.cue_start, c.cue_end)], content=[(c.content_start, c.content_end)]))
    return token_labels(doc, atts)


def _inside_quotes(doc: Doc) -> list[bool]:
    from claimhouse.nlp.claims import _quote_spans

    spans = _quote_spans(doc.text)
    starts = [s[0] for s in spans]
    out = []
    for tok in doc:
        k = bisect.bisect_right(starts, tok.idx) - 1
        out.append(k >= 0 and spans[k][0] <= tok.idx < spans[k][1])
    return out


def unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)


def has_vectors(doc: Doc) -> bool:
    """Whether ``doc.tensor`` holds one vector per token (a doc from a cache or another pipeline may not)."""
    t = doc.tensor
    return t is not None and getattr(t, "ndim", 0) == 2 and t.shape[0] == len(doc) and len(doc) > 0


def cluster_ids(doc: Doc, centroids: Sequence[np.ndarray]) -> list[list[int]]:
    """For each centroid set (unit rows), the index of the nearest centroid (cosine) of every token's vector
    in ``doc.tensor``; empty when the doc carries no vectors (then the tagger works without word classes)."""
    if not len(centroids) or not has_vectors(doc):
        return []
    t = doc.tensor
    out: list[list[int]] = [[] for _ in centroids]
    for lo in range(0, len(doc), CLASS_BLOCK):  # in blocks: a long document must not need tokens x 1024 floats
        v = unit_rows(t[lo:lo + CLASS_BLOCK])
        for ids, c in zip(out, centroids):
            ids.extend(np.argmax(v @ c.T, axis=1).tolist())
    return out


def doc_features(doc: Doc, rules: list[str], cue_lemmas: frozenset[str],
                 centroids: Sequence[np.ndarray] = ()) -> list[tuple[tuple[int, int], list[list[str]]]]:
    """For each paragraph, its token range and one list of feature strings per token."""
    n = len(doc)
    classes = cluster_ids(doc, centroids)
    mid = classes[min(1, len(classes) - 1)] if classes else None  # the middle size: for head and neighbours
    lemma = [t.lemma_.lower() for t in doc]
    lower = [t.lower_ for t in doc]
    pos = [t.pos_ for t in doc]
    dep = [t.dep_ for t in doc]
    quoted = _inside_quotes(doc)
    is_cue = [lemma[i] in cue_lemmas and pos[i] in ("VERB", "NOUN", "AUX", "ADP") for i in range(n)]
    sent_start = [t.is_sent_start for t in doc]
    # nearest cue ancestor: (its index, the dependency of the child on the path, distance)
    climb: list[tuple[int, str, int] | None] = []
    for tok in doc:
        child, node, found = tok, tok, None
        for d in range(1, MAX_CLIMB + 1):
            if node.head.i == node.i:
                break
            child, node = node, node.head
            if is_cue[node.i]:
                found = (node.i, child.dep_, d)
                break
        climb.append(found)
    sent_has_cue: dict[int, bool] = {}
    for sent in doc.sents:
        has = any(is_cue[i] for i in range(sent.start, sent.end))
        for i in range(sent.start, sent.end):
            sent_has_cue[i] = has
    base: list[list[str]] = []
    for i, tok in enumerate(doc):
        shape = "T" if tok.is_title else "U" if tok.is_upper else "d" if tok.like_num else "p" if tok.is_punct else "l"
        f = [f"w={lower[i]}", f"l={lemma[i]}", f"s3={lower[i][-3:]}", f"sh={shape}", f"p={pos[i]}", f"t={tok.tag_}",
             f"d={dep[i]}", f"hl={lemma[tok.head.i]}", f"hp={pos[tok.head.i]}", f"hd={dep[tok.head.i]}",
             f"dhp={dep[i]}|{pos[tok.head.i]}", f"e={tok.ent_iob_}{tok.ent_type_}", f"q={int(quoted[i])}",
             f"r={rules[i]}", f"cue={int(is_cue[i])}", f"sc={int(sent_has_cue[i])}", f"ss={int(sent_start[i])}"]
        if is_cue[i]:
            f.append(f"cuel={lemma[i]}")
        for k, ids in enumerate(classes):
            f.append(f"k{k}={ids[i]}")
        if mid is not None:
            f.append(f"hk={mid[tok.head.i]}")
        c = climb[i]
        if c is None:
            f.append("anc=none")
        else:
            j, via, dist = c
            side = "L" if i < j else "R"
            f += [f"anc={via}", f"ancs={via}|{side}", f"ancl={lemma[j]}|{via}", f"ancd={min(dist, 4)}"]
        base.append(f)
    out = []
    for lo, hi in paragraphs(doc):
        feats = []
        for i in range(lo, hi):
            f = list(base[i])
            for k in WINDOW:
                j = i + k
                if lo <= j < hi:
                    f += [f"{k}w={lower[j]}", f"{k}p={pos[j]}", f"{k}r={rules[j]}", f"{k}q={int(quoted[j])}"]
                    if mid is not None and abs(k) == 1:
                        f.append(f"{k}k={mid[j]}")
                else:
                    f.append(f"{k}edge")
            f.append(f"rr={rules[i - 1] if i > lo else 'BOS'}>{rules[i]}")
            feats.append(f)
        out.append(((lo, hi), feats))
    return out
