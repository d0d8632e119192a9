"""Tests for claimhouse.nlp.entities (rule layer over spaCy NER, canonical names)."""
from __future__ import annotations

import pytest
from conftest import SEEDS, clean_seed  # noqa: E402

from claimhouse.nlp.entities import (
    LABELS,
    canonical_key,
    extract_entities,
    resolve_names,
)
from claimhouse.nlp.pipeline import load_nlp, split_sentences


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def ents(nlp, text):
    doc = nlp(text)
    sents = split_sentences(doc)
    return doc, sents, extract_entities(doc, sents)


@pytest.fixture(scope="module")
def seed_entities(nlp):
    return {p.name[:3]: ents(nlp, clean_seed(p)) for p in sorted(SEEDS.glob("*.txt"))}


def labels_of(es, surface):
    return {e.label for e in es if e.text == surface}


# ------------------------------------------------------------------ seeds
def test_seed_kursk_kyiv_relabelled(nlp, seed_entities):
    # the raw model gets these wrong on the seeds ...
    doc = seed_entities["000"][0]
    raw = {(e.text, e.label_) for e in doc.ents}
    assert ("Kursk", "PRODUCT") in raw and ("Kyiv", "PERSON") in raw
    # ... the rule layer fixes them everywhere
    seen = set()
    for key, (_, _, es) in seed_entities.items():
        for surface in ("Kursk", "Kyiv", "Kiev"):
            got = labels_of(es, surface)
            assert got <= {"GPE", "LOC"}, (key, surface, got)
            seen |= {surface} if got else set()
    assert seen >= {"Kursk", "Kyiv"}  # found, not only never mislabelled
    assert labels_of(seed_entities["000"][2], "Kursk") == {"GPE"}
    assert labels_of(seed_entities["000"][2], "Kyiv") == {"GPE"}


def test_seed_offsets_and_sentences(seed_entities):
    for doc, sents, es in seed_entities.values():
        for e in es:
            assert doc.text[e.start_char:e.end_char] == e.text
            s = sents[e.sentence_index]
            assert s.start_char <= e.start_char < s.end_char
            assert e.label in LABELS
            assert not e.text.lower().startswith("the ")
            assert not e.text.endswith(("'s", "’s"))


def test_seed_zelensky_and_isw(seed_entities):
    _, _, es = seed_entities["000"]
    isw = [e for e in es if e.text == "ISW"]
    assert isw and all(e.canonical == "Institute for the Study of War" for e in isw)
    assert {e.canonical for e in es if e.text == "Putin"} == {"Vladimir Putin"}
    assert {e.canonical for e in es if e.text == "Trump"} == {"Donald Trump"}
    assert {e.label for e in es if e.text == "Trump"} == {"PERSON"}
    _, _, es3 = seed_entities["003"]
    zel = {e.canonical for e in es3 if "Zelensk" in e.text}
    assert zel == {"Volodymyr Zelenskyy"}
    assert canonical_key("Volodymyr Zelenskyy") == canonical_key("Volodymyr Zelensky")


def test_seed_person_surnames_not_places(seed_entities):
    _, _, es = seed_entities["000"]
    assert labels_of(es, "Evans") == {"PERSON"}
    assert {e.canonical for e in es if e.text == "Evans"} == {"Angelica Evans"}


# ------------------------------------------------------------------ rules
def test_region_context_makes_place(nlp):
    _, _, es = ents(nlp, "Fighting continued in the Sumy region on Monday. Sumy was shelled again.")
    assert labels_of(es, "Sumy") <= {"GPE", "LOC"} and labels_of(es, "Sumy")


def test_titles_dropped_and_short_names(nlp):
    text = ("President Volodymyr Zelensky met Prime Minister Keir Starmer in London. "
            "Zelensky said the talks were useful, and Starmer agreed.")
    _, _, es = ents(nlp, text)
    by_text = {e.text: e for e in es}
    assert "Volodymyr Zelensky" in by_text and by_text["Volodymyr Zelensky"].canonical == "Volodymyr Zelensky"
    assert {e.canonical for e in es if e.text == "Zelensky"} == {"Volodymyr Zelensky"}
    assert {e.canonical for e in es if e.text == "Starmer"} == {"Keir Starmer"}
    assert not any(e.text.startswith(("President", "Prime Minister")) for e in es)


def test_acronym_defined_in_text(nlp):
    text = ("The Institute for the Study of War (ISW) published a report. "
            "ISW analysts said the offensive had stalled.")
    _, _, es = ents(nlp, text)
    isw = [e for e in es if e.text == "ISW"]
    assert isw and {e.canonical for e in isw} == {"Institute for the Study of War"}
    assert [e for e in es if e.text == "Institute for the Study of War"]


def test_possessive_and_leading_the(nlp):
    text = "The United Nations said Russia's army had advanced. The Kremlin denied it."
    _, _, es = ents(nlp, text)
    texts = {e.text for e in es}
    assert "Russia" in texts and "United Nations" in texts
    assert all(e.text == e.canonical or e.label == "PERSON" for e in es if e.text != "ISW")


