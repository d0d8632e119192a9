"""Tests for claimhouse.nlp.quantities.extract_quantities (and the number-word parser)."""
from __future__ import annotations

import re

import pytest
from conftest import SEEDS, clean_seed  # noqa: E402

from claimhouse.nlp.numbers import parse_number
from claimhouse.nlp.pipeline import load_nlp, split_sentences
from claimhouse.nlp.quantities import extract_quantities
from claimhouse.types import Claim


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def run(nlp, text, claims=None):
    doc = nlp(text)
    sents = split_sentences(doc)
    return doc, sents, extract_quantities(doc, sents, claims or [])


def one(nlp, text):
    _, _, qs = run(nlp, text)
    assert len(qs) == 1, [(q.surface, q.value) for q in qs]
    return qs[0]


@pytest.fixture(scope="module")
def seed_quantities(nlp):
    out = {}
    for p in sorted(SEEDS.glob("*.txt")):
        doc, sents, qs = run(nlp, clean_seed(p))
        out[p.name[:3]] = (doc, sents, qs)
    return out


# ------------------------------------------------------------------ number words
@pytest.mark.parametrize("text,value", [
    ("16,100", 16100), ("1.5", 1.5), ("five", 5), ("forty-three", 43), ("a dozen", 12),
    ("two hundred and five", 205), ("1.5 million", 1.5e6), ("twenty one", 21),
    ("three thousand", 3000), ("banana", None),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


# ------------------------------------------------------------------ seeds
def _find(qs, value, unit=None):
    hits = [q for q in qs if q.value == value and (unit is None or q.unit == unit)]
    assert hits, f"no {value} {unit} in {[(q.surface, q.value, q.unit) for q in qs]}"
    return hits[0]


def test_seed_000_figures(seed_quantities):
    doc, sents, qs = seed_quantities["000"]
    q = _find(qs, 40000, "troops")
    assert q.surface == "40,000 troops" and q.normalized_unit == "troop" and q.change == "="
    assert doc.text[q.start_char:q.end_char] == q.surface
    assert sents[q.sentence_index].start_char <= q.start_char < sents[q.sentence_index].end_char
    killed = _find(qs, 16100)
    assert killed.surface.startswith("16,100")
    assert killed.unit == "troops"  # "16,100 of whom": antecedent's unit
    km = _find(qs, 5, "kilometres")
    assert km.surface == "five kilometres" and km.normalized_unit == "kilometre" and km.change == "<"
    nk = _find(qs, 12000, "soldiers")
    assert nk.normalized_unit == "soldier" and nk.change == "~"
    assert nk.subject == "North Korean soldiers"
    pers = _find(qs, 909)
    assert pers.normalized_unit == "personnel"
    # no years, dates or ordinals
    assert not [q for q in qs if q.value in (2025, 2024, 2022)]


def test_seed_dates_not_quantities(seed_quantities):
    for doc, _, qs in seed_quantities.values():
        for q in qs:
            assert not re.fullmatch(r"(19|20)\d\d", q.surface), q.surface


# ------------------------------------------------------------------ forms
@pytest.mark.parametrize("text,value,unit,norm", [
    ("The army deployed 1.5 million soldiers.", 1.5e6, "soldiers", "soldier"),
    ("The fund received $2 billion last year.", 2e9, "$", "dollar"),
    ("They paid €3m for it.", 3e6, "€", "euro"),
    ("The bill was USD 10 in total.", 10, "USD", "dollar"),
    ("Unemployment reached 40% in the region.", 40, "%", "percentage"),
    ("Unemployment reached 40 percent in the region.", 40, "percent", "percentage"),
    ("Unemployment reached 40 per cent in the region.", 40, "per cent", "percentage"),
    ("Forty-three people were injured.", 43, "people", "people"),
    ("A dozen drones were shot down.", 12, "drones", "drone"),
    ("The enclave covers 500 square miles.", 500, "square miles", "square mile"),
    ("The car reached 87 mph on the track.", 87, "mph", "mile per hour"),
    ("Oil traded at $58.24 per barrel.", 58.24, "$ per barrel", "dollar per barrel"),
    ("The ministry counted 909 personnel.", 909, "personnel", "personnel"),
    ("The city has one 52,000 barrel-a-day refinery.", 52000, "barrel-a-day", "barrel per day"),
    ("The dollar eased against the yen to 108.79 JPY= on Friday.", 108.79, "JPY", "japanese yen"),
])
def test_forms(nlp, text, value, unit, norm):
    q = one(nlp, text)
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert q.normalized_unit == norm


@pytest.mark.parametrize("text,change", [
    ("About 300 civilians fled.", "~"),
    ("Around 300 civilians fled.", "~"),
    ("Nearly 300 civilians fled.", "~"),
    ("Some 300 civilians fled.", "~"),
    ("More than 300 civilians fled.", ">"),
    ("At least 300 civilians fled.", ">"),
    ("Over 300 civilians fled.", ">"),
    ("Fewer than 300 civilians fled.", "<"),
    ("Up to 300 civilians fled.", "<"),
    ("Prices rose 5% in March.", "up"),
    ("Prices fell by 5% in March.", "down"),
    ("Exports dropped 7 percent.", "down"),
    ("300 civilians fled.", "="),
])
def test_change(nlp, text, change):
    assert one(nlp, text).change == change


def test_lost_troops_is_not_a_decrease(nlp):
    q = one(nlp, "Russia lost 40,000 troops in six weeks of fighting there.".replace(" in six weeks of fighting there", ""))
    assert q.change == "=" and q.unit == "troops"


def test_plural_scales(nlp):
    q = one(nlp, "Hundreds of Ukrainian defenders were trapped.")
    assert q.value == 100 and q.change == "=" and q.unit == "defenders"
    q = one(nlp, "Dozens of vehicles were destroyed.")
    assert (q.value, q.value_max, q.change) == (12, 120, "=")  # a range, not a lower bound
    q = one(nlp, "Tens of thousands of people protested.")
    assert q.value == 10000 and q.unit == "people"


def test_range(nlp):
    q = one(nlp, "Officials expect 10-15 brigades to be deployed.")
    assert q.value == 10 and q.surface.startswith("10-15")
    q = one(nlp, "Temperatures dropped by 1 to 1.5 degrees Celsius.")
    assert q.value == 1 and q.normalized_unit == "celsius" and q.change == "down"


def test_from_to_is_one_range(nlp):
    _, _, qs = run(nlp, "Revenue rose from $6.78 billion to $7.36 billion.")
    assert [(q.value, q.value_max, q.normalized_unit) for q in qs] == [(6.78e9, 7.36e9, "dollar")]
    _, _, qs = run(nlp, "Horsepower jumped from 240 to 273 this year.")
    assert [(q.value, q.value_max) for q in qs] == [(240, 273)]


def test_from_to_falling_keeps_both_ends(nlp):
    _, _, qs = run(nlp, "Growth is forecast to slow from 4.8 to 4.7 percent in 2019.")
    assert [(q.value, q.value_max, q.unit) for q in qs] == [(4.7, 4.8, "percent")]


def test_by_then_to_gives_the_change_and_the_level(nlp):
    _, _, qs = run(nlp, "The deficit increased by $43.6 billion to $419.2 billion.")
    assert [(q.value, q.value_max) for q in qs] == [(43.6e9, None), (419.2e9, None)]


@pytest.mark.parametrize("text", [
    "The talks took place on 13 March 2025.",
    "In 2025 the war continued.",
    "The offensive began in August.",
    "The meeting started at 10:30 a.m. on Monday.",
    "It was the first time since World War II.",
    "The 82nd Brigade held the line.",
    "He is one of them.",
    "Call us on 555-123-4567 today.",
    "Each one of them left.",
    "Apple released the iPhone 11 yesterday.",
    "The Su-34 bombers flew over.",
    "The COVID-19 pandemic changed everything.",
    "the sp 500 is poised to open lower.",
    "Markets are due a rally, the FTSE 100 in particular.",
])
def test_not_quantities(nlp, text):
    _, _, qs = run(nlp, text)
    assert qs == [], [(q.surface, q.value, q.unit) for q in qs]


def test_durations_are_quantities(nlp):
    q = one(nlp, "The fighting lasted six months.")
    assert q.value == 6 and q.normalized_unit == "month"


def test_one_drone_operator_counts(nlp):
    q = one(nlp, "Russian forces captured one drone operator.")
    assert q.value == 1 and q.unit == "drone operator"


def test_claim_index(nlp):
    text = "The general said that 40,000 troops were lost. Analysts expect 5% growth."
    doc = nlp(text)
    sents = split_sentences(doc)
    start = text.index("40,000")
    claims = [
        Claim(claim_type="attribution", sentence_index=0, content_text=text[start - 5:text.index(".")],
              content_start=start - 5, content_end=text.index(".")),
        Claim(claim_type="assertion", sentence_index=1, content_text="5% growth",
              content_start=text.index("5%"), content_end=len(text) - 1),
    ]
    qs = extract_quantities(doc, sents, claims)
    assert [(q.value, q.claim_index, q.sentence_index) for q in qs] == [(40000, 0, 0), (5, 1, 1)]


def test_offsets_across_paragraphs(nlp):
    text = "First paragraph without figures.\nThen 3,000 refugees crossed, about 12% of the total."
    doc, sents, qs = run(nlp, text)
    assert [(q.surface, q.sentence_index) for q in qs] == [("3,000 refugees", 1), ("about 12%", 1)] or \
        [(q.surface, q.sentence_index) for q in qs] == [("3,000 refugees", 1), ("12%", 1)]
    for q in qs:
        assert text[q.start_char:q.end_char] == q.surface
    assert qs[1].subject == "the total"


def test_partitive_with_inner_number(nlp):
    _, _, qs = run(nlp, "Two of the five drones were shot down.")
    assert [(q.value, q.unit) for q in qs] == [(2, "drones"), (5, "drones")]


def test_of_those_with_noun(nlp):
    _, _, qs = run(nlp, "Officials said around 4,000 of those North Korean troops were killed.")
    assert [(q.value, q.unit, q.change, q.subject) for q in qs] == [
        (4000, "troops", "~", "North Korean troops")]


def test_antecedent_across_sentences_in_a_paragraph(nlp):
    _, _, qs = run(nlp, "Russia lost 40,000 troops. Of them, 16,100 of whom were killed, most were young.")
    assert qs[-1].value == 16100 and qs[-1].unit == "troops"


@pytest.mark.parametrize("text,value,unit", [
    ("The convoy drove at 7.5 km/h.", 7.5, "km/h"),
    ("Donors pledged £3bn.", 3e9, "£"),
    ("The ticket cost ¥100 on Monday.", 100, "¥"),
    ("The frigid atmosphere can dip down to minus-130 degrees Fahrenheit.", -130, "degrees Fahrenheit"),
    ("Exports fell to $-50.8bn in April.", -50.8e9, "$"),
    ("The price was quoted at USD10m.", 10e6, "USD"),
    ("Half of the territory was lost.", 0.5, "% territory"),  # a share of the territory
])
def test_more_forms(nlp, text, value, unit):
    q = one(nlp, text)
    assert q.value == pytest.approx(value) and q.unit == unit
    assert text[q.start_char:q.end_char] == q.surface


@pytest.mark.parametrize("text", [
    "Police received a call from a 911 caller.",
    "United won 2-0 at home.",
    "The film premiered in the 1990s.",
    "A 30-day ceasefire was proposed.",
    "Brigade 155 and the 47th Mechanized Brigade held out.",
    "UN Resolution 2334 was cited.",
])
def test_more_non_quantities(nlp, text):
    _, _, qs = run(nlp, text)
    assert qs == [], [(q.surface, q.value, q.unit) for q in qs]


def test_ranges_merged_with_repeated_unit(nlp):
    _, _, qs = run(nlp, "Prices are expected to increase between 5% and 6% next year.")
    assert [(q.surface, q.value) for q in qs] == [("5% and 6%", 5)]
    _, _, qs = run(nlp, "Fines range from $200 to $4 million.")
    assert [(q.surface, q.value) for q in qs] == [("$200 to $4 million", 200)]
    assert [q.value_max for q in qs] == [4_000_000]


@pytest.mark.parametrize("text, surface, low, high", [
    ("He was traveling at a speed of 15 to 22 miles per hour.", "15 to 22 miles per hour", 15, 22),
    ("Prices range from $370,000 to $5.5 million.", "$370,000 to $5.5 million", 370_000, 5_500_000),
    ("Hundreds of Ukrainian defenders held the line.", "Hundreds of Ukrainian defenders", 100, 1_000),
    ("Tens of thousands of students study there.", "Tens of thousands of students", 10_000, 100_000),
    ("A drone operator said he hit dozens of Russian vehicles.", "dozens of Russian vehicles", 12, 120),
    ("It took three or four years.", "three or four years", 3, 4),
])
def test_range_upper_bound(nlp, text, surface, low, high):
    _, _, qs = run(nlp, text)
    q = next(q for q in qs if q.surface == surface)
    assert (q.value, q.value_max) == (low, high)


def test_single_values_and_scores_have_no_upper_bound(nlp):
    _, _, qs = run(nlp, "Russia lost 40,000 troops and the match ended 2-0.")
    assert [(q.value, q.value_max) for q in qs] == [(40_000, None)]


def test_fraction_the_tagger_calls_a_date(nlp):
    _, _, qs = run(nlp, "A quarter of voters stayed at home.")
    assert [(q.surface, q.value) for q in qs] == [("A quarter of voters", 0.25)]


def test_range_rate_written_after_the_upper_end(nlp):
    _, _, qs = run(nlp, "Shares will be offered at a price of between $62 and $68 per share.")
    assert [(q.value, q.value_max, q.normalized_unit) for q in qs] == [(62, 68, "dollar per share")]


def test_range_scale_of_the_upper_end_with_currency_on_both(nlp):
    _, _, qs = run(nlp, "Apple had projected revenue of US $89 to $93 billion.")
    assert [(q.value, q.value_max) for q in qs] == [(89e9, 93e9)]
    _, _, qs = run(nlp, "Fines range from $200 to $4 million.")
    assert [(q.value, q.value_max) for q in qs] == [(200, 4e6)]


@pytest.mark.parametrize("text, value, unit", [
    ("One out of three Germans have housing problems.", 1 / 3, "% Germans"),
    ("A quarter of voters stayed at home.", 0.25, "% voters"),
])
def test_fraction_is_a_share_of_what_it_counts(nlp, text, value, unit):
    q = one(nlp, text)
    assert (q.value, q.unit) == (pytest.approx(value), unit)


def test_fraction_of_a_pronoun_has_no_unit(nlp):
    _, _, qs = run(nlp, "The firm employs around 600 people, almost half of which are in California.")
    assert [(q.value, q.unit) for q in qs] == [(600, "people"), (0.5, None)]


@pytest.mark.parametrize("text, unit", [
    ("JD Sports closed at 125.8 p.", "p"),
    ("Land there sells for $80 per sq m.", "$ per sq m"),
])
def test_sentence_full_stop_is_not_part_of_the_unit(nlp, text, unit):
    q = one(nlp, text)
    assert q.unit == unit and not q.surface.endswith(".")


@pytest.mark.parametrize("text, unit", [
    ("Are you on the hunt for one of the best wireless speakers around?", "best wireless speakers"),
    ("It was one of the most spectacular catches ever.", "spectacular catches"),
])
def test_one_of_the_counts_one(nlp, text, unit):
    q = one(nlp, text)
    assert (q.value, q.unit) == (1, unit)


def test_from_to_with_the_unit_after_the_first_level(nlp):
    _, _, qs = run(nlp, "He got in shape, dropping from 208 pounds to 193 by exercising.")
    assert [(q.value, q.value_max, q.normalized_unit) for q in qs] == [(193, 208, "pound-mass")]
    _, _, qs = run(nlp, "The forecast was revised from 5 to 7 per cent to 3 to 5 per cent.")
    assert [(q.value, q.value_max) for q in qs] == [(5, 7), (3, 5)]


def test_minus_word_is_part_of_the_number(nlp):
    _, _, qs = run(nlp, "This is about minus 387 Fahrenheit on the surface.")
    assert [(q.value, q.change, q.surface) for q in qs] == [(-387, "~", "minus 387 Fahrenheit")]


def test_counted_thing_per_time_unit_is_a_rate(nlp):
    q = one(nlp, "The state signed a contract to provide three thousand tests per day.")
    assert (q.value, q.unit, q.normalized_unit) == (3000, "tests per day", "test per day")


@pytest.mark.parametrize("text, value, unit", [
    ("He shot 32.3% from three-point range.", 3, "point"),
    ("The car comes with a six-cylinder engine.", 6, "cylinder"),
])
def test_hyphenated_modifier_counts_its_noun(nlp, text, value, unit):
    _, _, qs = run(nlp, text)
    assert (value, unit) in [(q.value, q.unit) for q in qs]


@pytest.mark.parametrize("text", ["They agreed a five-year plan.", "A 30-day ceasefire began."])
def test_hyphenated_time_modifier_is_not_a_quantity(nlp, text):
    _, _, qs = run(nlp, text)
    assert qs == [], [(q.surface, q.value) for q in qs]


def test_decimal_before_a_capitalised_unit_is_an_amount(nlp):
    _, _, qs = run(nlp, "Top relievers: John Gant (0.5 WAR), Andrew Miller (0.3 WAR).")
    assert [(q.value, q.unit) for q in qs] == [(0.5, "WAR"), (0.3, "WAR")]
    _, _, qs = run(nlp, "Boeing grounded the 787 Dreamliner fleet.")
    assert qs == []  # a whole number before a name stays a label


def test_people_counted_before_a_participle(nlp):
    _, _, qs = run(nlp, "The data of millions of Americans leaked.")
    assert [(q.value, q.value_max, q.unit) for q in qs] == [(1e6, 1e7, "Americans")]
