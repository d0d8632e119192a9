"""Data-quality checks for the claimhouse warehouse (great-expectations 1.x, Dagster-free).

Every checked table has a *suite*: a key (the columns that identify a row in
failure examples), a DuckDB query that produces the frame to check and a list
of checks, each of which becomes one GX expectation.

Cross-table conditions (does the document exist, do the offsets match the
text, ...) are not evaluated here: ``CHECK_QUERIES[table]`` computes them in
SQL as boolean columns of the frame ("flags"), and the suite checks that every
flag is true. A NULL flag counts as false.

Usage::

    from claimhouse.checks import quality

    # straight from the warehouse, in bounded chunks
    report = quality.validate_table(con, "core.sentences")
    report = quality.validate_table(con, "core.sentences", where="doc_id in (select doc_id from new_docs)")

    # or with frames the caller built (must contain REQUIRED_COLUMNS[table])
    df = con.sql(f"select * from ({quality.CHECK_QUERIES['core.sentences']}) where doc_id = ?", ...).df()
    report = quality.validate_frame("core.sentences", df)
    report = quality.validate_frames("core.sentences", chunks)      # any iterable of frames

    report.success, report.failures, print(report.summary())

Validation runs on pandas batches only (GX's SQL datasource does not work
against DuckDB), at most ``chunk_rows`` rows at a time, so memory stays
bounded; failures of all chunks are merged (counts summed, examples capped).
Uniqueness is also checked across chunks: the keys already seen are kept in
memory (only the values of the unique columns).

Adding a suite for a new table (e.g. a mart) is a few lines::

    register_suite(
        "marts.claims_per_day",
        key=("day", "outlet"),
        query="select day, outlet, claims from marts.claims_per_day",
        checks=[not_null("day"), not_null("outlet"), between("claims", 0, None)],
    )

``import great_expectations`` is slow (~10 s); it happens on the first
validation, once per process, with one cached ephemeral context.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported by GX anyway, but keep module import cheap
    import pandas

__all__ = [
    "CHECK_QUERIES",
    "CHUNK_ROWS",
    "REQUIRED_COLUMNS",
    "SUITES",
    "Check",
    "Failure",
    "QualityReport",
    "TableSuite",
    "between",
    "flag",
    "greater_than",
    "in_set",
    "iter_check_frames",
    "matches",
    "min_length",
    "not_matching_any",
    "not_null",
    "register_suite",
    "suite_names",
    "unique",
    "validate_frame",
    "validate_frames",
    "validate_table",
]

CHUNK_ROWS = 50_000  # default maximum rows per validated pandas batch
MAX_EXAMPLES = 20  # offending rows kept per failure
MAX_CHARS = 120  # long strings in examples are shortened to about this length


# --------------------------------------------------------------------------- #
# Report types
# --------------------------------------------------------------------------- #


@dataclass
class Failure:
    """One expectation that failed on a table (merged over all chunks)."""

    expectation: str  # GX expectation type, e.g. 'expect_column_values_to_be_unique'
    column: str | None
    unexpected_count: int
    examples: list[dict]  # up to MAX_EXAMPLES rows: key column(s) + offending value(s); JSON-friendly
    description: str  # "staging.documents.text contains markup (3 rows)"
    rule: str | None = None  # the row rule (quarantine reason), None for a blocking expectation


@dataclass
class QualityReport:
    table: str
    rows_checked: int
    expectations: int  # number of expectations evaluated
    failures: list[Failure] = field(default_factory=list)
    documents_checked: int = 0  # distinct documents among the rows checked (suites with row rules)
    # documents failing a row rule: doc_id -> (rule, detail), the first failing rule in suite order
    failing_documents: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def blocking_failures(self) -> list[Failure]:
        """Failures that mean the pipeline itself is broken (schema, keys, references)."""
        return [f for f in self.failures if not f.rule]

    @property
    def row_failures(self) -> list[Failure]:
        """Failures of row rules: their documents can be quarantined and the rest flows on."""
        return [f for f in self.failures if f.rule]

    @property
    def failing_share(self) -> float:
        """Share of the checked documents that fail a row rule."""
        return len(self.failing_documents) / self.documents_checked if self.documents_checked else 0.0

    def summary(self, examples_per_failure: int = 5) -> str:
        """Short multi-line text naming which rows fail and why."""
        if self.success:
            return (
                f"{self.table}: OK ({self.expectations} expectations passed, "
                f"{_rows(self.rows_checked)} checked)"
            )
        lines = [
            (f"{self.table}: FAILED ({len(self.failures)} of {self.expectations} expectations failed, "
             f"{_rows(self.rows_checked)} checked)")
        ]
        for failure in self.failures:
            lines.append(f"- {failure.description}" + (f" [row rule: {failure.rule}]" if failure.rule else ""))
            shown = failure.examples[:examples_per_failure]
            for example in shown:
                lines.append("    " + " ".join(f"{k}={v!r}" for k, v in example.items()))
            more = failure.unexpected_count - len(shown)
            if shown and more > 0:
                lines.append(f"    ... and {_rows(more)} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------- #
# Checks and suites (plain data; GX objects are only built at validation time)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Check:
    """One expectation of a suite.

    ``expectation`` is the GX class name in ``great_expectations.expectations``;
    ``kwargs`` its arguments (a value may be a zero-argument callable, evaluated
    at every validation, e.g. "now + 2 days"). ``columns`` are the frame columns
    it reads; ``context`` extra columns shown in failure examples;
    ``description`` is formatted with ``table``, ``column`` and ``rows``.
    """

    expectation: str
    kwargs: Mapping[str, Any]
    columns: tuple[str, ...]
    description: str
    context: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # regexes whose first match is shown in examples
    rule: str | None = None  # a row rule: a failing row sends its document to quarantine with this reason

    @property
    def severity(self) -> str:
        """'row' (the document is quarantined) or 'blocking' (the pipeline itself is broken)."""
        return "row" if self.rule else "blocking"

    @property
    def column(self) -> str | None:
        return self.columns[0] if self.columns else None

    def describe(self) -> str:
        """Short rule text, e.g. 'expect_column_values_to_be_unique(doc_id)' or 'markup_in_text: ...'."""
        text = f"{self.type}({', '.join(self.columns)})"
        return f"{self.rule}: {text}" if self.rule else text

    @property
    def type(self) -> str:
        """snake_case GX expectation type, e.g. 'expect_column_values_to_be_unique'."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()


