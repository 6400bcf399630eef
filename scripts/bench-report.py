#!/usr/bin/env python3
"""Report of a benchmark run (scripts/bench.sh): Rust vs C SCSI stack.

Usage:
  bench-report.py [--csv FILE] CONSOLE_LOG
  bench-report.py --self-test

Reads the lines
  BENCH <stack> <round> <backing> <workload> <fio terse v3 line>
from the console log (anything before "BENCH" and carriage returns are
ignored; lines that do not hold a complete terse v3 record are skipped with
a warning; when a key (stack, round, backing, workload) appears twice the
last record wins).  For every (backing, workload) and stack it prints the
mean IOPS, the mean bandwidth (MiB/s) and the medians of the per-sample p50
and p99 completion latencies (us; the read or the write side, whichever did
the I/O), and the Rust/C IOPS ratio: the mean of the per-round paired ratios
rs/c with a 95% confidence interval mean +- t(0.975, n-1) * s / sqrt(n)
(none for n = 1).  The table is a reStructuredText simple table.  Then one
verdict line per (backing, workload), judged on the interval's lower bound
(on the ratio itself when n = 1):
  ok          lower bound >= 1.0
  below goal  0.95 <= lower bound < 1.0
  FAIL        lower bound < 0.95
Writes a summary CSV (default: the log's name with .csv) and the samples
(same name with .samples.csv).  Exit status 0, or 1 when the log holds no
usable sample, 2 on usage errors.

--self-test runs small fio jobs on the host (fio must be installed), wraps
their terse lines into a synthetic log and checks the parser and the
statistics against fio's own JSON output and hand-computed values.
"""

import csv
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

STACKS = ("c", "rs")
# fio terse v3: 5 leading fields, then READ and WRITE blocks of 41 fields:
# kb, bw (KiB/s), iops, runtime (ms), slat x4, clat x4, 20 clat percentiles
# "P%=usec", lat x4, bw min/max/agg%/mean/dev.
TERSE_HEAD = 5
BLOCK = 41
READ_BASE = TERSE_HEAD
WRITE_BASE = TERSE_HEAD + BLOCK
MIN_FIELDS = TERSE_HEAD + 2 * BLOCK  # up to the end of the WRITE block
PCT_OFF = 12  # first percentile field within a block

# Two-sided 95%: t(0.975, df).  Between rows the smaller df is used
# (a slightly wider, conservative interval).
T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
    8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160,
    14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
    20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021,
    50: 2.009, 60: 2.000, 80: 1.990, 100: 1.984, 120: 1.980,
}
T975_INF = 1.960

# Any console prefix may precede "BENCH" (BENCHINFO/BENCHERR do not match).
BENCH_RE = re.compile(r"BENCH\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)")


def t975(df):
    if df < 1:
        raise ValueError("df must be >= 1")
    if df > max(T975):
        return T975_INF
    return T975[max(k for k in T975 if k <= df)]


def warn(msg):
    print("bench-report: warning: " + msg, file=sys.stderr)


def parse_terse(line):
    """One fio terse v3 record -> dict of the metrics, or raise ValueError."""
    f = line.split(";")
    if len(f) < MIN_FIELDS:
        raise ValueError("%d fields, want at least %d" % (len(f), MIN_FIELDS))
    if f[0] != "3":
        raise ValueError("terse version %r, want 3" % f[0])
    if f[4] != "0":
        raise ValueError("fio error %s" % f[4])
    for base in (READ_BASE, WRITE_BASE):
        p = f[base + PCT_OFF]
        if "%=" not in p:
            raise ValueError("field %d is %r, not a percentile" % (base + PCT_OFF, p))
    read_kb, write_kb = float(f[READ_BASE]), float(f[WRITE_BASE])
    if read_kb <= 0 and write_kb <= 0:
        raise ValueError("no I/O")
    side, base = ("read", READ_BASE) if read_kb >= write_kb else ("write", WRITE_BASE)
    pcts = {}
    for i in range(20):
        key, _, val = f[base + PCT_OFF + i].partition("%=")
        if float(key) > 0:
            pcts[round(float(key), 6)] = float(val)
    if 50.0 not in pcts or 99.0 not in pcts:
        raise ValueError("no 50%/99% completion latency percentile")
    bs = bs_bytes(f[2])  # terse v3 has no block size field: the job name's
    return {
        "job": f[2],
        "side": side,
        "disk_ios": disk_ios(f),
        "fio_ios": float(f[base]) * 1024 / bs if bs else None,
        "iops": float(f[base + 2]),
        "bw_kib": float(f[base + 1]),
        "p50_us": pcts[50.0],
        "p99_us": pcts[99.0],
    }


