#!/usr/bin/env python3
"""Checks of a planned configuration against AWS's own documented rules, where moto and LocalStack
accept what AWS refuses. Input: `terraform show -json` of infra/tests/fixtures/aws_rules.

  aws_rules.py dashboard  --plan plan.json
  aws_rules.py selftest                      (the dashboard validator against the documented example)
  aws_rules.py log-levels --plan plan.json --src src --module infra/modules/functions
  aws_rules.py iam-names  --plan plan.json
  aws_rules.py metrics    --plan plan.json --src src

Each prints one line per problem and exits 1 when there is any, 0 otherwise.
Standard library only (no PyPI on the build machines).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Plan helpers
# ---------------------------------------------------------------------------------------------


def load_plan(path: str) -> list[dict]:
    plan = json.loads(Path(path).read_text())
    return [r for r in plan.get("resource_changes", []) if r.get("mode") == "managed"]


def after(change: dict) -> dict:
    return change["change"].get("after") or {}


def of_type(resources: list[dict], rtype: str) -> list[dict]:
    return [r for r in resources if r["type"] == rtype]


# ---------------------------------------------------------------------------------------------
# 1. Dashboard body: CloudWatch "Dashboard Body Structure and Syntax" (API Reference)
# ---------------------------------------------------------------------------------------------

WIDGET_TYPES = {"metric", "text", "log", "alarm", "explorer", "custom"}
BODY_KEYS = {"widgets", "start", "end", "periodOverride", "variables"}
WIDGET_KEYS = {"type", "x", "y", "width", "height", "properties"}
METRIC_WIDGET_KEYS = {
    "accountId", "annotations", "end", "id", "labels", "legend", "liveData", "metrics", "period",
    "region", "setPeriodToTimeRange", "singleValueFullPrecision", "sparkline", "stacked", "start",
    "stat", "table", "timezone", "title", "trend", "view", "yAxis",
}
VIEWS = {"timeSeries", "singleValue", "gauge", "bar", "pie", "table"}
# Rendering properties object of one metric, and the object of a math expression.
RENDERING_KEYS = {"accountId", "color", "id", "label", "period", "region", "stat", "visible", "yAxis"}
EXPRESSION_KEYS = RENDERING_KEYS - {"stat"} | {"expression"}
Y_AXIS_SIDE_KEYS = {"min", "max", "label", "showUnits"}
STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum", "IQM"}
# Percentiles and the other extended statistics: p99, p99.9, tm99, wm(10%:90%), TC(..), ...
EXTENDED_STAT = re.compile(r"^(p|tm|wm|tc|ts|pr|TM|WM|TC|TS|PR)(\d{1,2}(\.\d{1,10})?|100|\(.+\))$")
METRIC_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
MAX_METRICS_PER_WIDGET = 500
MAX_DIMENSIONS = 30


def valid_period(value) -> bool:
    # "1, 5, 10, 30, 60, and any multiple of 60"
    return isinstance(value, int) and not isinstance(value, bool) and (value in (1, 5, 10, 30) or (value > 0 and value % 60 == 0))


def valid_stat(value) -> bool:
    return isinstance(value, str) and (value in STATS or bool(EXTENDED_STAT.match(value)))


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_rendering(where: str, obj: dict, allowed: set[str], errors: list[str]) -> None:
    for key in sorted(set(obj) - allowed):
        errors.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    if "stat" in obj and not valid_stat(obj["stat"]):
        errors.append(f"{where}: stat {obj['stat']!r} is not a CloudWatch statistic")
    if "period" in obj and not valid_period(obj["period"]):
        errors.append(f"{where}: period {obj['period']!r} must be 1, 5, 10, 30 or a multiple of 60")
    if "yAxis" in obj and obj["yAxis"] not in ("left", "right"):
        errors.append(f"{where}: yAxis must be \"left\" or \"right\"")
    if "visible" in obj and not isinstance(obj["visible"], bool):
        errors.append(f"{where}: visible must be a boolean")
    if "id" in obj and not (isinstance(obj["id"], str) and METRIC_ID.match(obj["id"])):
        errors.append(f"{where}: id {obj.get('id')!r} must start with a lowercase letter, then letters, digits or _")
    for key in ("label", "color", "region", "accountId", "expression"):
        if key in obj and not isinstance(obj[key], str):
            errors.append(f"{where}: {key} must be a string")


def check_metric_entry(where: str, entry, previous: list | None, errors: list[str]) -> list | None:
    """One element of `metrics`: an array, either [namespace, name, dim, value, ..., {rendering}]
    (with "." = same as the previous metric at that position and a leading "..." = all of the
    previous metric's names) or [{expression ...}]. Returns the expanded names for the next one."""
    if not isinstance(entry, list):
        errors.append(f"{where}: should be array (each metric is an array, got {type(entry).__name__} {json.dumps(entry)[:60]})")
        return None
    if not entry:
        errors.append(f"{where}: empty metric array")
        return None
    rendering = entry[-1] if isinstance(entry[-1], dict) else None
    names = entry[:-1] if rendering is not None else entry
    if rendering is not None and "expression" in rendering:
        if names:
            errors.append(f"{where}: a math expression must be the only item of its array")
        check_rendering(where, rendering, EXPRESSION_KEYS, errors)
        return previous
    if rendering is not None:
        check_rendering(where, rendering, RENDERING_KEYS, errors)
    if not all(isinstance(n, str) for n in names):
        errors.append(f"{where}: namespace, metric name and dimensions must be strings")
        return None
    if names and names[0] == "...":
        if previous is None:
            errors.append(f"{where}: \"...\" needs a previous metric to repeat")
            return None
        rest = names[1:]
        names = previous[: max(len(previous) - len(rest), 0)] + rest
    expanded = []
    for i, n in enumerate(names):
        if n == ".":
            if previous is None or i >= len(previous):
                errors.append(f"{where}: \".\" at position {i} has nothing to repeat")
                return None
            n = previous[i]
        expanded.append(n)
    if len(expanded) < 2:
        errors.append(f"{where}: needs at least a namespace and a metric name")
        return None
    dims = expanded[2:]
    if len(dims) % 2:
        errors.append(f"{where}: dimensions must be name/value pairs, got {len(dims)} strings")
    if len(dims) // 2 > MAX_DIMENSIONS:
        errors.append(f"{where}: more than {MAX_DIMENSIONS} dimensions")
    if not expanded[0] or not expanded[1]:
        errors.append(f"{where}: empty namespace or metric name")
    return expanded


def check_metric_widget(where: str, props: dict, errors: list[str]) -> None:
    for key in sorted(set(props) - METRIC_WIDGET_KEYS):
        errors.append(f"{where}.properties: unknown key {key!r}")
    if not isinstance(props.get("region"), str) or not props.get("region"):
        errors.append(f"{where}.properties.region is required (a region name)")
    if "stat" in props and not valid_stat(props["stat"]):
        errors.append(f"{where}.properties.stat {props['stat']!r} is not a CloudWatch statistic")
    if "period" in props and not valid_period(props["period"]):
        errors.append(f"{where}.properties.period {props['period']!r} must be 1, 5, 10, 30 or a multiple of 60")
    if "view" in props and props["view"] not in VIEWS:
        errors.append(f"{where}.properties.view must be one of {sorted(VIEWS)}")
    if "stacked" in props and not isinstance(props["stacked"], bool):
        errors.append(f"{where}.properties.stacked must be a boolean")
    if "yAxis" in props:
        y = props["yAxis"]
        if not isinstance(y, dict) or set(y) - {"left", "right"}:
            errors.append(f"{where}.properties.yAxis must be an object with left and/or right")
        else:
            for side, axis in y.items():
                if not isinstance(axis, dict) or set(axis) - Y_AXIS_SIDE_KEYS:
                    errors.append(f"{where}.properties.yAxis.{side} may only have {sorted(Y_AXIS_SIDE_KEYS)}")
    if "legend" in props and (not isinstance(props["legend"], dict) or props["legend"].get("position") not in ("bottom", "right", "hidden")):
        errors.append(f"{where}.properties.legend.position must be bottom, right or hidden")
    metrics = props.get("metrics")
    if metrics is None:
        errors.append(f"{where}.properties.metrics is required for a metric widget")
        return
    if not isinstance(metrics, list):
        errors.append(f"{where}.properties.metrics should be array (of arrays)")
        return
    if not 1 <= len(metrics) <= MAX_METRICS_PER_WIDGET:
        errors.append(f"{where}.properties.metrics must have 1 to {MAX_METRICS_PER_WIDGET} metrics")
    previous = None
    ids = []
    for i, entry in enumerate(metrics):
        previous = check_metric_entry(f"{where}.properties.metrics[{i}]", entry, previous, errors) or previous
        if isinstance(entry, list) and entry and isinstance(entry[-1], dict) and "id" in entry[-1]:
            ids.append(entry[-1]["id"])
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(f"{where}.properties.metrics: id {dup!r} is used twice")
    # An expression may only use ids of this widget (or functions and METRICS()).
    known = set(ids)
    for i, entry in enumerate(metrics):
        if isinstance(entry, list) and len(entry) == 1 and isinstance(entry[0], dict) and "expression" in entry[0]:
            expr = entry[0]["expression"] if isinstance(entry[0]["expression"], str) else ""
            for token in re.findall(r"(?<![\w\"'])([a-z][A-Za-z0-9_]*)\b(?!\s*\()", re.sub(r"\"[^\"]*\"|'[^']*'", "", expr)):
                if token not in known:
                    errors.append(f"{where}.properties.metrics[{i}]: expression uses {token!r}, which no metric of the widget has as id")


def validate_dashboard_body(body_text: str) -> list[str]:
    errors: list[str] = []
    try:
        body = json.loads(body_text)
    except json.JSONDecodeError as e:
        return [f"the body is not JSON: {e}"]
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    for key in sorted(set(body) - BODY_KEYS):
        errors.append(f"unknown top-level key {key!r}")
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        return errors + ["widgets is required and should be array"]
    if len(widgets) > 500:
        errors.append("at most 500 widgets")
    if "periodOverride" in body and body["periodOverride"] not in ("auto", "inherit"):
        errors.append("periodOverride must be auto or inherit")
    for i, w in enumerate(widgets):
        where = f"widgets[{i}]"
        if not isinstance(w, dict):
            errors.append(f"{where} should be object")
            continue
        for key in sorted(set(w) - WIDGET_KEYS):
            errors.append(f"{where}: unknown key {key!r}")
        if w.get("type") not in WIDGET_TYPES:
            errors.append(f"{where}.type must be one of {sorted(WIDGET_TYPES)}")
        for key, lo, hi in (("x", 0, 23), ("y", 0, None), ("width", 1, 24), ("height", 1, 1000)):
            if key in w and not (is_int(w[key]) and w[key] >= lo and (hi is None or w[key] <= hi)):
                errors.append(f"{where}.{key} = {w[key]!r} must be an integer in [{lo}, {hi if hi is not None else '∞'}]")
        props = w.get("properties")
        if not isinstance(props, dict):
            errors.append(f"{where}.properties is required and should be object")
            continue
        if w.get("type") == "metric":
            check_metric_widget(where, props, errors)
        elif w.get("type") == "text":
            if not isinstance(props.get("markdown"), str):
                errors.append(f"{where}.properties.markdown is required for a text widget")
            if set(props) - {"markdown", "background"}:
                errors.append(f"{where}.properties: a text widget has only markdown and background")
        elif w.get("type") == "alarm":
            if not isinstance(props.get("alarms"), list) or not props["alarms"]:
                errors.append(f"{where}.properties.alarms is required for an alarm widget")
        elif w.get("type") == "log":
            if not isinstance(props.get("query"), str) or not isinstance(props.get("region"), str):
                errors.append(f"{where}.properties.query and region are required for a log widget")
    return errors


MAX_REPORTED = 4


def cmd_dashboard(args) -> list[str]:
    dashboards = of_type(load_plan(args.plan), "aws_cloudwatch_dashboard")
    problems = []
    if len(dashboards) < 2:
        problems.append(f"expected the fixture's two dashboards (with and without api_id), found {len(dashboards)}")
    for d in dashboards:
        body = after(d).get("dashboard_body")
        if body is None:
            problems.append(f"{d['address']}: dashboard_body is unknown at plan time")
            continue
        errors = validate_dashboard_body(body)
        # A wrong shape repeats per item: the first few say what is wrong, the count says how much.
        problems += [f"{d['address']}: {e}" for e in errors[:MAX_REPORTED]]
        if len(errors) > MAX_REPORTED:
            problems.append(f"{d['address']}: ... and {len(errors) - MAX_REPORTED} more like these (CloudWatch PutDashboard would refuse the body)")
    return problems


# ---------------------------------------------------------------------------------------------
# 2. EMF lines survive Lambda's application log-level filter
# ---------------------------------------------------------------------------------------------

# Lambda's levels from the most to the least detailed ("Log-level filtering", Lambda Developer
# Guide): a log is sent when its level is at or above the configured application_log_level; a JSON
# line whose "level" is missing or invalid counts as INFO.
LAMBDA_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


def lambda_keeps(line: dict, application_log_level: str) -> bool:
    level = str(line.get("level", "")).upper()
    if level not in LAMBDA_LEVELS:
        level = "INFO"
    return LAMBDA_LEVELS.index(level) >= LAMBDA_LEVELS.index(application_log_level)


def allowed_log_levels(module_dir: Path) -> list[str]:
    text = (module_dir / "variables.tf").read_text()
    m = re.search(r"contains\(\[([^\]]*)\],\s*var\.settings\.log_level\)", text)
    if not m:
        raise SystemExit(f"cannot find the settings.log_level validation in {module_dir}/variables.tf")
    return re.findall(r"\"([^\"]+)\"", m.group(1))


def cmd_log_levels(args) -> list[str]:
    resources = load_plan(args.plan)
    emitted = emf_from_source(Path(args.src))
    problems = []
    allowed = allowed_log_levels(Path(args.module))
    functions = [r for r in of_type(resources, "aws_lambda_function") if r["address"].startswith("module.functions[")]
    planned = {}
    for f in functions:
        level = re.match(r'module\.functions\["([^"]+)"\]', f["address"]).group(1)
        planned.setdefault(level, []).append(f)
    missing = sorted(set(allowed) - set(planned))
    if missing:
        problems.append(f"the fixture plans no functions with log_level {missing}: add them to its log_levels")
    for level in allowed:
        for f in planned.get(level, []):
            a = after(f)
            key = "api" if a["function_name"].endswith("-api") else "stream_handler"
            lc = (a.get("logging_config") or [{}])[0]
            env = ((a.get("environment") or [{}])[0].get("variables") or {})
            if lc.get("log_format") != "JSON":
                continue  # Text format: Lambda does no level filtering at all
            app_level = lc.get("application_log_level") or "INFO"
            line = emitted[key]["line"]
            if not lambda_keeps(line, app_level):
                problems.append(
                    f"{f['address']}: log_level {level!r} sets application_log_level {app_level}, and Lambda drops the "
                    f"EMF line ({'level ' + repr(line['level']) if 'level' in line else 'no level key, so INFO'}): "
                    f"no {emitted[key]['namespace']} metrics, the alarms on them can never fire")
            if env.get("LOG_LEVEL") != level:
                problems.append(f"{f['address']}: LOG_LEVEL is {env.get('LOG_LEVEL')!r}, expected {level!r} (the code filters its own lines by it)")
    return problems


# ---------------------------------------------------------------------------------------------
# 4. What the code emits: read from src/, the files the emitter is built from
# ---------------------------------------------------------------------------------------------

FUNCTION_MAINS = {"api": "functions/api/main.cpp", "stream_handler": "functions/stream_handler/main.cpp",
                  "monitor": "functions/monitor/main.cpp"}


def emf_from_source(src: Path) -> dict:
    """Per function: namespace, dimension names, metric names, and a sample line shaped like
    items::emf_line builds it. Fails loudly if the code no longer has the shape this reads."""
    header = (src / "items/metrics.h").read_text()
    impl = (src / "items/metrics.cpp").read_text()
    m = re.search(r'kMetricsNamespace\s*=\s*"([^"]+)"', header)
    if not m:
        raise SystemExit("src/items/metrics.h: kMetricsNamespace = \"...\" not found; update infra/tests/aws_rules.py")
    namespace = m.group(1)
    # emf_line writes the directive as literal text: ..."Dimensions":[["FunctionName"]]...
    m = re.search(r'"Dimensions":(\[\[[^;]*?\]\])', impl)
    if not m:
        raise SystemExit("src/items/metrics.cpp: the Dimensions directive is not found; update infra/tests/aws_rules.py")
    dimension_sets = json.loads(m.group(1))
    # Keys emf_line sets on the top-level object with a literal value (e.g. a "level").
    literal_members = dict(re.findall(r'line\.set\("([A-Za-z_]+)",\s*(?:std::string_view\()?"([^"]*)"', impl))
    result = {}
    for key, rel in FUNCTION_MAINS.items():
        text = (src / rel).read_text()
        calls = re.findall(r"emf_line\((.*?)\)\);", text, flags=re.S)
        if len(calls) != 1:
            raise SystemExit(f"src/{rel}: expected one items::emf_line(...) call, found {len(calls)}; update infra/tests/aws_rules.py")
        # Written straight to stdout: through the logger, LOG_LEVEL warn/error would drop it in the code.
        if not re.search(r"write_stdout_line\(\s*(items::)?emf_line\(", text):
            raise SystemExit(f"src/{rel}: the EMF line is not written with items::write_stdout_line (the logger would filter it by LOG_LEVEL)")
        names = re.findall(r'\{\s*"([A-Za-z0-9_]+)"\s*,', calls[0])
        if not names:
            raise SystemExit(f"src/{rel}: no {{\"Name\", value}} metrics in the emf_line call; update infra/tests/aws_rules.py")
        line = {"_aws": {"Timestamp": 0, "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": dimension_sets,
                                                              "Metrics": [{"Name": n} for n in names]}]}}
        line.update(literal_members)
        line.update({d: "<function name>" for s in dimension_sets for d in s})
        line.update({n: 0 for n in names})
        result[key] = {"namespace": namespace, "dimension_sets": [sorted(s) for s in dimension_sets], "metrics": names, "line": line}
    return result


