#!/usr/bin/env python3
"""Writes a reproducible zip: the same input bytes give a byte-identical zip.

    make-zip.py --output build/lambda/api.zip bootstrap=build/lambda/api/package/bootstrap [...]

Each ENTRY=PATH adds the file PATH as ENTRY. Entries are sorted by name; every entry has the
timestamp 1980-01-01 00:00:00 (the zip epoch), Unix permissions 0755 when the source file is
executable and 0644 otherwise, no extra fields, and deflate level 9. Timestamps, umask, owner and
file system order of the build machine therefore never reach the zip, and Terraform's
source_code_hash changes only when content does. The zip is written beside the output and renamed
into place, so a failed run never leaves a partial zip.
"""
import argparse
import os
import stat
import sys
import zipfile

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def entries_from(specs):
    entries = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            sys.exit(f"make-zip.py: expected ENTRY=PATH, got {spec!r}")
        name = name.replace(os.sep, "/").lstrip("/")
        if name in entries:
            sys.exit(f"make-zip.py: entry {name!r} given twice")
        if not os.path.isfile(path):
            sys.exit(f"make-zip.py: {path} is not a file")
        entries[name] = path
    return entries


def write_zip(output, entries):
    tmp = output + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(entries):
            path = entries[name]
            executable = os.stat(path).st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, so that external_attr carries the permissions
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                data = f.read()
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="the zip to write")
    parser.add_argument("entries", nargs="+", metavar="ENTRY=PATH")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    write_zip(args.output, entries_from(args.entries))


if __name__ == "__main__":
    main()
