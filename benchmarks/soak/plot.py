#!/usr/bin/env python3
"""Plots soak.csv (t_s and one column per series) as an SVG of small multiples; no dependencies."""
import csv
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    rows = list(csv.DictReader(f))
if len(rows) < 2:
    sys.exit("need two samples or more in " + src)
t = [float(r["t_s"]) / 60 for r in rows]
series = [c for c in rows[0] if c != "t_s"]
W, H, PAD = 420, 170, 40
cols = 2
out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">'
       % (cols * W, ((len(series) + cols - 1) // cols) * H)]
for i, name in enumerate(series):
    ys = [float(r[name] or 0) for r in rows]
    x0, y0 = (i % cols) * W, (i // cols) * H
    lo, hi = min(ys), max(ys)
    if hi == lo:
        hi = lo + 1
    def px(v):
        return x0 + PAD + (v - t[0]) / ((t[-1] - t[0]) or 1) * (W - 2 * PAD)
    def py(v):
        return y0 + H - PAD + (lo - v) / (hi - lo) * (H - 2 * PAD)
    pts = " ".join("%.1f,%.1f" % (px(a), py(b)) for a, b in zip(t, ys))
    out.append('<text x="%d" y="%d" font-weight="bold">%s (min %g, max %g, last %g)</text>'
               % (x0 + PAD, y0 + 16, name, min(ys), max(ys), ys[-1]))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>'
               % (x0 + PAD, y0 + PAD, W - 2 * PAD, H - 2 * PAD))
    out.append('<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="%s"/>' % pts)
    out.append('<text x="%d" y="%d">%g</text>' % (x0 + 2, y0 + PAD + 4, hi))
    out.append('<text x="%d" y="%d">%g</text>' % (x0 + 2, y0 + H - PAD, lo))
    out.append('<text x="%d" y="%d">%.0f min</text>' % (x0 + W - PAD - 30, y0 + H - PAD + 14, t[-1]))
out.append("</svg>")
with open(dst, "w") as f:
    f.write("\n".join(out))
