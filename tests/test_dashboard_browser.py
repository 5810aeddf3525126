"""The offline dashboard (DESIGN §4.6) opened in a real headless Chromium.

Chromium is driven over the Chrome DevTools protocol on ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-terminated JSON), so no driver package is needed. What is checked:
the page loads from ``file://`` with no console message, no script error and no request other
than the file itself; the rendered DOM holds what ``progress`` says (KGI cards, one row per
indicator, one coloured box per node, organisations behind plan, findings, milestones);
Japanese text is drawn with a font that has Japanese glyphs; a screenshot is not blank.

Chromium missing: the tests skip on a developer's machine and fail under CI (``CI`` set), as the
Spark tests do; CI installs Debian's ``chromium`` and ``fonts-noto-cjk``.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import Progress
from logicmodel.report.mermaid import STATUS_COLOURS
from logicmodel.testing import sample_model, sample_observations

WIDTH, HEIGHT = 1280, 900
TIMEOUT = 20.0  # seconds for one reply from Chromium: a guard against hanging, not a timing test

# the dashboard's labels, as the design names them (Japanese / English)
STATUS_LABELS = {
    "achieved": ("達成", "achieved"),
    "on_track": ("順調", "on track"),
    "at_risk": ("要注意", "at risk"),
    "off_track": ("遅れ", "off track"),
    "no_data": ("データなし", "no data"),
    "no_target": ("目標なし", "no target"),
    "incomplete": ("集計中", "incomplete"),  # issue 10: a total short of min_coverage
}
MILESTONE_COLOURS = {  # the roadmap's dots
    "done": "#1a7f37",
    "due_soon": "#d4a72c",
    "overdue": "#cf222e",
    "upcoming": "#8c959f",
}
# pathway columns from left to right
COLUMN_ORDER = [
    ("input", None),
    ("activity", None),
    ("output", None),
    ("outcome", "short"),
    ("outcome", "intermediate"),
    ("outcome", "long"),
    ("impact", None),
]


def rgb(hex_colour: str) -> str:
    """``#1a7f37`` as the browser's computed style writes it: ``rgb(26, 127, 55)``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


# ------------------------------------------------------------------------------ the browser


class CDPError(RuntimeError):
    """Chromium answered a DevTools command with an error."""


