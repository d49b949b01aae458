#!/usr/bin/env python3
"""Turns instructions.py's figures into the table on stdout, a line of build/bench/history.jsonl,
build/bench/report.md and build/bench/instructions.png (the last runs, drawn by gnuplot).

  report.py --figures FILE --current-ref REF --baseline-ref REF --out-dir DIR [--runs 20]
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

# (key, label, what it includes) — the order of the table and the chart.
FIGURES = [
    ("get", "cache-hit GET, per request",
     "api bootstrap, one warm invocation: /next, event JSON parse, routing, Redis GET, response "
     "JSON, EMF metrics line, /response post"),
    ("stream", "stream record, per record (whole batch)",
     "stream-handler bootstrap, one warm 1000-record batch / 1000: /next, planning, Redis apply, "
     "batch response, metrics line, /response post"),
    ("stream_plan", "  of which planning",
     "inclusive cost of the planning entry point (--plan-pattern): event JSON parse, record "
     "decoding, item bodies, ops"),
    ("stream_io", "  of which Redis I/O",
     "inclusive cost of the apply entry point (--io-pattern): command encoding, socket writes and "
     "reads (user space only), reply parsing, outcome"),
    ("write", "API write (PUT), per request",
     "api bootstrap, one warm PUT of an existing item: /next, validation, DynamoDB GetItem + "
     "conditional PutItem to moto_server (SigV4, HTTP, JSON), write-through, /response post"),
]

CHART_TITLES = {"get": "hit GET", "stream": "stream record", "stream_plan": "stream: planning",
                "stream_io": "stream: Redis I/O", "write": "API PUT"}


def flatten(build):
    """One build's figures as {key: instructions}."""
    out = {}
    if "get" in build:
        out["get"] = build["get"]["per_event"]
    if "stream" in build:
        out["stream"] = build["stream"]["per_event"]
        out["stream_plan"] = build["stream"].get("plan")
        out["stream_io"] = build["stream"].get("io")
    if "write" in build:
        out["write"] = build["write"]["per_event"]
    return out


def fmt(value):
    return "—" if value is None else "{:,.0f}".format(value)


def ratio(current, baseline):
    if current is None or not baseline:
        return "—"
    return "%.2f" % (current / baseline)


def table(entry):
    cur, base = entry["figures"]["current"], entry["figures"].get("baseline", {})
    rows = [("figure (instructions)", "current", "baseline", "current/baseline")]
    for key, label, _ in FIGURES:
        if key in cur:
            rows.append((label, fmt(cur.get(key)), fmt(base.get(key)), ratio(cur.get(key), base.get(key))))
    return rows