def test_no_numeric_labels(nlp):
    _, _, es = ents(nlp, "On 13 March 2025, 40,000 troops, about 5% of the army, left at 10 a.m.")
    assert all(e.label in LABELS for e in es)
    assert not [e for e in es if e.label in {"DATE", "CARDINAL", "PERCENT", "TIME", "QUANTITY"}]


@pytest.mark.parametrize("a,b", [
    ("Zelenskyy", "Zelensky"),
    ("President Volodymyr Zelensky", "Volodymyr Zelensky"),
    ("Volodymyr Zelenskyy's", "volodymyr zelensky"),
    ("the Kremlin", "Kremlin"),
    ("Dmitrij Peškov", "Dmitrij Peskov"),
    ("Defence Minister Hanno Pevkur", "Hanno Pevkur"),
])
def test_canonical_key_equal(a, b):
    assert canonical_key(a) == canonical_key(b)


def test_canonical_key_keeps_different_names_apart():
    assert canonical_key("Kursk") != canonical_key("Kharkiv")
    assert canonical_key("Anna") != canonical_key("Ann Smith")
    assert canonical_key("Zelensky") == "zelensky"


def test_acronym_from_long_form_without_brackets(nlp):
    text = ("Analysts at the Institute for the Study of War said Russia was regrouping. "
            "According to ISW, the assault on Pokrovsk slowed.")
    _, _, es = ents(nlp, text)
    assert {e.canonical for e in es if e.text == "ISW"} == {"Institute for the Study of War"}


def test_ambiguous_surname_goes_to_most_mentioned_full_name(nlp):
    text = ("Hillary Clinton spoke in Ohio. Bill Clinton joined later. "
            "Hillary Clinton said the plan was ready. Clinton then left for Iowa.")
    _, _, es = ents(nlp, text)
    assert {e.canonical for e in es if e.text == "Clinton"} == {"Hillary Clinton"}
    assert {e.canonical for e in es if e.text == "Bill Clinton"} == {"Bill Clinton"}


def test_locative_context_and_propagation(nlp):
    # whatever the model says about "Sudzha", the oblast context and "near" make it a place
    text = ("Ukrainian troops held positions near Sudzha on Monday. "
            "Sudzha lies in the Kursk Oblast. Sudzha was shelled again.")
    _, _, es = ents(nlp, text)
    for surface in ("Sudzha", "Kursk Oblast"):
        got = labels_of(es, surface)
        assert got and got <= {"GPE", "LOC"}, (surface, got)


def test_surname_not_turned_into_place(nlp):
    text = ("ISW analyst Angelica Evans said the line held. "
            "According to Evans, Russian forces in Kursk were exhausted.")
    _, _, es = ents(nlp, text)
    assert labels_of(es, "Evans") == {"PERSON"}
    assert {e.canonical for e in es if e.text == "Evans"} == {"Angelica Evans"}


def test_entity_never_crosses_paragraph(nlp):
    text = "Talks with Vladimir Putin\nKremlin officials said nothing."
    doc, sents, es = ents(nlp, text)
    assert all("\n" not in e.text for e in es)


def test_one_canonical_name_across_the_corpus():
    names = resolve_names([
        ("Volodymyr Zelensky", "PERSON", 3), ("Volodymyr Zelenskyy", "PERSON", 2),
        ("President Volodymyr Zelensky", "PERSON", 1), ("Zelensky", "PERSON", 2), ("Zelenskyy", "PERSON", 1),
        ("ISW", "ORG", 2), ("Institute for the Study of War", "ORG", 3), ("The Institute for the Study of War", "ORG", 1),
        ("Trump", "ORG", 3), ("Donald Trump", "PERSON", 11),
        ("Telegraph", "ORG", 3), ("The Telegraph", "ORG", 7),
    ])
    for n in ("Volodymyr Zelenskyy", "President Volodymyr Zelensky", "Zelensky", "Zelenskyy"):
        assert names[n] == ("Volodymyr Zelensky", "PERSON"), n
    assert names["ISW"] == names["The Institute for the Study of War"] == ("Institute for the Study of War", "ORG")
    assert names["Trump"] == ("Donald Trump", "PERSON")  # a surname the model took for an organisation
    assert names["Telegraph"][0] == "The Telegraph"


def test_corpus_names_stay_apart_when_unsure():
    names = resolve_names([
        ("Clinton", "PERSON", 4), ("Hillary Clinton", "PERSON", 3), ("Bill Clinton", "PERSON", 2),
        ("Ukrainian Armed Forces", "ORG", 2), ("Russian Armed Forces", "ORG", 2),
        ("Kremlin", "ORG", 5), ("Kyiv", "GPE", 8), ("AP", "ORG", 1),
    ])
    assert names["Clinton"][0] == "Clinton"  # Hillary is not twice as frequent as Bill
    assert names["Ukrainian Armed Forces"][0] != names["Russian Armed Forces"][0]
    assert names["Kremlin"] == ("Kremlin", "ORG") and names["Kyiv"] == ("Kyiv", "GPE")
    assert names["AP"][0] == "AP"  # no long name spells it
