#!/usr/bin/env python3
"""Per-capacity-segment figures of bottleneck runs (queue delay p95, loss), and the 5 s share ratios of a two-flow run.

Usage: segments.py RUN_DIR...   (each a BottleneckBench --out folder)
Queue delay = backlog_bytes * 8 / capacity_bps (as Analysis does), its p50/p95 and how long it is over 100 ms;
loss = drops / (packets + drops) in the segment; offered = what entered the bottleneck in the 2 s before the segment
(dequeued bytes + backlog change; drops not counted).
NACKed / RTX: sequence numbers NACKed to the WHIP client and retransmissions it sent in the segment (its `N` lines in
`-publisher*.txt`, from the runs that have them), per flow.
"""
import csv
import glob
import os
import sys


def pct(v, p):
    if not v:
        return 0.0
    s = sorted(v)
    return s[max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))]


def t0_nanos(run, flow, pub):
    """The publisher's nanoTime of the run's t = 0: its i-th E line is the flow's i-th estimate in -sender.csv."""
    est = [float(r["t_ms"]) for r in csv.DictReader(open(run + "-sender.csv"))
           if r["flow"] == flow and r["kind"] == "estimate"]
    e = [int(l.split()[1]) for l in open(pub) if l.startswith("E ") and int(l.split()[3]) > 0]
    for i, t in enumerate(est):
        if t >= 0 and i < len(e):
            return e[i] - t * 1e6
    return None


def nacks(run):
    """Per flow: [(t_ms, nacks received, retransmissions)] from the N lines."""
    res = {}
    for pub in sorted(glob.glob(run + "-publisher*.txt")):
        flow = pub[len(run + "-publisher"):-len(".txt")] or "1"
        t0 = t0_nanos(run, flow, pub)
        n = [l.split() for l in open(pub) if l.startswith("N ")]
        if t0 is not None and n:
            res[flow] = [((int(x[1]) - t0) / 1e6, int(x[2]), int(x[3])) for x in n]
    return res


def counted(series, t_from, t_to):
    inside = [x for x in series if t_from <= x[0] <= t_to]
    if len(inside) < 2:
        return 0, 0
    return inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]


def segments(path, rtx=None):
    rows = [r for r in csv.DictReader(open(path)) if float(r["t_ms"]) >= 0]
    segs, cur = [], None
    for r in rows:
        cap = int(r["capacity_bps"])
        if cur is None or cap != cur["cap"]:
            cur = {"cap": cap, "t0": float(r["t_ms"]), "rows": []}
            segs.append(cur)
        cur["rows"].append(r)
    out = []
    for i, s in enumerate(segs):
        q = [int(r["backlog_bytes"]) * 8 * 1000 / s["cap"] for r in s["rows"]]
        first, last = s["rows"][0], s["rows"][-1]
        above = sum(float(b["t_ms"]) - float(a["t_ms"]) for a, b, d in zip(s["rows"], s["rows"][1:], q[1:]) if d > 100)
        before = [r for r in rows if s["t0"] - 2000 <= float(r["t_ms"]) < s["t0"]]
        offered = ((int(before[-1]["bytes"]) - int(before[0]["bytes"]) + int(before[-1]["backlog_bytes"])
                    - int(before[0]["backlog_bytes"])) * 8 / ((float(before[-1]["t_ms"]) - float(before[0]["t_ms"])) / 1000)
                   if i > 0 and len(before) > 1 else -1)
        drops = int(last["drops"]) - int(first["drops"])
        pk = int(last["packets"]) - int(first["packets"])
        line = "%5.1f-%5.1f s @ %4d kbit/s: queue p50 %3.0f / p95 %3.0f ms, > 100 ms for %.1f s, loss %.2f %%" % (
            s["t0"] / 1000, float(last["t_ms"]) / 1000, s["cap"] // 1000, pct(q, 50), pct(q, 95), above / 1000,
            100.0 * drops / max(1, pk + drops))
        if offered >= 0:
            line += ", offered %d kbit/s in the 2 s before" % (offered / 1000)
        for flow, series in sorted((rtx or {}).items()):
            nk, rt = counted(series, s["t0"], float(last["t_ms"]))
            line += ", flow %s NACKed %d / RTX %d" % (flow, nk, rt)
        out.append(line)
    return out


def share_ratios(path, duration_ms=60000):
    by = {}
    for r in csv.DictReader(open(path)):
        by.setdefault(r["flow"], []).append((float(r["t_ms"]), int(r["bytes"])))
    flows = sorted(by)
    if len(flows) != 2:
        return None
    res = []
    for w in range(0, duration_ms - 4999, 5000):
        a, b = (sum(n for t, n in by[f] if w <= t < w + 5000) for f in flows)
        res.append(round(a / b, 2) if b else -1)
    return res


for d in sys.argv[1:]:
    for q in sorted(glob.glob(os.path.join(d, "*-qdisc.csv"))):
        name = os.path.basename(q)[:-len("-qdisc.csv")]
        print(d, name)
        for line in segments(q, nacks(q[:-len("-qdisc.csv")])):
            print("   ", line)
        r = share_ratios(q.replace("-qdisc.csv", "-frames.csv"))
        if r:
            print("    share ratios (flow 1 / flow 2, 5 s):", r)
