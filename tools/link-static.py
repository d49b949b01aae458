#!/usr/bin/env python3
"""Linker launcher for Lambda bootstraps: runs the link command with chosen shared libraries
replaced by their static archives.

    link-static.py --static ssl --static crypto -- c++ ... /usr/lib/x86_64-linux-gnu/libssl.so ...

The project finds OpenSSL once, as shared libraries, for every target (tests link fast). Only the
bootstraps must not need libssl.so.3 at run time, so this launcher (CMake's CXX_LINKER_LAUNCHER
on those targets) swaps lib<name>.so / -l<name> for the lib<name>.a that sits beside the shared
library, in the same position, which keeps the archive order CMake computed. It fails when an
archive is missing instead of silently linking the shared library.
"""
import os
import re
import sys


def main(argv):
    static = []
    i = 0
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "--static" and i + 1 < len(argv):
            static.append(argv[i + 1])
            i += 2
            continue
        sys.exit(f"link-static.py: unexpected argument {argv[i]!r} (usage: --static NAME ... -- CMD)")
    command = argv[i + 1:]
    if not command:
        sys.exit("link-static.py: no link command after --")

    library_dirs = [a[2:] for a in command if a.startswith("-L") and len(a) > 2]
    rewritten = []
    for arg in command:
        replacement = arg
        for name in static:
            shared = re.fullmatch(r"(.*/)?lib" + re.escape(name) + r"\.so(\.[0-9.]+)?", arg)
            if shared:
                archive = os.path.join(os.path.dirname(arg) or ".", f"lib{name}.a")
                if not os.path.isfile(archive):
                    sys.exit(f"link-static.py: {arg} should be linked statically but {archive} "
                             "does not exist (install the static library, e.g. libssl-dev)")
                replacement = archive
            elif arg == f"-l{name}":
                found = [os.path.join(d, f"lib{name}.a") for d in library_dirs
                         if os.path.isfile(os.path.join(d, f"lib{name}.a"))]
                replacement = found[0] if found else f"-l:lib{name}.a"
        rewritten.append(replacement)
    os.execvp(rewritten[0], rewritten)


if __name__ == "__main__":
    main(sys.argv[1:])
