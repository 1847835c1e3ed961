"""The web app in a real browser on a workspace of 1 million events: how long each page takes,
from the start of the navigation to its answer drawn, once the server is warm.

    .venv/bin/python benchmarks/bench_web.py              # 5 timed loads of every page
    .venv/bin/python benchmarks/bench_web.py --runs 9 --no-markdown

What it does:

1. The workspace ``benchmarks/.data/workspaces/web_1M`` (made once): ``recorrido init``,
   ``recorrido ingest benchmarks/.data/journeys_1M_past.parquet`` (the generated journeys moved
   back so that none is in the future, as ``bench_cli.py`` makes them) and the map
   ``benchmarks/maps/bench-6-stages.yaml`` copied in. ``recorrido users add`` makes a viewer.
2. ``recorrido serve`` on a free loopback port, in a process of its own (the command a team runs).
3. Debian's Chromium driven by Playwright (the launch of ``tests/test_web_browser.py``) logs in,
   loads every page once (the *first* load, reported apart: it measures and fills the caches),
   then ``--runs`` times each, one page after the other.

**What is timed** is the browser's own clock (``performance.now()``): for a page, from the start
of its navigation to the moment its result element is in the page *and* every Plotly figure on it
is drawn (``.main-svg`` inside each ``[data-figure]``) — not DOMContentLoaded. For the parts that
htmx loads on a click (a stage's or a touchpoint's panel on the map, the funnel's drop-offs) it is
from the click to the fragment drawn. *server s* is the navigation's time to the first byte
(``responseStart``), nearly all of it the server's work on loopback.

A page the app does not have answers 404: it is reported as missing, not timed.
The figures are checked lightly before they count (the funnel's first step has customers, the map
has its six stages, every other exploration's first figure is above 0 ...): a fast page that shows
nothing would be no result.

Peak memory is the server process's ``VmHWM`` (``/proc/PID/status``, peak resident set since it
started) read just before it is stopped, with its child processes' if it has any.

Results: ``benchmarks/results/web.json`` (every load), ``benchmarks/results/web.md`` (the table)
and the section "Web app" of ``benchmarks/RESULTS.md`` (replaced on each run; ``--no-markdown``
leaves RESULTS.md alone). Run it alone on the machine (``flock /work/notes/bench.lock ...`` on the
shared one): the load average is written beside the figures because on two cores it moves them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

RECORRIDO = ROOT / ".venv" / "bin" / "recorrido"
MAP = HERE / "maps" / "bench-6-stages.yaml"
WORKSPACES = HERE / ".data" / "workspaces"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: The launch of tests/test_web_browser.py.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER, PASSWORD = "bench", "bench-web-password-1"
TARGET_S = 1.0

#: In the page: is the result there and every Plotly figure drawn? Returns the time or false.
DONE = """([selector, since]) => {
  const found = document.querySelector(selector);
  if (!found) return false;
  const plots = document.querySelectorAll('[data-figure], [data-figure-json]');
  for (const p of plots) { if (!p.querySelector('.main-svg')) return false; }
  return performance.now() - since;
}"""


def pages(map_file: str) -> list[dict]:
    """What is loaded: a label, the address, the element that is the answer, and for the parts
    htmx loads, the button clicked on the page at ``url``."""
    m = {"map": map_file}
    funnel = {
        **m,
        "level": "stage",
        "steps": "discover,explore,cart,checkout,purchase",
        "window": "30d",
        "kind": "ordered",
    }
    explore = "/explore/"
    return [
        {"page": "home", "url": "/", "wait": "#kpi-events"},
        {"page": "map view", "url": f"/maps/{map_file}", "wait": ".map-section .stage-open"},
        {
            "page": "map: stage panel",
            "url": f"/maps/{map_file}",
            "click": ".stage-open >> nth=3",
            "wait": "#panel #panel-customers",
        },
        {
            "page": "map: touchpoint panel",
            "url": f"/maps/{map_file}",
            "click": ".tp-open >> nth=5",
            "wait": "#panel h2",
        },
        {
            "page": "funnel (map stages)",
            "url": f"{explore}funnel?{urlencode(funnel)}",
            "wait": "#funnel-result [data-step-customers]",
        },
        {
            "page": "funnel (events)",
            "url": explore
            + "funnel?"
            + urlencode(
                {"steps": "product_view,add_to_cart,begin_checkout,purchase", "window": "7d"}
            ),
            "wait": "#funnel-result [data-step-customers]",
        },
        {
            "page": "funnel: drop-offs",
            "url": f"{explore}funnel?{urlencode(funnel)}",
            "click": "#funnel-result button.drill >> nth=1",
            "wait": "#dropped #dropped-customers",
        },
        {
            "page": "paths (touchpoints)",
            "url": explore
            + "paths?"
            + urlencode({**m, "level": "touchpoint", "start_at": "landing", "steps": 4}),
            "wait": "#pairs-table td",
        },
        # The same questions asked anew on each load (a window or a filter not asked before),
        # so that no kept answer serves them: what a new question costs on a warm server.
        {
            "page": "map view, new filter",
            "url": lambda r: f"/maps/{map_file}?date_from=2000-01-{r + 1:02d}",
            "wait": ".map-section .stage-open",
        },
        {
            "page": "funnel (map stages), new",
            "url": lambda r: f"{explore}funnel?{urlencode({**funnel, 'window': f'{40 + r}d'})}",
            "wait": "#funnel-result [data-step-customers]",
        },
        {
            "page": "funnel (events), new",
            "url": lambda r: (
                explore
                + "funnel?"
                + urlencode(
                    {
                        "steps": "product_view,add_to_cart,begin_checkout,purchase",
                        "window": f"{10 + r}d",
                    }
                )
            ),
            "wait": "#funnel-result [data-step-customers]",
        },
        {
            "page": "funnel: drop-offs, new",
            "url": lambda r: f"{explore}funnel?{urlencode({**funnel, 'window': f'{40 + r}d'})}",
            "click": "#funnel-result button.drill >> nth=1",
            "wait": "#dropped #dropped-customers",
        },
        {
            "page": "paths (touchpoints), new",
            "url": lambda r: (
                explore
                + "paths?"
                + urlencode(
                    {
                        **m,
                        "level": "touchpoint",
                        "start_at": "landing",
                        "steps": 4,
                        "variants": 20 + r,
                    }
                )
            ),
            "wait": "#pairs-table td",
        },
        # The other explorations (web/explore_behaviour.py, explore_attribution.py,
        # explore_insights.py): each answer's first figure is the element waited for.
        {
            "page": "sessions",
            "url": explore + "sessions?" + urlencode({"gap": "30m"}),
            "wait": "#sessions-result #kpi-sessions",
        },
        {
            "page": "retention",
            "url": explore + "retention?" + urlencode({"period": "week"}),
            "wait": "#retention-result #kpi-in-cohorts",
        },
        {
            "page": "attribution",
            # The page's defaults with the map chosen (every model): what the server warms.
            "url": explore + "attribution?" + urlencode(m),
            "wait": "#attribution-result #kpi-conversions",
        },
        {
            "page": "friction",
            "url": explore + "friction?" + urlencode(m),
            "wait": "#friction-result #kpi-customers",
        },
        {
            "page": "moments",
            "url": explore + "moments?" + urlencode(m),
            "wait": "#moments-result #kpi-customers",
        },
        {
            "page": "conformance",
            "url": explore + "conformance?" + urlencode(m),
            "wait": "#conformance-result #kpi-mapped",
        },
        {
            "page": "segments",
            "url": explore + "segments?" + urlencode(m),
            "wait": "#segments-result #kpi-customers",
        },
        # A new question on the insight pages runs the insights engine on every event (12 to
        # 39 s each at 1M before): asked once each (``once``), the load is the run reported.
        {
            "page": "attribution, new",
            "url": lambda r: (
                explore
                + "attribution?"
                + urlencode({**m, "model": "markov", "lookback": f"{20 + r}d"})
            ),
            "wait": "#attribution-result #kpi-conversions",
            "once": True,
        },
        *(
            {
                "page": f"{name}, new",
                "url": lambda r, name=name: (
                    explore + f"{name}?" + urlencode({**m, "date_from": f"2000-01-{r + 1:02d}"})
                ),
                "wait": f"#{name}-result {kpi}",
                "once": True,
            }
            for name, kpi in (
                ("friction", "#kpi-customers"),
                ("moments", "#kpi-customers"),
                ("conformance", "#kpi-mapped"),
                ("segments", "#kpi-customers"),
            )
        ),
        {
            "page": "sessions, new",
            "url": lambda r: explore + "sessions?" + urlencode({"gap": f"{20 + r}m", "by": "week"}),
            "wait": "#sessions-result #kpi-sessions",
        },
        {
            "page": "retention, new",
            "url": lambda r: (
                explore
                + "retention?"
                + urlencode({"period": "week", "date_from": f"2000-01-{r + 1:02d}"})
            ),
            "wait": "#retention-result #kpi-in-cohorts",
        },
    ]


def past_file() -> Path:
    from bench_cli import past_file as made

    return made("1M")


def workspace(log) -> Path:
    folder = WORKSPACES / "web_1M"
    if not (folder / "recorrido.yaml").exists():
        data = past_file()
        log(f"making {folder} from {data.name}")
        if folder.exists():
            shutil.rmtree(folder)
        subprocess.run([str(RECORRIDO), "init", str(folder), "--language", "en"], check=True)
        done = subprocess.run(
            [str(RECORRIDO), "ingest", str(data), "-w", str(folder), "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if report.get("quarantined"):
            raise SystemExit(f"ingest quarantined {report['quarantined']} rows: {report}")
    if not (folder / MAP.name).exists() or (folder / MAP.name).read_bytes() != MAP.read_bytes():
        shutil.copyfile(MAP, folder / MAP.name)
    env = {**os.environ, "RECORRIDO_PASSWORD": PASSWORD}
    subprocess.run(
        [str(RECORRIDO), "users", "add", USER, "--role", "viewer", "-w", str(folder)],
        check=True,
        env=env,
        capture_output=True,
    )
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, log_file: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out = log_file.open("w", encoding="utf-8")
    server = subprocess.Popen(
        [str(RECORRIDO), "serve", "-w", str(folder), "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/login", timeout=5) as answer:
                if answer.status == 200:
                    return server, base
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"the server did not start; see {log_file}")
        time.sleep(0.2)


def _status(pid: int) -> dict:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0]) / 1024  # kB → MiB
    except OSError:
        pass
    return found


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may hold spaces: the ppid follows it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def memory(pid: int) -> dict:
    own = _status(pid)
    tree = [pid]
    i = 0
    while i < len(tree):
        tree.extend(_children(tree[i]))
        i += 1
    return {
        "server_peak_mb": round(own.get("VmHWM", 0), 1),
        "server_rss_mb": round(own.get("VmRSS", 0), 1),
        "tree_peak_mb": round(sum(_status(p).get("VmHWM", 0) for p in tree), 1),
        "processes": len(tree),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_warm(base: str, log, timeout: float = 900) -> dict:
    """Wait for the server's first warm (``server/warm.py``: the defaults of the pages worked out
    after the start, ``web/warm_pages.py``) to end: "once the server is warm"."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with urllib.request.urlopen(base + "/api/v1/health", timeout=30) as answer:
            warm = json.load(answer).get("warm")
        if warm is None:
            log("the server does not warm (no warm worker)")
            return {"warm_wait_s": 0.0, "warm_s": None}
        # The registered warmers (the pages') run in a lane of their own beside the measures'.
        lane = "registered_warms" if "registered_warms" in warm else "warms"
        if warm[lane] >= 1:
            waited = time.perf_counter() - started
            took = warm.get("registered_last_seconds", warm["last_seconds"])
            log(f"warm after {waited:.1f} s (the server's pages warm took {took} s)")
            return {"warm_wait_s": round(waited, 1), "warm_s": took}
        time.sleep(1)
    raise SystemExit(f"the server did not finish warming in {timeout:.0f} s")