def unique(column: str) -> Check:
    return Check("ExpectColumnValuesToBeUnique", {"column": column}, (column,),
                 "{table}.{column} has duplicate values ({rows})")


def row_rule(reason: str, check: Check) -> Check:
    """``check`` as a row rule: each failing row sends its document to quarantine with ``reason``."""
    return dataclasses.replace(check, rule=reason)


def is_null(column: str, what: str) -> Check:
    """Values must be NULL; a non-NULL value is what went wrong (e.g. the markup found)."""
    return Check("ExpectColumnValuesToBeNull", {"column": column}, (column,),
                 "{table}: " + what + " ({rows})")


def not_null(column: str) -> Check:
    return Check("ExpectColumnValuesToNotBeNull", {"column": column}, (column,),
                 "{table}.{column} is null ({rows})")


def matches(column: str, regex: str, what: str | None = None) -> Check:
    """Non-null values must match ``regex`` (re.search semantics; anchor it)."""
    what = what or f"does not match {regex}"
    return Check("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex}, (column,),
                 "{table}.{column} " + what + " ({rows})")


def not_matching_any(column: str, regexes: Sequence[str], what: str) -> Check:
    """Non-null values must match none of ``regexes``; examples show the first match."""
    return Check("ExpectColumnValuesToNotMatchRegexList",
                 {"column": column, "regex_list": list(regexes)}, (column,),
                 "{table}.{column} contains " + what + " ({rows})", patterns=tuple(regexes))


def in_set(column: str, values: Iterable[Any]) -> Check:
    values = sorted(values, key=str)
    shown = ", ".join(map(str, values))
    return Check("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, (column,),
                 "{table}.{column} is not one of {{" + shown.replace("{", "{{").replace("}", "}}")
                 + "}} ({rows})")


def between(column: str, min_value: Any = None, max_value: Any = None, what: str | None = None) -> Check:
    """Non-null values must lie in [min_value, max_value] (either bound may be None or a callable)."""
    if what is None:
        if max_value is None:
            what = f"is below {min_value}"
        elif min_value is None:
            what = f"is above {max_value}"
        else:
            what = f"is outside [{min_value}, {max_value}]"
    return Check("ExpectColumnValuesToBeBetween",
                 {"column": column, "min_value": min_value, "max_value": max_value}, (column,),
                 "{table}.{column} " + what + " ({rows})")


def min_length(column: str, n: int = 1) -> Check:
    return Check("ExpectColumnValueLengthsToBeBetween", {"column": column, "min_value": n}, (column,),
                 "{table}.{column} is shorter than " + str(n) + " character" + ("" if n == 1 else "s")
                 + " ({rows})")


def greater_than(column_a: str, column_b: str, context: Sequence[str] = ()) -> Check:
    """``column_a > column_b`` on every row."""
    return Check("ExpectColumnPairValuesAToBeGreaterThanB",
                 {"column_A": column_a, "column_B": column_b, "or_equal": False},
                 (column_a, column_b), "{table}.{column} is not greater than " + column_b + " ({rows})",
                 context=tuple(context))


def flag(column: str, meaning: str, context: Sequence[str] = ()) -> Check:
    """A derived boolean column (computed in CHECK_QUERIES) must be true; NULL counts as false.

    ``meaning`` says what a false value means, e.g. "refers to a missing document".
    """
    return Check("ExpectColumnValuesToBeInSet", {"column": column, "value_set": [True]}, (column,),
                 "{table}: " + meaning + " ({rows}, " + column + " is false)", context=tuple(context))


@dataclass(frozen=True)
class TableSuite:
    table: str
    key: tuple[str, ...]  # identifies a row in failure examples
    query: str  # plain DuckDB SELECT producing the frame; wrappable as a subquery
    checks: tuple[Check, ...]
    chunk_rows: int = CHUNK_ROWS
    stage: str | None = None  # quarantine stage of the documents that fail a row rule
    doc_column: str = "doc_id"  # the column naming a row's document (row rules need it)
    # tables the query reads only within a row's own document (joined or tested on doc_id = the row's):
    # a check of some documents reads only those documents' rows of them (scoped_query)
    per_document: tuple[str, ...] = ()

    def scoped_query(self, documents: str) -> str:
        """The query with each ``per_document`` table cut to the documents listed in the table
        ``documents`` (a column doc_id): the same rows and flags for those documents, without reading
        the whole of core.sentences or the texts of every document on each incremental check."""
        query = self.query
        for table in self.per_document:
            query = re.sub(
                rf"\b(from|join)\s+{re.escape(table)}\s+(?:as\s+)?(?!(?:where|on|using|left|join|group|order)\b)(\w+)",
                lambda m, t=table: (f"{m.group(1)} (select * from {t} where doc_id in "
                                    f"(select doc_id from {documents})) as {m.group(2)}"),
                query, flags=re.IGNORECASE)
        return query

    @property
    def has_row_rules(self) -> bool:
        return any(c.rule for c in self.checks)

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.checks if c.kwargs.get("value_set") == [True] and c.column)

    @property
    def required_columns(self) -> tuple[str, ...]:
        cols: dict[str, None] = dict.fromkeys(self.key)
        if self.has_row_rules:
            cols[self.doc_column] = None
        for check in self.checks:
            cols.update(dict.fromkeys(check.columns))
            cols.update(dict.fromkeys(check.context))
        return tuple(cols)

    @property
    def index_columns(self) -> list[str]:
        """Columns GX reports for each unexpected row (key + all example context)."""
        cols: dict[str, None] = dict.fromkeys(self.key)
        if self.has_row_rules:
            cols[self.doc_column] = None
        for check in self.checks:
            cols.update(dict.fromkeys(check.context))
        return list(cols)