# AWS namespaces: metric names and the dimension sets they are published with (Lambda, SQS and
# HTTP API pages of the AWS documentation). Only what this project charts or alarms on.
AWS_METRICS = {
    "AWS/Lambda": {
        "metrics": {"Invocations", "Errors", "Throttles", "Duration", "IteratorAge", "ConcurrentExecutions",
                    "DeadLetterErrors", "DestinationDeliveryFailures"},
        "dimension_sets": [{"FunctionName"}, {"FunctionName", "Resource"}, {"FunctionName", "ExecutedVersion"}, set()],
    },
    "AWS/SQS": {
        "metrics": {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent",
                    "ApproximateNumberOfMessagesNotVisible", "NumberOfMessagesReceived", "NumberOfMessagesDeleted"},
        "dimension_sets": [{"QueueName"}],
    },
    "AWS/ApiGateway": {  # HTTP APIs: 4xx/5xx, not the REST APIs' 4XXError/5XXError
        "metrics": {"Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed"},
        "dimension_sets": [{"ApiId"}, {"ApiId", "Stage"}, {"ApiId", "Method", "Resource", "Stage"}],
    },
}


def planned_metrics(resources: list[dict]) -> list[tuple[str, str, str, dict]]:
    """(where, namespace, metric, dimensions) of every alarm and dashboard metric in the plan."""
    out = []
    for r in of_type(resources, "aws_cloudwatch_metric_alarm"):
        a = after(r)
        if a.get("metric_name"):
            out.append((r["address"], a.get("namespace"), a["metric_name"], a.get("dimensions") or {}))
        for q in a.get("metric_query") or []:
            for m in q.get("metric") or []:
                out.append((f"{r['address']} query {q.get('id')}", m.get("namespace"), m.get("metric_name"), m.get("dimensions") or {}))
    for r in of_type(resources, "aws_cloudwatch_dashboard"):
        body = json.loads(after(r).get("dashboard_body") or "{}")
        for wi, w in enumerate(body.get("widgets", [])):
            previous = None
            for mi, entry in enumerate((w.get("properties") or {}).get("metrics") or []):
                errors: list[str] = []
                names = check_metric_entry("", entry, previous, errors)
                if names is None or errors:
                    continue  # not a metric (an expression) or malformed: the dashboard check reports it
                if names is previous:
                    continue
                previous = names
                dims = dict(zip(names[2::2], names[3::2]))
                out.append((f"{r['address']} widgets[{wi}].metrics[{mi}]", names[0], names[1], dims))
    return out


