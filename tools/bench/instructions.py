#!/usr/bin/env python3
"""Instructions per event of the packaged bootstraps, counted with callgrind, for one or more
release build trees (the current one and a baseline ref's), against a real redis-server and
moto_server. Each figure is (I(N) - I(M)) / (N - M) over two runs serving N and M events: init,
the first event (connections, script loads) and exit cancel out; what remains is one warm
invocation, Runtime API round trip included. Writes the figures as JSON.

  instructions.py --build LABEL=DIR [--build LABEL=DIR ...] --out FILE [--scenarios get,stream,write]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import callgrind  # noqa: E402
import events  # noqa: E402
from servers import Servers  # noqa: E402

# Demangled-name regexes whose inclusive cost is "planning" and "Redis I/O" in the stream handler.
DEFAULT_PLAN = r"\bstreamcache::items::plan_stream_batch\b"
DEFAULT_IO = r"\bstreamcache::items::apply_stream_plan\b"


def _status(body):
    try:
        return json.loads(body).get("statusCode")
    except (ValueError, AttributeError):
        return None


def _expect_status(first, rest, hit=False):
    def check(index, body):
        want = first if index == 0 else rest
        if _status(body) != want:
            return "expected statusCode %s, got %s" % (want, body[:300])
        if hit and index > 0 and b"hit" not in body:
            return "the GET was not a cache hit: %s" % body[:300]
        return None
    return check


def _stream_check(index, body):
    try:
        failures = json.loads(body).get("batchItemFailures")
    except ValueError:
        return "not JSON: %s" % body[:300]
    return None if failures == [] else "batch item failures: %s" % body[:300]


ITEM = "bench-item"
SCENARIOS = {
    # name: (bootstrap, events for k measured invocations, check, (M, N), per-event divisor)
    "get": ("api",
            lambda k: [events.http_event("POST", "/items", events.item_document(ITEM))]
            + [events.http_event("GET", "/items/" + ITEM)] * k,
            _expect_status(201, 200, hit=True), (5, 45), 1),
    "stream": ("stream-handler",
               lambda k: [events.stream_batch] * k,
               _stream_check, (1, 3), events.BATCH_SIZE),
    "write": ("api",
              lambda k: [events.http_event("POST", "/items", events.item_document(ITEM))]
              + [events.http_event("PUT", "/items/" + ITEM, events.item_document(ITEM))] * k,
              _expect_status(201, 200), (3, 13), 1),
}


def measure(servers, build, name, workdir, patterns):
    bootstrap_name, make_events, check, (m, n), divisor = SCENARIOS[name]
    bootstrap = os.path.join(build, "lambda", bootstrap_name, "bootstrap")
    if not os.access(bootstrap, os.X_OK):
        raise callgrind.RunError("no bootstrap at %s (build the lambda_*_zip targets)" % bootstrap)
    runs = {}
    for k in (m, n):
        servers.flush_redis()
        env = servers.function_env(servers.new_table())
        out = os.path.join(workdir, "%s-%d.callgrind" % (name, k))
        callgrind.run(bootstrap, env, make_events(k), out, check)
        runs[k] = {"total": callgrind.total(out)}
        if name == "stream":
            runs[k].update(callgrind.inclusive(out, patterns))
    per_event = lambda key: (runs[n][key] - runs[m][key]) / ((n - m) * divisor)  # noqa: E731
    result = {"per_event": per_event("total"), "runs": {str(k): v for k, v in runs.items()}}
    if name == "stream":
        result["plan"] = per_event("plan")
        result["io"] = per_event("io")
        for part in ("plan", "io"):
            if not runs[n][part]:
                print("warning: no function of %s matches --%s-pattern %r: that part reads 0" % (
                    bootstrap, part, patterns[part]), file=sys.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="append", required=True, metavar="LABEL=DIR",
                        help="a release build tree (with lambda/api/bootstrap, lambda/stream-handler/bootstrap)")
    parser.add_argument("--out", required=True, help="where the JSON figures go")
    parser.add_argument("--scenarios", default="get,stream,write")
    parser.add_argument("--plan-pattern", default=DEFAULT_PLAN,
                        help="regex of the stream handler's planning entry point (default: %(default)s)")
    parser.add_argument("--io-pattern", default=DEFAULT_IO,
                        help="regex of the stream handler's Redis apply entry point (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the callgrind files (printed)")
    args = parser.parse_args()

    builds = []
    for spec in args.build:
        label, sep, path = spec.partition("=")
        if not sep:
            parser.error("--build wants LABEL=DIR, got %r" % spec)
        builds.append((label, os.path.abspath(path)))
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in SCENARIOS:
            parser.error("unknown scenario %r (known: %s)" % (s, ", ".join(SCENARIOS)))
    patterns = {"plan": args.plan_pattern, "io": args.io_pattern}

    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            print("error: %s is not installed (./dev setup installs valgrind)" % tool, file=sys.stderr)
            return 2
    started = time.monotonic()
    figures = {"patterns": patterns, "builds": {}}
    workdir = tempfile.mkdtemp(prefix="streamcache-callgrind-")
    try:
        with Servers() as servers:
            for label, build in builds:
                figures["builds"][label] = {"dir": build}
                for name in scenarios:
                    t = time.monotonic()
                    os.makedirs(os.path.join(workdir, label), exist_ok=True)
                    result = measure(servers, build, name, os.path.join(workdir, label), patterns)
                    figures["builds"][label][name] = result
                    print("  %-9s %-7s %12.0f instructions per %s  (%.0f s)" % (
                        label, name, result["per_event"], "record" if name == "stream" else "event",
                        time.monotonic() - t), file=sys.stderr)
    except (callgrind.RunError, RuntimeError, OSError) as error:
        print("error: %s" % error, file=sys.stderr)
        print("callgrind files kept in %s" % workdir, file=sys.stderr)
        return 1
    figures["seconds"] = round(time.monotonic() - started, 1)
    with open(args.out, "w") as f:
        json.dump(figures, f, indent=1)
    if args.keep:
        print("callgrind files: %s" % workdir, file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