def disk_ios(f):
    """Block requests the device completed during the sample (ramp included),
    from fio's disk statistics at the end of the record
    (name;read_ios;write_ios;read_merges;write_merges;read_ticks;write_ticks;
    in_queue;util%), or None when fio printed none."""
    d = f[-9:]
    if len(f) < MIN_FIELDS + 9 or not d[-1].endswith("%"):
        return None
    try:
        return int(d[1]) + int(d[2])
    except ValueError:
        return None


def bs_bytes(job):
    """The block size in a workload name such as read-1m-qd8, or None."""
    m = re.search(r"-(\d+)([km])-", job)
    if not m:
        return None
    return int(m.group(1)) * (1024 if m.group(2) == "k" else 1024 * 1024)


def parse_log(lines):
    """-> {(stack, round, backing, workload): metrics}"""
    samples = {}
    for num, raw in enumerate(lines, 1):
        line = raw.replace("\r", "").rstrip("\n")
        m = BENCH_RE.search(line)
        if not m:
            if re.search(r"BENCH\s", line):
                warn("line %d: incomplete BENCH line skipped" % num)
            continue
        stack, rnd, backing, workload, terse = m.groups()
        try:
            metrics = parse_terse(terse)
        except ValueError as e:
            warn("line %d: %s %s %s %s: bad fio record skipped (%s)" % (num, stack, rnd, backing, workload, e))
            continue
        key = (stack, int(rnd), backing, workload)
        if key in samples:
            warn("line %d: %s round %s %s %s seen before; the later record wins" % (num, stack, rnd, backing, workload))
        samples[key] = metrics
    return samples


def ratio_ci(ratios):
    """-> (mean, lo, hi); lo/hi None for n < 2"""
    n = len(ratios)
    if n == 0:
        return None, None, None
    mean = statistics.fmean(ratios)
    if n < 2:
        return mean, None, None
    half = t975(n - 1) * statistics.stdev(ratios) / math.sqrt(n)
    return mean, mean - half, mean + half


def verdict(mean, lo):
    if mean is None:
        return "no data"
    bound = lo if lo is not None else mean
    if bound >= 1.0:
        return "ok"
    if bound >= 0.95:
        return "below goal"
    return "FAIL"


def order_key(seq, known):
    return sorted(seq, key=lambda x: (known.index(x) if x in known else len(known), x))


BACKING_ORDER = ["null", "raw"]
WORKLOAD_ORDER = ["randread-4k-qd1", "randread-4k-qd32", "randwrite-4k-qd32", "read-1m-qd8", "write-1m-qd8"]


def summarize(samples):
    """-> list of dicts, one per (backing, workload)"""
    for s in sorted({k[0] for k in samples} - set(STACKS)):
        warn("unknown stack %r ignored" % s)
    groups = {}
    for (stack, rnd, backing, workload), m in samples.items():
        if stack in STACKS:
            groups.setdefault((backing, workload), {}).setdefault(stack, {})[rnd] = m
    rows = []
    for backing in order_key({k[0] for k in groups}, BACKING_ORDER):
        for workload in order_key({k[1] for k in groups if k[0] == backing}, WORKLOAD_ORDER):
            g = groups[(backing, workload)]
            row = {"backing": backing, "workload": workload}
            for stack in STACKS:
                per = g.get(stack, {})
                vals = list(per.values())
                row[stack] = {
                    "n": len(vals),
                    "iops": statistics.fmean(v["iops"] for v in vals) if vals else None,
                    "mib_s": statistics.fmean(v["bw_kib"] for v in vals) / 1024 if vals else None,
                    "p50_us": statistics.median(v["p50_us"] for v in vals) if vals else None,
                    "p99_us": statistics.median(v["p99_us"] for v in vals) if vals else None,
                }
            c, rs = g.get("c", {}), g.get("rs", {})
            paired = sorted(set(c) & set(rs))
            ratios = [rs[r]["iops"] / c[r]["iops"] for r in paired if c[r]["iops"] > 0]
            mean, lo, hi = ratio_ci(ratios)
            row.update(n_pairs=len(ratios), ratio=mean, lo=lo, hi=hi, verdict=verdict(mean, lo))
            rows.append(row)
    return rows