def _check(name: str, page) -> str | None:
    """A reason the answer on ``page`` is not a real one, or ``None``."""
    if name.startswith("map view") and page.locator(".stage-open").count() != 6:
        return "the map does not show its 6 stages"
    if name.startswith("funnel ("):
        first = re.sub(r"\D", "", page.locator("[data-step-customers]").first.inner_text())
        if not first or int(first) == 0:
            return "the funnel's first step has no customers"
    if name.startswith("paths") and page.locator("#pairs-table td").count() < 3:
        return "no pairs"
    shown = {
        "sessions": "#kpi-sessions",
        "retention": "#kpi-in-cohorts",
        "attribution": "#kpi-conversions",
        "friction": "#kpi-customers",
        "moments": "#kpi-customers",
        "conformance": "#kpi-mapped",
        "segments": "#kpi-customers",
    }
    kpi = shown.get(name.split(",")[0])
    if kpi and float(page.locator(kpi).get_attribute("data-value") or 0) <= 0:
        return f"{kpi} shows no customers"
    events = "#kpi-events"
    if name == "home" and re.sub(r"\D", "", page.locator(events).inner_text()) != "1000000":
        return "home does not count 1,000,000 events"
    return None


def _url(spec: dict, run: int) -> str:
    """The address of ``spec`` for load ``run`` (0: the first load)."""
    return spec["url"](run) if callable(spec["url"]) else spec["url"]


