import json, os, sys, statistics as st
groups = {}
for run in sys.argv[1:]:
    b = 'before' if run.startswith('before') else 'after'
    for f in json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), run, 'figures.json'))):
        sc = 'mahimahi' if 'mahi' in f['scenario'] else '5.1'
        groups.setdefault((sc, b), []).append(f)
keys = [('utilization','util',2), ('delayGrowthP95Ms','delay growth p95 ms',0), ('transportDelayGrowthP95Ms','after encoder p95 ms',0), ('delayGrowthMaxMs','max ms',0), ('fps','fps',1), ('freezes','freezes',0), ('freezeMs','freeze ms',0), ('queueDelayP95Ms','queue p95 ms',0), ('loss','loss',4), ('encoderLagP95Ms','encoder lag p95 ms',0)]
print("| scenario | build | runs | " + " | ".join(k[1] + " (median; range)" for k in keys) + " |")
print("|---|---|---|" + "---|" * len(keys))
for (sc, b), fs in sorted(groups.items(), key=lambda x: (x[0][0] != 'mahimahi', x[0][1] != 'before')):
    cells = []
    for k, _, d in keys:
        v = [x[k] for x in fs if k in x]
        cells.append(f"{st.median(v):.{d}f} ({min(v):.{d}f}–{max(v):.{d}f})")
    print(f"| {sc} | {b} | {len(fs)} | " + " | ".join(cells) + " |")
