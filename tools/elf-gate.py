#!/usr/bin/env python3
"""ELF compatibility gate for Lambda packages (provided.al2023: glibc 2.34, GCC 11 runtime).

    elf-gate.py [--max-glibc 2.34] [--max-glibcxx 3.4.29] [--max-cxxabi 1.3.13] [--quiet]
                PACKAGE.zip|ELF ...

For a zip: `bootstrap` must be at the root, executable, and an ELF file (no wrapper script), and
every ELF member is checked. A plain file is checked on its own. An ELF fails when
  - an undefined symbol needs GLIBC_x.y above --max-glibc, or a glibc version that is not a
    numbered release (GLIBC_PRIVATE, GLIBC_ABI_DT_RELR),
  - it needs GLIBCXX_/CXXABI_ versions above what Amazon Linux 2023's libstdc++ (GCC 11) provides,
  - a DT_NEEDED library is neither part of glibc nor bundled in the zip (at the root, in lib/, or
    in an $ORIGIN-relative RUNPATH), or a bundled library lacks a version the ELF needs,
  - its interpreter is not the system loader.
Prints what it found for every ELF. Exit status: 0 pass, 1 fail, 2 unreadable input.
The ELF is parsed here (program headers and the dynamic segment, as the loader reads them), so the
gate needs no binutils and reads aarch64 packages on an x86_64 host alike.
"""
import argparse
import os
import posixpath
import re
import stat
import struct
import sys
import zipfile

