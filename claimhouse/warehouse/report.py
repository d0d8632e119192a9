"""The report: one HTML page with PNG charts over the marts, for reading the warehouse without SQL.

Dagster-free. ``build_report(con, out_dir)`` reads the marts from an open DuckDB connection
(read-only queries, values always passed as parameters) and writes ``index.html`` plus one PNG
per chart. Sections (each an element with an id):

- ``#speakers``: top speakers (marts.speakers), a table and ``speakers.png``;
- ``#timeline``: claims per day and outlet (marts.claims_per_day) as ``timeline.png``, and a
  table from marts.timeline when that mart exists, else from marts.claims_per_day;
- ``#figures``: figures side by side (marts.figures), a table and ``figures.png``;
- ``#clusters``: the largest story clusters (marts.story_clusters, when it exists) and
  ``clusters.png``.

The page is self-contained apart from the PNGs, referenced by relative path. Every text is
HTML-escaped. Charts are drawn with Matplotlib's Agg canvas at fixed sizes and DPI, without
timestamps in the PNGs, so the same marts give byte-identical images (Matplotlib's object API on
the Agg canvas: no pyplot, no global backend switch). The report is written to a temporary folder
beside ``out_dir`` and renamed into place: a reader finds the old report or the new one (or, for
the instant between the two renames, none), never a half-written one. ``build_report_if_changed``
(the pipeline's) leaves the report as it is when the marts, this code and the source name are as
they were when it was drawn (a fingerprint kept in ``.inputs.json`` in the folder). ``verify_report`` reads a written report back (the
pipeline's blocking check and the tests use it).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from claimhouse.warehouse.db import table_fingerprint

SECTIONS = ("speakers", "timeline", "figures", "clusters")
SPEAKERS_TOP = 15     # rows of the speakers table and bars of speakers.png
TIMELINE_ROWS = 60    # rows of the timeline table
FIGURES_TOP = 12      # figures shown at least (every figure with more than one report is shown, up to FIGURES_MAX)
FIGURES_MAX = 40
FIGURES_CHART = 12    # rows of figures.png
CLUSTERS_TOP = 10     # rows of the clusters table and bars of clusters.png
TIMELINE_OUTLETS = 8  # outlets with their own colour in timeline.png; the rest are "other outlets"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 100
INDEX = "index.html"
STAMP = ".inputs.json"  # written by build_report_if_changed: what the report was built from, and its summary

UNDATED = "undated"
UNKNOWN_OUTLET = "unknown outlet"


def report_dir(warehouse_path: str | Path) -> Path:
    """Where the report of a warehouse goes: ``X/claimhouse.duckdb`` -> ``X/claimhouse.report/``."""
    p = Path(warehouse_path)
    return p.with_name(f"{p.stem}.report")


@dataclass(frozen=True)
class ReportSummary:
    """What ``build_report`` wrote."""

    out_dir: Path
    index: Path
    built_at: dt.datetime
    sections: dict[str, int]            # section id -> rows in its table
    totals: dict[str, int | None]       # documents, claims, speakers, outlets
    charts: tuple[str, ...]             # PNG files written (names relative to out_dir)
    notes: dict[str, str] = field(default_factory=dict)  # section id -> message shown instead of data

    def markdown(self, speakers: int = 5) -> str:
        """A short Markdown preview: totals and rows per section."""
        lines = ["| " + " | ".join(self.totals) + " |", "|" + "---|" * len(self.totals),
                 "| " + " | ".join(_text(v) for v in self.totals.values()) + " |", "",
                 "| section | rows | note |", "|---|---|---|"]
        lines += [f"| {s} | {n} | {self.notes.get(s, '')} |" for s, n in self.sections.items()]
        return "\n".join(lines)

    def chart_markdown(self, name: str = "speakers.png") -> str | None:
        """One chart as a Markdown image (data URI), or None when it was not drawn."""
        if name not in self.charts:
            return None
        data = base64.b64encode((self.index.parent / name).read_bytes()).decode("ascii")
        return f"![{name}](data:image/png;base64,{data})"


# ------------------------------------------------------------------------------------------- reading
def has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """True when ``schema.name`` is a table (or view) of the open database."""
    return con.execute(
        "select count(*) from (select schema_name, table_name from duckdb_tables() "
        "union all select schema_name, view_name from duckdb_views() where not internal) "
        "where schema_name = ? and table_name = ?", [schema, name]).fetchone()[0] > 0


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name]).fetchall()]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[list[str], list[dict]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return names, [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


# ------------------------------------------------------------------------------------------- text
def _num(v: float | int) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.3f}".rstrip("0").rstrip(".")


def _text(v: object) -> str:
    """A cell value as plain text (escaped later)."""
    if v is None:
        return ""
    if isinstance(v, bool | int | float):
        return _num(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="minutes")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return ", ".join(_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_text(x)}" for k, x in v.items() if x is not None)
    return str(v)


def _short(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _label(s: object, n: int) -> str:
    """A chart label: shortened, with Matplotlib's mathtext marker escaped."""
    return _short(_text(s), n).replace("$", r"\$")


