import subprocess, sys, time, os
# usage: threads.py cmd...  -> per-thread CPU (s) and first-seen time
t0=time.time()
p=subprocess.Popen(sys.argv[1:])
seen={}
last={}
hz=os.sysconf('SC_CLK_TCK')
def sample():
    try:
        tasks=os.listdir(f'/proc/{p.pid}/task')
    except FileNotFoundError:
        return
    for t in tasks:
        try:
            s=open(f'/proc/{p.pid}/task/{t}/stat').read()
        except Exception: continue
        name=s[s.index('(')+1:s.rindex(')')]
        f=s[s.rindex(')')+2:].split()
        cpu=(int(f[11])+int(f[12]))/hz
        try:
            ss=open(f'/proc/{p.pid}/task/{t}/schedstat').read().split()
            cpu=(int(ss[0])/1e9, int(ss[1])/1e9)
        except Exception: cpu=(cpu,0)
        key=(t,name)
        if key not in seen: seen[key]=time.time()-t0
        last[key]=(cpu,time.time()-t0)
while p.poll() is None:
    sample(); time.sleep(0.05)
wall=time.time()-t0
print(f"wall {wall:.2f}")
agg={}
for (t,name),(cpu,ts) in sorted(last.items(), key=lambda kv:-kv[1][0][0]):
    if cpu[0]>=0.05:
        span=ts-seen[(t,name)]
        print(f"{name:20s} first {seen[(t,name)]:.2f}s last {ts:.2f}s span {span:.2f} run {cpu[0]:.2f} runq {cpu[1]:.2f} blocked {span-cpu[0]-cpu[1]:.2f}")
print("sum", round(sum(c[0] for c,_ in last.values()),2))
