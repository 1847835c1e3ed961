"""`recorrido friction` beside `recorrido measure` on the same 1M workspace (issue 24).

    .venv/bin/python benchmarks/bench_friction.py                       # 3 runs each
    .venv/bin/python benchmarks/bench_friction.py --src /tmp/before/src # another tree too

Each run is a whole process (``python -m recorrido.cli`` with the tree first on ``sys.path``) on
the workspace of ``bench_cli.py`` (``benchmarks/.data/workspaces/cli_1M``, made by it) with
``benchmarks/maps/bench-6-stages.yaml``; output to a file. Timed: wall seconds, and CPU seconds
(user + system of every thread, from ``os.wait4``). Runs of measure and of each tree alternate so
that a change in the machine's load hits them alike; ``uptime``'s load is noted before and after.
The issue's target: friction within 2× measure. **The answer is compared**: every tree's
``friction --json`` object must be byte-identical (what DuckDB's progress bar prints ahead of
it is left out), or the script says so and exits with status 1.

Result: ``benchmarks/results/friction.md``. Run it under ``flock /work/notes/bench.lock``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
MAP = HERE / "maps" / "bench-6-stages.yaml"
RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from recorrido.cli import app; app()"


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _timed(src: Path, args: list[str], out: Path) -> tuple[float, float]:
    began = time.perf_counter()
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [str(PYTHON), "-c", RUN, str(src), *args], stdout=sink, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: recorrido {' '.join(args)}: {proc.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def _answer(output: bytes) -> bytes:
    """The JSON object the command printed. DuckDB's progress bar, shown on a slow query, is
    written to the same stdout ahead of it (how much depends on the machine's load), so the raw
    bytes differ from run to run even when the answer is the same."""
    start = output.find(b'{"map"')
    return output[start:] if start >= 0 else output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", action="append", default=[], help="another source tree")
    opts = parser.parse_args()
    workspace = HERE / ".data" / "workspaces" / f"cli_{opts.size}"
    if not workspace.exists():
        raise SystemExit(f"{workspace} is missing: run benchmarks/bench_cli.py --size {opts.size}")
    trees = [ROOT / "src", *(Path(s).resolve() for s in opts.src)]
    common = [str(MAP), "-w", str(workspace)]
    jobs = [("measure", trees[0], ["measure", *common])]
    jobs += [(f"friction ({t})", t, ["friction", *common, "--json"]) for t in trees]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in jobs}
    answers: dict[str, bytes] = {}
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(opts.runs):
            for name, tree, args in jobs:
                out = Path(tmp) / "out"
                times[name].append(_timed(tree, args, out))
                if args[0] == "friction":
                    answers[name] = _answer(out.read_bytes())
                print(
                    f"run {run + 1} {name}: wall {times[name][-1][0]:.2f} s, "
                    f"CPU {times[name][-1][1]:.2f} s",
                    file=sys.stderr,
                )
    load_after = _load()
    same = len(set(answers.values())) == 1
    med = {
        n: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for n, v in times.items()
    }
    base_wall, base_cpu = med["measure"]
    lines = [
        f"# friction beside measure ({opts.size} events)",
        "",
        f"`{PYTHON.relative_to(ROOT)} benchmarks/bench_friction.py --runs {opts.runs}"
        + "".join(f" --src {s}" for s in opts.src)
        + "`",
        "",
        f"Load before: `{load_before}`  ",
        f"Load after: `{load_after}`",
        "",
        "| command | wall s (median) | CPU s (median) | × measure (wall) | × measure (CPU) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu) in med.items():
        lines.append(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / base_wall:.1f} | {cpu / base_cpu:.1f} |"
        )
    lines += ["", f"Runs per command: {opts.runs}; friction JSON identical across trees: {same}."]
    target = med[f"friction ({trees[0]})"][0] <= 2 * base_wall
    lines.append(f"Target (friction ≤ 2× measure, wall): {'met' if target else 'NOT met'}.")
    result = HERE / "results" / "friction.md"
    result.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