SUITES: dict[str, TableSuite] = {}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {}  # table -> columns the checked frame must contain
CHECK_QUERIES: dict[str, str] = {}  # table -> DuckDB SELECT producing that frame from the warehouse


def register_suite(table: str, *, key: Sequence[str], query: str, checks: Sequence[Check],
                   chunk_rows: int = CHUNK_ROWS, stage: str | None = None,
                   per_document: Sequence[str] = ()) -> TableSuite:
    """Define (or replace) the suite of ``table``; also fills REQUIRED_COLUMNS and CHECK_QUERIES.

    ``stage``: the quarantine stage of documents failing a row rule of this suite (needed
    when any check is a ``row_rule``).
    """
    if stage is None and any(c.rule for c in checks):
        raise ValueError(f"{table}: a suite with row rules needs the quarantine stage")
    suite = TableSuite(table, tuple(key), query.strip(), tuple(checks), chunk_rows, stage,
                       per_document=tuple(per_document))
    SUITES[table] = suite
    REQUIRED_COLUMNS[table] = suite.required_columns
    CHECK_QUERIES[table] = suite.query
    return suite


def suite_names() -> list[str]:
    """Tables that have a suite."""
    return sorted(SUITES)


# --------------------------------------------------------------------------- #
# The suites
# --------------------------------------------------------------------------- #

SOURCE_FORMATS = ("wordpress_json", "html", "text", "jsonl", "warc", "unknown")
CLAIM_TYPES = ("attribution", "assertion")
QUANTITY_CHANGES = ("=", "~", ">", "<", "up", "down")
# spaCy English NER labels (OntoNotes 5)
ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
                 "LAW", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")

from claimhouse.clean.markup import MARKUP_PATTERNS  # noqa: E402  (one definition, with the rule that reads the source)

BOILERPLATE_PATTERNS = (
    r"SUBSCRIBE TO US",
    r"Loading comments",
    r"(?m)^Sponsor:",
    r"QWIKET",
    r"(?m)^Read more:",
    r"(?m)^\s*\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?) ago\s*$",  # a relative timestamp line
    r"\n\s*\n",  # blank line: paragraphs are separated by a single '\n'
)


def _published_max() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)


register_suite(
    "core.entity_names",
    key=("name",),
    query="""
select name, canonical, label, mentions
from core.entity_names
""",
    checks=[
        not_null("name"),
        unique("name"),
        not_null("canonical"),
        in_set("label", ENTITY_LABELS),
        between("mentions", 0, None, "is negative"),
    ],
)

register_suite(
    "raw.documents",
    key=("doc_id",),
    query="""
select doc_id, source_path, source_format, content_sha256, byte_size
from raw.documents
""",
    checks=[
        not_null("doc_id"),
        unique("doc_id"),
        not_null("source_path"),
        not_null("content_sha256"),
        matches("content_sha256", r"^[0-9a-f]{64}$", "is not a lowercase hex SHA-256"),
        not_null("byte_size"),
        between("byte_size", 0, None, "is negative"),
        in_set("source_format", SOURCE_FORMATS),
    ],
)

register_suite(
    "staging.documents",
    key=("doc_id",),
    query="""
select d.doc_id, d.source_path, d.text, d.language, d.duplicate_of,
       cast(d.published_at as timestamp) as published_at,
       case when regexp_matches(d.text, '<[A-Za-z]|&#?[A-Za-z0-9]+;')  -- only then is the page read
            then claimhouse_leftover_markup(d.text, r.content, r.encoding, d.source_format) end as leftover_markup,
       (d.duplicate_of is null
        or (d.duplicate_of <> d.doc_id
            and exists (select 1 from staging.documents t where t.doc_id = d.duplicate_of)))
           as duplicate_target_exists
from staging.documents d
left join (  -- the source pages of the texts that may hold markup only: page bytes are large
    select doc_id, content, encoding from raw.documents
    where doc_id in (select doc_id from staging.documents where regexp_matches(text, '<[A-Za-z]|&#?[A-Za-z0-9]+;'))
) r on r.doc_id = d.doc_id
""",
    checks=[
        not_null("doc_id"),
        unique("doc_id"),
        row_rule("empty_text", not_null("text")),
        row_rule("empty_text", min_length("text", 1)),
        row_rule("blank_text", matches("text", r"\S", "is blank")),
        row_rule("markup_in_text", is_null("leftover_markup", "text shows markup the page does not display")),
        row_rule("boilerplate_in_text", not_matching_any("text", BOILERPLATE_PATTERNS, "boilerplate")),
        row_rule("bad_language_code", matches("language", r"^[a-z]{2}$", "is not an ISO 639-1 code")),
        flag("duplicate_target_exists", "duplicate_of does not name another existing document",
             context=("duplicate_of",)),
        row_rule("implausible_date", between("published_at", datetime(1900, 1, 1), _published_max,
                                             "is before 1900-01-01 or more than 2 days in the future")),
    ],
    chunk_rows=5_000,  # whole texts: keep batches small
    stage="staging",
)

