"""The report (claimhouse/warehouse/report.py, asset published/report): unit tests on small hand-made marts, and the
report the pipeline writes for the seeds, rendered in headless Chromium."""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import query

from claimhouse.warehouse import report as rp
from claimhouse.warehouse.db import published_path

BUILT = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)
SEED_DAYS = ("2025-02-08", "2025-03-09", "2025-03-14")

# ------------------------------------------------------------------------------------------- small marts
MARTS_SQL = """
create schema marts;
create table marts.speakers (speaker text, speaker_kind text, claims bigint, documents bigint, outlets bigint,
                             first_date date, last_date date);
create table marts.claims_per_day (day date, outlet text, documents bigint, claims bigint, attributions bigint,
                                   assertions bigint, direct_quotes bigint, hedged_claims bigint, speakers bigint);
create table marts.outlets (outlet text, documents bigint);
create table marts.figures (measure text, subject text, reports bigint, sources bigint, outlets bigint,
    min_value double, max_value double, agree boolean,
    reported struct("value" double, value_max double, change text, surface text, reported_by text,
                    outlet_own boolean, outlet text, published_date date)[],
    first_date date, last_date date);
"""

ROWS_SQL = """
insert into marts.speakers values
  ('<script>alert("x")</script> & Co', 'organization', 7, 2, 2, '2025-01-02', '2025-01-03'),
  ('Mr $money$ Smith', 'person', 3, 1, 1, '2025-01-02', '2025-01-02'),
  ('Anna', 'person', 2, 1, 1, null, null);
insert into marts.claims_per_day values
  ('2025-01-02', 'paper.example', 1, 10, 6, 4, 1, 1, 2),
  ('2025-01-03', 'other.example', 1, 5, 3, 2, 0, 0, 1),
  (null, null, 1, 4, 2, 2, 0, 0, 1);
insert into marts.outlets values ('paper.example', 1), ('other.example', 1), ('cited.example', 0);
insert into marts.figures values
  ('troop', 'troops', 2, 2, 2, 40000, 78000, false,
   [{'value': 40000, 'value_max': null, 'change': '=', 'surface': '40,000 troops', 'reported_by': 'General <Staff>',
     'outlet_own': false, 'outlet': 'paper.example', 'published_date': DATE '2025-01-02'},
    {'value': 78000, 'value_max': null, 'change': '~', 'surface': 'about 78,000 troops', 'reported_by': null,
     'outlet_own': true, 'outlet': 'other.example', 'published_date': DATE '2025-01-03'}],
   '2025-01-02', '2025-01-03'),
  ('kilometre', 'kilometre', 1, 1, 1, 5, 10, true,
   [{'value': 5, 'value_max': 10, 'change': '<', 'surface': '5-10 km', 'reported_by': 'ISW',
     'outlet_own': false, 'outlet': 'paper.example', 'published_date': DATE '2025-01-02'}],
   '2025-01-02', '2025-01-02');
"""

CLUSTERS_SQL = """
create table marts.story_clusters (cluster_id text, claim text, claims integer, documents integer, outlets integer,
    outlet_names varchar[], first_outlet text, first_date date, speakers varchar[], contradictions integer,
    contradicted_by struct(claim text, outlet text, speaker text)[]);
insert into marts.story_clusters values
  ('c1', 'Russia lost 40,000 troops in the Kursk region since the incursion began last August', 3, 3, 2,
   ['paper.example', 'other.example'], 'paper.example', '2025-01-02', ['General Staff'], 1,
   [{'claim': 'Losses were far lower <than> claimed', 'outlet': 'other.example', 'speaker': 'Kremlin'}]),
  ('c2', 'Talks may start in spring', 2, 2, 1, ['paper.example'], 'paper.example', '2025-01-03', [], 0, []),
  ('c3', 'Small story', 1, 1, 1, ['other.example'], 'other.example', null, null, 0, null);
"""