def cmd_metrics(args) -> list[str]:
    resources = load_plan(args.plan)
    emitted = emf_from_source(Path(args.src))
    functions = {after(r)["function_name"]: r for r in of_type(resources, "aws_lambda_function")}
    problems = []
    seen_custom = 0
    for where, namespace, metric, dims in planned_metrics(resources):
        if namespace in AWS_METRICS:
            table = AWS_METRICS[namespace]
            if metric not in table["metrics"]:
                problems.append(f"{where}: {namespace} has no metric {metric!r} (documented: {', '.join(sorted(table['metrics']))})")
            if set(dims) not in table["dimension_sets"]:
                problems.append(f"{where}: {namespace} {metric} is not published with dimensions {sorted(dims)}")
            continue
        seen_custom += 1
        # A custom namespace is the code's EMF: the function named by FunctionName must emit it.
        fn_name = dims.get("FunctionName")
        key = next((k for k in emitted if fn_name and fn_name.endswith("-" + k.replace("_", "-"))), None)
        candidates = [emitted[key]] if key else list(emitted.values())
        if not any(e["namespace"] == namespace for e in candidates):
            problems.append(f"{where}: namespace {namespace!r} is not what the code emits ({candidates[0]['namespace']!r})")
            continue
        if not any(metric in e["metrics"] for e in candidates):
            problems.append(f"{where}: {namespace} {metric!r} is not emitted by {key or 'any function'} "
                            f"(it emits {', '.join(e for c in candidates for e in c['metrics'])})")
        if not any(sorted(dims) in e["dimension_sets"] for e in candidates):
            problems.append(f"{where}: {namespace} {metric} has dimensions {sorted(dims)}, the code emits {candidates[0]['dimension_sets']}")
        if fn_name is not None and fn_name not in functions:
            problems.append(f"{where}: FunctionName {fn_name!r} is not a planned function")
    if seen_custom == 0:
        problems.append("no alarm or dashboard metric uses the code's EMF namespace: the check has nothing to check")
    if not problems:
        checked = planned_metrics(resources)
        print(f"checked {len(checked)} alarm and dashboard metrics ({seen_custom} from the code's EMF: "
              + "; ".join(f"{k}: {e['namespace']} {e['dimension_sets']} {', '.join(e['metrics'])}" for k, e in emitted.items()) + ")",
              file=sys.stderr)
    return problems