register_suite(
    "core.sentences",
    key=("sentence_id",),
    query="""
select s.sentence_id, s.doc_id, s.start_char, s.end_char,
       coalesce(substr(d.text, s.start_char + 1, s.end_char - s.start_char) = s.text, false)
           as offsets_match_text,
       (d.doc_id is not null) as document_exists
from core.sentences s
left join staging.documents d on d.doc_id = s.doc_id
""",
    per_document=("core.sentences", "staging.documents"),
    checks=[
        not_null("sentence_id"),
        unique("sentence_id"),
        row_rule("sentence_offsets", not_null("start_char")),
        row_rule("sentence_offsets", between("start_char", 0, None, "is negative")),
        row_rule("sentence_offsets", greater_than("end_char", "start_char", context=("doc_id",))),
        flag("document_exists", "doc_id refers to a missing staging document", context=("doc_id",)),
        row_rule("sentence_offsets", flag("offsets_match_text",
                                          "text differs from staging.documents.text[start_char:end_char]",
                                          context=("doc_id", "start_char", "end_char"))),
    ],
    stage="core",
)

register_suite(
    "core.claims",
    key=("claim_id",),
    query="""
select c.claim_id, c.doc_id, c.sentence_id, c.claim_type, c.cue_text, c.content_text,
       c.is_direct_quote, c.is_hedged, c.is_negated,
       (c.claim_type is distinct from 'attribution' or coalesce(trim(c.cue_text), '') <> '')
           as attribution_has_cue,
       exists (select 1 from core.sentences s
               where s.sentence_id = c.sentence_id and s.doc_id = c.doc_id) as sentence_exists,
       coalesce(0 <= c.content_start and c.content_start < c.content_end
                and c.content_end <= (select length(d.text) from staging.documents d where d.doc_id = c.doc_id),
                false) as content_offsets_in_text
from core.claims c
""",
    checks=[
        not_null("claim_id"),
        unique("claim_id"),
        row_rule("bad_claim_type", not_null("claim_type")),
        row_rule("bad_claim_type", in_set("claim_type", CLAIM_TYPES)),
        row_rule("empty_claim", not_null("content_text")),
        row_rule("empty_claim", min_length("content_text", 1)),
        row_rule("claim_without_cue", flag("attribution_has_cue", "attribution without a cue_text",
                                           context=("cue_text",))),
        flag("sentence_exists", "sentence_id is not a sentence of the claim's document",
             context=("doc_id", "sentence_id")),
        row_rule("claim_offsets", flag("content_offsets_in_text",
                                       "content_start/content_end fall outside the document text",
                                       context=("doc_id",))),
        row_rule("claim_flags_missing", not_null("is_direct_quote")),
        row_rule("claim_flags_missing", not_null("is_hedged")),
        row_rule("claim_flags_missing", not_null("is_negated")),
    ],
    stage="core",
    per_document=("core.claims", "core.sentences", "staging.documents"),
)

register_suite(
    "core.quantities",
    key=("quantity_id",),
    query="""
select q.quantity_id, q.doc_id, q.sentence_id, q.claim_id, q.value, q.change, q.surface, q.start_char,
       q.end_char,
       coalesce(isfinite(q.value), false) as value_is_finite,
       exists (select 1 from core.sentences s
               where s.sentence_id = q.sentence_id and s.doc_id = q.doc_id) as sentence_exists,
       (q.claim_id is null
        or exists (select 1 from core.claims c where c.claim_id = q.claim_id and c.doc_id = q.doc_id))
           as claim_exists,
       coalesce(substr(d.text, q.start_char + 1, q.end_char - q.start_char) = q.surface, false)
           as surface_matches_text
from core.quantities q
left join staging.documents d on d.doc_id = q.doc_id
""",
    per_document=("core.quantities", "core.sentences", "core.claims", "staging.documents"),
    checks=[
        not_null("quantity_id"),
        unique("quantity_id"),
        row_rule("quantity_not_finite", not_null("value")),
        row_rule("quantity_not_finite", flag("value_is_finite", "value is not a finite number", context=("value",))),
        row_rule("bad_quantity_change", in_set("change", QUANTITY_CHANGES)),
        row_rule("bad_quantity_change", not_null("change")),
        flag("sentence_exists", "sentence_id is not a sentence of the quantity's document",
             context=("doc_id", "sentence_id")),
        flag("claim_exists", "claim_id is not a claim of the quantity's document",
             context=("doc_id", "claim_id")),
        row_rule("quantity_offsets", flag("surface_matches_text",
                                          "surface differs from staging.documents.text[start_char:end_char]",
                                          context=("doc_id", "start_char", "end_char", "surface"))),
    ],
    stage="core",
)

register_suite(
    "core.entities",
    key=("mention_id",),
    query="""
select e.mention_id, e.doc_id, e.sentence_id, e.text, e.label, e.canonical, e.start_char, e.end_char,
       coalesce(substr(d.text, e.start_char + 1, e.end_char - e.start_char) = e.text, false)
           as offsets_match_text,
       exists (select 1 from core.sentences s
               where s.sentence_id = e.sentence_id and s.doc_id = e.doc_id) as sentence_exists
from core.entities e
left join staging.documents d on d.doc_id = e.doc_id
""",
    per_document=("core.entities", "core.sentences", "staging.documents"),
    checks=[
        not_null("mention_id"),
        unique("mention_id"),
        row_rule("bad_entity_label", not_null("label")),
        row_rule("bad_entity_label", in_set("label", ENTITY_LABELS)),
        row_rule("empty_entity_name", not_null("canonical")),
        row_rule("empty_entity_name", min_length("canonical", 1)),
        row_rule("entity_offsets", flag("offsets_match_text",
                                        "text differs from staging.documents.text[start_char:end_char]",
                                        context=("doc_id", "start_char", "end_char", "text"))),
        flag("sentence_exists", "sentence_id is not a sentence of the mention's document",
             context=("doc_id", "sentence_id")),
    ],
    stage="core",
)

