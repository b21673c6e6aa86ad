import gzip, json, os, re, sys
BASE = os.path.dirname(os.path.abspath(__file__))
# usage: table.py run1 run2 ...
def load(run):
    txt = open(os.path.join(BASE, run, 'load.txt')).read()
    a = re.search(r'start .*load average: ([\d.]+)', txt); b = re.search(r'end .*load average: ([\d.]+)', txt)
    return f"{float(a.group(1)):.0f}–{float(b.group(1)):.0f}" if a and b else "?"
def frames(run, sc):
    p = os.path.join(BASE, run, f'{sc}-rtmp-frames.csv.gz')
    out = []
    for line in gzip.open(p, 'rt').read().splitlines()[1:]:
        f = line.split(',')
        if f[2] == '1': out.append((float(f[1]), int(f[3])))
    return out
def p95_outside(run, sc, a=19500, b=26000):
    fr = frames(run, sc)
    d = [t - pts/1000 for t, pts in fr]
    m = min(d)
    sel = sorted(x - m for (t, _), x in zip(fr, d) if not (a <= t < b))
    return sel[int(round(0.95 * (len(sel) - 1)))] if sel else 0
def window(run, sc, a=19500, b=26000):
    fr = [t for t, _ in frames(run, sc) if a <= t < b]
    gaps = [y - x for x, y in zip([a] + fr, fr + [b])]
    return f"{len(fr)}, {max(gaps)/1000:.1f}"
def gt1s(run, sc):
    fr = frames(run, sc); d = [t - pts/1000 for t, pts in fr]; m = min(d)
    return sum(1 for x in d if x - m > 1000), len(d)
print("| run | load | scenario | util | queue p95 ms | loss % | fps | freezes (ms) | delay growth p95 ms (after encoder) | max ms | same, frames outside 19.5–26 s | video frames > 1 s / received | frames received 19.5–26 s, longest gap there s | encoder lag p95 ms | sheds | 2 s drops | time to 90 %, s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for run in sys.argv[1:]:
    figs = json.load(open(os.path.join(BASE, run, 'figures.json')))
    for f in figs:
        sc = f['scenario']
        log = open(os.path.join(BASE, run, f'{sc}-rtmp.log')).read()
        sheds = log.count('shedding video'); drops = log.count('RTMP send backlog')
        n, tot = gt1s(run, sc)
        t90 = ', '.join(f"{x/1000:.1f}" for x in f.get('timeTo90Ms', [])) or '–'
        print(f"| {run} | {load(run)} | {'mahimahi' if 'mahi' in sc else '5.1'} | {f['utilization']:.2f} | {f['queueDelayP95Ms']:.0f} | {100*f['loss']:.2f} | {f['fps']} | {f['freezes']} ({f['freezeMs']}) | {f['delayGrowthP95Ms']:.0f} ({f.get('transportDelayGrowthP95Ms',0):.0f}) | {f['delayGrowthMaxMs']:.0f} | {(f'{p95_outside(run, sc):.0f}') if 'mahi' in sc else '–'} | {n} / {tot} | {window(run, sc) if 'mahi' in sc else '–'} | {f.get('encoderLagP95Ms','–')} | {sheds} | {drops} | {t90} |")
