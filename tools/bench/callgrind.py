"""Runs one bootstrap under callgrind against the Runtime API emulator and reads its counts."""

import os
import re
import signal
import subprocess

from runtime_api import RuntimeApi

_TOTALS = re.compile(rb"^(?:totals|summary):\s*(\d+)", re.M)
_ANNOTATE_LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([\d.]+%\)\s+)?(.*)$")


class RunError(RuntimeError):
    pass


def run(bootstrap, env, events, out_file, check, timeout=600):
    """Serves `events` to `bootstrap` under callgrind, checks every answer with check(index, body)
    (which returns an error string or None), stops the bootstrap once all are answered, and
    returns the callgrind output file's path."""
    with RuntimeApi(events) as api:
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env,
                    "AWS_LAMBDA_RUNTIME_API": api.endpoint}
        log_path = out_file + ".log"
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file,
                "--dump-line=no", "--compress-strings=no", "--compress-pos=no", bootstrap]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(argv, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        try:
            if not api.wait_done(timeout):
                raise RunError("%s: %s (log: %s)" % (
                    bootstrap, "init error: %s" % api.errors["init"][:300]
                    if "init" in api.errors else "not every event was answered in time", log_path))
        finally:
            # SIGTERM while it waits on /next: callgrind still writes its output at exit.
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for index in range(len(events)):
            request_id = "bench-%08d" % index
            if request_id in api.errors:
                raise RunError("event %d ended in an error: %s (log: %s)" % (
                    index, api.errors[request_id][:300], log_path))
            problem = check(index, api.responses[request_id])
            if problem:
                raise RunError("event %d: %s (log: %s)" % (index, problem, log_path))
    return out_file


def total(out_file):
    """The run's total instructions (Ir)."""
    with open(out_file, "rb") as f:
        found = _TOTALS.findall(f.read())
    if not found:
        raise RunError("no totals in %s" % out_file)
    return int(found[-1])


def inclusive(out_file, patterns):
    """For each regex, the largest inclusive Ir among functions whose demangled name matches it:
    the outermost entry point when helpers or lambdas nested in it match too. 0 when none does."""
    output = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file],
        check=True, capture_output=True, text=True).stdout
    compiled = {name: re.compile(pattern) for name, pattern in patterns.items()}
    best = {name: 0 for name in patterns}
    for line in output.splitlines():
        match = _ANNOTATE_LINE.match(line)
        if not match:
            continue
        cost = int(match.group(1).replace(",", ""))
        for name, regex in compiled.items():
            if regex.search(match.group(2)) and cost > best[name]:
                best[name] = cost
    return best
