#!/usr/bin/env python3
"""qd1-hops.py LABEL PERF.DATA LOOP PID - where each QD1 read's time goes, hop by hop.

Reads a `perf record -a` of the kernel's tracepoints over a pass of fio's random reads at QD1 on
loop device LOOP (major:minor): block:block_rq_issue and block:block_rq_complete (fio's request
on the loop device), fuse:fuse_request_send and fuse:fuse_request_end (the FUSE request loop's
worker makes and the reply that ends it), syscalls:sys_enter_pread64 and sys_exit_pread64 in
process PID (the daemon's read of the backing file; PID 0 where no daemon serves the device).
Each read runs from fio's submission to its next one (QD1: one read at a time), and is cut at
those events; a device without FUSE (raw loop) has only loop's part and the way back to fio.
Prints each hop's p50, p90 and p99 over the pass and its mean over the slowest 1 % of reads, and
how often the backing file's read ended on another CPU than it began.
"""
import re
import statistics
import subprocess
import sys

label, data, loop, pid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
LINE = re.compile(r"\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)")
script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,cpu,time,event,trace"],
                        capture_output=True, text=True, check=True).stdout.splitlines()
reads, cur = [], None
for line in script:
    m = LINE.match(line)
    if not m:
        continue
    comm, p, tid, cpu, t, event, rest = m.groups()
    t = float(t) * 1e6
    on_loop = rest.startswith(loop + " ")
    if event == "block:block_rq_issue" and on_loop:
        if cur is not None:
            cur["next"] = t
            reads.append(cur)
        cur = {"submit": t}
    elif cur is None:
        continue
    elif event == "fuse:fuse_request_send":
        cur.setdefault("request", t)
    elif event == "syscalls:sys_enter_pread64" and p == pid and "read" not in cur:
        cur["read"], cur["tid"], cur["cpu"] = t, tid, cpu
    elif event == "syscalls:sys_exit_pread64" and tid == cur.get("tid") and "read_done" not in cur:
        cur["read_done"], cur["moved"] = t, cpu != cur["cpu"]
    elif event == "fuse:fuse_request_end":
        cur.setdefault("reply", t)
    elif event == "block:block_rq_complete" and on_loop:
        cur.setdefault("done", t)

fuse = pid != "0"
hops = [("submit", "request", "fio's submission to the FUSE request (loop's worker)"),
        ("request", "read", "FUSE request to the daemon's read of the file"),
        ("read", "read_done", "the daemon's read of the backing file"),
        ("read_done", "reply", "read to the daemon's reply"),
        ("reply", "done", "reply to loop's completion"),
        ("done", "next", "loop's completion to fio's next submission")] if fuse else \
       [("submit", "done", "fio's submission to loop's completion (its worker, the file)"),
        ("done", "next", "loop's completion to fio's next submission")]
keys = {k for h in hops for k in h[:2]}
whole = [r for r in reads if keys <= r.keys() and all(r[a] <= r[b] for a, b, _ in hops)]
if len(whole) < 100:
    sys.exit("qd1-hops.py: %s: only %d of %d reads have every hop in %s" % (label, len(whole), len(reads), data))


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


cycle = [r["next"] - r["submit"] for r in whole]
slowest = sorted(whole, key=lambda r: r["next"] - r["submit"])[-max(1, len(whole) // 100):]
print("%s: %d reads, submission to the next: p50 %.0f, p99 %.0f us" % (label, len(whole), pct(cycle, .5),
                                                                        pct(cycle, .99)))
print("  %-58s %5s %5s %5s  %s" % ("hop (us)", "p50", "p90", "p99", "slowest 1 %, mean"))
for a, b, name in hops:
    v = [r[b] - r[a] for r in whole]
    print("  %-58s %5.0f %5.0f %5.0f  %5.0f" % (name, pct(v, .5), pct(v, .9), pct(v, .99),
                                               statistics.mean(r[b] - r[a] for r in slowest)))
if fuse:
    moved = sum(1 for r in whole if r["moved"])
    print("  the file's read ended on another CPU than it began: %d of %d (%.0f %%)"
          % (moved, len(whole), 100.0 * moved / len(whole)))
