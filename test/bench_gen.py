#!/usr/bin/python3
"""Helpers for test/bench.sh.

  bench_gen.py gen OUT [--bytes N] [--seed S] [--check]
      Write a disabled-tests list of at least N bytes (default 50 MiB) in the
      real format: one object, keys "<test> (<module>.<Class>)", values
      [issue, url, [platforms]], pretty-printed with 2-space indent and sorted
      keys as json.dumps(indent=2, sort_keys=True) writes the real snapshots.
      Deterministic for a given seed.  A small fraction of the entries name
      classes of the sample tree (test/sample).  Prints the entry count.

  bench_gen.py measure [--runs N] [--rss-runs M] [--setenv K=V]...
                       [--stdout FILE] [--stderr FILE] [--time-limit S] -- CMD...
      Run CMD N times and print "best_seconds peak_kb exit_status".  Wall
      time is taken around posix_spawn .. wait4.  Peak RSS is ru_maxrss from
      os.wait4 of M further runs (the largest).  Those are started through
      /bin/sh so that the measured process is a fork of a small shell, not of
      this Python process: a forked child's ru_maxrss starts at the RSS it
      inherits, so a direct child of Python never reports less than Python's
      own few MB.  We are made a child subreaper (prctl) so the command, left
      behind by the shell, is reparented to us and os.wait4 reaps it.
"""
import argparse
import ctypes
import os
import random
import shutil
import sys
import time

# --- gen ------------------------------------------------------------------

WORDS = """add addmm autograd backward batch bmm broadcast cache checkpoint clamp
compile conv2d copy cudagraph custom dataloader ddp decomp dense dispatch
distributed dropout dynamic dynamo embedding empty export fake fft flash fsdp
functional fuse fused graph grad hook index inductor inplace jit kernel layer
lazy linear linalg load lstm matmul max mean memory meta mixed module mps
nested nn norm onnx optim out pad pin profiler pointwise quantize reduce
reshape rnn save scatter sdpa serialize shape slice softmax sort sparse
stride sum symbolic tensor trace transpose triton unary unfold vmap view
where zero""".split()
CLASS_WORDS = """Autograd Binary Compile Conv Cuda Dataloader Decomp Distributed
Dynamo Export Fake Fft Foreach Fsdp Functionalization Fx Graph Indexing
Inductor Jit Linalg Lstm Masked Meta Mps Nested NN Onnx Ops Optim Proxy
Quantize Reductions Scatter Serialization Shape Sort Sparse Symbolic Tensor
Torch Unary Vmap View""".split()
MODULES = ["profiler.test_profiler", "jit.test_freezing",
           "quantization.jit.test_quantize_jit", "test_jit",
           "distributed.fsdp.test_fsdp_checkpoint", "inductor.test_torchinductor",
           "dynamo.test_repros", "export.test_export"]
DEVICES = ["cpu", "cuda", "xpu", "mps"]
DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32",
          "uint8", "bool", "complex64"]
JUNK = "<fill this in or delete. valid labels are: asan"
# (weight, platforms) roughly as in real snapshots, junk and duplicates included.
PLATFORMS = [(14, []), (22, ["linux"]), (18, ["rocm"]), (6, ["inductor"]),
             (5, ["mac", "macos"]), (4, ["win", "windows"]), (3, ["xpu"]),
             (3, ["rocm", "xpu"]), (3, ["dynamo"]), (2, ["dynamo_wrapped"]),
             (2, ["slow"]), (2, ["asan"]), (2, ["linux", "rocm"]),
             (1, [JUNK]), (1, ["windows.>"]), (1, ["linux", "linux"]),
             (1, ["mac", JUNK, "windows.>"])]
# Classes of the sample tree, and a few keys that really match it.
SAMPLE_CLASSES = ["TestProfiler", "TestExperimentalUtils", "TestProfilerDevice",
                  "TestProfilerDeviceCPU", "TestProfilerDeviceCUDA",
                  "TestProfilerCUDACUDA", "TestParam"]
SAMPLE_KEYS = ["test_kineto (__main__.TestProfiler)",
               "test_ops (__main__.TestProfilerDeviceCPU)",
               "test_size_n_1 (__main__.TestParam)",
               "test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)"]


def _platforms(rng, table, total):
    x = rng.randrange(total)
    for w, plats in table:
        if x < w:
            return plats
        x -= w
    return []


def _test_name(rng):
    name = "test_" + "_".join(rng.sample(WORDS, rng.randint(1, 4)))
    r = rng.random()
    if r < 0.15:
        name += "_dim_%d" % rng.randint(0, 4)
    elif r < 0.25:
        name += "_training_%s" % rng.choice(["True", "False"])
    elif r < 0.30:
        name += "_CPUOffload(offload_params=%s)_offload_activations_%s" % (
            rng.choice(["True", "False"]), rng.choice(["True", "False"]))
    elif r < 0.35:
        name += "_shape_%dx%d" % (rng.randint(1, 512), rng.randint(1, 512))
    elif r < 0.38:
        name += "_value_mock-hip_expected_%d" % rng.randint(1, 1 << 30)
    device = None
    if rng.random() < 0.55:
        device = rng.choice(DEVICES)
        name += "_" + device
        if rng.random() < 0.6:
            name += "_" + rng.choice(DTYPES)
    return name, device