GLIBC_LIBRARIES = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}
SYSTEM_LOADERS = {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"}
MACHINES = {3: "i386", 40: "arm", 62: "x86_64", 183: "aarch64"}
ELF_TYPES = {1: "relocatable", 2: "executable", 3: "shared object (or PIE)", 4: "core"}

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ = 0, 1, 4, 5, 6, 10
DT_SONAME, DT_RPATH, DT_RUNPATH = 14, 15, 29
DT_GNU_HASH, DT_VERSYM = 0x6FFFFEF5, 0x6FFFFFF0
DT_VERDEF, DT_VERDEFNUM, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFFFC, 0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF
SHT_DYNSYM = 11


class ElfError(Exception):
    pass


class Elf:
    """The dynamic-linking facts of one ELF file."""

    def __init__(self, data):
        if data[:4] != b"\x7fELF":
            raise ElfError("not an ELF file")
        self.data = data
        self.is64 = data[4] == 2
        self.order = "<" if data[5] == 1 else ">"
        head = "HHIQQQIHHHHHH" if self.is64 else "HHIIIIIHHHHHH"
        (self.type, self.machine, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum,
         _) = self.unpack(head, 16)
        self.segments = []
        for i in range(phnum):
            if self.is64:
                p_type, _, off, vaddr, _, filesz, memsz, _ = self.unpack("IIQQQQQQ", phoff + i * phentsize)
            else:
                p_type, off, vaddr, _, filesz, memsz, _, _ = self.unpack("IIIIIIII", phoff + i * phentsize)
            self.segments.append((p_type, off, vaddr, filesz, memsz))
        self.sections = []
        for i in range(shnum if shoff else 0):
            fields = self.unpack("IIQQQQIIQQ" if self.is64 else "IIIIIIIIII", shoff + i * shentsize)
            self.sections.append(fields)  # name, type, flags, addr, offset, size, link, info, align, entsize
        self.interpreter = None
        self.needed, self.soname, self.runpath = [], None, []
        self.needs = {}        # version name -> (library, [symbols])
        self.defines = set()   # version names this ELF defines (for bundled libraries)
        self._read_dynamic()

    def unpack(self, fmt, offset):
        fmt = self.order + fmt
        end = offset + struct.calcsize(fmt)
        if offset < 0 or end > len(self.data):
            raise ElfError("truncated ELF file")
        return struct.unpack_from(fmt, self.data, offset)

    def offset_of(self, vaddr):
        for p_type, off, start, filesz, _ in self.segments:
            if p_type == PT_LOAD and start <= vaddr < start + filesz:
                return vaddr - start + off
        raise ElfError(f"address {vaddr:#x} is not in a loaded segment")

    def string(self, table, size, index):
        if index >= size:
            raise ElfError("string index out of range")
        end = self.data.index(b"\0", table + index)
        return self.data[table + index:end].decode("utf-8", "replace")

    def _read_dynamic(self):
        dynamic = None
        for p_type, off, _, filesz, _ in self.segments:
            if p_type == PT_INTERP:
                self.interpreter = self.data[off:off + filesz].rstrip(b"\0").decode()
            elif p_type == PT_DYNAMIC:
                dynamic = (off, filesz)
        if dynamic is None:
            return  # static: nothing to resolve at run time
        tags, needed_offsets, runpath_offsets = {}, [], []
        entry = 16 if self.is64 else 8
        for i in range(dynamic[1] // entry):
            tag, value = self.unpack("qQ" if self.is64 else "iI", dynamic[0] + i * entry)
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                needed_offsets.append(value)
            elif tag in (DT_RPATH, DT_RUNPATH):
                runpath_offsets.append(value)
            else:
                tags[tag] = value
        strtab, strsz = self.offset_of(tags[DT_STRTAB]), tags.get(DT_STRSZ, len(self.data))
        self.needed = [self.string(strtab, strsz, o) for o in needed_offsets]
        for o in runpath_offsets:
            self.runpath += [p for p in self.string(strtab, strsz, o).split(":") if p]
        if DT_SONAME in tags:
            self.soname = self.string(strtab, strsz, tags[DT_SONAME])
        if DT_VERDEF in tags:
            self._read_verdef(strtab, strsz, self.offset_of(tags[DT_VERDEF]), tags.get(DT_VERDEFNUM, 0))
        if DT_VERNEED in tags:
            by_index = self._read_verneed(strtab, strsz, self.offset_of(tags[DT_VERNEED]),
                                          tags.get(DT_VERNEEDNUM, 0))
            if DT_VERSYM in tags and DT_SYMTAB in tags:
                self._assign_symbols(strtab, strsz, tags, by_index)

    def _read_verdef(self, strtab, strsz, offset, count):
        for _ in range(count):
            _, _, _, cnt, _, aux, nxt = self.unpack("HHHHIII", offset)
            if cnt:
                name, _ = self.unpack("II", offset + aux)
                self.defines.add(self.string(strtab, strsz, name))
            if not nxt:
                break
            offset += nxt

    def _read_verneed(self, strtab, strsz, offset, count):
        by_index = {}
        for _ in range(count):
            _, cnt, file_name, aux, nxt = self.unpack("HHIII", offset)
            library = self.string(strtab, strsz, file_name)
            aux_offset = offset + aux
            for _ in range(cnt):
                _, _, other, name, aux_next = self.unpack("IHHII", aux_offset)
                version = self.string(strtab, strsz, name)
                self.needs.setdefault(version, (library, []))
                by_index[other] = version
                if not aux_next:
                    break
                aux_offset += aux_next
            if not nxt:
                break
            offset += nxt
        return by_index

    def _symbol_count(self, tags):
        for section in self.sections:
            if section[1] == SHT_DYNSYM and section[9]:
                return section[5] // section[9]
        if DT_HASH in tags:
            return self.unpack("II", self.offset_of(tags[DT_HASH]))[1]
        if DT_GNU_HASH in tags:
            base = self.offset_of(tags[DT_GNU_HASH])
            nbuckets, symoffset, bloom_size, _ = self.unpack("IIII", base)
            buckets = base + 16 + bloom_size * (8 if self.is64 else 4)
            last = max(self.unpack("I" * nbuckets, buckets)) if nbuckets else 0
            if last < symoffset:
                return symoffset
            chains = buckets + 4 * nbuckets
            while not self.unpack("I", chains + 4 * (last - symoffset))[0] & 1:
                last += 1
            return last + 1
        return 0

    def _assign_symbols(self, strtab, strsz, tags, by_index):
        symtab, versym = self.offset_of(tags[DT_SYMTAB]), self.offset_of(tags[DT_VERSYM])
        size = 24 if self.is64 else 16
        for i in range(self._symbol_count(tags)):
            if self.is64:
                name, _, _, shndx, _, _ = self.unpack("IBBHQQ", symtab + i * size)
            else:
                name, _, _, _, _, shndx = self.unpack("IIIBBH", symtab + i * size)
            version = by_index.get(self.unpack("H", versym + 2 * i)[0] & 0x7FFF)
            if version is not None and shndx == 0:  # undefined here, bound to that version
                self.needs[version][1].append(self.string(strtab, strsz, name))

    def describe(self):
        kind = ELF_TYPES.get(self.type, f"type {self.type}")
        arch = MACHINES.get(self.machine, f"machine {self.machine}")
        text = f"ELF{64 if self.is64 else 32} {arch} {kind}"
        if self.interpreter:
            text += f", interpreter {self.interpreter}"
        elif not self.needed:
            text += ", no dynamic dependencies"
        return text


def parse_version(text):
    return tuple(int(part) for part in text.split("."))


def version_problem(version, limits):
    """Why the target cannot provide this version, or None."""
    for prefix, limit, provider in (("GLIBC_", limits.glibc, "glibc"),
                                    ("GLIBCXX_", limits.glibcxx, "Amazon Linux 2023's libstdc++"),
                                    ("CXXABI_", limits.cxxabi, "Amazon Linux 2023's libstdc++")):
        if not version.startswith(prefix):
            continue
        number = version[len(prefix):]
        if prefix == "CXXABI_" and number == "TM_1":
            return None
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", number):
            return f"is not a numbered {provider} version (limit {limit})"
        if parse_version(number) > parse_version(limit):
            return f"is above the {limit} that {provider} provides"
        return None
    return None


def highest(versions, prefix):
    numbered = [v for v in versions if re.fullmatch(re.escape(prefix) + r"[0-9]+(\.[0-9]+)*", v)]
    return max(numbered, key=lambda v: parse_version(v[len(prefix):]), default=None)


def bundled_library(name, elf_path, elf, bundle):
    """The bundled ELF the loader would find for DT_NEEDED `name`, or None."""
    directories = ["", "lib"]  # Lambda's LD_LIBRARY_PATH has $LAMBDA_TASK_ROOT and .../lib
    origin = posixpath.dirname(elf_path)
    for entry in elf.runpath:
        if entry.startswith("$ORIGIN") or entry.startswith("${ORIGIN}"):
            relative = entry.split("}", 1)[1] if entry.startswith("${") else entry[len("$ORIGIN"):]
            directories.append(posixpath.normpath(posixpath.join(origin, relative.lstrip("/"))))
    for directory in directories:
        path = posixpath.join(directory, name) if directory not in ("", ".") else name
        if path in bundle:
            return path
    return None


def check_elf(path, elf, bundle, limits, out):
    problems = []
    out.append(f"  {path}: {elf.describe()}")
    if elf.interpreter and elf.interpreter not in SYSTEM_LOADERS:
        problems.append(f"interpreter {elf.interpreter} is not the system loader "
                        f"({' or '.join(sorted(SYSTEM_LOADERS))})")
    resolved = []
    for library in elf.needed:
        if library in GLIBC_LIBRARIES:
            resolved.append(f"{library} (glibc)")
            continue
        found = bundled_library(library, path, elf, bundle)
        if found:
            resolved.append(f"{library} (bundled: {found})")
            provided = bundle[found].defines
            for version, (lib, symbols) in sorted(elf.needs.items()):
                if lib == library and version not in provided:
                    problems.append(f"needs {version} from {library}, which the bundled {found} "
                                    "does not define")
        else:
            resolved.append(f"{library} (MISSING)")
            problems.append(f"needs {library}, which is neither part of glibc nor bundled in the "
                            "package (link it statically or bundle it under lib/)")
    out.append("    needs: " + (", ".join(resolved) if resolved else "nothing"))
    by_library = {}
    for version, (library, _) in elf.needs.items():
        by_library.setdefault(library, []).append(version)
    for library, versions in sorted(by_library.items()):
        top = [h for h in (highest(versions, p) for p in ("GLIBC_", "GLIBCXX_", "CXXABI_")) if h]
        out.append(f"    versions from {library}: {len(versions)}"
                   + (f", highest {', '.join(top)}" if top else ""))
    for version, (library, symbols) in sorted(elf.needs.items()):
        why = version_problem(version, limits)
        if why:
            shown = ", ".join(sorted(symbols)[:8]) or "(no symbol: a version dependency)"
            more = f" and {len(symbols) - 8} more" if len(symbols) > 8 else ""
            problems.append(f"{version} from {library} {why}: needed by {shown}{more}")
    return problems


def load_zip(path):
    members, modes = {}, {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            members[info.filename] = zf.read(info)
            modes[info.filename] = (info.external_attr >> 16) if info.create_system == 3 else None
    return members, modes


def check_package(path, limits):
    out, problems = [f"{path}:"], []
    if zipfile.is_zipfile(path):
        members, modes = load_zip(path)
        if "bootstrap" not in members:
            problems.append("no bootstrap at the root of the zip")
        else:
            mode = modes["bootstrap"]
            if mode is None or not mode & stat.S_IXUSR:
                problems.append("bootstrap is not executable in the zip (mode "
                                f"{oct(mode) if mode is not None else 'unset'})")
            if not members["bootstrap"].startswith(b"\x7fELF"):
                problems.append("bootstrap is not an ELF executable (the default packaging has no "
                                "wrapper script)")
    else:
        with open(path, "rb") as f:
            members = {os.path.basename(path): f.read()}
    elves = {}
    for name, data in sorted(members.items()):
        if data.startswith(b"\x7fELF"):
            try:
                elves[name] = Elf(data)
            except (ElfError, KeyError, ValueError, struct.error) as e:
                problems.append(f"{name}: cannot read ELF: {e}")
    if not elves and not problems:
        problems.append("no ELF file found")
    for name, elf in elves.items():
        problems += [f"{name}: {p}" for p in check_elf(name, elf, elves, limits, out)]
    return out, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-glibc", default="2.34")
    parser.add_argument("--max-glibcxx", default="3.4.29")
    parser.add_argument("--max-cxxabi", default="1.3.13")
    parser.add_argument("--quiet", action="store_true", help="print only failures")
    parser.add_argument("packages", nargs="+", metavar="PACKAGE")
    args = parser.parse_args()
    limits = argparse.Namespace(glibc=args.max_glibc, glibcxx=args.max_glibcxx,
                                cxxabi=args.max_cxxabi)
    failed = False
    for path in args.packages:
        try:
            out, problems = check_package(path, limits)
        except (OSError, zipfile.BadZipFile) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            sys.exit(2)
        if problems:
            failed = True
            out += [f"  FAIL {p}" for p in problems]
        else:
            out.append(f"  OK: runs with glibc {args.max_glibc} and nothing else from the system")
        if problems or not args.quiet:
            print("\n".join(out), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