register_suite(
    "quarantine.documents",
    key=("source_path", "stage"),
    query="""
select source_path, doc_id, stage, reason
from quarantine.documents
""",
    checks=[
        not_null("source_path"),
        not_null("stage"),
        not_null("reason"),
        matches("reason", r"^[a-z][a-z0-9_]*$", "is not a snake_case reason code"),
    ],
)


register_suite(
    "core.claim_pairs",
    key=("claim_a", "claim_b"),
    query="""
select p.claim_a, p.claim_b, p.similarity, p.relation,
       p.claim_a || chr(31) || p.claim_b as pair,
       case when ea.embedded_at >= eb.embedded_at then ea.doc_id else eb.doc_id end as doc_id,
       p.claim_a < p.claim_b as ordered,
       coalesce(ea.doc_id <> eb.doc_id, false) as across_documents,
       ca.claim_id is not null and cb.claim_id is not null as claims_exist
from core.claim_pairs p
left join core.claim_embeddings ea on ea.claim_id = p.claim_a
left join core.claim_embeddings eb on eb.claim_id = p.claim_b
left join core.claims ca on ca.claim_id = p.claim_a
left join core.claims cb on cb.claim_id = p.claim_b
""",
    checks=[
        not_null("claim_a"),
        not_null("claim_b"),
        unique("pair"),  # the table has no key (warehouse/schema.sql): each pair once
        between("similarity", 0.6, 1.001, "is outside [0.6, 1]"),
        in_set("relation", ("paraphrase", "contradiction", "related")),
        flag("ordered", "claim_a is not below claim_b", context=("claim_a", "claim_b")),
        flag("across_documents", "the two claims are from the same document", context=("doc_id",)),
        flag("claims_exist", "a claim of the pair is not in core.claims", context=("claim_a", "claim_b")),
    ],
)

register_suite(
    "core.story_clusters",
    key=("claim_id",),
    query="""
select s.claim_id, s.cluster_id, c.claim_id is not null as claim_exists,
       count(distinct c.doc_id) over (partition by s.cluster_id) >= 2 as spans_documents
from core.story_clusters s left join core.claims c using (claim_id)
""",
    checks=[
        unique("claim_id"),
        not_null("cluster_id"),
        matches("cluster_id", r"^st_[0-9a-f]{16}$", "is not a story cluster id"),
        flag("claim_exists", "claim_id is not in core.claims", context=("cluster_id",)),
        flag("spans_documents", "the cluster lies within one document", context=("cluster_id",)),
    ],
)


# Marts are rebuilt whole from core; their suites check keys and counts.
register_suite(
    "marts.speakers",
    key=("speaker",),
    query="select speaker, claims, documents, outlets, first_date, last_date from marts.speakers",
    checks=[
        not_null("speaker"),
        unique("speaker"),
        between("claims", 1, None, "is below 1"),
        between("documents", 1, None, "is below 1"),
        between("outlets", 0, None, "is negative"),
    ],
)

register_suite(
    "marts.outlets",
    key=("outlet",),
    query="select outlet, documents, claims, times_cited from marts.outlets",
    checks=[
        not_null("outlet"),
        unique("outlet"),
        between("documents", 0, None, "is negative"),
        between("claims", 0, None, "is negative"),
        between("times_cited", 0, None, "is negative"),
    ],
)

register_suite(
    "marts.entities",
    key=("entity",),
    query="select entity, label, mentions, documents from marts.entities",
    checks=[
        not_null("entity"),
        unique("entity"),
        in_set("label", ENTITY_LABELS),
        between("mentions", 1, None, "is below 1"),
        between("documents", 1, None, "is below 1"),
    ],
)

register_suite(
    "marts.quantities",
    key=("quantity_id",),
    query="""
select quantity_id, doc_id, value, change, coalesce(isfinite(value), false) as value_is_finite
from marts.quantities
""",
    checks=[
        not_null("quantity_id"),
        unique("quantity_id"),
        flag("value_is_finite", "value is not a finite number", context=("value",)),
        in_set("change", QUANTITY_CHANGES),
    ],
)

register_suite(
    "marts.figures",
    key=("figure_key",),
    query="""
select measure || ' / ' || subject as figure_key, measure, subject, reports, sources, min_value, max_value,
       coalesce(min_value <= max_value, false) as range_ordered, len(reported) = reports as reports_listed
from marts.figures
""",
    checks=[
        not_null("measure"),
        not_null("subject"),
        unique("figure_key"),
        between("reports", 1, None, "is below 1"),
        flag("range_ordered", "min_value is above max_value", context=("min_value", "max_value")),
        flag("reports_listed", "the reported list does not hold every report", context=("reports",)),
    ],
)

register_suite(
    "marts.claims_per_day",
    key=("day", "outlet"),
    query="""
select day, outlet, documents, claims, attributions, assertions,
       (attributions + assertions = claims) as parts_add_up
from marts.claims_per_day
""",
    checks=[
        between("documents", 1, None, "is below 1"),
        between("claims", 0, None, "is negative"),
        flag("parts_add_up", "attributions + assertions differ from claims", context=("claims",)),
    ],
)

