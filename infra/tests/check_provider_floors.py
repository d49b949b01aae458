#!/usr/bin/env python3
"""Checks that every hashicorp/aws constraint in infra/ admits only provider versions that have what
the configuration uses: each feature below appears in the provider's changelog at the given version.
A module using a feature needs a floor at or above it; each environment's floor covers its modules'."""
import pathlib
import re
import sys

INFRA = pathlib.Path(__file__).resolve().parent.parent

# (why, (resource type, regex over its block, or over the whole module for valkey), first version with it)
FEATURES = [
    ("tags on aws_lambda_event_source_mapping", ("aws_lambda_event_source_mapping", re.compile(r"^  tags\s*=", re.M)), (5, 70)),
    ('engine "valkey" on ElastiCache', ("aws_elasticache_replication_group", re.compile(r"valkey")), (5, 73)),
    ("logging_config on aws_lambda_function", ("aws_lambda_function", re.compile(r"^  logging_config\s*\{", re.M)), (5, 27)),
]

CONSTRAINT = re.compile(r'source\s*=\s*"hashicorp/aws"\s*\n\s*version\s*=\s*"([^"]+)"')


def resource_blocks(source: str, resource_type: str):
    """The text of each `resource "<type>" "<name>" { ... }` block, by brace depth (terraform fmt layout)."""
    for m in re.finditer(r'^resource\s+"' + re.escape(resource_type) + r'"\s+"[^"]+"\s*\{', source, re.M):
        depth, i = 1, m.end()
        while depth and i < len(source):
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
        yield source[m.end():i]


def uses(source: str, feature) -> bool:
    resource_type, pattern = feature
    if resource_type == "aws_elasticache_replication_group":  # the engine comes from a variable's default
        return any(True for _ in resource_blocks(source, resource_type)) and bool(pattern.search(source))
    return any(pattern.search(block) for block in resource_blocks(source, resource_type))


def floor_and_ceiling(text: str, where: str):
    m = CONSTRAINT.search(text)
    if not m:
        sys.exit(f"FAIL: {where}: no hashicorp/aws version constraint")
    text = m.group(1).strip()
    pessimistic = re.fullmatch(r"~>\s*5\.(\d+)", text)  # ~> 5.N means >= 5.N, < 6.0
    explicit = re.fullmatch(r">=\s*5\.(\d+)(?:\.\d+)?\s*,\s*<\s*6\.0", text)
    if not (pessimistic or explicit):
        sys.exit(f'FAIL: {where}: constraint "{text}" must be ">= 5.N, < 6.0" or "~> 5.N" (6.x is untested)')
    major, minor = 5, int((pessimistic or explicit).group(1))
    return (major, minor)


def main() -> int:
    failures = []
    module_floors = {}
    for versions in sorted(INFRA.glob("modules/*/versions.tf")):
        module = versions.parent
        floor = floor_and_ceiling(versions.read_text(), str(versions.relative_to(INFRA)))
        module_floors[module.name] = floor
        source = "\n".join(p.read_text() for p in sorted(module.glob("*.tf")))
        for why, pattern, needed in FEATURES:
            if uses(source, pattern) and floor < needed:
                failures.append(f"modules/{module.name} uses {why} (provider {needed[0]}.{needed[1]}) "
                                f"but admits {floor[0]}.{floor[1]}")
    for versions in sorted(INFRA.glob("envs/*/versions.tf")):
        env = versions.parent
        floor = floor_and_ceiling(versions.read_text(), str(versions.relative_to(INFRA)))
        used = set(re.findall(r'source\s*=\s*"\.\./\.\./modules/([a-z_]+)"',
                              "\n".join(p.read_text() for p in env.glob("*.tf"))))
        for name in sorted(used):
            if floor < module_floors.get(name, (0, 0)):
                needed = module_floors[name]
                failures.append(f"envs/{env.name} admits {floor[0]}.{floor[1]} but modules/{name} needs "
                                f"{needed[0]}.{needed[1]}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if not failures:
        print(f"provider floors cover every feature used ({len(module_floors)} modules)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