def _e(v: object) -> str:
    return html.escape(_text(v), quote=True)


# ------------------------------------------------------------------------------------------- charts
_RC = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 11, "axes.labelsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "claimhouse",
    "path.simplify": True,
}
_KIND_COLOURS = {"person": "#1f77b4", "organization": "#ff7f0e", "publication": "#2ca02c",
                 "unnamed": "#7f7f7f", "pronoun": "#9467bd"}


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    colours = [cmap(i) for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)]  # grey (7) is kept for unknown and other outlets
    return [colours[i % len(colours)] for i in range(n)]


def _save(fig, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _speakers_chart(rows: list[dict], path: Path) -> None:
    fig = _figure(10, 6)
    ax = fig.add_subplot()
    names = [_label(r["speaker"], 42) for r in rows]
    values = [r["claims"] or 0 for r in rows]
    kinds = [r["speaker_kind"] or "unknown" for r in rows]
    colours = [_KIND_COLOURS.get(k, "#bcbd22") for k in kinds]
    y = list(range(len(rows)))
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_ylim(len(rows) - 0.5 if len(rows) >= SPEAKERS_TOP else SPEAKERS_TOP - 0.5, -0.5)
    for yi, v, r in zip(y, values, rows, strict=True):
        ax.annotate(f"{v:,} in {r['documents'] or 0} doc.", (v, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlim(0, max(values) * 1.25 + 0.5)
    ax.set_xlabel("attributed claims")
    ax.set_title(f"Top {len(rows)} speakers by attributed claims")
    seen = list(dict.fromkeys(kinds))
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=_KIND_COLOURS.get(k, "#bcbd22"), label=k) for k in seen],
              loc="lower right", fontsize=8, title="speaker kind", title_fontsize=8, frameon=False)
    _save(fig, path)


TIMELINE_BARS = 120  # above this many publication days the chart draws stacked areas instead of bars


