#!/usr/bin/env python3
"""The instruction-count harness on this build's bootstraps: the hit-GET figure is positive and the
same (within 2 %) when measured twice; the stream figure's planning and I/O parts are found and
fit in the whole. Usage: instructions_test.py SOURCE_DIR BUILD_DIR"""

import json
import os
import subprocess
import sys
import tempfile

TOLERANCE = 0.02


def harness(source, build, labels, scenarios, out):
    argv = [sys.executable, os.path.join(source, "tools", "bench", "instructions.py"), "--out", out,
            "--scenarios", scenarios]
    for label in labels:
        argv += ["--build", "%s=%s" % (label, build)]
    subprocess.run(argv, check=True)
    with open(out) as f:
        return json.load(f)["builds"]


def main():
    source, build = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        twice = harness(source, build, ["first", "second"], "get", os.path.join(tmp, "get.json"))
        a, b = twice["first"]["get"]["per_event"], twice["second"]["get"]["per_event"]
        print("hit GET: %.0f and %.0f instructions" % (a, b))
        if not (a > 1000 and b > 1000):
            failures.append("hit GET figures not positive: %s, %s" % (a, b))
        elif abs(a - b) / max(a, b) > TOLERANCE:
            failures.append("hit GET figures differ by more than %.0f %%: %.0f vs %.0f" % (TOLERANCE * 100, a, b))

        stream = harness(source, build, ["once"], "stream", os.path.join(tmp, "stream.json"))["once"]["stream"]
        print("stream record: %.0f (planning %.0f, Redis I/O %.0f)" % (stream["per_event"], stream["plan"], stream["io"]))
        if not (stream["plan"] > 0 and stream["io"] > 0):
            failures.append("planning or I/O symbols not found: %s" % stream)
        elif stream["plan"] + stream["io"] > stream["per_event"]:
            failures.append("planning + I/O exceed the whole record: %s" % stream)
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