def fmt(v, nd=0):
    if v is None:
        return "-"
    return "%.*f" % (nd, v)


def rst_table(header, body):
    widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)

    def line(r):
        return "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()

    return "\n".join([rule, line(header), rule] + [line(r) for r in body] + [rule])


def render(rows):
    header = ["backing", "workload", "n", "C IOPS", "Rust IOPS", "C MiB/s", "Rust MiB/s",
              "C p50 µs", "Rust p50 µs", "C p99 µs", "Rust p99 µs", "Rust/C IOPS", "95% CI"]
    body = []
    for r in rows:
        c, rs = r["c"], r["rs"]
        n = "%d/%d" % (c["n"], rs["n"]) if c["n"] != rs["n"] else str(c["n"])
        ci = "%.3f .. %.3f" % (r["lo"], r["hi"]) if r["lo"] is not None else "-"
        body.append([r["backing"], r["workload"], n,
                     fmt(c["iops"]), fmt(rs["iops"]), fmt(c["mib_s"], 1), fmt(rs["mib_s"], 1),
                     fmt(c["p50_us"]), fmt(rs["p50_us"]), fmt(c["p99_us"]), fmt(rs["p99_us"]),
                     fmt(r["ratio"], 3), ci])
    out = [rst_table(header, body), ""]
    for r in rows:
        if r["ratio"] is None:
            detail = "no paired rounds"
        elif r["lo"] is None:
            detail = "rs/c %.3f, n=1, no CI" % r["ratio"]
        else:
            detail = "rs/c %.3f, 95%% CI %.3f .. %.3f, n=%d" % (r["ratio"], r["lo"], r["hi"], r["n_pairs"])
        out.append("VERDICT %s %s: %s (%s)" % (r["backing"], r["workload"], r["verdict"], detail))
    return "\n".join(out) + "\n"


def write_csv(rows, samples, path):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["backing", "workload", "stack", "n", "iops_mean", "mib_s_mean", "p50_us_median",
                    "p99_us_median", "rs_c_iops_ratio", "ci95_lo", "ci95_hi", "pairs", "verdict"])
        for r in rows:
            for stack in STACKS:
                s = r[stack]
                w.writerow([r["backing"], r["workload"], stack, s["n"], fmt(s["iops"], 2), fmt(s["mib_s"], 3),
                            fmt(s["p50_us"], 1), fmt(s["p99_us"], 1), fmt(r["ratio"], 5),
                            fmt(r["lo"], 5), fmt(r["hi"], 5), r["n_pairs"], r["verdict"]])
    spath = re.sub(r"\.csv$", "", path) + ".samples.csv"
    with open(spath, "w", newline="") as fh:
        w = csv.writer(fh)
        # disk_reqs_per_io: block requests (ramp included) per I/O fio
        # counted (ramp excluded): constant for a workload unless the
        # block layer split some of fio's I/Os.
        w.writerow(["stack", "round", "backing", "workload", "side", "iops", "bw_kib_s", "p50_us", "p99_us",
                    "disk_reqs_per_io"])
        for (stack, rnd, backing, workload), m in sorted(samples.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][3], kv[0][0])):
            per = m["disk_ios"] / m["fio_ios"] if m["disk_ios"] is not None and m["fio_ios"] else None
            w.writerow([stack, rnd, backing, workload, m["side"], m["iops"], m["bw_kib"], m["p50_us"], m["p99_us"],
                        fmt(per, 3)])
    return spath


def report(log_path, csv_path=None, out=sys.stdout):
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        samples = parse_log(fh)
    if not samples:
        print("bench-report: no usable BENCH lines in %s" % log_path, file=sys.stderr)
        return 1, None, None
    rows = summarize(samples)
    out.write(render(rows))
    csv_path = csv_path or (re.sub(r"\.log$", "", log_path) + ".csv")
    write_csv(rows, samples, csv_path)
    return 0, rows, samples


# ---- self-test ----------------------------------------------------------------