def load(page, base: str, spec: dict, run: int = 0) -> dict:
    """One timed load of ``spec``: seconds (browser clock), server seconds, status."""
    started = time.perf_counter()
    url = _url(spec, run)
    if "click" in spec:
        answer = page.goto(base + url, wait_until="load", timeout=300_000)
        status = answer.status if answer else 0
        if status != 200:
            return {"status": status}
        button = page.locator(spec["click"])
        button.wait_for()
        since = page.evaluate("performance.now()")
        started = time.perf_counter()
        button.click()
        done = page.wait_for_function(DONE, arg=[spec["wait"], since], timeout=120_000)
        seconds = done.json_value() / 1000
        return {
            "status": 200,
            "s": seconds,
            "wall_s": time.perf_counter() - started,
            "server_s": None,
        }
    answer = page.goto(base + url, wait_until="commit", timeout=300_000)
    status = answer.status if answer else 0
    if status != 200 or "wait" not in spec:
        return {"status": status}
    done = page.wait_for_function(DONE, arg=[spec["wait"], 0], timeout=120_000)
    seconds = done.json_value() / 1000
    nav = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n ? [n.responseStart, n.responseEnd] : null; })()"
    )
    return {
        "status": 200,
        "s": seconds,
        "wall_s": time.perf_counter() - started,
        "server_s": nav[0] / 1000 if nav else None,
        "bytes_s": (nav[1] - nav[0]) / 1000 if nav else None,
        "problem": _check(spec["page"], page),
    }