register_suite(
    "marts.timeline",
    key=("timeline_key",),
    query="""
select coalesce(cast(day as text), '-') || ' / ' || coalesce(outlet, '-') || ' / ' || coalesce(speaker, '-')
           as timeline_key,
       cast(day as timestamp) as day, outlet, speaker, documents, claims, assertions, direct_quotes,
       hedged_claims, figures,
       (direct_quotes <= claims and hedged_claims <= claims and assertions <= claims) as parts_within_claims,
       (speaker is null or assertions = 0) as assertions_only_unattributed,
       (len(figure_surfaces) = figures and len(claim_ids) = claims) as lists_hold_every_row
from marts.timeline
""",
    checks=[
        not_null("timeline_key"),
        unique("timeline_key"),
        between("day", datetime(1900, 1, 1), _published_max,
                "is before 1900-01-01 or more than 2 days in the future"),
        between("documents", 1, None, "is below 1"),
        between("claims", 0, None, "is negative"),
        between("direct_quotes", 0, None, "is negative"),
        between("hedged_claims", 0, None, "is negative"),
        between("figures", 0, None, "is negative"),
        flag("parts_within_claims", "direct_quotes, hedged_claims or assertions exceed claims",
             context=("claims",)),
        flag("assertions_only_unattributed", "a named speaker has unattributed assertions",
             context=("speaker",)),
        flag("lists_hold_every_row", "figure_surfaces or claim_ids do not hold every figure or claim",
             context=("figures", "claims")),
    ],
)


# --------------------------------------------------------------------------- #
# GX plumbing
# --------------------------------------------------------------------------- #

_LOCK = threading.Lock()  # the GX context is not thread-safe