class Chromium:
    """One headless Chromium process spoken to over ``--remote-debugging-pipe``."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_r, to_w = os.pipe()  # we write, Chromium reads on fd 3
        from_r, from_w = os.pipe()  # Chromium writes on fd 4, we read

        def fds_3_and_4() -> None:  # runs in the child before exec
            a, b = os.dup(to_r), os.dup(from_w)  # numbers above 4, so dup2 cannot clobber
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.log = profile / "chromium.log"
        args = [
            executable,
            "--headless",
            "--no-sandbox",  # CI runs as root; only our own local files are opened
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--mute-audio",
            "--hide-scrollbars",  # the screenshot is the page at WIDTH, no scrollbar taken off
            "--force-color-profile=srgb",  # screenshot pixels are the CSS colours
            "--host-resolver-rules=MAP * ~NOTFOUND",  # belt and braces: no name resolves
            f"--window-size={WIDTH},{HEIGHT}",
            "about:blank",
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=False,
                preexec_fn=fds_3_and_4,  # noqa: PLW1509 (no threads are started before this)
            )
        os.close(to_r)
        os.close(from_w)
        self._w, self._r = to_w, from_r
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], TIMEOUT)
            chunk = os.read(self._r, 1 << 20) if ready else b""
            if not chunk:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise CDPError(
                    f"Chromium stopped answering ({'eof' if ready else 'timeout'}):\n{tail}"
                )
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events seen meanwhile are kept."""
        self._id += 1
        command: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session is not None:
            command["sessionId"] = session
        os.write(self._w, json.dumps(command).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._id:
                if "error" in message:
                    raise CDPError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """The first event ``method`` of ``session`` (already seen or still to come)."""
        seen = [
            e for e in self.events if e.get("method") == method and e.get("sessionId") == session
        ]
        while not seen:
            message = self._message()
            self.events.append(message)
            if message.get("method") == method and message.get("sessionId") == session:
                return message
        return seen[0]

    def close(self) -> None:
        with contextlib.suppress(CDPError, OSError):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


class Page:
    """One tab with a loaded page and everything it logged or requested."""

    def __init__(self, browser: Chromium, path: Path) -> None:
        self.browser = browser
        self.url = path.resolve().as_uri()
        self.target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.send("Target.attachToTarget", targetId=self.target, flatten=True)[
            "sessionId"
        ]
        self._first_event = len(browser.events)
        for domain in ("Page", "Runtime", "Log", "Network", "DOM", "CSS"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=self.url)
        browser.wait_for("Page.loadEventFired", self.session)
        # two animation frames and the fonts: layout and any late console message are in
        self.evaluate(
            "document.fonts.ready.then(() => new Promise(r => "
            "requestAnimationFrame(() => requestAnimationFrame(() => r(true)))))"
        )

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (DevTools is not bound by the page's CSP)."""
        reply = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise CDPError(f"{expression[:80]}…: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.browser.events[self._first_event :]
            if e.get("method") == method and e.get("sessionId") == self.session
        ]

    def problems(self) -> list[str]:
        """Every console message, log entry of level warning/error and uncaught exception."""
        out = [
            f"log {e['entry']['level']} ({e['entry']['source']}): {e['entry']['text']}"
            for e in self._events("Log.entryAdded")
            if e["entry"]["level"] in {"warning", "error"}
        ]
        out += [
            f"console.{e['type']}: {[a.get('value', a.get('description')) for a in e['args']]}"
            for e in self._events("Runtime.consoleAPICalled")
        ]
        out += [
            f"exception: {e['exceptionDetails'].get('text')} "
            f"{e['exceptionDetails'].get('exception', {}).get('description', '')}"
            for e in self._events("Runtime.exceptionThrown")
        ]
        return out

    def requests(self) -> list[str]:
        """The URL of every request the page started (the document itself included)."""
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    def blocked(self) -> dict[str, str]:
        """URL → reason of every request the browser refused or could not complete."""
        urls = {
            e["requestId"]: e["request"]["url"] for e in self._events("Network.requestWillBeSent")
        }
        return {
            urls[e["requestId"]]: e.get("blockedReason") or e["errorText"]
            for e in self._events("Network.loadingFailed")
        }

    def screenshot(self) -> bytes:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(data["data"])

    def fonts(self, selector: str) -> list[dict[str, Any]]:
        """The platform fonts Chromium drew the text of ``selector`` with."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise CDPError(f"no element matches {selector!r}")
        fonts: list[dict[str, Any]] = self.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        return fonts

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One headless Chromium for the module.

    Skipped only when no ``chromium`` is on PATH; under CI (``CI`` set) that fails instead:
    ``.ci/run`` installs Debian's ``chromium``.
    """
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI has no Chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    browser = Chromium(executable, tmp_path_factory.mktemp("chromium"))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def japanese_fonts() -> set[str]:
    """Font families that fontconfig says cover Japanese.

    Text widths, and so the layout checks, depend on them. None: skipped on a developer's
    machine, failed under CI (``.ci/run`` installs ``fonts-noto-cjk``).
    """
    fc_list = shutil.which("fc-list")  # fontconfig, a dependency of chromium
    families: set[str] = set()
    if fc_list is not None:
        out = subprocess.run(
            [fc_list, ":lang=ja", "family"], capture_output=True, text=True, check=True
        ).stdout
        families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    if not families:
        if os.environ.get("CI"):
            pytest.fail("CI has no Japanese font: .ci/run installs fonts-noto-cjk")
        pytest.skip("no font covers Japanese (apt-get install fonts-noto-cjk)")
    return families


@contextlib.contextmanager
def opened(browser: Chromium, path: Path) -> Iterator[Page]:
    page = Page(browser, path)
    try:
        yield page
    finally:
        page.close()


# ------------------------------------------------------------------------------ the dashboards


def example_progress() -> tuple[lm.LogicModel, Progress]:
    """The bundled example as ``logicmodel demo`` evaluates it (national totals only)."""
    model = sample_model()
    return model, lm.evaluate(model, sample_observations())


def orgs_progress() -> tuple[lm.LogicModel, Progress]:
    """The example's observations as three municipalities at different paces (千代田区 on the
    national pace, 中央区 at 60 %, 大阪市 at 30 %), rolled up to prefectures and the nation."""
    model = sample_model()
    obs = sample_observations()
    value = pd.to_numeric(obs["value"])
    frames = [
        obs.assign(org=org, value=(value * pace).astype(str))
        for org, pace in (("131016", 1.0), ("131024", 0.6), ("271004", 0.3))
    ]
    observations = pd.concat(frames, ignore_index=True)
    return model, lm.evaluate(model, observations, hierarchy=lm.Hierarchy.japan())


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[lm.LogicModel, Progress, Path]:
    model, progress = example_progress()
    path = tmp_path_factory.mktemp("example") / "dashboard.html"
    lm.dashboard(model, progress, path)
    return model, progress, path


@pytest.fixture(scope="module")
def with_orgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[lm.LogicModel, Progress, Path]:
    model, progress = orgs_progress()
    path = tmp_path_factory.mktemp("orgs") / "dashboard.html"
    lm.dashboard(model, progress, path)
    return model, progress, path


# titles longer than any box or label column: Japanese, Latin words, wide Latin letters
LONG_TITLES = [
    "{0}、{0}、{0}",
    "Nationwide roll-out of the one-stop counter for {0}",
    "MMMMWWWW mmmm wwww @@%% {0}",
]


@pytest.fixture(scope="module")
def long_titles(tmp_path_factory: pytest.TempPathFactory) -> tuple[lm.LogicModel, Progress, Path]:
    """The example with every node and milestone title made too long to draw in full."""
    model = sample_model()
    nodes = [
        n.model_copy(update={"label": LONG_TITLES[k % 3].format(n.title)})
        for k, n in enumerate(model.nodes)
    ]
    milestones = [
        m.model_copy(update={"title": LONG_TITLES[k % 3].format(m.title)})
        for k, m in enumerate(model.milestones)
    ]
    model = model.model_copy(update={"nodes": nodes, "milestones": milestones})
    progress = lm.evaluate(model, sample_observations())
    path = tmp_path_factory.mktemp("long") / "dashboard.html"
    lm.dashboard(model, progress, path)
    return model, progress, path


# what the page shows, read in the browser after layout; sections are found by their heading
READ_PAGE = """
(() => {
  const section = (text) => {
    const h = [...document.querySelectorAll('h2')].find(e => e.textContent.includes(text));
    if (!h) return null;
    for (let n = h.nextElementSibling; n && n.tagName !== 'H2'; n = n.nextElementSibling) {
      const t = n.matches('table, svg, .cards') ? n : n.querySelector('table, svg');
      if (t) return t;
    }
    return null;
  };
  const badge = (el) => {
    const b = el && el.querySelector('.badge');
    if (!b) return null;
    const s = getComputedStyle(b);
    return {title: b.title, text: b.textContent, bg: s.backgroundColor, colour: s.color,
            width: b.getBoundingClientRect().width};
  };
  const en = (cell) => cell.querySelector('.en') ? cell.querySelector('.en').textContent : null;
  const first = (cell) => cell.firstChild ? cell.firstChild.textContent : '';
  const body = (table) => table ? [...table.rows].slice(1) : null;
  const box = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                       width: r.width, height: r.height});
  const pathway = document.querySelector('svg[aria-label="logic model"]');
  const roadmap = section('Service roadmap');
  const behind = section('furthest behind plan');
  const children = section('Children by status');
  return {
    title: document.title,
    h1: document.querySelector('h1').textContent,
    sub: document.querySelector('header .sub').textContent,
    scripts: document.scripts.length,
    controls: document.querySelectorAll(
      'input, select, textarea, button, details, a[href], [onclick], [tabindex]').length,
    cards: [...document.querySelectorAll('.cards .card')].map(c => ({
      name: c.querySelector('.n').textContent, value: c.querySelector('.v').textContent,
      badge: badge(c), box: box(c.getBoundingClientRect())})),
    indicators: body(section('Indicators')).map(r => ({
      role: r.cells[0].textContent, name: first(r.cells[1]), id: en(r.cells[1]),
      actual: r.cells[3].textContent, target: r.cells[5].textContent,
      achievement: r.cells[8].textContent, badge: badge(r.cells[10]),
      bar: r.cells[9].querySelector('i') ? getComputedStyle(r.cells[9].querySelector('i')).backgroundColor : null,
      trend: r.cells[11].querySelectorAll('polyline').length})),
    nodes: pathway ? [...pathway.querySelectorAll(':scope > g')].map(g => {
      const [frame, stripe] = g.querySelectorAll('rect');
      const [label, pct] = g.querySelectorAll(':scope > text');
      return {title: g.querySelector('title').textContent,
              stroke: getComputedStyle(frame).stroke, stripe: getComputedStyle(stripe).fill,
              frame: box(frame.getBoundingClientRect()), label: box(label.getBoundingClientRect()),
              lines: [...label.querySelectorAll('tspan')].map(t => box(t.getBoundingClientRect())),
              pct: box(pct.getBoundingClientRect()), pctText: pct.textContent};
    }) : null,
    links: pathway ? pathway.querySelectorAll(':scope > path').length : null,
    pathwayBox: pathway ? box(pathway.getBoundingClientRect()) : null,
    pathwayScroll: pathway ? {scrollWidth: pathway.parentElement.scrollWidth,
                              clientWidth: pathway.parentElement.clientWidth} : null,
    milestones: roadmap ? [...roadmap.querySelectorAll('circle')].map(c => ({
      title: c.querySelector('title').textContent, fill: getComputedStyle(c).fill,
      box: box(c.getBoundingClientRect())})) : null,
    // the roadmap's row labels: the texts at the left edge
    roadLabels: roadmap ? [...roadmap.querySelectorAll(':scope > text')]
      .filter(t => t.getAttribute('x') === '4')
      .map(t => ({text: t.textContent, box: box(t.getBoundingClientRect())})) : null,
    behind: behind ? body(behind).map(r => ({org: r.cells[0].textContent,
      name: r.cells[1].textContent, badge: badge(r)})) : null,
    children: children ? body(children).map(r => [...r.cells].map(c => c.textContent)) : null,
    findings: body(section('Findings')).map(r => ({code: en(r.cells[0]),
      node: r.cells[1].textContent, org: r.cells[2].textContent, message: en(r.cells[3])})),
    page: {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
           scrollHeight: document.documentElement.scrollHeight},
  };
})()
"""


def shown_number(text: str) -> float:
    """``1,741`` / ``4,725.4`` as shown in a cell; NaN for the dash of a missing value."""
    return float("nan") if text == "–" else float(text.replace(",", ""))


def assert_shown(text: str, value: Any) -> None:
    """A cell shows ``value`` to within its display rounding (one decimal at most)."""
    if pd.isna(value):
        assert text == "–"
    else:
        assert shown_number(text) == pytest.approx(float(value), abs=0.051)


def assert_badge(badge: dict[str, Any] | None, status: str) -> None:
    """The status badge: both labels and the status colour, as the browser computed them."""
    assert badge is not None
    ja, en = STATUS_LABELS[status]
    assert badge["title"] == en
    assert badge["text"] == f"{ja} / {en}"
    assert badge["bg"] == rgb(STATUS_COLOURS[status])
    assert badge["width"] > 20  # laid out, not collapsed


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


def top_indicators(progress: Progress) -> pd.DataFrame:
    t = progress.indicators
    return t[t["level"] == progress.top_level].reset_index(drop=True)


def node_status(progress: Progress) -> dict[str, str]:
    t = progress.nodes
    top = t[t["level"] == progress.top_level].drop_duplicates("node")
    return dict(zip(top["node"], top["status"].astype(str), strict=True))


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return min(a["right"], b["right"]) > max(a["left"], b["left"]) and min(
        a["bottom"], b["bottom"]
    ) > max(a["top"], b["top"])


# ------------------------------------------------------------------------------ the tests


def test_loads_offline_without_errors_or_requests(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, _, path = example
    with opened(chromium, path) as page:
        assert page.problems() == []
        assert page.requests() == [page.url]  # the file itself and nothing else
        read = page.evaluate(READ_PAGE)
    # static by design: no script (the CSP forbids them anyway) and nothing to click or type in
    assert read["scripts"] == 0
    assert read["controls"] == 0


def test_the_checks_above_can_fail(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path], tmp_path: Path
) -> None:
    """A remote image and a script put into the same page: the CSP blocks both and each block
    is a console error; without the CSP the image is requested. So an empty list above means
    the dashboard asked for nothing."""
    _, _, path = example
    page_html = path.read_text(encoding="utf-8")
    intruders = (
        '<img src="https://example.invalid/logo.png" alt="">'
        "<script>document.title = 'scripted'</script></body>"
    )
    tampered = tmp_path / "tampered.html"
    tampered.write_text(page_html.replace("</body>", intruders), encoding="utf-8")
    with opened(chromium, tampered) as page:
        problems = page.problems()
        title = page.evaluate("document.title")
        requests = page.requests()
        page_blocked = page.blocked()
    assert any("example.invalid/logo.png" in p and "Content Security Policy" in p for p in problems)
    assert any("script" in p and "Content Security Policy" in p for p in problems), problems
    assert title != "scripted"
    # the monitor sees the attempt, and the browser blocked it for the CSP
    assert "https://example.invalid/logo.png" in requests
    assert page_blocked == {"https://example.invalid/logo.png": "csp"}

    no_csp = tmp_path / "no_csp.html"
    start = page_html.index('<meta http-equiv="Content-Security-Policy"')
    end = page_html.index(">", start) + 1
    no_csp.write_text(
        (page_html[:start] + page_html[end:]).replace("</body>", intruders), encoding="utf-8"
    )
    with opened(chromium, no_csp) as page:
        assert "https://example.invalid/logo.png" in page.requests()
        # sent, and only the resolver rule kept it off the network
        assert page.blocked() == {"https://example.invalid/logo.png": "net::ERR_NAME_NOT_RESOLVED"}
        assert page.evaluate("document.title") == "scripted"


def test_header_cards_and_indicator_rows_match_progress(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    model, progress, path = example
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    ind = top_indicators(progress)

    assert read["h1"] == model.title
    assert read["title"].startswith(model.title)
    assert f"as of {progress.as_of}" in read["sub"]
    counts = ind["status"].astype(str).value_counts()
    for status, n in counts.items():
        assert f"{STATUS_LABELS[str(status)][0]} {n}" in read["sub"]

    kgis = ind[ind["role"] == "KGI"].reset_index(drop=True)
    assert len(kgis) == 3  # the example has three KGIs
    assert len(read["cards"]) == len(kgis)
    for card, kgi in zip(read["cards"], records(kgis), strict=True):
        assert card["name"] == f"KGI · {kgi['name']}"
        assert_shown(card["value"].split()[0], kgi["actual"])
        assert_badge(card["badge"], str(kgi["status"]))
        assert card["box"]["width"] >= 230  # the card's min-width held in layout

    rows = read["indicators"]
    assert [r["id"] for r in rows] == list(ind["indicator"])
    assert len(rows) == len(model.indicators)
    for row, rec in zip(rows, records(ind), strict=True):
        assert row["name"] == rec["name"]
        assert row["role"] == ("" if pd.isna(rec["role"]) else rec["role"])
        assert_shown(row["actual"], rec["actual"])
        assert_shown(row["target"], rec["target"])
        if pd.isna(rec["achievement"]):
            assert row["achievement"] == "–"
        else:
            assert row["achievement"] == f"{rec['achievement'] * 100:.0f}%"
        assert_badge(row["badge"], str(rec["status"]))
        assert row["bar"] == rgb(STATUS_COLOURS[str(rec["status"])])
    # every indicator of the example has a history: two lines (plan, actual) at most
    assert all(1 <= r["trend"] <= 2 for r in rows)


@pytest.mark.usefixtures("japanese_fonts")  # text widths decide the layout
def test_pathway_has_one_box_per_node_coloured_by_status(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    model, progress, path = example
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    status = node_status(progress)
    nodes = read["nodes"]
    assert [n["title"].split(":")[0] for n in nodes] == [n.id for n in model.nodes]
    assert read["links"] == len(model.links)
    for shown, node in zip(nodes, model.nodes, strict=True):
        st = status.get(node.id, "no_data")
        assert shown["title"].startswith(f"{node.id}: {STATUS_LABELS[st][0]}")
        assert shown["stroke"] == rgb(STATUS_COLOURS[st])
        assert shown["stripe"] == rgb(STATUS_COLOURS[st])
        frame = shown["frame"]
        assert (frame["width"], frame["height"]) == (150, 46)
        # the node's title is drawn inside its box
        assert frame["left"] <= shown["label"]["left"] < shown["label"]["right"] <= frame["right"]
        assert frame["top"] <= shown["label"]["top"] < shown["label"]["bottom"] <= frame["bottom"]
    # boxes do not overlap, and the columns run input → … → impact from left to right
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not overlap(a["frame"], b["frame"]), (a["title"], b["title"])
    lefts: dict[tuple[str, str | None], float] = {}
    for shown, node in zip(nodes, model.nodes, strict=True):
        key = (node.kind, getattr(node, "stage", None) if node.kind == "outcome" else None)
        lefts.setdefault(key, shown["frame"]["left"])
        assert shown["frame"]["left"] == lefts[key]  # one column per kind/stage
    order = [lefts[k] for k in COLUMN_ORDER if k in lefts]
    assert len(order) == len(lefts) == 7
    assert order == sorted(order)
    # wider than the page: it scrolls inside its own box, the page itself does not widen
    assert read["pathwayScroll"]["scrollWidth"] > read["pathwayScroll"]["clientWidth"]
    assert read["page"]["scrollWidth"] <= read["page"]["innerWidth"]


@pytest.mark.parametrize("dashboard", ["example", "long_titles"])
@pytest.mark.usefixtures("japanese_fonts")  # text widths decide the layout
def test_pathway_labels_do_not_run_into_the_percentage(
    chromium: Chromium, dashboard: str, request: pytest.FixtureRequest
) -> None:
    model, _, path = request.getfixturevalue(dashboard)
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        shown = page.evaluate(PATHWAY_TEXTS)
    clashes = [
        n["title"] for n in read["nodes"] if any(overlap(line, n["pct"]) for line in n["lines"])
    ]
    assert clashes == []
    for n in read["nodes"]:  # every line inside the box
        assert all(n["frame"]["left"] < line["right"] <= n["frame"]["right"] for line in n["lines"])
    # at most two lines; a title cut short ends in an ellipsis and the tooltip holds all of it
    assert len(shown) == len(model.nodes)
    cut = []
    for (tooltip, lines), node in zip(shown, model.nodes, strict=True):
        assert 1 <= len(lines) <= 2
        assert tooltip.endswith(node.title)
        drawn = "".join(lines).replace(" ", "")
        if drawn != node.title.replace(" ", ""):
            cut.append(node.id)
            assert drawn.endswith("…"), (node.id, lines)
            assert node.title.replace(" ", "").startswith(drawn[:-1]), (node.id, lines)
    # the example's titles all fit in two lines (user_centric's just); the long ones do not
    assert cut == ([] if dashboard == "example" else [n.id for n in model.nodes])


# the pathway's node texts: the tooltip and the drawn lines of each box
PATHWAY_TEXTS = """
[...document.querySelectorAll('svg[aria-label="logic model"] > g')].map(g => [
  g.querySelector('title').textContent,
  [...g.querySelector(':scope > text').querySelectorAll('tspan')].map(t => t.textContent)])
"""


def test_roadmap_and_findings_match_progress(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, progress, path = example
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    ms = progress.milestones
    assert len(ms) == 5  # the example's roadmap
    assert len(read["milestones"]) == len(ms)
    for shown, rec in zip(read["milestones"], records(ms), strict=True):
        assert shown["title"].startswith(f"{rec['title']}: {rec['due']}")
        assert shown["fill"] == rgb(MILESTONE_COLOURS[str(rec["status"])])

    findings = progress.findings
    assert len(findings) > 0
    assert [(f["code"], f["node"]) for f in read["findings"]] == list(
        zip(findings["code"].astype(str), findings["node"].astype(str), strict=True)
    )
    assert [f["message"] for f in read["findings"]] == list(findings["message"].astype(str))
    # no organisations in the example: no organisation sections
    assert read["behind"] is None
    assert read["children"] is None


@pytest.mark.parametrize("dashboard", ["example", "long_titles"])
@pytest.mark.usefixtures("japanese_fonts")  # text widths decide the layout
def test_roadmap_labels_stay_left_of_the_timeline(
    chromium: Chromium, dashboard: str, request: pytest.FixtureRequest
) -> None:
    model, _, path = request.getfixturevalue(dashboard)
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        # each label: the tooltip (the full label) and the drawn text
        shown = page.evaluate(
            "[...document.querySelectorAll('svg text[x=\"4\"]')].map(t => "
            "[t.querySelector('title').textContent, t.querySelector('tspan').textContent])"
        )
    assert len(read["roadLabels"]) == len(read["milestones"]) == len(shown) == 5
    timeline = min(m["box"]["left"] for m in read["milestones"])
    assert [lab["text"] for lab in read["roadLabels"] if lab["box"]["right"] > timeline] == []
    cut = []
    for (full, drawn), ms in zip(shown, model.milestones, strict=True):
        assert full.startswith(ms.title)
        if drawn != full:
            cut.append(ms.id)
            assert drawn.endswith("…")
            assert full.startswith(drawn[:-1])
    # the example's labels fit (a service level equal to its title is not repeated); every long
    # title is cut
    assert cut == ([] if dashboard == "example" else [m.id for m in model.milestones])
    if dashboard == "example":
        assert (
            dict(zip([m.id for m in model.milestones], [f for f, _ in shown], strict=True))[
                "ms_60s"
            ]
            == "スマートフォンで60秒で手続が完結"
        )


def test_organisations_behind_plan(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, progress, path = with_orgs
    with opened(chromium, path) as page:
        assert page.problems() == []
        assert page.requests() == [page.url]
        read = page.evaluate(READ_PAGE)
    behind = progress.behind_plan(level=progress.levels[-1], n=15)
    assert len(behind) == 15
    assert {str(o) for o in behind["org"]} <= {"131016", "131024", "271004"}
    assert [(r["org"], r["name"]) for r in read["behind"]] == list(
        zip(behind["org"].astype(str), behind["name"].astype(str), strict=True)
    )
    for row, status in zip(read["behind"], behind["status"].astype(str), strict=True):
        assert_badge(row["badge"], status)
    # 大阪市 at 30 % of the pace is the furthest behind
    assert read["behind"][0]["org"] == "271004"

    kids = progress.children[progress.children["level"] == progress.top_level]
    assert len(kids) == len(top_indicators(progress))
    expected = [
        [
            str(r["indicator"]),
            *(str(int(v)) for v in (r["n_children"], r["achieved"], r["on_track"])),
        ]
        for r in records(kids)
    ]
    assert [row[:4] for row in read["children"]] == expected
    # the national rows: one per indicator, org JP
    ind = top_indicators(progress)
    assert [r["id"] for r in read["indicators"]] == list(ind["indicator"])
    for row, rec in zip(read["indicators"], records(ind), strict=True):
        assert_badge(row["badge"], str(rec["status"]))


def test_japanese_is_drawn_with_a_japanese_font(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path], japanese_fonts: set[str]
) -> None:
    families = japanese_fonts
    _, _, path = example
    with opened(chromium, path) as page:
        # the title is Japanese only; without a Japanese font Chromium draws boxes (tofu) in
        # the first Latin font and reports that font here
        used = {f["familyName"] for f in page.fonts("h1")}
        badge = {f["familyName"] for f in page.fonts("td .badge")}
    assert used
    assert used <= families, f"{used} do not cover Japanese; fontconfig: {sorted(families)}"
    assert badge & families


def test_screenshot_is_not_blank(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    from PIL import Image  # a dependency of matplotlib (the viz extra)

    _, progress, path = example
    with opened(chromium, path) as page:
        png = page.screenshot()
        height = page.evaluate("document.documentElement.scrollHeight")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        img = image.convert("RGB")
    assert img.size == (WIDTH, height)
    assert height > HEIGHT  # the whole page, longer than one screen
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 100  # text, lines, badges; a blank page has one colour
    # every status shown on the page has its badge colour painted somewhere
    painted = {rgb_ for _, rgb_ in colours}
    for status in set(top_indicators(progress)["status"].astype(str)):
        hex_colour = STATUS_COLOURS[status]
        pixel = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        assert pixel in painted, status
