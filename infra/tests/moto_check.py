#!/usr/bin/env python3
"""Assertions of apply_moto.sh, run against moto_server with boto3.

  moto_check.py applied   --endpoint URL --outputs outputs.json --dist DIR
  moto_check.py replan    --plan plan.json
  moto_check.py destroyed --endpoint URL

Every check that fails is reported; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import pathlib
import sys

# One catch-all route: the function owns routing (its problem+json 404 and 405 + Allow).
ITEM_ROUTES = {"$default"}
API_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Scan",
}
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}

# moto 5.2 accepts a function's LoggingConfig but does not return it, so the provider plans to add it
# again on every run. That is the only difference a second plan may show.
MOTO_DRIFT_ALLOWED = {("aws_lambda_function", "logging_config")}


class Checker:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.passed = 0

    def check(self, condition: bool, what: str) -> None:
        if condition:
            self.passed += 1
        else:
            self.failures.append(what)

    def done(self) -> int:
        for failure in self.failures:
            print(f"  FAIL {failure}", file=sys.stderr)
        print(f"  {self.passed} checks passed, {len(self.failures)} failed", file=sys.stderr)
        return 1 if self.failures else 0


def clients(endpoint: str):
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    return lambda service: session.client(service, endpoint_url=endpoint)


def zip_hashes(path: pathlib.Path) -> tuple[str, str]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), base64.b64encode(hashlib.sha256(data).digest()).decode()


def check_applied(endpoint: str, outputs_path: str, dist: str) -> int:
    c = Checker()
    client = clients(endpoint)
    out = {k: v["value"] for k, v in json.loads(pathlib.Path(outputs_path).read_text()).items()}

    # Artifacts bucket: private, versioned, encrypted, zips under content-addressed keys.
    s3 = client("s3")
    bucket = out["artifacts_bucket"]
    c.check(bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]], f"bucket {bucket} exists")
    c.check(s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", "bucket versioning is enabled")
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    c.check(all(pab.get(k) for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")),
            f"public access block is complete: {pab}")
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    c.check([r["ObjectOwnership"] for r in rules] == ["BucketOwnerEnforced"], f"ownership is BucketOwnerEnforced: {rules}")
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    c.check(sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", f"default encryption: {sse}")

    functions = out["functions"]
    for key, package in (("api", "api"), ("stream_handler", "stream-handler")):
        sha_hex, sha_b64 = zip_hashes(pathlib.Path(dist) / f"{package}.zip")
        fn = functions[key]
        c.check(fn["s3_bucket"] == bucket, f"{key}: code bucket {fn['s3_bucket']} is the artifacts bucket")
        c.check(fn["s3_key"] == f"{package}/{sha_hex}.zip", f"{key}: code key {fn['s3_key']} is content-addressed")
        head = s3.head_object(Bucket=bucket, Key=fn["s3_key"])
        c.check(head["ContentLength"] > 0, f"{key}: zip uploaded")

        config = client("lambda").get_function(FunctionName=fn["name"])["Configuration"]
        c.check(config["Runtime"] == "provided.al2023" and config["Handler"] == "bootstrap",
                f"{key}: provided.al2023/bootstrap, got {config['Runtime']}/{config['Handler']}")
        c.check(config.get("Architectures") == ["x86_64"], f"{key}: x86_64, got {config.get('Architectures')}")
        # moto hashes the bytes it fetched from S3: equal hashes prove the function runs the uploaded zip.
        c.check(config["CodeSha256"] == sha_b64, f"{key}: CodeSha256 {config['CodeSha256']} is the zip's")
        c.check(config.get("TracingConfig", {}).get("Mode") == "Active", f"{key}: X-Ray active")
        env = config.get("Environment", {}).get("Variables", {})
        c.check(env.get("TABLE_NAME") == out["table_name"], f"{key}: TABLE_NAME={env.get('TABLE_NAME')}")
        c.check(env.get("REDIS_URL") == out["redis_url"], f"{key}: REDIS_URL={env.get('REDIS_URL')}")
        c.check(env.get("CACHE_WRITE_THROUGH") == "true", f"{key}: CACHE_WRITE_THROUGH={env.get('CACHE_WRITE_THROUGH')}")
        c.check(all(env.get(k, "").isdigit() for k in ("CACHE_TTL_SECONDS", "TOMBSTONE_TTL_SECONDS", "NEGATIVE_TTL_SECONDS")),
                f"{key}: TTL variables are set: {env}")
        c.check("REDIS_AUTH_SECRET_ARN" not in env, f"{key}: no AUTH secret for a local Redis")

        iam = client("iam")
        role = fn["role_name"]
        c.check(iam.list_role_policies(RoleName=role)["PolicyNames"] == ["least-privilege"], f"{key}: one inline policy")
        c.check(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [], f"{key}: no managed policies")
        doc = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        actions = {a for s in doc["Statement"] for a in s["Action"]}
        data_actions = {a for a in actions if a.startswith("dynamodb:")}
        c.check(data_actions == (API_ACTIONS if key == "api" else STREAM_ACTIONS), f"{key}: DynamoDB actions {sorted(data_actions)}")
        c.check(all("*" not in s["Resource"] for s in doc["Statement"] if any(a.split(":")[0] in ("dynamodb", "sqs", "logs") for a in s["Action"])),
                f"{key}: no data action on '*'")

        groups = client("logs").describe_log_groups(logGroupNamePrefix=fn["log_group_name"])["logGroups"]
        c.check([g["logGroupName"] for g in groups] == [fn["log_group_name"]], f"{key}: log group {fn['log_group_name']} exists")

    # Table: id hash key, NEW_AND_OLD_IMAGES stream, encrypted.
    table = client("dynamodb").describe_table(TableName=out["table_name"])["Table"]
    c.check(table["TableArn"] == out["table_arn"], "table ARN output matches")
    c.check(table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}], f"table key schema {table['KeySchema']}")
    spec = table.get("StreamSpecification", {})
    c.check(spec.get("StreamEnabled") is True and spec.get("StreamViewType") == "NEW_AND_OLD_IMAGES", f"stream spec {spec}")
    c.check(table.get("LatestStreamArn") == out["table_stream_arn"] and out["table_stream_arn"].startswith(out["table_arn"] + "/stream/"),
            "table_stream_arn output is the table's stream")
    c.check(table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "table is on-demand")
    c.check(table.get("SSEDescription", {}).get("Status") in ("ENABLED", "ENABLING"), f"table SSE {table.get('SSEDescription')}")

    # No event source mapping (disabled for moto, which consumes the stream itself).
    mappings = client("lambda").list_event_source_mappings(FunctionName=functions["stream_handler"]["name"])["EventSourceMappings"]
    c.check(mappings == [], "no event source mapping when disabled")

    # On-failure queue: encrypted.
    sqs = client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=out["on_failure_queue_url"], AttributeNames=["All"])["Attributes"]
    c.check(attrs.get("SqsManagedSseEnabled") == "true", f"on-failure queue encrypted: {attrs.get('SqsManagedSseEnabled')}")

    # HTTP API: the $default route with the api_auth of the deployment, Lambda proxy payload 2.0,
    # $default stage, function URL with the same auth.
    auth_type = {"none": "NONE", "iam": "AWS_IAM"}[out["api_auth"]]
    apigw = client("apigatewayv2")
    api = apigw.get_api(ApiId=out["api_id"])
    c.check(api["ProtocolType"] == "HTTP" and api["ApiEndpoint"] == out["api_endpoint"], f"API {api['ApiId']} endpoint {api.get('ApiEndpoint')}")
    routes = apigw.get_routes(ApiId=out["api_id"])["Items"]
    c.check({r["RouteKey"] for r in routes} == ITEM_ROUTES, f"routes {sorted(r['RouteKey'] for r in routes)}")
    c.check(all(r.get("AuthorizationType") == auth_type for r in routes), f"route authorization is {auth_type}: {[r.get('AuthorizationType') for r in routes]}")
    integrations = apigw.get_integrations(ApiId=out["api_id"])["Items"]
    c.check(len(integrations) == 1 and integrations[0]["PayloadFormatVersion"] == "2.0" and integrations[0]["IntegrationType"] == "AWS_PROXY",
            f"integration {integrations}")
    stages = apigw.get_stages(ApiId=out["api_id"])["Items"]
    c.check([s["StageName"] for s in stages] == ["$default"] and stages[0].get("AutoDeploy") is True, "a $default stage with auto deploy")
    url = client("lambda").get_function_url_config(FunctionName=functions["api"]["name"])
    c.check(url["FunctionUrl"] == out["function_url"] and url["AuthType"] == auth_type, f"function URL {url.get('FunctionUrl')} auth {url.get('AuthType')}")

    # Observability.
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix="sc-moto-")
    names = {a["AlarmName"] for a in alarms["MetricAlarms"]}
    c.check(len(names) == 7 and "sc-moto-stream-iterator-age" in names and "sc-moto-cache-hit-ratio" in names, f"alarms {sorted(names)}")
    c.check(out["dashboard_name"] in [d["DashboardName"] for d in client("cloudwatch").list_dashboards()["DashboardEntries"]], "dashboard exists")

    return c.done()


def check_replan(plan_path: str) -> int:
    c = Checker()
    plan = json.loads(pathlib.Path(plan_path).read_text())
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before, after = rc["change"].get("before") or {}, rc["change"].get("after") or {}
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k) and k not in rc["change"].get("after_unknown", {})}
        allowed = actions == ["update"] and all((rc["type"], k) in MOTO_DRIFT_ALLOWED for k in changed)
        c.check(allowed, f"{rc['address']} would {'/'.join(actions)} ({', '.join(sorted(changed)) or 'replace'})")
    return c.done()


def check_destroyed(endpoint: str) -> int:
    c = Checker()
    client = clients(endpoint)
    # moto started empty for this test, so anything still there was left behind by destroy.
    leftovers = {
        "tables": client("dynamodb").list_tables()["TableNames"],
        "functions": [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]],
        "buckets": [b["Name"] for b in client("s3").list_buckets()["Buckets"]],
        "queues": client("sqs").list_queues().get("QueueUrls", []),
        "roles": [r["RoleName"] for r in client("iam").list_roles()["Roles"]],
        "log groups": [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]],
        "http apis": [a["ApiId"] for a in client("apigatewayv2").get_apis()["Items"]],
        "alarms": [a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]],
        "dashboards": [d["DashboardName"] for d in client("cloudwatch").list_dashboards()["DashboardEntries"]],
        "secrets": [s["Name"] for s in client("secretsmanager").list_secrets()["SecretList"]],
    }
    for kind, items in leftovers.items():
        c.check(items == [], f"{kind} left behind: {items}")
    return c.done()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=["applied", "replan", "destroyed"])
    parser.add_argument("--endpoint")
    parser.add_argument("--outputs")
    parser.add_argument("--dist")
    parser.add_argument("--plan")
    args = parser.parse_args()
    if args.phase == "applied":
        return check_applied(args.endpoint, args.outputs, args.dist)
    if args.phase == "replan":
        return check_replan(args.plan)
    return check_destroyed(args.endpoint)


if __name__ == "__main__":
    sys.exit(main())