def measure(base: str, specs: list[dict], runs: int, log) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = {s["page"]: {**s, "first": None, "loads": [], "loadavg": []} for s in specs}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("#name", USER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        for spec in specs:
            first = load(page, base, spec)
            rows[spec["page"]]["first"] = first
            rows[spec["page"]]["first_load"] = os.getloadavg()[0]
            log(f"first  {spec['page']:<24} {json.dumps(first)}")
        for run in range(runs):
            for spec in specs:
                row = rows[spec["page"]]
                if row["first"]["status"] != 200 or "wait" not in spec or spec.get("once"):
                    continue
                one = load(page, base, spec, run + 1)
                one["run"] = run + 1
                row["loads"].append(one)
                row["loadavg"].append(os.getloadavg()[0])
                log(f"run {run + 1}  {spec['page']:<24} {one['s']:.3f} s")
        browser.close()
    return list(rows.values())


def summary(row: dict) -> dict:
    first = row["first"] or {}
    url = _url(row, 0 if row.get("once") else 1)
    out = {"page": row["page"], "url": url, "first_status": first.get("status")}
    if row.get("click"):
        out["click"] = row["click"]
    if row.get("once") and first.get("status") == 200 and first.get("s") is not None:
        row = {**row, "loads": [first], "loadavg": [row["first_load"]]}
    if not row["loads"]:
        out["state"] = "missing (404)" if first.get("status") == 404 else "not timed"
        return out
    seconds = [x["s"] for x in row["loads"]]
    server = [x["server_s"] for x in row["loads"] if x.get("server_s") is not None]
    problems = sorted({x["problem"] for x in row["loads"] if x.get("problem")})
    out.update(
        state="timed",
        first_s=None if row.get("once") else first.get("s"),
        median_s=statistics.median(seconds),
        max_s=max(seconds),
        min_s=min(seconds),
        server_median_s=statistics.median(server) if server else None,
        runs=len(seconds),
        load=round(statistics.mean(row["loadavg"]), 2),
        meets=statistics.median(seconds) < TARGET_S and not problems,
        meets_every_run=max(seconds) < TARGET_S and not problems,
        problems=problems,
    )
    return out


def markdown(meta: dict, rows: list[dict]) -> str:
    def f(x):
        return "—" if x is None else f"{x:.2f}"

    lines = [
        "## Web app: pages in the browser on 1M events (benchmarks/bench_web.py)",
        "",
        f"- Command: `{meta['command']}`",
        f"- Workspace: `{meta['workspace']}` — `{meta['data']}` ingested "
        f"({meta['events']:,} events) and the map `{meta['map']}`; served by "
        f"`recorrido serve` on loopback, driven by Chromium {meta['chromium']} through "
        f"Playwright {meta['playwright']} at 1440 × 900.",
        f"- Date: {meta['date']}; machine: {meta['cpus']} CPUs; {meta['platform']}; "
        f"recorrido commit: {meta['commit']}",
        f"- `uptime` before: `{meta['uptime_before']}`; after: `{meta['uptime_after']}`",
        f"- **s**: the browser's clock from the navigation's start (for a panel or the "
        f"drop-offs: the click) to the result drawn, figures included; median and max of "
        f"{meta['runs']} loads after one first load (*first s*, which measures and fills the "
        f"caches). Rows marked *new* ask a question not asked before on every load (another "
        f"window, filter or number of variants), so no kept answer serves them: what a new "
        f"question costs once the server is warm. **server s**: time to the first byte. "
        f"**load**: the 1-minute load average while that page was timed. "
        f"Target: under {TARGET_S:g} s once warm.",
        f"- Server peak memory (VmHWM of `recorrido serve`): **{meta['server_peak_mb']:.0f} MB** "
        f"(its process tree: {meta['tree_peak_mb']:.0f} MB, {meta['processes']} processes).",
        f"- Warm: the pages were timed after the server's first warm "
        f"(`server/warm.py` with `web/warm_pages.py`: the pages' default answers worked out "
        f"after the start), which took {_s(meta.get('warm_s'))} s (waited "
        f"{_s(meta.get('warm_wait_s'))} s from the server ready; server CPU "
        f"{_s(meta.get('server_cpu_warm_s'))} s user + system; "
        f"`uptime` then: `{meta.get('uptime_warm', '?')}`). Server CPU while the pages were "
        f"timed: {_s(meta.get('server_cpu_pages_s'))} s. Rows asked *once* (the insight pages' "
        f"new questions, each costing the engine's full run) have no first load: their one load "
        f"is the new question.",
        "",
        "| page | first s | median s | max s | server s | runs | load | < 1 s |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r["state"] != "timed":
            lines.append(f"| {r['page']} | — | — | — | — | 0 | — | {r['state']} |")
            continue
        verdict = "yes" if r["meets_every_run"] else ("median only" if r["meets"] else "**no**")
        if r["problems"]:
            verdict = "**wrong answer**: " + "; ".join(r["problems"])
        lines.append(
            f"| {r['page']} | {f(r['first_s'])} | {f(r['median_s'])} | {f(r['max_s'])} | "
            f"{f(r['server_median_s'])} | {r['runs']} | {r['load']:.2f} | {verdict} |"
        )
    timed = [r for r in rows if r["state"] == "timed"]
    missing = [r["page"] for r in rows if r["state"] != "timed"]
    met = [r["page"] for r in timed if r["meets_every_run"]]
    lines += [
        "",
        f"Under {TARGET_S:g} s on every warm load: {len(met)} of {len(timed)} timed pages"
        + (f" ({', '.join(met)})" if met else "")
        + ". "
        + (f"Not in the app yet (404): {', '.join(missing)}." if missing else ""),
        "",
    ]
    return "\n".join(lines)


def _s(value) -> str:
    return "?" if value is None else f"{value:g}"


def replace_section(path: Path, text: str) -> None:
    """Put ``text`` in ``path`` in place of its own earlier section (a ``## Web app`` heading up
    to the next ``## ``), or at the end."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head = "## Web app: "
    start = old.find(head)
    if start < 0:
        path.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")
        return
    end = old.find("\n## ", start + len(head))
    rest = old[end + 1 :] if end >= 0 else ""
    path.write_text(old[:start] + text + ("\n" + rest if rest else ""), encoding="utf-8")


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _commit() -> str:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return found.stdout.strip() or "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", help="only the pages with this label")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--no-markdown", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument(
        "--no-warm-wait",
        action="store_true",
        help="time the pages at once, without waiting for the server's first warm",
    )
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    folder = workspace(log)
    specs = [s for s in pages(MAP.name) if not args.only or s["page"] in args.only]
    uptime_before = _uptime()
    log(uptime_before)
    server, base = start_server(folder, HERE / ".data" / "bench_web_server.log")
    try:
        cpu_start = cpu_seconds(server.pid)
        warmed = wait_warm(base, log) if not args.no_warm_wait else {}
        cpu_warm = cpu_seconds(server.pid)
        uptime_warm = _uptime()
        measured = measure(base, specs, args.runs, log)
        used = memory(server.pid)
        used.update(
            warmed,
            server_cpu_warm_s=round(cpu_warm - cpu_start, 1),
            server_cpu_pages_s=round(cpu_seconds(server.pid) - cpu_warm, 1),
            uptime_warm=uptime_warm,
        )
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    uptime_after = _uptime()
    log(uptime_after)
    from importlib.metadata import version

    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    meta = {
        "command": " ".join(
            [".venv/bin/python", "benchmarks/bench_web.py", *map(shlex.quote, sys.argv[1:])]
        ),
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "workspace": str(folder.relative_to(ROOT)),
        "data": "benchmarks/.data/journeys_1M_past.parquet",
        "events": 1_000_000,
        "map": str(MAP.relative_to(ROOT)),
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "commit": _commit(),
        "chromium": chromium.split()[1] if len(chromium.split()) > 1 else "?",
        "playwright": version("playwright"),
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
        **used,
    }
    rows = [summary(r) for r in measured]
    args.out.mkdir(exist_ok=True)
    kept = ("page", "first", "loads", "loadavg")
    loads = [{k: v for k, v in r.items() if k in kept} for r in measured]
    body = {"meta": meta, "pages": rows, "loads": loads}
    (args.out / "web.json").write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    text = markdown(meta, rows)
    (args.out / "web.md").write_text(text, encoding="utf-8")
    if not args.no_markdown:
        replace_section(HERE / "RESULTS.md", text)
    print(text)
    return 1 if any(r.get("problems") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
