"""The offline dashboard (DESIGN §4.6, issue 11) opened in a real headless Chromium.

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
import itertools
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
from logicmodel.model.vocabulary import KIND_EN_ONE, KIND_JA
from logicmodel.report.mermaid import STATUS_COLOURS, STATUS_INK, contrast
from logicmodel.testing import sample_model, sample_observations

WIDTH, HEIGHT = 1400, 900
NARROW = 390  # a phone
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
    "done": "#197a4b",
    "due_soon": "#ffc700",
    "overdue": "#ce0000",
    "upcoming": "#767676",
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

    def __init__(self, browser: Chromium, path: Path, width: int = WIDTH) -> None:
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
            width=width,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=width < 600,
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

    def settle(self) -> None:
        """Wait two animation frames: what a click or key press changed is laid out."""
        self.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
        )

    def click(self, selector: str) -> None:
        """Click the element ``selector`` with the mouse, at its centre, as a reader would."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
            "return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )
        self.settle()

    def key(self, name: str, shift: bool = False) -> None:
        """Press and release one key (``Tab``, ``Enter``, ``Space``)."""
        codes = {"Tab": (9, ""), "Enter": (13, "\r"), "Space": (32, " ")}
        vk, text = codes[name]
        key = " " if name == "Space" else name
        mods = 8 if shift else 0
        self.send(
            "Input.dispatchKeyEvent",
            type="keyDown",
            key=key,
            code=name,
            windowsVirtualKeyCode=vk,
            text=text,
            modifiers=mods,
        )
        self.send(
            "Input.dispatchKeyEvent",
            type="keyUp",
            key=key,
            code=name,
            windowsVirtualKeyCode=vk,
            modifiers=mods,
        )
        self.settle()

    def type_text(self, selector: str, text: str) -> None:
        """Focus ``selector`` and type ``text`` into it (as an input method commits it)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)
        self.settle()

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
def opened(browser: Chromium, path: Path, width: int = WIDTH) -> Iterator[Page]:
    page = Page(browser, path, width)
    try:
        yield page
    finally:
        page.close()


# ------------------------------------------------------------------------------ the dashboards


def example_progress() -> tuple[lm.LogicModel, Progress]:
    """The bundled example as ``logicmodel demo`` evaluates it (national totals only)."""
    model = sample_model()
    return model, lm.evaluate(model, sample_observations())


def paced(codes_paces: list[tuple[str, float]]) -> tuple[lm.LogicModel, Progress]:
    """The example's observations for municipalities at different paces of the national one,
    rolled up to prefectures and the nation."""
    model = sample_model()
    obs = sample_observations()
    value = pd.to_numeric(obs["value"])
    frames = [obs.assign(org=org, value=(value * pace).astype(str)) for org, pace in codes_paces]
    observations = pd.concat(frames, ignore_index=True)
    return model, lm.evaluate(model, observations, hierarchy=lm.Hierarchy.japan())


def orgs_progress() -> tuple[lm.LogicModel, Progress]:
    """Three municipalities: 千代田区 on the national pace, 中央区 at 60 %, 大阪市 at 30 %."""
    return paced([("131016", 1.0), ("131024", 0.6), ("271004", 0.3)])


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


@pytest.fixture(scope="module")
def tokyo(tmp_path_factory: pytest.TempPathFactory) -> tuple[lm.LogicModel, Progress, Path]:
    """東京都's own dashboard (``org=``), from the same evaluation as ``with_orgs``."""
    model, progress = orgs_progress()
    path = tmp_path_factory.mktemp("tokyo") / "dashboard.html"
    lm.dashboard(model, progress, path, org="130001")
    return model, progress, path


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[lm.LogicModel, Progress, Path]:
    """60 municipalities of 北海道 and 東京都 at paces from 20 % to 140 %: more findings than
    one page of the findings table holds."""
    frame = lm.Hierarchy.japan().to_frame()
    munis = frame[(frame["level"] == "municipality") & frame["parent"].isin(["010006", "130001"])]
    codes = list(munis["code"])[:30] + list(munis["code"])[-30:]
    model, progress = paced([(c, 0.2 + (k % 7) * 0.2) for k, c in enumerate(codes)])
    path = tmp_path_factory.mktemp("many") / "dashboard.html"
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
    """The example with every node and milestone title made too long for one line."""
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