def _timeline_chart(rows: list[dict], path: Path) -> None:
    """Stacked bars of claims per day, one colour per outlet (the biggest outlets; the rest grouped)."""
    totals: dict[str, int] = {}
    for r in rows:
        o = r["outlet"] or UNKNOWN_OUTLET
        totals[o] = totals.get(o, 0) + (r["claims"] or 0)
    ranked = sorted(totals, key=lambda o: (-totals[o], o))
    keep = ranked if len(ranked) <= TIMELINE_OUTLETS + 1 else ranked[:TIMELINE_OUTLETS]
    other = "other outlets"
    outlets = keep + ([other] if len(ranked) > len(keep) else [])
    days = sorted({r["day"] for r in rows if r["day"] is not None})
    undated = any(r["day"] is None for r in rows)
    counts: dict[tuple, int] = {}
    for r in rows:
        o = r["outlet"] or UNKNOWN_OUTLET
        o = o if o in keep else other
        counts[(r["day"], o)] = counts.get((r["day"], o), 0) + (r["claims"] or 0)

    fig = _figure(10, 4.8)
    ax = fig.add_subplot()
    grey = {o for o in outlets if o in (UNKNOWN_OUTLET, other)}
    outlets = [o for o in outlets if o not in grey] + sorted(grey, reverse=True)
    colours = dict(zip(outlets, _palette(len(outlets) - len(grey)) + ["#9a9a9a", "#c7c7c7"][:len(grey)],
                       strict=True))
    if len(days) <= 20:
        keys = days + ([None] if undated else [])
        x = list(range(len(keys)))
        labels = [d.isoformat() if d is not None else UNDATED for d in keys]
        bottom = [0] * len(keys)
        for o in outlets:
            h = [counts.get((d, o), 0) for d in keys]
            ax.bar(x, h, bottom=bottom, color=colours[o], label=_label(o, 30), width=0.6)
            bottom = [b + v for b, v in zip(bottom, h, strict=True)]
        for xi, b in zip(x, bottom, strict=True):
            ax.annotate(f"{b:,}", (xi, b), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
        ax.set_xticks(x, labels, rotation=30 if len(keys) > 8 else 0, ha="right" if len(keys) > 8 else "center")
        ax.set_ylim(0, max(bottom) * 1.15 + 1)
    elif len(days) <= TIMELINE_BARS:
        import matplotlib.dates as mdates

        bottom = [0] * len(days)
        for o in outlets:
            h = [counts.get((d, o), 0) for d in days]
            ax.bar(days, h, bottom=bottom, color=colours[o], label=_label(o, 30), width=0.9)
            bottom = [b + v for b, v in zip(bottom, h, strict=True)]
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if undated:
            ax.set_xlabel(f"publication day ({sum(v for (d, _), v in counts.items() if d is None):,} claims undated)")
    else:  # a long span: one stacked area per outlet over every day (a bar per day and outlet takes minutes)
        import matplotlib.dates as mdates

        span = [days[0] + dt.timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
        layers = [[counts.get((d, o), 0) for d in span] for o in outlets]
        ax.stackplot(span, layers, colors=[colours[o] for o in outlets],
                     labels=[_label(o, 30) for o in outlets], step="mid", linewidth=0)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if undated:
            ax.set_xlabel(f"publication day ({sum(v for (d, _), v in counts.items() if d is None):,} claims undated)")
    ax.set_ylabel("claims")
    ax.set_title("Claims per publication day, by outlet")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False, title="outlet",
              title_fontsize=8)
    _save(fig, path)


FIGURES_OUTLETS = 15  # outlets with a colour of their own in the figures chart
REPORTS_LISTED = 25  # reports listed in a figure's table cell


def _figures_chart(rows: list[dict], path: Path) -> None:
    """One row per figure (measure and subject), a dot per report at its value (a line to the upper bound
    of a range), coloured by outlet; log scale, since counts of troops and of months sit side by side."""
    reports = [[r for r in (f["reported"] or []) if r is not None and r.get("value") is not None] for f in rows]
    seen = list(dict.fromkeys((r.get("outlet") or UNKNOWN_OUTLET) for rs in reports for r in rs))
    # the outlets with most reports get a colour and a legend entry each; the others share a grey one
    # (a legend of thousands of outlets took a minute to lay out)
    n_reports: dict[str, int] = {}
    for rs in reports:
        for r in rs:
            o = r.get("outlet") or UNKNOWN_OUTLET
            n_reports[o] = n_reports.get(o, 0) + 1
    kept = set(sorted(seen, key=lambda o: -n_reports[o])[:FIGURES_OUTLETS]) if len(seen) > FIGURES_OUTLETS + 1 \
        else set(seen)
    outlets = [o for o in seen if o in kept]
    colours = dict(zip(outlets, _palette(len(outlets)), strict=True))
    others = [o for o in seen if o not in kept]
    if others:
        colours.update((o, "#b0b0b0") for o in others)
    values = [v for rs in reports for r in rs for v in (r["value"], r.get("value_max")) if v is not None]
    fig = _figure(10, 6)
    ax = fig.add_subplot()
    positive = all(v > 0 for v in values)
    # every dot is drawn by one scatter call, in report order (one call per dot took minutes for thousands
    # of reports); the legend gets an empty scatter per outlet, in order of first appearance
    xs: list[float] = []
    ys: list[float] = []
    dot_colours: list = []
    segments: list = []  # ranges: one LineCollection (a plot call per range took seconds for thousands)
    segment_colours: list = []
    for o in outlets:
        ax.scatter([], [], color=colours[o], s=28, zorder=3, label=_label(o, 30))
    if others:
        ax.scatter([], [], color="#b0b0b0", s=28, zorder=3, label=f"{len(others):,} other outlets")
    for i, rs in enumerate(reports):
        k = len(rs)
        step = min(0.6 / (k - 1), 0.22) if k > 1 else 0
        for j, r in enumerate(rs):
            yi = i + (j - (k - 1) / 2) * step
            o = r.get("outlet") or UNKNOWN_OUTLET
            if r.get("value_max") is not None:
                segments.append([(r["value"], yi), (r["value_max"], yi)])
                segment_colours.append(colours[o])
            xs.append(r["value"])
            ys.append(yi)
            dot_colours.append(colours[o])
            if k > 6:  # too many to label legibly: the table lists them
                continue
            text = _num(r["value"]) + (f"–{_num(r['value_max'])}" if r.get("value_max") is not None else "")
            who = r.get("reported_by")
            if who and k <= 4:
                text += f"  {_short(who, 28)}"
            ax.annotate(text.replace("$", r"\$"), (r.get("value_max") or r["value"], yi), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=7)
    if segments:
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(segments, colors=segment_colours, linewidths=2, alpha=0.6))
    if xs:
        ax.scatter(xs, ys, color=dot_colours, s=28, zorder=3)
    ax.set_yticks(range(len(rows)), [_label(f"{f['measure']} · {f['subject']}", 36) + f" ({f['reports']})"
                                     for f in rows])
    ax.set_ylim(len(rows) - 0.5 if len(rows) >= FIGURES_CHART else FIGURES_CHART - 0.5, -0.5)
    if values:
        if positive:
            ax.set_xscale("log")
            ax.set_xlim(min(values) / 2, max(values) * 40)
        else:  # a negative or zero value: linear scale
            lo, hi = min(values), max(values)
            span = (hi - lo) or 1
            ax.set_xlim(lo - 0.05 * span, hi + 0.6 * span)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _num(v)))
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("value reported (log scale)" if positive else "value reported")
    ax.set_title("Figures side by side: each report's value (measure · subject, reports)")
    if outlets:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False, title="outlet",
                  title_fontsize=8)
    _save(fig, path)