# ---------------------------------------------------------------------------------------------
# 3. IAM names: global per account, 64 characters for roles, 128 for policies (IAM quotas)
# ---------------------------------------------------------------------------------------------

IAM_NAME = re.compile(r"^[\w+=,.@-]+$")
NAME_LIMITS = {"aws_iam_role": 64, "aws_iam_policy": 128, "aws_iam_user": 64, "aws_iam_instance_profile": 128}
# The provider appends a 26-character unique suffix to name_prefix.
PREFIX_SUFFIX = 26


def cmd_iam_names(args) -> list[str]:
    resources = load_plan(args.plan)
    problems = []
    names: dict[str, list[str]] = {}
    for r in resources:
        if r["type"] not in NAME_LIMITS:
            continue
        a = after(r)
        limit = NAME_LIMITS[r["type"]]
        name, prefix = a.get("name"), a.get("name_prefix")
        unknown = "name" in (r["change"].get("after_unknown") or {})
        if prefix and (not name or unknown):
            if len(prefix) > limit - PREFIX_SUFFIX:
                problems.append(f"{r['address']}: name_prefix {prefix!r} is {len(prefix)} characters; at most {limit - PREFIX_SUFFIX} leave room for the unique suffix")
            if not IAM_NAME.match(prefix):
                problems.append(f"{r['address']}: name_prefix {prefix!r} has characters IAM refuses")
            continue
        if not name:
            problems.append(f"{r['address']}: neither name nor name_prefix is known at plan time")
            continue
        if len(name) > limit:
            problems.append(f"{r['address']}: name {name!r} is {len(name)} characters, IAM allows {limit}")
        if not IAM_NAME.match(name):
            problems.append(f"{r['address']}: name {name!r} has characters IAM refuses")
        names.setdefault(name, []).append(r["address"])
    # The fixture plans each deployment once per region (the same name in eu-west-1 and
    # ap-southeast-2): IAM names are global, so a name planned twice is EntityAlreadyExists.
    addresses = [r["address"] for r in resources]
    for required in ('module.functions_second_region.aws_iam_role.', 'module.network[0].aws_iam_role.',
                     'module.network_second_region[0].aws_iam_role.'):
        if not any(a.startswith(required) for a in addresses):
            problems.append(f"the fixture must plan {required}* (aws_rules.sh passes moto_endpoint for the network module)")
    for name, planned in sorted(names.items()):
        if len(planned) > 1:
            problems.append(f"IAM name {name!r} is planned {len(planned)} times ({', '.join(planned)}): IAM names are global "
                            "to the account, so the same deployment in a second region fails with EntityAlreadyExists")
    return problems