def _suite(rng, device):
    cls = "Test" + "".join(rng.sample(CLASS_WORDS, rng.randint(1, 2)))
    if device is not None and rng.random() < 0.7:
        cls += device.upper()
    if rng.random() < 0.12:
        return rng.choice(MODULES) + "." + cls
    return "__main__." + cls


def _entry_text(key, issue, plats):
    # Exactly what json.dumps(indent=2) writes for one member at depth 1.
    q = '"%s"' % key.replace("\\", "\\\\").replace('"', '\\"')
    head = '  %s: [\n    "%s",\n    "https://github.com/pytorch/pytorch/issues/%s",\n' % (q, issue, issue)
    if not plats:
        return head + "    []\n  ]"
    body = ",\n".join('      "%s"' % p for p in plats)
    return head + "    [\n" + body + "\n    ]\n  ]"


def gen(args):
    rng = random.Random(args.seed)
    total = sum(w for w, _ in PLATFORMS)
    entries = {}
    size = 4  # "{\n" and "\n}"
    for key in SAMPLE_KEYS:
        entries[key] = (str(rng.randint(150000, 199999)), ["linux"])
    while size < args.bytes:
        if rng.random() < 0.002:
            key = "%s (__main__.%s)" % (_test_name(rng)[0], rng.choice(SAMPLE_CLASSES))
        else:
            name, device = _test_name(rng)
            key = "%s (%s)" % (name, _suite(rng, device))
        if key in entries:
            continue
        issue = str(rng.randint(70000, 199999))
        plats = _platforms(rng, PLATFORMS, total)
        entries[key] = (issue, plats)
        size += len(_entry_text(key, issue, plats)) + 2
    with open(args.out, "w") as f:
        f.write("{\n")
        f.write(",\n".join(_entry_text(k, *entries[k]) for k in sorted(entries)))
        f.write("\n}")
    if args.check:
        import json
        text = open(args.out).read()
        want = json.dumps({k: [i, "https://github.com/pytorch/pytorch/issues/" + i, p]
                           for k, (i, p) in entries.items()}, indent=2, sort_keys=True)
        if text != want:
            sys.exit("bench_gen: output differs from json.dumps(indent=2)")
    print(len(entries))


# --- measure --------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36


def _file_actions(args):
    acts = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0)]
    for fd, path in ((1, args.stdout), (2, args.stderr)):
        acts.append((os.POSIX_SPAWN_OPEN, fd, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    return acts


def _status(status):
    return os.waitstatus_to_exitcode(status)


def measure(args):
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        sys.exit("bench_gen: measure needs a command after --")
    prog = cmd[0] if "/" in cmd[0] else shutil.which(cmd[0])
    if prog is None:
        sys.exit("bench_gen: %s not found" % cmd[0])
    prog = os.path.abspath(prog)
    env = dict(os.environ)
    for kv in args.setenv:
        k, _, v = kv.partition("=")
        env[k] = v
    acts = _file_actions(args)

    best, rc = None, None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        pid = os.posix_spawn(prog, cmd, env, file_actions=acts)
        _, status = os.waitpid(pid, 0)
        t1 = time.perf_counter()
        rc = _status(status)
        best = t1 - t0 if best is None else min(best, t1 - t0)

    peak = 0
    if args.rss_runs > 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            sys.exit("bench_gen: prctl(PR_SET_CHILD_SUBREAPER) failed")
        for _ in range(args.rss_runs):
            sh = os.posix_spawn("/bin/sh", ["sh", "-c", '"$@" &', "sh", prog] + cmd[1:],
                                env, file_actions=acts)
            os.waitpid(sh, 0)
            # The command is now ours; the only child left.
            deadline = time.monotonic() + args.time_limit
            while True:
                try:
                    got, status, ru = os.wait4(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if got:
                    peak = max(peak, ru.ru_maxrss)
                    continue
                if time.monotonic() > deadline:
                    sys.exit("bench_gen: measured command still running after %gs" % args.time_limit)
                time.sleep(0.001)
    print("%.6f %d %d" % (best, peak, rc))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("gen")
    g.add_argument("out")
    g.add_argument("--bytes", type=int, default=50 << 20)
    g.add_argument("--seed", type=int, default=20260821)
    g.add_argument("--check", action="store_true")
    m = sub.add_parser("measure")
    m.add_argument("--runs", type=int, default=5)
    m.add_argument("--rss-runs", type=int, default=1)
    m.add_argument("--setenv", action="append", default=[])
    m.add_argument("--stdout", default="/dev/null")
    m.add_argument("--stderr", default="/dev/null")
    m.add_argument("--time-limit", type=float, default=60.0)
    m.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    gen(args) if args.what == "gen" else measure(args)


if __name__ == "__main__":
    main()