def print_table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def markdown(entry, rows, patterns, chart):
    lines = [
        "# streamcache instruction counts",
        "",
        "%s — current `%s` vs baseline `%s` (%s), counted with callgrind in %.0f s." % (
            entry["time"], entry["current"]["ref"], entry["baseline"]["ref"],
            entry["baseline"]["sha"][:12], entry.get("seconds", 0)),
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|---|---:|---:|---:|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    lines += [
        "",
        "Each figure is (I(N) − I(M)) / (N − M) over two runs of the packaged bootstrap under "
        "`valgrind --tool=callgrind` serving N and M identical events from a Runtime API emulator, "
        "against a real redis-server and moto_server: init, the first invocation (connections, "
        "script loads) and exit cancel out. User-space instructions of the function process only: "
        "the kernel, Redis and moto are not counted. Lower is better; ratio < 1 means the current "
        "build does less work.",
        "",
    ]
    lines += ["- **%s**: %s." % (label.strip(), what) for _, label, what in FIGURES]
    lines += [
        "",
        "Planning and I/O patterns (demangled-name regexes; the largest inclusive cost among "
        "matches): plan `%s`, io `%s`. A ref whose symbols differ shows 0 there: pass "
        "`--plan-pattern` / `--io-pattern`." % (patterns["plan"], patterns["io"]),
        "",
    ]
    if chart:
        lines += ["![instructions over the last runs](%s)" % os.path.basename(chart), ""]
    return "\n".join(lines)


def chart(history, out_png, runs):
    """A log-scale line per figure over the last runs (current solid, baseline dashed)."""
    if shutil.which("gnuplot") is None:
        print("note: gnuplot not found (./dev setup installs gnuplot-nox): no chart", file=sys.stderr)
        return None
    last = history[-runs:]
    data = out_png[:-4] + ".dat"
    keys = [k for k, _, _ in FIGURES]
    with open(data, "w") as f:
        for n, entry in enumerate(last):
            cur, base = entry["figures"]["current"], entry["figures"].get("baseline", {})
            label = "%s %s vs %s" % (entry["time"][5:16].replace("T", " "), entry["current"]["ref"][:13],
                                     entry["baseline"]["ref"][:10])
            values = [cur.get(k) or "NaN" for k in keys] + [base.get(k) or "NaN" for k in keys]
            f.write('%d "%s" %s\n' % (n, label, " ".join(str(v) for v in values)))
    colors = ["#1f77b4", "#d62728", "#ff7f0e", "#9467bd", "#2ca02c"]
    absolute, ratios = [], []
    for i, key in enumerate(keys):
        cur, base = i + 3, i + 3 + len(keys)
        absolute.append("'%s' using 1:%d:xtic(2) with linespoints lw 2 pt 7 lc rgb '%s' title '%s'" % (
            data, cur, colors[i], CHART_TITLES[key]))
        absolute.append("'%s' using 1:%d with lines dt 2 lc rgb '%s' notitle" % (data, base, colors[i]))
        ratios.append("'%s' using 1:($%d/$%d):xtic(2) with linespoints lw 2 pt 7 lc rgb '%s' notitle" % (
            data, cur, base, colors[i]))
    terminal = "pngcairo" if _has_cairo() else "png"
    script = "\n".join([
        "set terminal %s size 1300,700 noenhanced" % terminal,
        "set output '%s'" % out_png,
        "set multiplot layout 1,2 title 'streamcache: instructions per event over the last runs'",
        "set grid",
        "set xtics rotate by -35 font ',9'",
        "set offsets 0.3, 0.3, 0, 0",
        "set key below horizontal",
        "set title 'instructions (solid: current, dashed: baseline; log scale)'",
        "set logscale y",
        "plot " + ", \\\n  ".join(absolute),
        "unset logscale y",
        "set title 'current / baseline (goal for GET and stream record: <= 0.5)'",
        "set yrange [0:*]",
        "set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb 'black'",
        "set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb 'gray'",
        "plot " + ", \\\n  ".join(ratios),
        "unset multiplot",
    ])
    result = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if result.returncode != 0:
        print("note: gnuplot failed, no chart: %s" % result.stderr.strip(), file=sys.stderr)
        return None
    return out_png


def _has_cairo():
    probe = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in probe.stdout + probe.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", required=True)
    parser.add_argument("--current-ref", required=True)
    parser.add_argument("--baseline-ref", required=True)
    parser.add_argument("--baseline-sha", default="")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--runs", type=int, default=20, help="runs the chart shows")
    args = parser.parse_args()

    with open(args.figures) as f:
        figures = json.load(f)
    builds = figures["builds"]
    entry = {
        "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "current": {"ref": args.current_ref},
        "baseline": {"ref": args.baseline_ref, "sha": args.baseline_sha},
        "seconds": figures.get("seconds"),
        "figures": {"current": flatten(builds["current"])},
    }
    if "baseline" in builds:
        entry["figures"]["baseline"] = flatten(builds["baseline"])

    os.makedirs(args.out_dir, exist_ok=True)
    history_path = os.path.join(args.out_dir, "history.jsonl")
    with open(history_path, "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
    with open(history_path) as f:
        history = [json.loads(line) for line in f if line.strip()]

    rows = table(entry)
    print_table(rows)
    png = chart(history, os.path.join(args.out_dir, "instructions.png"), args.runs)
    report = os.path.join(args.out_dir, "report.md")
    with open(report, "w") as f:
        f.write(markdown(entry, rows, figures["patterns"], png))
    print("\n  report: %s%s" % (report, ("\n  chart:  %s" % png) if png else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
