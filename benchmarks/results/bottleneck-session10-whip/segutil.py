#!/usr/bin/env python3
"""Utilization per capacity segment from a -qdisc.csv (delivered bytes / capacity); steady = segment minus its first 5 s."""
import csv, sys
for f in sys.argv[1:]:
    rows = [(float(r["t_ms"]), int(r["bytes"]), int(r["capacity_bps"])) for r in csv.DictReader(open(f))]
    segs = []
    for t, b, c in rows:
        if not segs or segs[-1][2] != c:
            segs.append([t, t, c])
        segs[-1][1] = t
    out = []
    for s0, s1, c in segs:
        def util(a):
            pts = [(t, b) for t, b, cc in rows if a <= t <= s1]
            if len(pts) < 2: return float('nan')
            return (pts[-1][1] - pts[0][1]) * 8 / ((pts[-1][0] - pts[0][0]) / 1000) / c
        out.append("%.0f-%.0fs@%dk all %.2f steady %.2f" % (s0/1000, s1/1000, c//1000, util(s0), util(s0 + 5000)))
    print(f.split('/')[-2] + '/' + f.split('/')[-1].replace('-qdisc.csv', ''), ' | '.join(out))
