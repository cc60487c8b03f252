#!/usr/bin/env python3
"""A small reference of PyTorch's rule for disabled-test entries, written for
test/t_exact.sh from FORMATS.md §2 (not copied from PyTorch):

- the key is split on white space into exactly two words, the test name and
  "(suite)"; the class is the last dotted part of the suite, and the
  module is ignored;
- an entry applies to a test when its class is a prefix of the test's class
  and its name is the test's method name, or that name with a trailing
  dtype chunk removed (and a device chunk before it removed too);
- an entry applies on this run when its platforms that PyTorch knows are
  none, or include one of the run's.

usage: ref_match.py ENTRIES.json COLLECTED PLATFORMS [--by-entry | --unmatched]

ENTRIES.json is the published form {key: [issue, url, [platforms]]} or the
runtime form {key: [url, [platforms]]}; COLLECTED is the output of
pytest --collect-only -q; PLATFORMS the run's, comma-separated.  Prints the
node ids the entries disable, sorted; with --by-entry "key<TAB>node id"
lines; with --unmatched the keys of entries about a collected class (their
class a prefix of one) that disable no collected test.
"""
import json
import sys

DTYPES = {"uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64", "bool", "complex64", "complex128"}
DEVICES = {"cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy"}
PLATFORMS = {"mac": "mac", "macos": "mac", "win": "win", "windows": "win",
             "linux": "linux", "rocm": "rocm", "xpu": "xpu", "asan": "asan",
             "dynamo": "dynamo", "dynamo_wrapped": "dynamo_wrapped",
             "inductor": "inductor", "slow": "slow"}


def without_suffix(method):
    parts = method.split("_")
    if parts[-1] in DTYPES:
        parts.pop()
        if len(parts) > 1 and parts[-1] in DEVICES:
            parts.pop()
    return "_".join(parts)


def applies(platforms, run):
    known = {PLATFORMS[p] for p in platforms if p in PLATFORMS}
    return not known or bool(known & run)


def main(argv):
    entries = json.load(open(argv[1]))
    run = {PLATFORMS[p] for p in argv[3].split(",")}
    mode = argv[4] if len(argv) > 4 else ""
    tests = []
    for line in open(argv[2]):
        parts = line.strip().split("::")
        if len(parts) == 3:
            tests.append(parts)
    ids, pairs, unmatched = set(), [], []
    for key, value in entries.items():
        words = key.split()
        if len(words) != 2 or not (words[1].startswith("(") and words[1].endswith(")")):
            continue
        name, cls = words[0], words[1][1:-1].split(".")[-1]
        if not applies(value[-1], run):
            continue
        about = False
        hit = False
        for path, tcls, meth in tests:
            if not tcls.startswith(cls):
                continue
            about = True
            if name == meth or name == without_suffix(meth):
                node = "::".join((path, tcls, meth))
                ids.add(node)
                pairs.append((key, node))
                hit = True
        if about and not hit:
            unmatched.append(key)
    if mode == "--by-entry":
        for key, node in sorted(pairs):
            print("%s\t%s" % (key, node))
    elif mode == "--unmatched":
        for key in sorted(unmatched):
            print(key)
    else:
        for node in sorted(ids):
            print(node)


if __name__ == "__main__":
    main(sys.argv)