def _marts_db(path: Path, *scripts: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        for s in scripts:
            con.execute(s)
    finally:
        con.close()
    return path


def _build(db: Path, out: Path) -> rp.ReportSummary:
    con = duckdb.connect(str(db), read_only=True)  # the report only reads
    try:
        return rp.build_report(con, out, built_at=BUILT, source="test.duckdb")
    finally:
        con.close()


def _verify(db: Path, out: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return rp.verify_report(out, con)
    finally:
        con.close()


@pytest.fixture()
def small_db(tmp_path) -> Path:
    return _marts_db(tmp_path / "small.duckdb", MARTS_SQL, ROWS_SQL)


def test_report_dir_sits_beside_the_warehouse():
    assert rp.report_dir("/x/claimhouse.duckdb") == Path("/x/claimhouse.report")
    assert rp.report_dir(Path("data/w.duckdb")) == Path("data/w.report")


def test_report_of_small_marts(small_db, tmp_path):
    out = tmp_path / "small.report"
    summary = _build(small_db, out)
    assert summary.index == out / "index.html"
    assert summary.sections == {"speakers": 3, "timeline": 3, "figures": 2, "clusters": 0}
    assert summary.totals == {"documents": 3, "claims": 19, "speakers": 3, "outlets": 2}
    assert summary.charts == ("speakers.png", "timeline.png", "figures.png")
    assert summary.notes == {"clusters": "no story clusters yet"}
    assert sorted(p.name for p in out.iterdir()) == ["figures.png", "index.html", "speakers.png", "timeline.png"]
    for name in summary.charts:
        assert (out / name).read_bytes().startswith(rp.PNG_SIGNATURE)
    page = summary.index.read_text(encoding="utf-8")
    # every text is escaped: the speaker's markup is shown, never run
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "General &lt;Staff&gt;" in page
    assert "2025-04-01 12:00 UTC" in page and "test.duckdb" in page
    sections, images = rp.read_report(out)
    assert list(sections) == list(rp.SECTIONS)
    assert images == ["speakers.png", "timeline.png", "figures.png"]
    assert sections["speakers"].rows == 3 and sections["timeline"].rows == 3
    assert "40,000" in sections["figures"].text and "~ 78,000" in sections["figures"].text
    assert "5–10" in sections["figures"].text
    assert "undated" in sections["timeline"].text and "unknown outlet" in sections["timeline"].text
    assert "no story clusters yet" in sections["clusters"].text
    assert _verify(small_db, out) == []
    # nothing left beside the report: the temporary folder was renamed into place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.duckdb", "small.report"]


def test_same_marts_give_the_same_files(small_db, tmp_path):
    a, b = tmp_path / "a.report", tmp_path / "b.report"
    _build(small_db, a)
    _build(small_db, b)
    for f in a.iterdir():
        assert f.read_bytes() == (b / f.name).read_bytes(), f"{f.name} differs between two builds"


def test_empty_marts_say_no_data(tmp_path):
    db = _marts_db(tmp_path / "empty.duckdb", MARTS_SQL)
    out = tmp_path / "empty.report"
    summary = _build(db, out)
    assert summary.sections == {"speakers": 0, "timeline": 0, "figures": 0, "clusters": 0}
    assert summary.charts == ()
    sections, images = rp.read_report(out)
    assert images == []
    for s in ("speakers", "timeline", "figures"):
        assert "no data" in sections[s].text, s
    assert _verify(db, out) == []


def test_missing_marts_do_not_crash(tmp_path):
    db = _marts_db(tmp_path / "bare.duckdb", "select 1")
    out = tmp_path / "bare.report"
    summary = _build(db, out)
    assert summary.totals == {"documents": None, "claims": None, "speakers": None, "outlets": None}
    sections, images = rp.read_report(out)
    assert list(sections) == list(rp.SECTIONS) and images == []
    assert _verify(db, out) == []


def test_story_clusters_when_the_mart_exists(tmp_path):
    db = _marts_db(tmp_path / "c.duckdb", MARTS_SQL, ROWS_SQL, CLUSTERS_SQL)
    out = tmp_path / "c.report"
    summary = _build(db, out)
    assert summary.sections["clusters"] == 3 and "clusters" not in summary.notes
    assert "clusters.png" in summary.charts
    sections, _ = rp.read_report(out)
    text = sections["clusters"].text
    assert sections["clusters"].images == ["clusters.png"]
    assert text.index("Russia lost 40,000 troops") < text.index("Talks may start in spring")  # most outlets first
    assert "Losses were far lower <than> claimed” — Kremlin · other.example" in text
    assert "paper.example, other.example" in text
    assert _verify(db, out) == []


def test_timeline_table_reads_marts_timeline_when_it_exists(tmp_path):
    timeline = """
    create table marts.timeline (day date, outlet text, speaker text, documents bigint, claims bigint,
                                 figures bigint, figure_surfaces varchar[], sample_claims varchar[]);
    insert into marts.timeline values ('2025-01-02', 'paper.example', 'General Staff', 1, 4, 1, ['40,000 troops'],
                                       ['long text']),
                                      ('2025-01-02', 'paper.example', null, 1, 6, 0, [], []);
    """
    db = _marts_db(tmp_path / "t.duckdb", MARTS_SQL, ROWS_SQL, timeline)
    out = tmp_path / "t.report"
    summary = _build(db, out)
    assert summary.sections["timeline"] == 2
    sections, images = rp.read_report(out)
    text = sections["timeline"].text
    assert "marts.timeline" in text and "General Staff" in text and "40,000 troops" in text
    assert rp.OWN_VOICE in text and "long text" not in text
    assert "timeline.png" in images  # the chart still comes from marts.claims_per_day


def test_a_failed_build_leaves_the_previous_report(small_db, tmp_path, monkeypatch):
    out = tmp_path / "r.report"
    _build(small_db, out)
    (out / "stale.txt").write_text("from an older report")
    before = (out / "index.html").read_bytes()

    def boom(*_a, **_k):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(rp, "_figures_chart", boom)
    with pytest.raises(RuntimeError, match="chart failed"):
        _build(small_db, out)
    assert (out / "index.html").read_bytes() == before and (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.report", "small.duckdb"]
    monkeypatch.undo()
    _build(small_db, out)  # a new build replaces the whole folder
    assert not (out / "stale.txt").exists() and (out / "index.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.report", "small.duckdb"]


def test_verify_report_finds_what_is_wrong(small_db, tmp_path):
    out = tmp_path / "v.report"
    _build(small_db, out)
    (out / "figures.png").write_bytes(b"not a png")
    (out / "timeline.png").unlink()
    page = (out / "index.html").read_text(encoding="utf-8")
    (out / "index.html").write_text(page.replace('id="clusters"', 'id="elsewhere"'), encoding="utf-8")
    con = duckdb.connect(str(small_db))
    try:
        con.execute("insert into marts.speakers values ('Dora', 'person', 1, 1, 1, null, null)")
        problems = rp.verify_report(out, con)
    finally:
        con.close()
    assert problems == ["section #clusters is missing", "image timeline.png does not exist",
                        "image figures.png is not a PNG", "speakers table has 3 rows, expected 4"]
    assert rp.verify_report(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere' / 'index.html'} does not exist"]


# ------------------------------------------------------------------------------------------- the seeds
@pytest.fixture(scope="module")
def seeds_report(seeds_run) -> Path:
    """The report the pipeline wrote for the seeds (asset published/report), beside the warehouse."""
    _, wh, result = seeds_run
    assert result.success
    return rp.report_dir(wh)


def test_pipeline_writes_and_checks_the_report(seeds_run, seeds_report):
    _, wh, result = seeds_run
    mats = {"/".join(e.asset_key.path): e for e in result.get_asset_materialization_events()}
    meta = mats["published/report"].materialization.metadata
    assert meta["path"].value == str(seeds_report / "index.html")
    checks = {ev.check_name: ev for ev in result.get_asset_check_evaluations()}
    assert checks["report_shows_every_section"].passed
    _, images = rp.read_report(seeds_report)
    assert {"speakers.png", "timeline.png", "figures.png"} <= set(images)
    # the page, its images, and what it was drawn from (so a re-run with the same marts leaves it)
    assert sorted(p.name for p in seeds_report.iterdir()) == sorted(["index.html", rp.STAMP, *images])
    speakers = query(wh, "select count(*) from marts.speakers")[0][0]
    assert meta["sections"].value["speakers"]["rows"] == min(rp.SPEAKERS_TOP, speakers)


def test_report_from_the_published_copy_read_only(seeds_run, tmp_path):
    _, wh, _ = seeds_run
    con = duckdb.connect(str(published_path(wh)), read_only=True)
    try:
        summary = rp.build_report(con, tmp_path / "pub.report", built_at=BUILT)
        assert rp.verify_report(summary.out_dir, con) == []
    finally:
        con.close()
    sections, _ = rp.read_report(summary.out_dir)
    assert sections["speakers"].rows == rp.SPEAKERS_TOP
    assert summary.totals["documents"] == 5  # every seed once
    assert "“40,000 troops” — Ukrainian General Staff · digitaltradecenter.com · 2025-02-08" \
        in sections["figures"].text


# ------------------------------------------------------------------------------------------- in a browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium (Playwright's own browser download is not used); installed with apt when missing."""
    if not CHROMIUM.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        log = []

        def apt(*args: str) -> None:
            try:
                proc = subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True, timeout=900)
                log.append(f"apt-get {' '.join(args)}: exit {proc.returncode}\n{proc.stderr[-1500:]}")
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.append(f"apt-get {' '.join(args)}: {exc}")

        apt("install", "-y", "chromium")
        if not CHROMIUM.exists():
            apt("update")
            apt("install", "-y", "chromium")
        if not CHROMIUM.exists():
            pytest.fail(f"{CHROMIUM} is missing and `apt-get install -y chromium` did not install it "
                        "(the report test needs the system Chromium; install it as root):\n" + "\n".join(log))
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def page(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 900})
            yield pg
        finally:
            browser.close()


def test_report_in_headless_chromium(seeds_report, page, tmp_path):
    from PIL import Image

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"{req.url}: {req.failure}"))
    page.goto((seeds_report / "index.html").as_uri(), wait_until="load")
    assert page.title() == "claimhouse report"
    for sid in rp.SECTIONS:
        assert page.locator(f"section#{sid}").is_visible(), sid

    # corpus totals in the header
    assert page.locator("#total-documents dd").inner_text() == "5"
    assert int(page.locator("#total-claims dd").inner_text().replace(",", "")) > 50

    # the speakers the seeds really cite, the most cited first
    speakers = page.locator("#speakers tbody tr")
    assert speakers.count() == rp.SPEAKERS_TOP
    assert speakers.first.locator("td").first.inner_text() == "Angelica Evans"
    names = speakers.locator("td:first-child").all_inner_texts()
    assert {"The Telegraph", "Donald Trump", "Volodymyr Zelensky"} <= set(names)

    # figures side by side: the troop figures disagree, 40,000 of them reported by the Ukrainian General Staff
    troops = page.locator("#figures tbody tr").filter(has_text="40,000 troops")
    assert troops.count() == 1
    report_40k = troops.locator("li").filter(has_text="40,000 troops")
    assert "Ukrainian General Staff" in report_40k.inner_text()
    assert "78,000" in troops.inner_text() and troops.locator(".disagree").inner_text() == "no"

    # the timeline shows the seeds' publication days
    timeline = page.locator("#timeline").inner_text()
    for day in SEED_DAYS:
        assert day in timeline, day
    assert "digitaltradecenter.com" in timeline

    # story clusters: the seeds tell the "bargaining chip" story in two outlets
    clusters = page.locator("#clusters")
    assert clusters.locator("tbody tr").count() > 0 and "no story clusters yet" not in clusters.inner_text()
    assert "bargaining chip" in clusters.inner_text()

    # every image loaded and drawn
    images = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, "
                           "i.naturalWidth, i.naturalHeight])")
    assert {"speakers.png", "timeline.png", "figures.png"} <= {src for src, *_ in images}
    for src, complete, w, h in images:
        assert complete and w > 0 and h > 0, src
    assert errors == []

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(rp.PNG_SIGNATURE)
    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.width == 1280 and img.height > 2000  # the whole page, four sections long
    lo, hi = img.convert("L").getextrema()
    assert hi - lo > 200 and len(img.getcolors(maxcolors=1 << 20) or []) > 100, "blank screenshot"
    keep = os.environ.get("CLAIMHOUSE_REPORT_SCREENSHOT")
    if keep:  # look at it yourself: CLAIMHOUSE_REPORT_SCREENSHOT=/tmp/report.png pytest tests/test_report.py
        shutil.copy(shot, keep)


