"""The trained attribution model (claimhouse/attribution): it ships with the package and loads offline, it
finds attributions inside extract_claims, its claims carry model and confidence into core.claims, and the
training code runs end to end on a small corpus."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import query

from claimhouse.nlp.attribution import brat
from claimhouse.nlp.attribution import model as am
from claimhouse.nlp.attribution.features import cluster_ids, doc_features
from claimhouse.nlp.attribution.train import MODEL_NAME, learn_clusters
from claimhouse.nlp.attribution.train import main as train_main
from claimhouse.nlp.claims import extract_claims
from claimhouse.nlp.pipeline import load_nlp, split_sentences


def claims_of(text: str, mode: str | None = None):
    doc = load_nlp()(text)
    return extract_claims(doc, split_sentences(doc), attributions_from=mode)


def test_the_shipped_model_loads_offline():
    model = am.load()
    assert model is not None and model.name == MODEL_NAME == "polnear-crf-3"
    size = sum(p.stat().st_size for p in am.MODEL_DIR.iterdir())
    assert size < 20_000_000  # a few MB, committed with the package
    assert {"say", "tell", "accord"} <= model.cue_lemmas  # cue words learnt from the train split
    assert [len(c) for c in model.centroids] == [64, 256, 1024]  # the word classes ship with it
    doc = load_nlp()("The senator criticized the plan.")
    feats = [f for _, para in doc_features(doc, ["O"] * len(doc), model.cue_lemmas, model.centroids) for f in para]
    assert all(any(x.startswith("k2=") for x in f) for f in feats)  # every token has its classes


def test_the_model_finds_an_attribution_and_rates_it():
    text = ("The governor said on Tuesday that the bridge would reopen in May.\n\n"
            "Repairs will cost about $4 million, according to the state transport agency.")
    model_claims = [c for c in claims_of(text, "model") if c.claim_type == "attribution"]
    assert model_claims and all(c.model == MODEL_NAME for c in model_claims)
    said = next(c for c in model_claims if c.cue_text == "said")
    assert "governor" in said.source_text and "bridge would reopen in May" in said.content_text
    assert 0.5 < said.confidence <= 1.0
    rules = [c for c in claims_of(text, "rules") if c.claim_type == "attribution"]
    assert rules and all(c.model == "rules" and c.confidence is None for c in rules)


def test_brat_labels_are_one_role_per_token():
    text = "Smith said the plan failed."
    doc = load_nlp()(text)
    gold = brat.parse("T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 11 26\tthe plan failed\n"
                      "T4\tAttribution 6 10\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n")
    assert brat.token_labels(doc, gold) == ["B-S", "B-C", "B-T", "I-T", "I-T", "O"]


ARTICLES = [
    ("The mayor said the new bridge would open in June.", [("Source", "The mayor"), ("Cue", "said"),
                                                          ("Content", "the new bridge would open in June")]),
    ("Officials told reporters that the budget was balanced.", [("Source", "Officials"), ("Cue", "told reporters"),
                                                                 ("Content", "the budget was balanced")]),
    ("The company announced that profits rose sharply.", [("Source", "The company"), ("Cue", "announced"),
                                                          ("Content", "profits rose sharply")]),
    ("According to the report, crime fell last year.", [("Source", "the report"), ("Cue", "According to"),
                                                         ("Content", "crime fell last year")]),
]


def _write_corpus(root: Path) -> Path:
    (root / "seeds").mkdir(parents=True)
    (root / "gold").mkdir()
    for k, (sentence, roles) in enumerate(ARTICLES * 2):
        text = f"{sentence}\n\nThe weather was mild on the day.\n"
        lines, tids = [], {}
        for n, (role, words) in enumerate(roles, 1):
            a = text.index(words)
            lines.append(f"T{n}\t{role} {a} {a + len(words)}\t{words}")
            tids[role] = f"T{n}"
        lines.append("E1\tAttribution:T2 " + " ".join(f"{r}:{t}" for r, t in tids.items()))
        (root / "seeds" / f"a{k}.txt").write_text(text, encoding="utf-8")
        (root / "gold" / f"a{k}.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_a_small_training_run_writes_a_model_that_loads(tmp_path, capsys):
    train = _write_corpus(tmp_path / "train")
    out = tmp_path / "model"
    assert train_main(["--train", str(train), "--output", str(out), "--cache", str(tmp_path / "cache"),
                       "--iterations", "5", "--holdout-share", "0.3"]) == 0
    printed = capsys.readouterr().out
    assert "parsed 8 articles" in printed and f"model {MODEL_NAME} trained on 8 articles" in printed
    assert "attribution F1" in printed  # the held-out check ran
    model = am.AttributionModel(out)
    doc = load_nlp()("The minister said the talks would resume.")
    labels, probs = model.tag(doc, ["O"] * len(doc))
    assert len(labels) == len(doc) and all(0.0 <= p <= 1.0 for p in probs)


def test_word_classes_are_learnt_the_same_way_twice_and_cover_every_token(monkeypatch, tmp_path):
    nlp = load_nlp()
    docs = [nlp(sentence) for sentence, _ in ARTICLES * 3]
    articles = [(str(k), d, [], []) for k, d in enumerate(docs)]
    first, again = learn_clusters(articles, sizes=(4, 8, 10_000)), learn_clusters(articles, sizes=(4, 8, 10_000))
    assert [len(c) for c in first] == [4, 8]  # a size the corpus cannot fill is left out
    assert all((a == b).all() for a, b in zip(first, again))  # seeded: a rebuild gives the same classes
    am.save_centroids(tmp_path / "clusters.npz", first)  # the pipeline loads exactly what training used
    assert all(a.dtype == b.dtype and (a == b).all() for a, b in zip(first, am.load_centroids(tmp_path / "clusters.npz")))
    ids = cluster_ids(docs[0], first)
    assert [len(x) for x in ids] == [len(docs[0])] * 2 and all(0 <= i < 8 for i in ids[1])
    import claimhouse.nlp.attribution.features as feats
    monkeypatch.setattr(feats, "CLASS_BLOCK", 3)  # a long document is done in blocks, with the same result
    assert cluster_ids(docs[0], first) == ids
    docs[0].tensor = docs[0].tensor[:0]  # a doc without vectors: no classes, no error
    assert cluster_ids(docs[0], first) == []


def test_a_cue_the_tagger_gave_no_source_takes_its_verb_s_subject():
    doc = load_nlp()("Senator Collins has criticized the plan as reckless.")
    cue = next(t for t in doc if t.text == "criticized")
    content = am.Span("T", cue.i + 1, len(doc) - 1, 0.9)
    linked = am.link(doc, [am.Span("C", cue.i - 1, cue.i + 1, 0.8), content])
    assert len(linked) == 1 and linked[0].source is not None
    src = linked[0].source
    assert doc[src.lo:src.hi].text == "Senator Collins"


def test_training_without_the_train_split_says_so(tmp_path, capsys):
    assert train_main(["--train", str(tmp_path / "nowhere")]) == 2
    assert "PolNeAR's train split" in capsys.readouterr().err


def test_core_claims_record_what_found_each_claim(seeds_run):
    _, wh, _ = seeds_run
    rows = query(wh, "select model, count(*), min(confidence), max(confidence), count(confidence) "
                     "from core.claims where claim_type = 'attribution' group by model order by model")
    by_model = {r[0]: r[1:] for r in rows}
    assert set(by_model) <= {"rules", MODEL_NAME} and by_model
    if MODEL_NAME in by_model:
        n, lo, hi, with_conf = by_model[MODEL_NAME]
        assert with_conf == n and 0.0 < lo <= hi <= 1.0
    if "rules" in by_model:
        assert by_model["rules"][3] == 0  # the rules give no confidence
    assert query(wh, "select count(*) from core.claims where claim_type = 'assertion' and model <> 'rules'") == [(0,)]


def test_a_model_that_cannot_load_leaves_the_rules(monkeypatch):
    """A broken install of the model (a missing library, a damaged file) costs the model's claims, not the
    documents: extract_claims falls back to the rules."""
    def broken(folder=None):
        raise OSError("damaged model file")
    monkeypatch.setattr(am, "load", broken)
    claims = claims_of("The governor said on Tuesday that the bridge would reopen in May.", "combined")
    said = [c for c in claims if c.claim_type == "attribution"]
    assert said and all(c.model == "rules" for c in said)