# The validator's own cases: the body of the documentation's first example must pass, and each
# mutation of it must be refused with the expected message.
SELFTEST_GOOD = {
    "start": "-PT6H", "periodOverride": "inherit",
    "widgets": [
        {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"],
                        [".", ".", ".", "i-678", {"yAxis": "right", "id": "m2"}],
                        ["...", "i-999", {"stat": "p99.9", "visible": False}],
                        [{"expression": "m2 * 2", "label": "Twice", "id": "e1"}]],
            "period": 300, "stat": "Average", "region": "us-east-1", "title": "EC2 Instance CPU",
            "liveData": False, "legend": {"position": "right"}}},
        {"type": "text", "x": 0, "y": 7, "width": 3, "height": 3, "properties": {"markdown": "Hello world"}},
    ],
}
SELFTEST_BAD = [
    (["widgets", 0, "properties", "metrics"], ["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"], "should be array"),
    (["widgets", 0, "width"], 25, "widgets[0].width"),
    (["widgets", 0, "x"], 24, "widgets[0].x"),
    (["widgets", 0, "type"], "graph", "widgets[0].type"),
    (["widgets", 0, "properties", "stat"], "avg", "not a CloudWatch statistic"),
    (["widgets", 0, "properties", "period"], 90, "period 90"),
    (["widgets", 0, "properties", "region"], None, "region is required"),
    (["widgets", 0, "properties", "metrics", 1, 4], {"yAxis": "middle"}, "yAxis must be"),
    (["widgets", 0, "properties", "metrics", 1, 4], {"colour": "#ff0000"}, "unknown key 'colour'"),
    (["widgets", 0, "properties", "metrics", 0], ["AWS/EC2", "CPUUtilization", "InstanceId"], "name/value pairs"),
    (["widgets", 0, "properties", "metrics", 3, 0], {"expression": "m3 * 2", "id": "e1"}, "uses 'm3'"),
    (["widgets", 0, "properties", "metrics", 3, 0], {"expression": "m2 * 2", "id": "E1"}, "must start with a lowercase"),
    (["widgets", 1, "properties"], {"text": "Hello"}, "markdown is required"),
    (["widgets"], None, "widgets is required"),
]


