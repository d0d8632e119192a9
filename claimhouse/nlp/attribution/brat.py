"""PolNeAR's brat standoff annotations: ``T`` spans (Source, Cue, Content, Attribution) and ``E`` events that
link them. Used to train the tagger and to score attributions on held-out articles."""
from __future__ import annotations

from dataclasses import dataclass, field

ROLES = {"Source": "S", "Cue": "C", "Content": "T"}  # brat label -> tag letter (T: conTent)


@dataclass
class GoldAttribution:
    source: list[tuple[int, int]] = field(default_factory=list)  # character fragments
    cue: list[tuple[int, int]] = field(default_factory=list)
    content: list[tuple[int, int]] = field(default_factory=list)


def parse(ann_text: str) -> list[GoldAttribution]:
    """The attributions of one ``.ann`` file, each with the character fragments of its three roles
    (a second content span, ``Content2``, joins the first)."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events: list[dict[str, str]] = []
    for line in ann_text.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, offsets = parts[1].partition(" ")
            frags = []
            for piece in offsets.split(";"):
                a, b = piece.split()
                frags.append((int(a), int(b)))
            spans[parts[0]] = (label, frags)
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(x.split(":", 1) for x in parts[1].split() if ":" in x))
    out = []
    for ev in events:
        att = GoldAttribution()
        for role, tid in ev.items():
            if tid not in spans:
                continue
            base = role.rstrip("0123456789")
            if base == "Source":
                att.source += spans[tid][1]
            elif base == "Cue":
                att.cue += spans[tid][1]
            elif base == "Content":
                att.content += spans[tid][1]
        if att.content or att.cue:
            out.append(att)
    return out


def token_labels(doc, attributions: list[GoldAttribution]) -> list[str]:
    """One BIO label per token of ``doc`` (``B-S``/``I-S`` source, ``B-C``/``I-C`` cue, ``B-T``/``I-T`` content,
    ``O``): a token takes a role when most of its characters lie in one of that role's fragments; a new
    fragment starts with ``B``. Space tokens are ``O``."""
    n = len(doc)
    labels = ["O"] * n
    starts = [t.idx for t in doc]
    import bisect

    for att in attributions:
        for letter, frags in (("S", att.source), ("C", att.cue), ("T", att.content)):
            for a, b in frags:
                i = max(0, bisect.bisect_right(starts, a) - 1)
                first = True
                while i < n and doc[i].idx < b:
                    tok = doc[i]
                    lo, hi = tok.idx, tok.idx + len(tok.text)
                    inside = max(0, min(hi, b) - max(lo, a))
                    if not tok.is_space and inside * 2 > (hi - lo):
                        labels[i] = ("B-" if first else "I-") + letter
                        first = False
                    i += 1
    return labels