def self_test():
    import json
    failures = []

    def check(cond, what):
        print(("ok - " if cond else "not ok - ") + what)
        if not cond:
            failures.append(what)

    # t table sanity and the conservative lookup between rows.
    check(t975(1) == 12.706 and t975(4) == 2.776 and t975(35) == 2.042 and t975(1000) == 1.960,
          "t(0.975, df) table lookups")

    tmp = tempfile.mkdtemp(prefix="bench-report-test.")
    target = os.path.join(tmp, "f")
    with open(target, "wb") as fh:
        fh.truncate(16 << 20)
    jobs = [("randread-4k-qd1", "randread", "4k", 1), ("write-1m-qd8", "write", "1M", 8)]
    terse = {}
    for name, rw, bs, qd in jobs:
        # terse and json of the same run: the JSON is the reference.
        cmd = ["fio", "--name=" + name, "--filename=" + target, "--rw=" + rw, "--bs=" + bs,
               "--iodepth=%d" % qd, "--ioengine=libaio", "--direct=1", "--size=16M", "--norandommap",
               "--time_based", "--runtime=1", "--eta=never", "--output-format=terse,json",
               "--terse-version=3"]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            print("bench-report: --self-test needs fio on the host", file=sys.stderr)
            return 2
        if res.returncode != 0:
            # Without O_DIRECT (e.g. some tmpfs) try buffered.
            cmd = [a for a in cmd if a != "--direct=1"]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        check(res.returncode == 0, "fio %s ran (status %d) %s" % (name, res.returncode, res.stderr.strip()[:200]))
        if res.returncode != 0:
            return 1
        tl = [l for l in res.stdout.splitlines() if l.startswith("3;")]
        check(len(tl) == 1, "fio %s printed one terse v3 line" % name)
        js = json.loads(res.stdout[res.stdout.index("{"):res.stdout.rindex("}") + 1])
        job = js["jobs"][0]
        side = "write" if "write" in rw else "read"
        m = parse_terse(tl[0])
        ref = job[side]
        pct = ref["clat_ns"]["percentile"]
        check(m["side"] == side, "%s: side is %s" % (name, side))
        check(abs(m["iops"] - ref["iops"]) <= max(1.0, ref["iops"] * 1e-3), "%s: IOPS %s vs JSON %s" % (name, m["iops"], ref["iops"]))
        check(abs(m["bw_kib"] - ref["bw"]) <= 1, "%s: bandwidth %s KiB/s vs JSON %s" % (name, m["bw_kib"], ref["bw"]))
        check(abs(m["p50_us"] - pct["50.000000"] / 1000) <= 1, "%s: p50 %s us vs JSON %s ns" % (name, m["p50_us"], pct["50.000000"]))
        check(abs(m["p99_us"] - pct["99.000000"] / 1000) <= 1, "%s: p99 %s us vs JSON %s ns" % (name, m["p99_us"], pct["99.000000"]))
        terse[name] = tl[0]

    def scaled(line, factor):
        f = line.split(";")
        for base in (READ_BASE, WRITE_BASE):
            f[base + 2] = repr(float(f[base + 2]) * factor)
            f[base + 1] = repr(float(f[base + 1]) * factor)
        return ";".join(f)

    # Rust/C factors per round -> expected verdicts (n = 3, t = 4.303):
    # mean 1.10, s 0.02 -> lo 1.050 ok; mean 0.99, s 0.01 -> lo 0.965 below
    # goal; mean 0.81, s 0.01 -> FAIL.
    plan = {
        ("null", "randread-4k-qd1"): ([1.10, 1.12, 1.08], "ok"),
        ("raw", "randread-4k-qd1"): ([0.99, 0.98, 1.00], "below goal"),
        ("null", "write-1m-qd8"): ([0.80, 0.82, 0.81], "FAIL"),
        ("raw", "write-1m-qd8"): ([1.00, 1.00, 1.00], "ok"),
    }
    log = ["[    1.000000] Linux version x", "BENCHINFO start rounds=3", "[init] running"]
    for rnd in (1, 2, 3):
        order = ("c", "rs") if rnd % 2 else ("rs", "c")
        for stack in order:
            for (backing, workload), (factors, _) in plan.items():
                f = factors[rnd - 1] if stack == "rs" else 1.0
                prefix = "\x1b[0m" if rnd == 2 else ""  # console noise before BENCH
                log.append("%sBENCH %s %d %s %s %s\r" % (prefix, stack, rnd, backing, workload, scaled(terse[workload], f)))
    # A line cut by a kernel message, an unknown stack, a duplicate with a
    # broken record: skipped or reported, not counted.
    log.append("BENCH c 1 null randread-4k-qd1 " + terse["randread-4k-qd1"][:200] + "[   99.1] sd 0:0:2:0: ...")
    log.append("BENCH c 4 null randread-4k-qd1 3;fio-3.33;x;0;5;" + ";0" * 100)
    log.append("BENCH c 4 raw")
    # n = 1 pair: no CI.
    log.append("BENCH c 1 null read-1m-qd8 " + terse["write-1m-qd8"])
    log.append("BENCH rs 1 null read-1m-qd8 " + scaled(terse["write-1m-qd8"], 0.97))
    log.append("SCSI_RS_EXIT=0")
    path = os.path.join(tmp, "console.log")
    with open(path, "w") as fh:
        fh.write("\n".join(log) + "\n")

    class Sink:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

    sink = Sink()
    rc, rows, samples = report(path, out=sink)
    sys.stdout.write(sink.text)
    check(rc == 0, "report on the synthetic log succeeds")
    check(len(samples) == 3 * 2 * 4 + 2, "%d samples parsed (want 26)" % len(samples))
    byk = {(r["backing"], r["workload"]): r for r in rows}
    for key, (factors, want) in plan.items():
        r = byk[key]
        mean = sum(factors) / 3
        s = math.sqrt(sum((x - mean) ** 2 for x in factors) / 2)
        half = 4.303 * s / math.sqrt(3)
        check(abs(r["ratio"] - mean) < 1e-9 and abs(r["lo"] - (mean - half)) < 1e-9
              and abs(r["hi"] - (mean + half)) < 1e-9,
              "%s %s: ratio %.4f CI %.4f .. %.4f" % (key + (r["ratio"], r["lo"], r["hi"])))
        check(r["verdict"] == want, "%s %s: verdict %s (want %s)" % (key + (r["verdict"], want)))
        check(r["c"]["n"] == 3 and r["rs"]["n"] == 3, "%s %s: 3 samples per stack" % key)
        base = parse_terse(terse[key[1]])
        check(abs(r["c"]["iops"] - base["iops"]) < 1e-6 and abs(r["rs"]["iops"] - base["iops"] * mean) < 1e-6,
              "%s %s: mean IOPS per stack" % key)
        check(abs(r["c"]["mib_s"] - base["bw_kib"] / 1024) < 1e-6, "%s %s: MiB/s" % key)
        check(r["c"]["p50_us"] == base["p50_us"] and r["rs"]["p99_us"] == base["p99_us"], "%s %s: latency medians" % key)
    one = byk[("null", "read-1m-qd8")]
    check(one["lo"] is None and one["verdict"] == "below goal" and "n=1, no CI" in sink.text,
          "n = 1: no CI, verdict on the ratio")
    check(sink.text.count("VERDICT ") == 5, "one verdict line per (backing, workload)")
    # The table is a well-formed simple table: rules match the header.
    lines = sink.text.splitlines()
    check(lines[0] == lines[2] and lines[0].startswith("=") and lines[0] in lines[3:],
          "reStructuredText simple-table rules")
    csv_path = os.path.join(tmp, "console.csv")
    with open(csv_path) as fh:
        crow = list(csv.DictReader(fh))
    check(len(crow) == 10 and os.path.exists(os.path.join(tmp, "console.samples.csv")),
          "CSV next to the log: 10 summary rows and the samples")
    # Medians and means with differing latencies: p50 median of 3 values.
    synth = {}
    for i, (p50, iops) in enumerate([(30, 100), (10, 300), (20, 200)], 1):
        f = terse["randread-4k-qd1"].split(";")
        f[READ_BASE + 2] = str(iops)
        for j in range(20):
            k, _, _ = f[READ_BASE + PCT_OFF + j].partition("%=")
            if k == "50.000000":
                f[READ_BASE + PCT_OFF + j] = "50.000000%=" + str(p50)
        synth[("c", i, "null", "w")] = parse_terse(";".join(f))
    r = summarize(synth)[0]
    check(r["c"]["p50_us"] == 20 and r["c"]["iops"] == 200 and r["ratio"] is None and r["verdict"] == "no data",
          "median of p50 and mean of IOPS; one stack only -> no data")
    if not failures:
        import shutil
        shutil.rmtree(tmp)
    print("%d failed" % len(failures))
    return 1 if failures else 0


def main(argv):
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    csv_path = None
    if len(args) >= 2 and args[0] == "--csv":
        csv_path = args[1]
        args = args[2:]
    if len(args) != 1 or args[0].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    rc, _, _ = report(args[0], csv_path)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