def test_a_timeline_of_years_is_drawn_as_stacked_areas(tmp_path):
    """Two years of daily counts for 30 outlets: one area per kept outlet, not a bar per day and outlet."""
    import datetime as dt

    from PIL import Image

    from claimhouse.warehouse import report

    start = dt.date(2024, 1, 1)
    rows = [{"day": start + dt.timedelta(days=d), "outlet": f"outlet{o:02d}.example", "claims": (d * 7 + o) % 13}
            for d in range(730) for o in range(30)] + [{"day": None, "outlet": "outlet00.example", "claims": 5}]
    out = tmp_path / "timeline.png"
    calls = []
    real = report._save

    def spy(fig, path):
        ax = fig.axes[0]
        calls.append((len(ax.patches), len(ax.collections), ax.get_xlabel()))
        real(fig, path)

    report._save = spy
    try:
        report._timeline_chart(rows, out)
    finally:
        report._save = real
    patches, areas, xlabel = calls[0]
    assert patches == 0 and areas == report.TIMELINE_OUTLETS + 1  # the kept outlets and "other outlets"
    assert xlabel == "publication day (5 claims undated)"
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 500


def test_a_figure_told_by_hundreds_of_outlets_keeps_its_legend_and_table_short(tmp_path, monkeypatch):
    import datetime as dt

    from claimhouse.warehouse import report

    reported = [{"value": 40000.0 + i, "value_max": (41000.0 + i) if i % 3 == 0 else None, "outlet": f"o{i:03d}.example",
                 "reported_by": None, "date": dt.date(2024, 8, 20), "surface": f"{40000 + i} troops", "claim": "x"}
                for i in range(300)]
    rows = [{"measure": "troops", "subject": "Kursk", "reports": 300, "sources": 1, "outlets": 300,
             "min_value": 40000.0, "max_value": 41299.0, "agree": False, "reported": reported,
             "first_date": dt.date(2024, 8, 20), "last_date": dt.date(2024, 8, 20)}]
    legends = []
    real = report._save

    def spy(fig, path):
        legends.append([t.get_text() for t in fig.axes[0].get_legend().get_texts()])
        real(fig, path)

    monkeypatch.setattr(report, "_save", spy)
    report._figures_chart(rows, tmp_path / "figures.png")
    assert len(legends[0]) == report.FIGURES_OUTLETS + 1 and legends[0][-1] == "285 other outlets"
    assert (tmp_path / "figures.png").stat().st_size > 1000