def _clusters_chart(rows: list[dict], path: Path) -> None:
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    y = list(range(len(rows)))
    outlets = [r.get("outlets") or 0 for r in rows]
    ax.barh(y, outlets, color="#1f77b4")
    ax.set_yticks(y, [_label(r.get("claim") or r.get("cluster_id") or "", 50) for r in rows])
    ax.invert_yaxis()
    ax.set_ylim(len(rows) - 0.5 if len(rows) >= CLUSTERS_TOP else CLUSTERS_TOP - 0.5, -0.5)
    for yi, r, v in zip(y, rows, outlets, strict=True):
        note = f"{_num(r.get('claims') or 0)} claims"
        if r.get("contradictions"):
            note += f", contradicted by {_num(r['contradictions'])}"
        ax.annotate(note, (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlim(0, max(outlets) * 1.35 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("outlets carrying the story")
    ax.set_title(f"Largest {len(rows)} story clusters by outlets")
    _save(fig, path)


# ------------------------------------------------------------------------------------------- HTML
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#20303f;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}
header .built{margin:0 0 .8rem;color:#c8d3de;font-size:.9rem}
header code{color:#fff}
.totals{display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
.totals div{background:#2f4457;border-radius:6px;padding:.4rem .9rem;min-width:7rem}
.totals dt{font-size:.8rem;color:#c8d3de}
.totals dd{margin:0;font-size:1.5rem;font-weight:600}
nav{margin-top:.8rem}
nav a{color:#9fd0ff;margin-right:1rem}
main{padding:0 2rem 2rem;max-width:1400px}
section{margin-top:2rem}
h2{border-bottom:2px solid #20303f;padding-bottom:.2rem}
.note{color:#555;font-size:.9rem}
.empty{background:#fff3cd;border:1px solid #e0c36a;padding:.6rem 1rem;border-radius:4px}
img{max-width:100%;height:auto;background:#fff;border:1px solid #ddd}
table{border-collapse:collapse;margin-top:1rem;background:#fff;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.date{white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
#clusters table{font-size:.85rem}
#clusters .col-claim{min-width:16rem}
#figures .col-reported{min-width:20rem}
#clusters .col-contradicted_by{min-width:9rem}
#clusters .col-speakers,#timeline .col-figure_surfaces{min-width:10rem;font-size:.85rem}
td ul{margin:0;padding-left:1.1rem}
.disagree{color:#b00020;font-weight:600}
"""


def _table(columns: list[tuple[str, str]], rows: list[dict], total: int, numeric: set[str] = frozenset(),
           cells: dict | None = None) -> str:
    """An HTML table; ``columns`` are (key, header); ``cells`` maps a key to a function giving cell HTML."""
    cells = cells or {}
    head = "".join(f'<th class="col-{_e(k)}">{_e(h)}</th>' for k, h in columns)
    body = []
    for r in rows:
        tds = []
        for k, _ in columns:
            inner = cells[k](r) if k in cells else _e(r.get(k))
            kind = "num" if k in numeric else "date" if isinstance(r.get(k), dt.date) else "text"
            tds.append(f'<td class="{kind} col-{_e(k)}">{inner}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (f'<div class="scroll"><table data-rows="{len(rows)}" data-total="{total}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


def _img(name: str, alt: str, width: float, height: float) -> str:
    return (f'<img src="{_e(name)}" alt="{_e(alt)}" width="{int(width * DPI)}" height="{int(height * DPI)}">')


def _empty(message: str) -> str:
    return f'<p class="empty">{_e(message)}</p>'


def _section(sid: str, title: str, note: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{_e(title)}</h2><p class="note">{_e(note)}</p>{body}</section>'


# ------------------------------------------------------------------------------------------- sections
@dataclass
class _Part:
    html: str
    rows: int = 0
    charts: tuple[str, ...] = ()
    note: str = ""


def _speakers(con, tmp: Path) -> _Part:
    if not has_table(con, "marts", "speakers"):
        return _Part(_section("speakers", "Top speakers", "", _empty("no data: marts.speakers is missing")),
                     note="no data")
    total = _scalar(con, "select count(*) from marts.speakers")
    _, rows = _rows(con, "select speaker, speaker_kind, claims, documents, outlets, first_date, last_date "
                         "from marts.speakers order by claims desc, documents desc, speaker limit ?", [SPEAKERS_TOP])
    note = (f"Who is cited as the source of attributed claims most often (marts.speakers): top {len(rows)} "
            f"of {total:,} speakers. Copies of the same story count once.")
    if not rows:
        return _Part(_section("speakers", "Top speakers", note, _empty("no data")), note="no data")
    _speakers_chart(rows, tmp / "speakers.png")
    table = _table([("speaker", "speaker"), ("speaker_kind", "kind"), ("claims", "claims"),
                    ("documents", "documents"), ("outlets", "outlets"), ("first_date", "first"),
                    ("last_date", "last")], rows, total, numeric={"claims", "documents", "outlets"})
    body = _img("speakers.png", "Bar chart: attributed claims of the top speakers", 10, 6) + table
    return _Part(_section("speakers", "Top speakers", note, body), len(rows), ("speakers.png",))


_TIMELINE_PREFERRED = ["day", "outlet", "speaker", "documents", "claims", "attributions", "assertions",
                       "direct_quotes", "hedged_claims", "speakers", "figures", "figure_surfaces"]
OWN_VOICE = "(outlet's own voice)"


def _timeline(con, tmp: Path) -> _Part:
    parts: list[str] = []
    charts: tuple[str, ...] = ()
    if has_table(con, "marts", "claims_per_day"):
        _, per_day = _rows(con, "select day, outlet, claims from marts.claims_per_day")
        if per_day:
            _timeline_chart(per_day, tmp / "timeline.png")
            charts = ("timeline.png",)
            parts.append(_img("timeline.png", "Stacked bar chart: claims per publication day by outlet", 10, 4.8))
    source = "timeline" if has_table(con, "marts", "timeline") else "claims_per_day"
    if not has_table(con, "marts", source):
        body = _empty("no data: marts.claims_per_day is missing")
        return _Part(_section("timeline", "Timeline", "", body), note="no data")
    cols = _columns(con, "marts", source)
    shown = [c for c in _TIMELINE_PREFERRED if c in cols] or cols
    order = [f"{_ident(c)} nulls last" for c in ("day", "outlet") if c in cols]
    order += [f"{_ident(c)} desc nulls last" for c in ("claims",) if c in cols]
    order += [_ident(c) for c in ("speaker",) if c in cols]
    total = _scalar(con, f"select count(*) from marts.{_ident(source)}")
    _, rows = _rows(con, f"select {', '.join(_ident(c) for c in shown)} from marts.{_ident(source)} "
                         f"{'order by ' + ', '.join(order) if order else ''} limit ?", [TIMELINE_ROWS])
    for r in rows:
        if "day" in r and r["day"] is None:
            r["day"] = UNDATED
        if "outlet" in r and r["outlet"] is None:
            r["outlet"] = UNKNOWN_OUTLET
        if "speaker" in r and r["speaker"] is None:
            r["speaker"] = OWN_VOICE
    note = (f"Claims per publication day and outlet (chart: marts.claims_per_day; table: marts.{source}, "
            f"{len(rows)} of {total:,} rows). Copies of the same story count once.")
    if not rows:
        return _Part(_section("timeline", "Timeline", note, "".join(parts) + _empty("no data")), 0, charts,
                     "no data")
    numeric = {c for c in shown if c not in ("day", "outlet", "speaker", "figure_surfaces")}
    parts.append(_table([(c, c.replace("_", " ")) for c in shown], rows, total, numeric=numeric))
    return _Part(_section("timeline", "Timeline", note, "".join(parts)), len(rows), charts)


def _report_item(r: dict) -> str:
    value = _num(r["value"]) if r.get("value") is not None else "?"
    if r.get("value_max") is not None:
        value += f"–{_num(r['value_max'])}"
    change = r.get("change")
    prefix = f"{change} " if change and change != "=" else ""
    day = r.get("published_date") or r.get("published_at")
    who, outlet = r.get("reported_by"), r.get("outlet")
    if outlet and (r.get("outlet_own") or who == outlet):
        who, outlet = None, f"{outlet} (own statement)"
    where = " · ".join(_text(x) for x in (who, outlet, day) if x)
    return (f"<li><b>{_e(prefix + value)}</b> “{_e(r.get('surface'))}”"
            f"{' — ' + _e(where) if where else ''}</li>")


def _figures(con, tmp: Path) -> _Part:
    if not has_table(con, "marts", "figures"):
        return _Part(_section("figures", "Figures side by side", "", _empty("no data: marts.figures is missing")),
                     note="no data")
    total = _scalar(con, "select count(*) from marts.figures")
    multi = _scalar(con, "select count(*) from marts.figures where reports > 1")
    limit = min(max(FIGURES_TOP, multi), FIGURES_MAX)
    _, rows = _rows(con, "select measure, subject, reports, sources, outlets, min_value, max_value, agree, reported, "
                         "first_date, last_date from marts.figures "
                         "order by reports desc, agree nulls last, outlets desc, sources desc, measure, subject limit ?", [limit])
    note = (f"The same measure and subject reported more than once, side by side (marts.figures): "
            f"{len(rows)} of {total:,} figures, {multi:,} with more than one report.")
    if not rows:
        return _Part(_section("figures", "Figures side by side", note, _empty("no data")), note="no data")
    _figures_chart(rows[:FIGURES_CHART], tmp / "figures.png")

    def agree(r: dict) -> str:
        if r["agree"] is None:
            return ""
        return "yes" if r["agree"] else '<span class="disagree">no</span>'

    def value_range(r: dict) -> str:
        lo, hi = r["min_value"], r["max_value"]
        if lo is None:
            return ""
        return _e(_num(lo) if hi is None or hi == lo else f"{_num(lo)}–{_num(hi)}")

    def reported(r: dict) -> str:
        items = [x for x in (r["reported"] or []) if x is not None]
        more = len(items) - REPORTS_LISTED
        shown = "".join(_report_item(x) for x in items[:REPORTS_LISTED])
        if more > 0:  # a figure carried by thousands of reports: the mart has them all
            shown += f"<li>… and {more:,} more (marts.figures.reported)</li>"
        return "<ul>" + shown + "</ul>" if items else ""

    table = _table([("measure", "measure"), ("subject", "subject"), ("reports", "reports"), ("sources", "sources"),
                    ("outlets", "outlets"), ("range", "range"), ("agree", "agree"), ("reported", "reported"),
                    ("first_date", "first"), ("last_date", "last")], rows, total,
                   numeric={"reports", "sources", "outlets", "range"},
                   cells={"agree": agree, "range": value_range, "reported": reported})
    body = _img("figures.png", "Dot chart: each report's value per figure, by outlet", 10, 6) + table
    return _Part(_section("figures", "Figures side by side", note, body), len(rows), ("figures.png",))


_CLUSTER_COLUMNS = [("claim", "representative claim"), ("claims", "claims"), ("documents", "documents"),
                    ("outlets", "outlets"), ("outlet_names", "outlet names"), ("first_outlet", "first told by"),
                    ("speakers", "speakers"), ("contradictions", "contradictions"),
                    ("contradicted_by", "contradictions")]


def _clusters(con, tmp: Path) -> _Part:
    title = "Largest story clusters"
    if not has_table(con, "marts", "story_clusters"):
        note = "Claims that tell the same story across documents and outlets (marts.story_clusters)."
        return _Part(_section("clusters", title, note, _empty("no story clusters yet")), note="no story clusters yet")
    cols = _columns(con, "marts", "story_clusters")
    shown = [(c, h) for c, h in _CLUSTER_COLUMNS if c in cols]
    if "contradicted_by" in cols:  # one column: how many, then which
        shown = [(c, h) for c, h in shown if c != "contradictions"]
    if "first_date" in cols and "first_outlet" not in cols:
        shown.insert(len(shown) - 3, ("first_date", "first date"))
    select = ", ".join(_ident(c) for c in dict.fromkeys(["cluster_id", *[c for c, _ in shown], "first_date",
                                                           "contradictions"]) if c in cols)
    order = [f"{_ident(c)} desc nulls last" for c in ("outlets", "documents", "claims") if c in cols]
    order += [_ident(c) for c in ("cluster_id",) if c in cols]
    total = _scalar(con, "select count(*) from marts.story_clusters")
    _, rows = _rows(con, f"select {select} from marts.story_clusters "
                         f"{'order by ' + ', '.join(order) if order else ''} limit ?", [CLUSTERS_TOP])
    note = (f"Claims that tell the same story across documents and outlets (marts.story_clusters): "
            f"the {len(rows)} largest of {total:,} clusters, by outlets carrying them.")
    if not rows:
        return _Part(_section("clusters", title, note, _empty("no data")), note="no data")
    charts: tuple[str, ...] = ()
    body = ""
    if "outlets" in cols:
        _clusters_chart(rows, tmp / "clusters.png")
        charts = ("clusters.png",)
        body = _img("clusters.png", "Bar chart: outlets carrying each of the largest story clusters", 10, 5)

    def contradicted(r: dict) -> str:
        items = [x for x in (r.get("contradicted_by") or []) if x is not None]
        n = r.get("contradictions")
        count = _e(n if n is not None else len(items))
        if not items:
            return count
        lis = []
        for x in items:
            if isinstance(x, dict):
                who = " · ".join(_text(v) for v in (x.get("speaker"), x.get("outlet"), x.get("date")) if v)
                lis.append(f"<li>“{_e(x.get('claim'))}”{' — ' + _e(who) if who else ''}</li>")
            else:
                lis.append(f"<li>{_e(x)}</li>")
        return count + "<ul>" + "".join(lis) + "</ul>"

    def first_told(r: dict) -> str:
        return _e(" · ".join(_text(v) for v in (r.get("first_outlet"), r.get("first_date")) if v))

    body += _table(shown, rows, total, numeric={"claims", "documents", "outlets", "contradictions"},
                   cells={"contradicted_by": contradicted, "first_outlet": first_told})
    return _Part(_section("clusters", title, note, body), len(rows), charts)


def _totals(con) -> dict[str, int | None]:
    def maybe(table: str, sql: str) -> int | None:
        return _scalar(con, sql) if has_table(con, "marts", table) else None

    return {
        "documents": maybe("claims_per_day", "select coalesce(sum(documents), 0) from marts.claims_per_day"),
        "claims": maybe("claims_per_day", "select coalesce(sum(claims), 0) from marts.claims_per_day"),
        "speakers": maybe("speakers", "select count(*) from marts.speakers"),
        "outlets": maybe("outlets", "select count(*) from marts.outlets where documents > 0"),
    }


def _page(totals: dict, parts: list[_Part], built_at: dt.datetime, source: str | None, span: tuple) -> str:
    labels = {"documents": "documents", "claims": "claims", "speakers": "speakers", "outlets": "publishing outlets"}
    dl = "".join(f'<div id="total-{k}"><dt>{_e(labels[k])}</dt><dd>{_e(v) if v is not None else "—"}</dd></div>'
                 for k, v in totals.items())
    when = built_at.astimezone(dt.UTC)
    built = (f'Built <time datetime="{_e(when.isoformat(timespec="seconds"))}">'
             f'{_e(when.strftime("%Y-%m-%d %H:%M UTC"))}</time>')
    if source:
        built += f" from <code>{_e(source)}</code>"
    if span[0] is not None:
        built += f" · stories published {_e(span[0])} to {_e(span[1])}"
    nav = "".join(f'<a href="#{s}">{_e(s)}</a>' for s in SECTIONS)
    return ("<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>claimhouse report</title><style>{_CSS}</style></head>\n<body>\n"
            f'<header id="summary"><h1>claimhouse report</h1><p class="built">{built}</p>'
            f'<dl class="totals">{dl}</dl><nav>{nav}</nav></header>\n<main>\n'
            + "\n".join(p.html for p in parts) + "\n</main>\n</body></html>\n")


# ------------------------------------------------------------------------------------------- writing
def _swap_in(tmp: Path, dest: Path) -> None:
    """Put the finished folder ``tmp`` at ``dest`` with renames; the previous report is removed after."""
    old = dest.with_name(f".{dest.name}.old.{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except BaseException:
        if old.exists() and not dest.exists():
            os.replace(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


def build_report(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, built_at: dt.datetime | None = None,
                 source: str | None = None, fingerprint: str | None = None) -> ReportSummary:
    """Write the report of the marts in ``con`` to the folder ``out_dir`` (replaced as a whole).

    Only reads from ``con``. ``built_at`` (default: now) is shown in the header; ``source`` (e.g. the
    warehouse file name) too. Missing or empty marts give a section saying so, never an error.
    With ``fingerprint`` (``report_fingerprint``), the folder also gets ``STAMP``: that fingerprint and
    the summary, for ``build_report_if_changed``.
    """
    import matplotlib

    out_dir = Path(out_dir)
    built_at = built_at or dt.datetime.now(dt.UTC)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        with matplotlib.rc_context(_RC):
            parts = [_speakers(con, tmp), _timeline(con, tmp), _figures(con, tmp), _clusters(con, tmp)]
        totals = _totals(con)
        span = (con.execute("select min(day), max(day) from marts.claims_per_day").fetchone()
                if has_table(con, "marts", "claims_per_day") else (None, None))
        page = _page(totals, parts, built_at, source, span)
        (tmp / INDEX).write_text(page, encoding="utf-8")
        summary = ReportSummary(
            out_dir=out_dir, index=out_dir / INDEX, built_at=built_at, totals=totals,
            sections={s: p.rows for s, p in zip(SECTIONS, parts, strict=True)},
            charts=tuple(c for p in parts for c in p.charts),
            notes={s: p.note for s, p in zip(SECTIONS, parts, strict=True) if p.note})
        if fingerprint is not None:
            stamp = {"fingerprint": fingerprint, "built_at": built_at.isoformat(), "sections": summary.sections,
                     "totals": summary.totals, "charts": list(summary.charts), "notes": summary.notes}
            (tmp / STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o755)
        _swap_in(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


def report_fingerprint(con: duckdb.DuckDBPyConnection, source: str | None = None) -> str:
    """What the report is drawn from: every table of the schema marts (columns, row count, sum of row
    hashes), this module's code, the Matplotlib version and ``source``. Cheap next to drawing."""
    import matplotlib

    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"\nmatplotlib {matplotlib.__version__}\nsource {source!r}".encode())
    names = con.execute("select table_name from duckdb_tables() where database_name = current_database() "
                        "and schema_name = 'marts' union select view_name from duckdb_views() "
                        "where database_name = current_database() and schema_name = 'marts' "
                        "order by 1").fetchall()
    for (name,) in names:
        h.update(f"\nmarts.{name}={table_fingerprint(con, f'marts.{name}')}".encode())
    return h.hexdigest()


def _read_stamp(out_dir: Path) -> dict | None:
    try:
        stamp = json.loads((out_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def build_report_if_changed(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, source: str | None = None,
                            force: bool = False) -> tuple[ReportSummary, bool]:
    """``build_report`` unless the report in ``out_dir`` was built by this function from the same marts
    (``report_fingerprint``) and is whole (``verify_report``); returns its summary and whether it was
    (re)built. A report left as it was keeps its "Built" time: it is the time its data was drawn."""
    out_dir = Path(out_dir)
    fingerprint = report_fingerprint(con, source)
    stamp = _read_stamp(out_dir)
    if not force and stamp is not None and stamp.get("fingerprint") == fingerprint and not verify_report(out_dir):
        try:
            summary = ReportSummary(
                out_dir=out_dir, index=out_dir / INDEX, built_at=dt.datetime.fromisoformat(stamp["built_at"]),
                sections=dict(stamp["sections"]), totals=dict(stamp["totals"]), charts=tuple(stamp["charts"]),
                notes=dict(stamp["notes"]))
        except (KeyError, TypeError, ValueError):
            pass  # a stamp from another version: build anew
        else:
            return summary, False
    return build_report(con, out_dir, source=source, fingerprint=fingerprint), True


# ------------------------------------------------------------------------------------------- reading back
@dataclass
class SectionContents:
    id: str
    rows: int = 0                        # <tr> in the <tbody> of its tables
    images: list[str] = field(default_factory=list)
    text: str = ""


class _ReportParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, SectionContents] = {}
        self.images: list[str] = []
        self._current: SectionContents | None = None
        self._depth = 0                  # nesting of <section> elements
        self._in_tbody = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._depth += 1
            if self._depth == 1:
                self._current = SectionContents(a.get("id") or "")
                self._text = []
        elif tag == "tbody":
            self._in_tbody += 1
        elif tag == "tr" and self._in_tbody and self._current is not None:
            self._current.rows += 1
        elif tag == "img":
            src = a.get("src") or ""
            self.images.append(src)
            if self._current is not None:
                self._current.images.append(src)

    def handle_endtag(self, tag):
        if tag == "section" and self._depth:
            self._depth -= 1
            if self._depth == 0 and self._current is not None:
                self._current.text = " ".join(" ".join(self._text).split())
                self.sections[self._current.id] = self._current
                self._current = None
        elif tag == "tbody" and self._in_tbody:
            self._in_tbody -= 1

    def handle_data(self, data):
        if self._current is not None:
            self._text.append(data)


def read_report(out_dir: str | Path) -> tuple[dict[str, SectionContents], list[str]]:
    """The sections (by id) and image sources of a written report."""
    parser = _ReportParser()
    parser.feed((Path(out_dir) / INDEX).read_text(encoding="utf-8"))
    parser.close()
    return parser.sections, parser.images


def verify_report(out_dir: str | Path, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """What is wrong with the report in ``out_dir`` (empty when nothing): every section present, every
    image a PNG file inside the folder, and (given the warehouse) the speakers table as long as it should be."""
    out_dir = Path(out_dir)
    if not (out_dir / INDEX).is_file():
        return [f"{out_dir / INDEX} does not exist"]
    sections, images = read_report(out_dir)
    problems = [f"section #{s} is missing" for s in SECTIONS if s not in sections]
    root = out_dir.resolve()
    for src in images:
        path = (out_dir / src).resolve()
        if not src or "://" in src or src.startswith(("/", "data:")) or root not in path.parents:
            problems.append(f"image {src!r} is not a file inside the report folder")
        elif not path.is_file():
            problems.append(f"image {src} does not exist")
        elif not path.read_bytes()[:8] == PNG_SIGNATURE:
            problems.append(f"image {src} is not a PNG")
    if con is not None and "speakers" in sections:
        total = _scalar(con, "select count(*) from marts.speakers") if has_table(con, "marts", "speakers") else 0
        want = min(SPEAKERS_TOP, total)
        if sections["speakers"].rows != want:
            problems.append(f"speakers table has {sections['speakers'].rows} rows, expected {want}")
    return problems
