"""Word lists used by the claim extractor (``claims.py``).

Everything here is lower case; verbs are listed by lemma.
"""
from __future__ import annotations

# Reporting / stance verbs that introduce an attribution, by lemma.
CUE_VERBS: frozenset[str] = frozenset("""
say tell state note explain outline report claim warn argue add announce confirm deny insist
suggest write believe estimate describe acknowledge admit predict assert allege cite
declare comment reply respond answer remark observe emphasize emphasise stress maintain contend
conclude recall reveal disclose concede assure reiterate repeat testify tweet post indicate
point mention caution complain boast brag accuse charge criticize criticise praise urge vow
pledge promise threaten propose recommend demand ask question wonder expect fear worry
hope doubt agree disagree dispute reject find conclude forecast project calculate
hint imply acknowledge affirm announce proclaim counter retort quip joke lament
muse speculate theorize theorise reckon guess feel know learn understand hear tweet
call label brand term dismiss decry condemn slam blast insist
endorse oppose denounce blame express echo highlight vow pledge threaten urge decline
reference liken compare mock tout hail welcome applaud
recount detail
""".split())

# What an agent wants, plans or takes a stand on ("Clinton wants to sign up 5 million people",
# "the campaign attacked his record"): an attribution when the subject is a person, group or
# organisation and the verb has a complement.
STANCE_VERBS: frozenset[str] = frozenset("want plan intend refuse offer encourage attack discuss speak talk".split())

# Nouns that report what someone says or thinks when a 'that' clause follows ("his claim that ...").
CUE_NOUNS: frozenset[str] = frozenset("""
claim assertion allegation accusation statement comment remark argument warning promise pledge
belief view suggestion insistence admission denial charge contention prediction estimate assurance
concern fear hope worry complaint criticism message announcement report testimony speculation
""".split())

# Cues that stay an attribution of their own inside another attribution's content.
NESTED_CUES: frozenset[str] = frozenset("say tell".split())

# Lemmas whose direct object can be the content ("confirmed the invasion", "cited the losses").
DOBJ_CONTENT_VERBS: frozenset[str] = frozenset("""
confirm deny cite describe announce report acknowledge admit predict estimate claim allege
reveal disclose mention dispute reject reiterate repeat forecast propose recommend dismiss
endorse oppose denounce blame express echo highlight vow pledge threaten urge decline
reference liken compare mock tout hail welcome applaud
recount detail promise accuse
predict outline question blame praise criticize criticise condemn
""".split())

# Lemmas that only count as a cue in some shape: "learn" only as "has learned", etc.
WEAK_CUE_VERBS: frozenset[str] = frozenset("""
think expect fear worry hope doubt agree disagree find show know learn understand hear feel
point ask question wonder guess reckon answer charge project signal counter
""".split())

# Verbs that need a clausal complement (not a direct object) to count as a cue.
CLAUSE_ONLY_VERBS: frozenset[str] = WEAK_CUE_VERBS | frozenset(
    "add write explain lament muse joke quip boast brag complain speculate reply respond".split())

# Verbs naming something: content is the object and its predicate ("called the incursion 'a very
# important operation'", "labeled such ideas as 'even worse'").
NAMING_VERBS: frozenset[str] = frozenset("call label brand term dub describe".split())

# Inflected forms that the tagger sometimes labels as nouns ("As The Telegraph notes, ...").
NOUNISH_CUE_FORMS: dict[str, str] = {
    "notes": "note", "reports": "report", "says": "say", "writes": "write", "claims": "claim",
    "argues": "argue", "warns": "warn", "explains": "explain", "suggests": "suggest",
    "states": "state", "points": "point", "puts": "put", "observes": "observe",
}

# Words that make an attribution hedged.
HEDGE_WORDS: frozenset[str] = frozenset("""
reportedly allegedly alleged purportedly supposedly apparently may might could likely unlikely
possibly perhaps probably presumably seemingly unconfirmed unverified
""".split())
HEDGE_CUES: frozenset[str] = frozenset("claim allege suggest speculate estimate guess believe reckon".split())

# Lemmas of negating cues.
NEGATING_CUES: frozenset[str] = frozenset("deny reject dispute refute".split())
NEGATING_DETERMINERS: frozenset[str] = frozenset("no none nobody neither".split())

# Heads of unnamed sources.
UNNAMED_HEADS: frozenset[str] = frozenset("""
source sources official officials expert experts analyst analysts observer observers critic critics
people person resident residents witness witnesses operator soldier soldiers commander commanders
diplomat diplomats insider insiders spokesman spokeswoman spokesperson aide aides adviser advisers
advisor advisors observer researcher researchers scientist scientists economist economists
lawmaker lawmakers member members officer officers investigator investigators authorities
some many others several most
""".split())

# Generic nouns for a document that point back to a publication ("the report says").
PUBLICATION_ANAPHORS: frozenset[str] = frozenset(
    "report publication newspaper paper outlet article story daily magazine analysis".split())

# Words that mark an organisation name as a publication / news outlet.
PUBLICATION_WORDS: frozenset[str] = frozenset("""
times post telegraph journal guardian reuters bloomberg cnn bbc washpo ap afp associated press
gazette gazeta tribune herald independent economist politico axios npr fox nbc abc cbs msnbc
newsweek spiegel monde tass interfax ria novosti kommersant vedomosti izvestia pravda daily
mail news magazine wire agency radio tv television network observer standard express mirror
chronicle inquirer bulletin dispatch review insider intercept vox hill atlantic yorker
euronews dw ukrinform unian meduza err yle kyiv
""".split())

# Titles dropped from a person's canonical name.
NAME_TITLES: frozenset[str] = frozenset("""
mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady gen gen. sen sen. rep rep. gov gov.
president minister secretary senator governor general colonel col col. lt lt. sgt sgt. captain
capt capt. chancellor premier prime king queen prince princess pope judge justice mayor
""".split())

PERSON_PRONOUNS: frozenset[str] = frozenset("he she him her".split())
GROUP_PRONOUNS: frozenset[str] = frozenset("they them".split())
THING_PRONOUNS: frozenset[str] = frozenset("it".split())
RELATIVE_PRONOUNS: frozenset[str] = frozenset("who which that whom".split())

# Words that make a proper-noun run an organisation rather than a person.
ORG_WORDS: frozenset[str] = frozenset("""
institute ministry council staff party army forces force union agency department committee office
service bank fund corporation corp inc ltd llc group university court government administration
commission command kremlin pentagon parliament senate house congress navy guard police authority
association federation foundation center centre organization organisation alliance nato un eu
campaign company brigade battalion regiment division intelligence cabinet bureau board
""".split())

# Verbs with a "that" clause that do not report what someone says or thinks.
NON_CUE_THAT_VERBS: frozenset[str] = frozenset("""
be make mean ensure require seem appear happen turn prove determine guarantee
""".split())