# what the page shows, read in the browser after layout
READ_PAGE = """
(() => {
  const badge = (el) => {
    const b = el && el.querySelector('.badge');
    if (!b) return null;
    const s = getComputedStyle(b);
    return {status: b.dataset.status, text: b.textContent, bg: s.backgroundColor, colour: s.color,
            width: b.getBoundingClientRect().width};
  };
  const box = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                       width: r.width, height: r.height});
  const rows = (id) => {
    const t = document.getElementById(id);
    return t ? [...t.tBodies[0].rows] : null;
  };
  const heads = (id) => {
    const t = document.getElementById(id);
    return t ? [...t.tHead.rows[0].cells].map(c => c.textContent) : null;
  };
  const pathway = document.querySelector('svg.pathway');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: document.querySelector('h1').textContent,
    sub: document.getElementById('sub').textContent,
    org: document.getElementById('org-h').dataset.org,
    orgHeading: document.getElementById('org-h').textContent,
    summary: document.getElementById('org-summary').textContent,
    h2: [...document.querySelectorAll('h2')].map(h => h.textContent),
    cards: [...document.querySelectorAll('.cards .card')].map(c => ({
      id: c.dataset.ind, name: c.querySelector('.n').textContent,
      value: c.querySelector('.v').textContent, period: c.querySelector('.period').textContent,
      coverage: c.querySelector('.coverage') ? c.querySelector('.coverage').textContent : null,
      badge: badge(c), box: box(c.getBoundingClientRect())})),
    indicatorHeads: heads('indicators'),
    indicators: rows('indicators').map(r => ({
      id: r.dataset.ind, role: r.cells[0].textContent, name: r.cells[1].textContent,
      period: r.cells[2].textContent, actual: r.cells[3].textContent,
      target: r.cells[5].textContent, achievement: r.cells[8].textContent,
      badge: badge(r.cells[10]), coverage: r.querySelector('td.cov') ? r.querySelector('td.cov').textContent : null,
      bar: r.cells[9].querySelector('i') ? getComputedStyle(r.cells[9].querySelector('i')).backgroundColor : null,
      trend: r.querySelector('td.trend').querySelectorAll('polyline').length})),
    nodes: [...pathway.querySelectorAll('g.node')].map(g => ({
      id: g.dataset.node, status: g.dataset.status, tooltip: g.querySelector('title').textContent,
      stroke: getComputedStyle(g.querySelector('rect.frame')).stroke,
      stripe: getComputedStyle(g.querySelector('rect.stripe')).fill,
      frame: box(g.querySelector('rect.frame').getBoundingClientRect()),
      lines: [...g.querySelectorAll('text.label tspan')].map(t => t.textContent),
      lineBoxes: [...g.querySelectorAll('text.label tspan')].map(t => box(t.getBoundingClientRect())),
      state: g.querySelector('text.state').textContent,
      stateBox: box(g.querySelector('text.state').getBoundingClientRect()),
      pctBox: box(g.querySelector('text.pct').getBoundingClientRect())})),
    links: [...pathway.querySelectorAll('polyline.link')].map(p => ({
      source: p.dataset.source, target: p.dataset.target, marker: p.getAttribute('marker-end'),
      points: [...p.points].map(q => [q.x, q.y])})),
    marker: pathway.querySelector('marker path') ? pathway.querySelector('marker').id : null,
    pathwayHidden: pathway.getAttribute('aria-hidden'),
    pathwayTable: rows('pathway-table').map(r => [...r.cells].map(c => c.textContent)),
    pathwayScroll: {scrollWidth: pathway.parentElement.scrollWidth,
                    clientWidth: pathway.parentElement.clientWidth},
    childrenHeads: heads('children'),
    children: rows('children') ? rows('children').map(r => [...r.cells].map(c => c.textContent)) : null,
    orgs: rows('orgs') ? rows('orgs').map(r => ({code: r.dataset.org, name: r.cells[0].textContent,
                                                 badge: badge(r.cells[4])})) : null,
    tiles: [...document.querySelectorAll('#tiles button')].map(b => ({
      text: b.textContent, bg: getComputedStyle(b).backgroundColor, current: b.getAttribute('aria-current')})),
    milestones: rows('milestones').map(r => [...r.cells].map(c => c.textContent)),
    roadmapDots: [...document.querySelectorAll('svg.roadmap g.ms')].map(g => ({
      id: g.dataset.ms, fill: getComputedStyle(g.querySelector('circle')).fill,
      lines: [...g.querySelectorAll('tspan')].map(t => t.textContent),
      label: box(g.querySelector('text').getBoundingClientRect()),
      dot: box(g.querySelector('circle').getBoundingClientRect())})),
    findingsCount: document.getElementById('findings-count').textContent,
    findings: rows('findings') ? rows('findings').map(r => ({row: Number(r.dataset.row),
      code: r.dataset.code, node: r.cells[1].textContent, org: r.cells[2].textContent,
      message: r.cells[3].textContent})) : [],
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


SYMBOLS = {"achieved": "◎", "on_track": "○", "at_risk": "△", "off_track": "×", "no_data": "－"}


def assert_badge(badge: dict[str, Any] | None, status: str, lang: str = "ja") -> None:
    """The status badge: a shape and a label in the page's language, the status colour."""
    assert badge is not None
    label = STATUS_LABELS[status][0 if lang == "ja" else 1]
    assert badge["status"] == status
    assert badge["text"] == f"{SYMBOLS.get(status, badge['text'][0])} {label}"
    assert badge["bg"] == rgb(STATUS_COLOURS[status])
    assert badge["width"] > 20  # laid out, not collapsed


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


def org_indicators(progress: Progress, org: str | None = None) -> pd.DataFrame:
    t = progress.indicators
    rows = t[t["level"] == progress.top_level] if org is None else t[t["org"] == org]
    return rows.reset_index(drop=True)


def node_status(progress: Progress, org: str | None = None) -> dict[str, str]:
    t = progress.nodes
    rows = t[t["level"] == progress.top_level] if org is None else t[t["org"] == org]
    rows = rows.drop_duplicates("node")
    return dict(zip(rows["node"], rows["status"].astype(str), strict=True))


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return min(a["right"], b["right"]) > max(a["left"], b["left"]) and min(
        a["bottom"], b["bottom"]
    ) > max(a["top"], b["top"])