def cmd_selftest(args) -> list[str]:
    import copy
    problems = [f"the documented example is refused: {e}" for e in validate_dashboard_body(json.dumps(SELFTEST_GOOD))]
    for path, value, expected in SELFTEST_BAD:
        body = copy.deepcopy(SELFTEST_GOOD)
        target = body
        for key in path[:-1]:
            target = target[key]
        if value is None:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        errors = validate_dashboard_body(json.dumps(body))
        if not any(expected in e for e in errors):
            problems.append(f"setting {path} = {json.dumps(value)} should be refused with {expected!r}, got {errors or 'no error'}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="check", required=True)
    p = sub.add_parser("dashboard")
    p.add_argument("--plan", required=True)
    sub.add_parser("selftest", help="the dashboard validator's own cases (no plan needed)")
    p = sub.add_parser("log-levels")
    p.add_argument("--plan", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--module", required=True)
    p = sub.add_parser("iam-names")
    p.add_argument("--plan", required=True)
    p = sub.add_parser("metrics")
    p.add_argument("--plan", required=True)
    p.add_argument("--src", required=True)
    args = parser.parse_args()
    check = {"selftest": cmd_selftest, "dashboard": cmd_dashboard, "log-levels": cmd_log_levels, "iam-names": cmd_iam_names, "metrics": cmd_metrics}[args.check]
    problems = check(args)
    for problem in problems:
        print(f"FAIL {args.check}: {problem}", file=sys.stderr)
    if not problems:
        print(f"OK {args.check}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