@functools.cache
def _gx() -> tuple[Any, Any]:
    """(great_expectations module, whole-dataframe batch definition), once per process."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_USAGE_STATS", "false")
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = ctx.data_sources.add_pandas("claimhouse").add_dataframe_asset("frame")
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    return gx, batch_definition


def _build_suite(gx: Any, suite: TableSuite, checks: Sequence[tuple[int, Check]]) -> Any:
    gx_suite = gx.ExpectationSuite(name=suite.table)
    for index, check in checks:
        kwargs = {k: (v() if callable(v) else v) for k, v in check.kwargs.items()}
        expectation = getattr(gx.expectations, check.expectation)(**kwargs)
        expectation.meta = {"claimhouse_check": index}
        gx_suite.add_expectation(expectation)
    return gx_suite


# --------------------------------------------------------------------------- #
# Validation
# --------------------------------------------------------------------------- #


def validate_frame(table: str, df: pandas.DataFrame) -> QualityReport:
    """Validate one frame (split into batches of the suite's ``chunk_rows``)."""
    suite = _suite(table)
    step = suite.chunk_rows
    return validate_frames(table, (df.iloc[i:i + step] for i in range(0, max(len(df), 1), step)))


def validate_frames(table: str, frames: Iterable[pandas.DataFrame]) -> QualityReport:
    """Validate a stream of frames as one table; failures of all frames are merged.

    Frames larger than the suite's ``chunk_rows`` are split further.
    """
    suite = _suite(table)
    with _LOCK:
        gx, batch_definition = _gx()
    merged = _Merger(suite)
    gx_suites: dict[tuple[int, ...], Any] = {}  # per set of runnable checks (missing columns skipped)
    for frame in frames:
        step = suite.chunk_rows
        for start in range(0, max(len(frame), 1), step):
            chunk = frame.iloc[start:start + step] if len(frame) > step else frame
            runnable = merged.start_chunk(chunk)
            ids = tuple(i for i, _ in runnable)
            if ids not in gx_suites:
                gx_suites[ids] = _build_suite(gx, suite, runnable)
            if runnable:
                chunk = _prepare(suite, chunk)
                index_columns = [c for c in suite.index_columns if c in chunk.columns]
                with _LOCK, warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = batch_definition.get_batch(batch_parameters={"dataframe": chunk}).validate(
                        gx_suites[ids],
                        result_format={
                            "result_format": "COMPLETE" if suite.has_row_rules else "SUMMARY",
                            "partial_unexpected_count": MAX_EXAMPLES,
                            "unexpected_index_column_names": index_columns,
                        },
                    )
                for er in result.results:
                    merged.add_result(er)
            merged.count_documents(chunk)
            merged.cross_chunk_uniqueness(chunk)
    return merged.report()


def iter_check_frames(con: Any, table: str, where: str | None = None, params: Any = None,
                      chunk_rows: int | None = None, documents: str | None = None) -> Iterator[pandas.DataFrame]:
    """Run CHECK_QUERIES[table] on a DuckDB connection and yield pandas frames of bounded size.

    ``where`` is an optional SQL condition on the query's columns, e.g. "doc_id in (select ...)";
    ``params`` its prepared-statement parameters.
    """
    suite = _suite(table)
    prepare_connection(con)
    query = suite.scoped_query(documents) if documents else suite.query
    sql = query if not where else f"select * from ({query}) as checked where {where}"
    reader = con.execute(sql, params).to_arrow_reader(chunk_rows or suite.chunk_rows)
    for batch in reader:
        yield batch.to_pandas()


def validate_table(con: Any, table: str, where: str | None = None, params: Any = None,
                   chunk_rows: int | None = None, documents: str | None = None) -> QualityReport:
    """Check ``table`` straight from a DuckDB connection, chunk by chunk (``documents``: a table of the
    doc_ids checked, see TableSuite.scoped_query; ``where`` should then keep those documents only)."""
    return validate_frames(table, iter_check_frames(con, table, where, params, chunk_rows, documents))


# A fragment that may be markup (tag with attributes, script block, entity): only texts that hold one
# are compared with their source page.
_MARKUP_CANDIDATES = tuple(re.compile(p) for p in MARKUP_PATTERNS)


def _leftover_markup_udf(text: str | None, content: bytes | None, encoding: str | None,
                         source_format: str | None) -> str | None:
    """SQL function claimhouse_leftover_markup: markup in the clean text that the source does not
    display as text (``claimhouse.clean.markup.leftover_markup``), or NULL."""
    if not text or not any(p.search(text) for p in _MARKUP_CANDIDATES):
        return None
    from claimhouse.clean.markup import leftover_markup

    try:
        source = None
        if content is not None:
            try:
                source = bytes(content).decode(encoding or "utf-8", "replace")
            except LookupError:  # an encoding name Python does not know
                source = bytes(content).decode("utf-8", "replace")
        return leftover_markup(text, source, source_format)
    except Exception as exc:  # noqa: BLE001 - a failing check must never stop the query
        return f"(markup check failed: {type(exc).__name__})"


def prepare_connection(con: Any) -> None:
    """Register the SQL functions the check queries use (once per connection)."""
    import duckdb

    try:
        con.create_function("claimhouse_leftover_markup", _leftover_markup_udf,
                            ["VARCHAR", "BLOB", "VARCHAR", "VARCHAR"], "VARCHAR",
                            null_handling="special", side_effects=False)
    except (duckdb.CatalogException, duckdb.NotImplementedException):
        pass  # already registered on this connection


def _suite(table: str) -> TableSuite:
    try:
        return SUITES[table]
    except KeyError:
        raise KeyError(f"no quality suite for {table!r}; known: {', '.join(suite_names())}") from None


def _prepare(suite: TableSuite, df: pandas.DataFrame) -> pandas.DataFrame:
    """Shallow copy with NULL flags as False and datetime bounds comparable (naive UTC)."""
    import pandas as pd

    df = df.copy(deep=False)
    for column in suite.flags:
        if column in df.columns and df[column].isna().any():
            df[column] = df[column].astype(object).where(df[column].notna(), False)
    for check in suite.checks:
        if check.expectation != "ExpectColumnValuesToBeBetween" or check.column not in df.columns:
            continue
        bounds = [check.kwargs.get("min_value"), check.kwargs.get("max_value")]
        bounds = [b() if callable(b) else b for b in bounds]
        if not any(isinstance(b, datetime) for b in bounds):
            continue
        col = df[check.column]
        try:
            if not pd.api.types.is_datetime64_any_dtype(col):
                col = pd.to_datetime(col)
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        except (TypeError, ValueError):
            continue  # left as is: GX reports the column as not comparable
        df[check.column] = col
    return df


class _Merger:
    """Accumulates GX results of successive chunks into one QualityReport."""

    def __init__(self, suite: TableSuite):
        self.suite = suite
        self.rows = 0
        self.counts: dict[int, int] = {}
        self.examples: dict[int, list[dict]] = {}
        self.errors: dict[int, str] = {}
        self.missing: dict[str, None] = {}
        self.documents: set[str] = set()
        self.failing: dict[str, tuple[int, str, str]] = {}  # doc_id -> (check index, rule, detail)
        self.seen: dict[str, dict] = {c.column: {} for c in suite.checks if c.expectation.endswith("BeUnique")}
        self.unique_check = {c.column: i for i, c in enumerate(suite.checks) if c.expectation.endswith("BeUnique")}

    def start_chunk(self, chunk: pandas.DataFrame) -> list[tuple[int, Check]]:
        self.rows += len(chunk)
        present = set(chunk.columns)
        for column in self.suite.required_columns:
            if column not in present:
                self.missing[column] = None
        return [(i, c) for i, c in enumerate(self.suite.checks) if set(c.columns) <= present]

    def add_result(self, er: Any) -> None:
        index = (er.expectation_config.meta or {}).get("claimhouse_check")
        if index is None:
            return
        check = self.suite.checks[index]
        error = _exception_message(er)
        if error is not None:
            self.errors.setdefault(index, error)
            return
        self.counts.setdefault(index, 0)
        if er.success:
            return
        result = er.result or {}
        self.counts[index] += int(result.get("unexpected_count") or 0)
        if check.rule:
            doc_column = self.suite.doc_column
            for row in result.get("unexpected_index_list") or []:
                doc = row.get(doc_column)
                if doc is not None and (doc not in self.failing or index < self.failing[doc][0]):
                    self.failing[doc] = (index, check.rule, self._detail(check, row))  # first rule of the suite
        rows = result.get("partial_unexpected_index_list") or []
        if not rows and result.get("partial_unexpected_list"):
            rows = [{check.column: v} for v in result["partial_unexpected_list"]]
        for row in rows:
            self._add_example(index, row)

    def _add_example(self, index: int, row: Mapping[str, Any]) -> None:
        examples = self.examples.setdefault(index, [])
        if len(examples) >= MAX_EXAMPLES:
            return
        check = self.suite.checks[index]
        example: dict[str, Any] = {}
        for column in (*self.suite.key, *check.columns, *check.context):
            if column in row and column not in example:
                example[column] = _jsonable(row[column])
        if check.patterns and isinstance(row.get(check.column), str):
            text = row[check.column]
            for pattern in check.patterns:
                m = re.search(pattern, text)
                if m:
                    example[check.column] = _window(text, m.start(), m.end())
                    example["matched"] = _shorten(m.group(0))
                    example["pattern"] = pattern
                    break
        examples.append(example)

    def _detail(self, check: Check, row: Mapping[str, Any]) -> str:
        """What a failing row shows: the matched text for patterns and found fragments, else the values."""
        value = row.get(check.column)
        if check.patterns and isinstance(value, str):
            for pattern in check.patterns:
                m = re.search(pattern, value)
                if m:
                    return _shorten(m.group(0))
        if check.expectation == "ExpectColumnValuesToBeNull" and isinstance(value, str):
            return _shorten(value)
        what = check.description.split(" ({rows}")[0].format(table=self.suite.table, column=check.column,
                                                                rows="")
        shown = {c: _jsonable(row[c]) for c in (*self.suite.key, *check.columns, *check.context)
                 if c in row and c != self.suite.doc_column}
        return _shorten(what + ": " + " ".join(f"{k}={v!r}" for k, v in shown.items()), 300)

    def count_documents(self, chunk: pandas.DataFrame) -> None:
        if self.suite.has_row_rules and self.suite.doc_column in chunk.columns:
            self.documents.update(chunk[self.suite.doc_column].dropna().tolist())

    def cross_chunk_uniqueness(self, chunk: pandas.DataFrame) -> None:
        """Count duplicates spanning chunks, as GX would have on the whole table.

        ``seen`` maps every value met so far to whether its rows are already counted.
        """
        for column, seen in self.seen.items():
            if column not in chunk.columns:
                continue
            values = chunk[column]
            present = values.notna()
            in_chunk_dup = values.duplicated(keep=False) & present
            if seen:
                # a set lookup per value: Series.isin(dict keys) rebuilt its lookup from every value seen so
                # far on each chunk, quadratic in the table's size (minutes at a million rows)
                earlier = present & values.map(seen.__contains__, na_action="ignore").fillna(False).astype(bool)
                if earlier.any():
                    index = self.unique_check[column]
                    new_rows = earlier & ~in_chunk_dup  # GX counted the others in this chunk
                    first_rows = 0  # earlier occurrences not counted yet
                    for value in values[earlier].unique().tolist():
                        if not seen[value]:
                            seen[value] = True
                            first_rows += 1
                    self.counts[index] = self.counts.get(index, 0) + int(new_rows.sum()) + first_rows
                    key_cols = [c for c in dict.fromkeys((*self.suite.key, column)) if c in chunk.columns]
                    for row in chunk.loc[new_rows, key_cols].head(MAX_EXAMPLES).to_dict("records"):
                        self._add_example(index, row)
            for value, dup in zip(values[present].tolist(), in_chunk_dup[present].tolist()):
                if dup or value not in seen:
                    seen[value] = dup or seen.get(value, False)

    def report(self) -> QualityReport:
        suite = self.suite
        failures: list[Failure] = []
        if self.missing:
            skipped = sum(1 for c in suite.checks if set(c.columns) & set(self.missing))
            failures.append(Failure(
                expectation="expect_table_columns_to_match_set", column=None,
                unexpected_count=len(self.missing), examples=[{"missing_column": c} for c in self.missing],
                description=f"{suite.table}: the checked frame lacks required column(s) "
                            f"{', '.join(self.missing)} ({skipped} expectation(s) skipped; "
                            f"see REQUIRED_COLUMNS[{suite.table!r}])"))
        evaluated = 0
        for index, check in enumerate(suite.checks):
            if index in self.errors:
                evaluated += 1
                failures.append(Failure(
                    expectation=check.type, column=check.column, unexpected_count=0, examples=[],
                    description=f"{suite.table}.{check.column}: {check.type} could not be evaluated: "
                                f"{_shorten(self.errors[index], 300)}"))
            elif index in self.counts:
                evaluated += 1
                n = self.counts[index]
                if n:
                    failures.append(Failure(
                        expectation=check.type, column=check.column, unexpected_count=n,
                        examples=self.examples.get(index, []),
                        description=check.description.format(table=suite.table, column=check.column,
                                                             rows=_rows(n)),
                        rule=check.rule))
        return QualityReport(table=suite.table, rows_checked=self.rows,
                             expectations=evaluated + 1, failures=failures,  # +1: required columns
                             documents_checked=len(self.documents),
                             failing_documents={d: (rule, detail) for d, (_, rule, detail) in sorted(self.failing.items())})


def _exception_message(er: Any) -> str | None:
    info = er.exception_info or {}
    candidates = [info] + [v for v in info.values() if isinstance(v, Mapping)]
    for item in candidates:
        if item.get("raised_exception"):
            return str(item.get("exception_message") or "unknown error")
    if not er.success and not er.result:
        return "no result (is the column missing or of the wrong type?)"
    return None


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _shorten(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _window(text: str, start: int, end: int, limit: int = MAX_CHARS) -> str:
    """About ``limit`` characters of ``text`` around text[start:end]."""
    if len(text) <= limit:
        return text
    lo = max(0, min(start - (limit - (end - start)) // 2, len(text) - limit))
    hi = min(len(text), lo + limit)
    return ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def _jsonable(value: Any) -> Any:
    """Plain Python value for examples: NULLs as None, numpy scalars unwrapped, times as ISO text."""
    import pandas as pd

    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return _shorten(value)
    if isinstance(value, bytes):
        return _shorten(value.hex())
    if hasattr(value, "isoformat"):  # datetime, date, pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return _shorten(str(value))

register_suite(
    "marts.story_clusters",
    key=("cluster_id",),
    query="""
select cluster_id, claim, claims, documents, outlets, first_date, last_date, contradictions,
       len(told_as) = claims as members_listed,
       len(contradicted_by) = contradictions as contradictions_listed,
       outlets <= documents and documents <= claims as counts_ordered,
       coalesce(first_date <= last_date, first_date is null) as dates_ordered
from marts.story_clusters
""",
    checks=[
        not_null("cluster_id"),
        unique("cluster_id"),
        not_null("claim"),
        between("documents", 2, None, "is below 2: a story told in one document only"),
        between("outlets", 1, None, "is below 1"),
        between("contradictions", 0, None, "is negative"),
        flag("members_listed", "told_as does not list every member claim", context=("claims",)),
        flag("contradictions_listed", "contradicted_by does not list every contradiction",
             context=("contradictions",)),
        flag("counts_ordered", "outlets > documents or documents > claims", context=("claims", "documents", "outlets")),
        flag("dates_ordered", "first_date is after last_date", context=("first_date", "last_date")),
    ],
)