def assert_cards_show(read: dict[str, Any], progress: Progress, org: str | None) -> None:
    """The KGI cards are ``org``'s KGI rows: value, period and status."""
    ind = org_indicators(progress, org)
    kgis = ind[ind["role"] == "KGI"].reset_index(drop=True)
    assert len(kgis) == 3  # the example has three KGIs
    assert [c["id"] for c in read["cards"]] == list(kgis["indicator"])
    for card, kgi in zip(read["cards"], records(kgis), strict=True):
        assert card["name"] == f"KGI · {kgi['name']}"
        assert_shown(card["value"].split()[0], kgi["actual"])
        assert card["period"] == kgi["period"]
        assert_badge(card["badge"], str(kgi["status"]))


# ------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("dashboard", ["example", "with_orgs", "tokyo"])
def test_loads_offline_without_errors_or_requests(
    chromium: Chromium, dashboard: str, request: pytest.FixtureRequest
) -> None:
    _, _, path = request.getfixturevalue(dashboard)
    with opened(chromium, path) as page:
        assert page.problems() == []
        assert page.requests() == [page.url]  # the file itself and nothing else
        scripts = page.evaluate("[...document.scripts].map(s => s.type || 'classic')")
    # the data block and the one script the page's CSP allows by its hash
    assert scripts == ["application/json", "classic"]


def test_the_checks_above_can_fail(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path], tmp_path: Path
) -> None:
    """A remote image and a script of its own put into the same page: the CSP blocks both and
    each block is a console error; without the CSP the image is requested. So an empty list
    above means the dashboard asked for nothing, and only its own script runs."""
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
        assert page.blocked() == {"https://example.invalid/logo.png": "net::ERR_NAME_NOT_RESOLVED"}
        assert page.evaluate("document.title") == "scripted"


def test_header_cards_and_indicator_rows_match_progress(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    model, progress, path = example
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    ind = org_indicators(progress)

    assert read["lang"] == "ja"
    assert read["h1"] == model.title
    assert read["title"].startswith(model.title)
    assert f"基準日 {progress.as_of}" in read["sub"]
    counts = ind["status"].astype(str).value_counts()
    for status, n in counts.items():
        assert f"{STATUS_LABELS[str(status)][0]} {n}" in read["summary"]
    assert_cards_show(read, progress, None)
    assert all(card["coverage"] is None for card in read["cards"])  # no organisations
    assert all(card["box"]["width"] >= 260 for card in read["cards"])

    # headers in Japanese only: no doubled "目標 target"; no 集計 (coverage) column without
    # organisations, where every cell of it would be blank
    assert read["indicatorHeads"] == [
        "区分", "指標", "時点", "実績", "基準", "目標", "目標年度", "単位", "達成率", "進捗",
        "状況", "推移",
    ]  # fmt: skip
    assert all(row["coverage"] is None for row in read["indicators"])
    rows = read["indicators"]
    assert [r["id"] for r in rows] == list(ind["indicator"])
    assert len(rows) == len(model.indicators)
    for row, rec in zip(rows, records(ind), strict=True):
        assert row["name"] == rec["name"]
        assert row["role"] == ("" if pd.isna(rec["role"]) else rec["role"])
        assert row["period"] == rec["period"]
        assert_shown(row["actual"], rec["actual"])
        assert_shown(row["target"], rec["target"])
        if pd.isna(rec["achievement"]):
            assert row["achievement"] == "–"
        else:
            assert row["achievement"] == f"{round(rec['achievement'] * 100)}%"
        assert_badge(row["badge"], str(rec["status"]))
        assert row["bar"] == rgb(STATUS_COLOURS[str(rec["status"])])
    # every indicator of the example has a history: two lines (plan, actual) at most
    assert all(1 <= r["trend"] <= 2 for r in rows)


def segments_cross_box(points: list[list[float]], frame: dict[str, float]) -> bool:
    """Whether an orthogonal polyline runs through the inside of a box (edges excluded)."""
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        if (
            hi_x > frame["left"] + 0.5
            and lo_x < frame["right"] - 0.5
            and hi_y > frame["top"] + 0.5
            and lo_y < frame["bottom"] - 0.5
        ):
            return True
    return False


@pytest.mark.parametrize("dashboard", ["example", "long_titles"])
@pytest.mark.usefixtures("japanese_fonts")  # text widths decide the layout
def test_pathway_boxes_full_labels_and_arrows(
    chromium: Chromium, dashboard: str, request: pytest.FixtureRequest
) -> None:
    model, progress, path = request.getfixturevalue(dashboard)
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        offset = page.evaluate(
            "(() => { const r = document.querySelector('svg.pathway').getBoundingClientRect();"
            " return [r.left, r.top]; })()"
        )
    status = node_status(progress)
    nodes = read["nodes"]
    assert [n["id"] for n in nodes] == [n.id for n in model.nodes]
    for shown, node in zip(nodes, model.nodes, strict=True):
        st = status.get(node.id, "no_data")
        assert shown["status"] == st
        assert shown["stroke"] == rgb(STATUS_COLOURS[st])
        assert shown["stripe"] == rgb(STATUS_COLOURS[st])
        # the status in text and shape, not colour alone
        assert shown["state"] == f"{SYMBOLS[st]} {STATUS_LABELS[st][0]}"
        # the full title, wrapped, never cut
        assert "".join(shown["lines"]).replace(" ", "") == node.title.replace(" ", "")
        assert not any(line.endswith("…") for line in shown["lines"]) or node.title.endswith("…")
        frame = shown["frame"]
        for line in [*shown["lineBoxes"], shown["stateBox"], shown["pctBox"]]:
            assert frame["left"] < line["left"] < line["right"] <= frame["right"], node.id
            assert frame["top"] <= line["top"] < line["bottom"] <= frame["bottom"], node.id
        assert not any(overlap(line, shown["pctBox"]) for line in shown["lineBoxes"])
        assert not overlap(shown["stateBox"], shown["pctBox"])
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            assert not overlap(a["frame"], b["frame"]), (a["id"], b["id"])
    # columns run input → … → impact from left to right
    lefts: dict[tuple[str, str | None], float] = {}
    for shown, node in zip(nodes, model.nodes, strict=True):
        key = (node.kind, getattr(node, "stage", None) if node.kind == "outcome" else None)
        lefts.setdefault(key, shown["frame"]["left"])
        assert shown["frame"]["left"] == lefts[key]
    order = [lefts[k] for k in COLUMN_ORDER if k in lefts]
    assert len(order) == len(lefts) == 7
    assert order == sorted(order)

    # links: one per model link, each with an arrowhead, ending on its target's left edge and
    # never running behind a box
    assert read["marker"] == "arrow"
    assert [(lk["source"], lk["target"]) for lk in read["links"]] == [
        (lk.source, lk.target) for lk in model.links
    ]
    frames = {n["id"]: n["frame"] for n in nodes}
    for link in read["links"]:
        assert link["marker"] == "url(#arrow)"
        points = [[x + offset[0], y + offset[1]] for x, y in link["points"]]
        target, source = frames[link["target"]], frames[link["source"]]
        assert points[-1][0] == pytest.approx(target["left"], abs=1.5)
        assert target["top"] < points[-1][1] < target["bottom"]
        assert points[0][0] == pytest.approx(source["right"], abs=1.5)
        assert points[-2][0] < points[-1][0]  # it arrives from the left: the arrow points in
        crossed = [n for n, f in frames.items() if segments_cross_box(points, f)]
        assert crossed == [], (link["source"], link["target"], crossed)

    # wider than the page: it scrolls inside its own box, the page itself does not widen
    assert read["pathwayScroll"]["scrollWidth"] > read["pathwayScroll"]["clientWidth"]
    assert read["page"]["scrollWidth"] <= read["page"]["innerWidth"]


def test_pathway_is_readable_without_the_picture(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    """The drawing is hidden from screen readers; a table says every node and its status."""
    model, progress, path = example
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        # what the accessibility tree exposes of the table (role and name of each cell)
        tree = page.send("Accessibility.getFullAXTree")["nodes"]
    assert read["pathwayHidden"] == "true"
    status = node_status(progress)
    assert [r[0] for r in read["pathwayTable"]] == [n.title for n in model.nodes]
    for row, node in zip(read["pathwayTable"], model.nodes, strict=True):
        st = status.get(node.id, "no_data")
        assert row[2] == f"{SYMBOLS[st]} {STATUS_LABELS[st][0]}"
        assert row[1] == KIND_JA[node.kind]  # the kind's name from model/vocabulary.py
    names = {str(n.get("name", {}).get("value", "")) for n in tree}
    assert all(node.title in names for node in model.nodes)
    assert "logic model" not in names  # no English label on a Japanese page


def test_drill_down_from_the_nation_to_a_municipality(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    model, progress, path = with_orgs
    with opened(chromium, path) as page:
        nation = page.evaluate(READ_PAGE)
        page.click("#tiles li:nth-child(13) button")  # 東京都, the 13th prefecture
        tokyo = page.evaluate(READ_PAGE)
        page.click('#orgs tr[data-org="131016"] button')
        chiyoda = page.evaluate(READ_PAGE)
        crumbs = page.evaluate(
            "[...document.querySelectorAll('#crumbs li')].map(l => l.textContent)"
        )
        page.click("#crumbs button")  # back to the nation
        back = page.evaluate(READ_PAGE)
        assert page.problems() == []
    # the nation: 47 tiles, 東京都 and 大阪府 coloured by the status of their first KGI
    assert nation["org"] == "JP"
    assert len(nation["tiles"]) == 47
    assert_cards_show(nation, progress, None)
    kgi = org_indicators(progress)
    kgi = kgi[kgi["role"] == "KGI"].iloc[0]
    pref = progress.indicators
    for code, name in (("130001", "東京都"), ("270008", "大阪府")):
        st = str(
            pref[(pref["org"] == code) & (pref["indicator"] == kgi["indicator"])]["status"].iloc[0]
        )
        tile = next(t for t in nation["tiles"] if t["text"].startswith(name))
        assert tile["bg"] == rgb(STATUS_COLOURS[st])
        assert STATUS_LABELS[st][0] in tile["text"]  # the status in words, not colour alone
    # coverage: how many municipalities reported, of all 1,741
    assert nation["cards"][0]["coverage"] == "3/1,741団体"

    assert tokyo["org"] == "130001"
    assert tokyo["orgHeading"].startswith("東京都")
    assert_cards_show(tokyo, progress, "130001")
    assert tokyo["cards"][0]["coverage"] == "2/62団体"
    assert "集計" in tokyo["indicatorHeads"]  # the table says it too, row by row
    assert tokyo["indicators"][0]["coverage"] == "2/62団体"
    assert [o["code"] for o in tokyo["orgs"]] == ["131016", "131024"]
    assert [o["name"] for o in tokyo["orgs"]] == ["千代田区", "中央区"]
    assert [t["text"].startswith("東京都") for t in tokyo["tiles"] if t["current"] == "true"] == [
        True
    ]

    assert chiyoda["org"] == "131016"
    assert chiyoda["orgHeading"].startswith("千代田区")
    assert_cards_show(chiyoda, progress, "131016")
    assert crumbs == ["全国", "東京都", "千代田区"]
    status = node_status(progress, "131016")
    assert [n["status"] for n in chiyoda["nodes"]] == [
        status.get(n.id, "no_data") for n in model.nodes
    ]
    ind = org_indicators(progress, "131016")
    assert [r["id"] for r in chiyoda["indicators"]] == list(ind["indicator"])
    for row, rec in zip(chiyoda["indicators"], records(ind), strict=True):
        assert_shown(row["actual"], rec["actual"])
        assert_badge(row["badge"], str(rec["status"]))
    # a municipality's own figures are no totals: no coverage column
    assert "集計" not in chiyoda["indicatorHeads"]
    assert all(row["coverage"] is None for row in chiyoda["indicators"])
    # the numbers did change: 千代田区 is not the nation
    assert [c["value"] for c in chiyoda["cards"]] != [c["value"] for c in nation["cards"]]
    assert back["org"] == "JP"


@pytest.mark.parametrize(
    ("query", "name"), [("ちよだ", "千代田区"), ("チュウオウク", "中央区"), ("大阪", "大阪市")]
)
def test_search_by_name_or_kana(
    chromium: Chromium,
    with_orgs: tuple[lm.LogicModel, Progress, Path],
    query: str,
    name: str,
) -> None:
    _, progress, path = with_orgs
    with opened(chromium, path) as page:
        page.type_text("#q", query)
        hits = page.evaluate(
            "[...document.querySelectorAll('#results button')].map(b => b.textContent)"
        )
        assert any(h.endswith(name) for h in hits), hits
        index = page.evaluate(
            f"[...document.querySelectorAll('#results button')].findIndex(b => b.textContent.endsWith('{name}'))"
        )
        page.click(f"#results li:nth-child({index + 1}) button")
        read = page.evaluate(READ_PAGE)
    assert read["orgHeading"].startswith(name)
    code = {"千代田区": "131016", "中央区": "131024", "大阪市": "271004"}[name]
    assert read["org"] == code
    assert_cards_show(read, progress, code)


def test_findings_are_all_reachable_most_important_first(
    chromium: Chromium, many: tuple[lm.LogicModel, Progress, Path]
) -> None:
    model, progress, path = many
    findings = progress.findings
    assert len(findings) > 100  # more than two pages
    seen: list[dict[str, Any]] = []
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        count = read["findingsCount"]
        groups = page.evaluate(
            "[...document.querySelectorAll('#findings-groups tbody tr')].map(r => "
            "[...r.cells].map(c => c.textContent))"
        )
        seen += read["findings"]
        while page.evaluate(
            "!!document.querySelector('#findings-box [data-to]:last-child:not([disabled])')"
        ):
            page.click("#findings-box .pager button:last-child")
            seen += page.evaluate(READ_PAGE)["findings"]
        # a filter by kind: only that kind, all of it
        page.evaluate(
            "(() => { const s = document.getElementById('fcode'); "
            "s.value = [...s.options].find(o => o.text === 'ボトルネック').value; "
            "s.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )
        page.settle()
        filtered = page.evaluate(READ_PAGE)
    assert count.startswith(f"所見 {len(findings):,}件")
    assert sum(int(r[-1].replace(",", "")) for r in groups) == len(findings)
    assert sorted(f["row"] for f in seen) == list(range(len(findings)))
    # labels and names, not ids
    titles = {n.title for n in model.nodes} | {m.title for m in model.milestones}
    assert {f["node"] for f in seen} <= titles
    assert not any(f["org"].isdigit() for f in seen)
    ids = [n.id for n in model.nodes if n.id not in n.title]
    assert not any(f"「{i}」" in f["message"] for f in seen for i in ids)
    # national before local; bottlenecks and overdue milestones before link warnings
    first = seen[: len(findings)]
    first.sort(key=lambda f: f["row"])
    national = [k for k, f in enumerate(first) if f["org"] == "全国"]
    assert national == list(range(len(national)))
    kinds = [f["code"] for f in first[: len(national)]]
    rank = {"bottleneck": 0, "milestone_overdue": 1, "broken_link": 2, "unmeasured": 3, "stale": 4}
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)
    n_bottleneck = int((findings["code"].astype(str) == "bottleneck").sum())
    assert {f["code"] for f in filtered["findings"]} == {"bottleneck"}
    assert filtered["findings"]
    assert len(filtered["findings"]) == min(n_bottleneck, 50)


def test_children_rows_add_up_with_translated_headers(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, progress, path = with_orgs
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    kids = progress.children[progress.children["level"] == progress.top_level]
    assert read["childrenHeads"][:2] == ["指標", "団体数"]
    assert read["childrenHeads"][2:] == [
        STATUS_LABELS[c][0] for c in STATUS_LABELS if c in kids.columns
    ]
    assert "目標なし" in read["childrenHeads"]
    assert len(read["children"]) == len(kids)
    for row in read["children"]:
        numbers = [int(v.replace(",", "")) for v in row[1:]]
        assert numbers[0] == sum(numbers[1:])  # every organisation counted once


def download_dir(page: Page, tmp_path: Path) -> Path:
    page.browser.send(
        "Browser.setDownloadBehavior",
        behavior="allow",
        downloadPath=str(tmp_path),
        eventsEnabled=True,
    )
    return tmp_path


def wait_download(page: Page) -> str:
    """The file name of the next completed download (browser-level DevTools events)."""
    browser = page.browser
    while True:
        done = [
            e for e in browser.events
            if e.get("method") == "Browser.downloadProgress" and e["params"]["state"] == "completed"
        ]  # fmt: skip
        if done:
            guid = done[0]["params"]["guid"]
            browser.events.remove(done[0])
            begin = [
                e for e in browser.events
                if e.get("method") == "Browser.downloadWillBegin" and e["params"]["guid"] == guid
            ]  # fmt: skip
            return str(begin[0]["params"]["suggestedFilename"])
        browser.events.append(browser._message())


def test_csv_download_of_the_shown_table(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path], tmp_path: Path
) -> None:
    _, progress, path = with_orgs
    with opened(chromium, path) as page:
        folder = download_dir(page, tmp_path)
        page.click("#tiles li:nth-child(13) button")  # 東京都
        page.click('button[data-csv="indicators"]')
        name = wait_download(page)
        requests = page.requests()
    assert name == "130001_indicators.csv"
    raw = (folder / name).read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    ind = org_indicators(progress, "130001")
    assert list(table.columns[:4]) == ["区分", "指標", "時点", "実績"]
    assert list(table["指標"]) == list(ind["name"])
    assert [float(v) if v else float("nan") for v in table["実績"]] == pytest.approx(
        list(ind["actual"].round(4)), nan_ok=True
    )
    assert all(r.startswith("file://") for r in requests)  # a blob made in the page, no network


def test_language_toggle_and_wareki(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, progress, path = with_orgs
    with opened(chromium, path) as page:
        before = page.evaluate(READ_PAGE)
        page.click("#lang")
        english = page.evaluate(READ_PAGE)
        # Japanese names in the English page are marked as Japanese (WCAG 3.1.2)
        marked = page.evaluate(
            "[...document.querySelectorAll('#orgs tbody td:first-child')]"
            ".every(td => td.querySelector('[lang=ja]'))"
        )
        button = page.evaluate(
            "[document.getElementById('lang').textContent, document.activeElement.id]"
        )
        page.click("#lang")
        again = page.evaluate(READ_PAGE)
        page.click("#wareki")
        wareki = page.evaluate(READ_PAGE)
    assert before["lang"] == "ja"
    assert english["lang"] == "en"
    assert marked
    assert english["h2"][1:4] == ["Key goal indicators (KGI)", "Effect pathway", "Indicators"]
    assert english["indicatorHeads"][:4] == ["Role", "Indicator", "Period", "Actual"]
    kinds = {n.title: n.kind for n in progress.model.nodes}
    assert [r[1] for r in english["pathwayTable"]] == [
        KIND_EN_ONE[kinds[r[0]]] for r in english["pathwayTable"]
    ]
    assert english["cards"][0]["coverage"] == "3 of 1,741 orgs"
    ind = org_indicators(progress)
    for row, rec in zip(english["indicators"], records(ind), strict=True):
        assert_badge(row["badge"], str(rec["status"]), lang="en")
    # one language at a time: no Japanese heading left in the English page, and back
    assert not any("指標" in h for h in english["h2"])
    assert button == ["日本語", "lang"]  # focus stays on the toggle
    assert again["h2"] == before["h2"]
    assert "基準日 令和9年3月31日" in wareki["sub"]
    assert wareki["cards"][0]["period"] == "令和9年3月"
    assert wareki["cards"][1]["period"] == "令和8年度"


@pytest.mark.parametrize("dashboard", ["example", "long_titles"])
@pytest.mark.usefixtures("japanese_fonts")
def test_roadmap_shows_every_milestone_in_full(
    chromium: Chromium, dashboard: str, request: pytest.FixtureRequest
) -> None:
    _model, progress, path = request.getfixturevalue(dashboard)
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    ms = progress.milestones
    assert len(read["roadmapDots"]) == len(ms) == 5
    timeline = min(d["dot"]["left"] for d in read["roadmapDots"])
    for dot, rec in zip(read["roadmapDots"], records(ms), strict=True):
        assert dot["id"] == rec["milestone"]
        assert dot["fill"] == rgb(MILESTONE_COLOURS[str(rec["status"])])
        assert "".join(dot["lines"]).replace(" ", "").startswith(str(rec["title"]).replace(" ", ""))
        assert dot["label"]["right"] < timeline  # labels stay left of the timeline
    assert [
        r[0].startswith(str(t)) for r, t in zip(read["milestones"], ms["title"], strict=True)
    ] == [True] * 5
    assert [r[1] for r in read["milestones"]] == [str(d) for d in ms["due"]]


def test_per_org_dashboard(chromium: Chromium, tokyo: tuple[lm.LogicModel, Progress, Path]) -> None:
    model, progress, path = tokyo
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
        crumbs = page.evaluate(
            "[...document.querySelectorAll('#crumbs li')].map(l => l.textContent)"
        )
        search = page.evaluate("!!document.getElementById('q')")
    assert read["org"] == "130001"
    assert crumbs == ["東京都"]
    assert search  # its municipalities can be searched
    assert_cards_show(read, progress, "130001")
    assert [o["code"] for o in read["orgs"]] == ["131016", "131024"]
    f = progress.findings
    own = f[f["org"].isin(["130001", "131016", "131024"]) | f["org"].isna()]
    assert read["findingsCount"].startswith(f"所見 {len(own):,}件")
    assert read["tiles"] == []  # no other prefectures in 東京都's own file
    with pytest.raises(lm.LogicModelError, match="999999"):
        lm.dashboard(model, progress, org="999999")


def test_keyboard_alone_reaches_and_opens_an_organisation(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, _, path = with_orgs
    with opened(chromium, path) as page:
        order = []
        for _ in range(60):
            page.key("Tab")
            order.append(
                page.evaluate(
                    "(() => { const e = document.activeElement; return e.id || e.textContent.trim(); })()"
                )
            )
            if order[-1].startswith("東京都"):
                break
        visible = page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'")
        page.key("Enter")
        read = page.evaluate(READ_PAGE)
        focused = page.evaluate("document.activeElement.id")
    assert order[0] == "本文へ移動"  # the skip link first
    assert order.index("lang") < order.index("wareki") < order.index("q")
    assert order[-1].startswith("東京都")
    assert visible  # the focus can be seen
    assert read["org"] == "130001"
    assert focused == "org-h"  # the reader lands on the new organisation's heading


AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core, installed by ``npm ci --prefix tests/browser`` (``.ci/run`` does it)."""
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("CI has no axe-core: .ci/run runs npm ci --prefix tests/browser")
        pytest.skip("axe-core missing: npm ci --prefix tests/browser")
    return AXE.read_text(encoding="utf-8")


RUN_AXE = """
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                   resultTypes: ['violations', 'incomplete']})
  .then(r => ({
    violations: r.violations.map(v => ({id: v.id, impact: v.impact,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)})),
    incomplete: r.incomplete.filter(v => v.id === 'color-contrast').map(v => ({id: v.id,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' +
        (n.any[0] && n.any[0].message))})),
    passes: r.passes.length}))
"""


@pytest.mark.parametrize("width", [WIDTH, NARROW])
@pytest.mark.parametrize("dashboard", ["example", "with_orgs", "tokyo"])
@pytest.mark.usefixtures("japanese_fonts")
def test_wcag_2_1_aa_with_axe_core(
    chromium: Chromium,
    axe_source: str,
    dashboard: str,
    width: int,
    request: pytest.FixtureRequest,
) -> None:
    """Zero axe-core violations (WCAG 2.1 A and AA rules), no contrast check left undecided."""
    _, _, path = request.getfixturevalue(dashboard)
    with opened(chromium, path, width) as page:
        page.evaluate(axe_source + ";true")  # DevTools evaluation is not bound by the page's CSP
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true); true")
        page.settle()
        result = page.evaluate(RUN_AXE)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    assert result["passes"] > 10  # axe ran its rules
    assert result["violations"] == []
    assert result["incomplete"] == []
    assert overflow  # the page itself never scrolls sideways; wide parts scroll in their box


def test_print_stylesheet_hides_the_controls(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    _, _, path = with_orgs
    with opened(chromium, path) as page:
        page.send("Emulation.setEmulatedMedia", media="print")
        page.settle()
        shown = page.evaluate(
            "['nav', '.tools', '.tablebar button'].map(s => "
            "getComputedStyle(document.querySelector(s)).display)"
        )
        alt = page.evaluate("getComputedStyle(document.querySelector('details.alt')).display")
    assert shown == ["none", "none", "none"]
    assert alt == "block"


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


@pytest.mark.parametrize("width", [WIDTH, NARROW])
def test_screenshot_is_not_blank(
    chromium: Chromium,
    with_orgs: tuple[lm.LogicModel, Progress, Path],
    width: int,
) -> None:
    from PIL import Image  # a dependency of matplotlib (the viz extra)

    _, progress, path = with_orgs
    with opened(chromium, path, width) as page:
        png = page.screenshot()
        height = page.evaluate("document.documentElement.scrollHeight")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        img = image.convert("RGB")
    assert img.size == (width, height)
    assert height > HEIGHT
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 100
    painted = {rgb_ for _, rgb_ in colours}
    for status in set(org_indicators(progress)["status"].astype(str)):
        hex_colour = STATUS_COLOURS[status]
        pixel = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        assert pixel in painted, status


def test_text_in_the_drawings_has_enough_contrast(
    chromium: Chromium, with_orgs: tuple[lm.LogicModel, Progress, Path]
) -> None:
    """axe-core cannot tell the background behind SVG text, so the drawings are inert (their
    content is in the tables next to them) and their text is checked here: every text of the
    pathway and the roadmap is drawn on white, at 4.5:1 or more."""
    _, _, path = with_orgs
    with opened(chromium, path) as page:
        fills = page.evaluate(
            "[...document.querySelectorAll('.picture svg text')].map(t => getComputedStyle(t).fill)"
        )
        backgrounds = page.evaluate(
            "[...document.querySelectorAll('.picture svg rect.frame')].map(r => r.getAttribute('fill'))"
            ".concat([getComputedStyle(document.querySelector('.picture')).backgroundColor])"
        )
    assert len(fills) > 40
    assert set(backgrounds) <= {"#ffffff", "rgba(0, 0, 0, 0)"}  # white boxes on the white page

    def hex_of(css: str) -> str:
        r, g, b = (int(v) for v in css[css.index("(") + 1 : -1].split(",")[:3])
        return f"#{r:02x}{g:02x}{b:02x}"

    low = {f for f in fills if contrast(hex_of(f), "#ffffff") < 4.5}
    assert low == set()


def test_status_text_colours_are_readable_on_their_fills() -> None:
    """The text colour of each status fill (dashboard badges, tiles, Mermaid, DOT, plots)."""
    for status, fill in STATUS_COLOURS.items():
        assert contrast(fill, STATUS_INK[status]) >= 4.5, status
    assert set(STATUS_COLOURS) >= set(STATUS_LABELS)


def test_link_evidence_is_shown_on_the_link_and_in_the_table(
    chromium: Chromium, tmp_path: Path
) -> None:
    model = sample_model()
    first = model.links[0].model_copy(update={"evidence": "先行30団体の比較（2024年）"})
    model = model.model_copy(update={"links": [first, *model.links[1:]]})
    path = tmp_path / "evidence.html"
    lm.dashboard(model, lm.evaluate(model, sample_observations()), path)
    with opened(chromium, path) as page:
        table = page.evaluate(
            "[...document.getElementById('links-table').tBodies[0].rows].map(r => r.cells[3].textContent)"
        )
        title = page.evaluate("document.querySelector('polyline.link title').textContent")
    assert table == ["先行30団体の比較（2024年）"] + [""] * (len(model.links) - 1)
    assert title.endswith("効果検証: 先行30団体の比較（2024年）")


def test_names_stay_readable_on_a_phone(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path]
) -> None:
    """At 390 px the indicator and pathway tables scroll sideways instead of squeezing the name
    column to two characters a line (before: 「支援が必要な人が一度の来庁で手続を終えた割合」 took
    ten lines)."""
    _, _, path = example
    with opened(chromium, path, NARROW) as page:
        widths = page.evaluate(
            """[...document.querySelectorAll('#indicators td:nth-child(2),'
                + ' #pathway-table td:first-child')].map(td => td.getBoundingClientRect().width)"""
        )
        fits = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    assert len(widths) > 20
    assert min(widths) >= 9 * 14  # 9em of 14 px text
    assert fits  # the tables scroll in their boxes, the page does not


def test_a_kgi_without_data_shows_a_dash_without_its_unit(
    chromium: Chromium, tmp_path: Path
) -> None:
    """Before: 「– %」 on the card of a KGI nobody has reported yet."""
    model = sample_model()
    obs = sample_observations()
    progress = lm.evaluate(model, obs[obs["indicator"] != "benefit_share"])
    path = tmp_path / "d.html"
    lm.dashboard(model, progress, path)
    with opened(chromium, path) as page:
        read = page.evaluate(READ_PAGE)
    values = {c["id"]: c["value"] for c in read["cards"]}
    assert values["benefit_share"] == "–"
    assert values["wait_min"].endswith("分")  # a value keeps its unit
    card = next(c for c in read["cards"] if c["id"] == "benefit_share")
    assert card["period"] == "–"
    assert_badge(card["badge"], "no_data")


def test_a_pathway_wider_than_the_page_says_it_continues(
    chromium: Chromium, example: tuple[lm.LogicModel, Progress, Path], tmp_path: Path
) -> None:
    """The example's pathway (seven columns) is wider than the page even at 1,400 px: its
    outcomes and impact are out of sight, so a line says the drawing continues to the right."""
    hint = "document.getElementById('path-more')"
    read = f"[{hint}.hidden, {hint}.textContent]"
    _, _, path = example
    with opened(chromium, path) as page:
        shown = page.evaluate(read)
        page.click("#lang")
        english = page.evaluate(read)
    assert shown == [False, "図は右へ続きます（横にスクロールできます）"]
    assert english == [False, "The diagram continues to the right (scroll sideways)"]

    small = lm.LogicModel(
        id="small",
        title="小さな経路",
        nodes=[lm.Activity(id="a", label="支援"), lm.Outcome(id="o", label="成果")],
        links=[lm.Link(source="a", target="o")],
        indicators=[lm.KPI(id="k", measures="o", unit="件", targets={"FY2025": 10})],
    )
    obs = pd.DataFrame({"indicator": ["k"], "period": ["FY2024"], "value": [5.0]})
    fits = tmp_path / "small.html"
    lm.dashboard(small, lm.evaluate(small, obs), fits)
    with opened(chromium, fits) as page:
        assert page.evaluate(read)[0] is True  # it fits: nothing to say
