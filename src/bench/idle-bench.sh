#!/usr/bin/env bash
# idle-bench.sh [--size 1G] [--runtime 5] - what waking idle CPUs costs each path, on a VM whose
# cpuidle driver is haltpoll. With guest_halt_poll_ns 0 an idle CPU halts at once and only the
# hypervisor wakes it again; every hop of a QD1 read that finds its CPU halted waits for that.
# Random 4 KiB reads at QD1 and sequential 1 MiB writes at QD4, each pass after dropped caches, on
# raw loop with direct I/O, mapperfs linear, qemu-storage-daemon's FUSE export (the same file) and
# the do-nothing device, with halt polling as the host has it and at POLL_NS (default 200000),
# alternating (host, poll, poll, host) for ROUNDS rounds (default 3). Prints every pass and the
# medians. The host's setting is put back at exit, also after a failure. Refuses where the driver
# is not haltpoll. As root.
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"
param=/sys/module/haltpoll/parameters/guest_halt_poll_ns
if [ "$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null)" != haltpoll ] || [ ! -w "$param" ]; then
  echo "idle-bench.sh: the cpuidle driver is not haltpoll (or $param is not writable): nothing to compare" >&2
  exit 1
fi
bench_start idle 1G "$@"
rounds=${ROUNDS:-3}
poll=${POLL_NS:-200000}
host=$(cat "$param")
[ "$host" != "$poll" ] || { echo "idle-bench.sh: the host already polls $poll ns; set POLL_NS to another value" >&2; exit 1; }
mapperfs_install jq jq # ensure-deps, sourced by bench_start
idle_cleanup() {
  set +e
  echo "$host" > "$param"
  bench_cleanup
}
trap idle_cleanup EXIT

bench_mount
dd if=/dev/urandom of="$work/a.img" bs=1M count=$((bytes / 1048576)) status=none
m create lin --table "0 $sectors linear $work/a.img 0" >/dev/null
m create nul --table "0 $sectors zero" >/dev/null
declare -A dev
dev[lin]=$(m attach lin); loops+=("${dev[lin]}")
dev[nul]=$(m attach nul); loops+=("${dev[nul]}")
dev[raw]=$(losetup --find --show --direct-io=on "$work/a.img"); loops+=("${dev[raw]}")
bench_qsd "$work/a.img"
dev[qsd]=$qsd_dev

declare -A args=([qd1]="--rw=randread --bs=4k --iodepth=1 --norandommap" [write]="--rw=write --bs=1M --iodepth=4")
results="$work/results.tsv"
: > "$results"
echo "halt polling: host ${host} ns, against ${poll} ns; $rounds rounds; $size, $runtime s passes"
for w in qd1 write; do
  for ((r = 1; r <= rounds; r++)); do
    for ns in "$host" "$poll" "$poll" "$host"; do
      echo "$ns" > "$param"
      for c in raw lin qsd nul; do
        sync; echo 3 > /proc/sys/vm/drop_caches
        # shellcheck disable=SC2086
        fio --name="$w" --filename="${dev[$c]}" ${args[$w]} --direct=1 --ioengine=libaio --size="$size" \
          --time_based --runtime="$runtime" --output-format=json --output="$work/fio.json" >/dev/null
        [ "$(jq '.jobs[0].error' "$work/fio.json")" = 0 ] || { echo "idle-bench.sh: fio failed on $c" >&2; exit 1; }
        jq -r --arg w "$w" --arg c "$c" --arg ns "$ns" \
          '.jobs[0] | (if $w == "write" then .write else .read end)
           | [$w, $c, $ns, (.iops | floor), (.bw_bytes / 1e6 | floor),
              (.clat_ns.percentile["50.000000"] / 1000 | floor), (.clat_ns.percentile["99.000000"] / 1000 | floor)]
           | @tsv' "$work/fio.json" | tee -a "$results"
      done
    done
  done
done
echo "$host" > "$param"
python3 - "$results" "$host" "$poll" <<'PY'
import collections, statistics, sys
path, host, poll = sys.argv[1:]
runs = collections.defaultdict(list)
for line in open(path):
    w, c, ns, iops, mbs, p50, p99 = line.split("\t")
    runs[(w, c, ns)].append((int(iops), int(mbs), int(p50), int(p99)))
names = {"raw": "raw loop dio", "lin": "mapperfs linear", "qsd": "qemu-storage-daemon", "nul": "do-nothing"}
for w, label in (("qd1", "random 4 KiB reads QD1: IOPS, p50 / p99 us"), ("write", "seq 1 MiB writes QD4: MB/s")):
    print("\nmedians, " + label)
    for ns, what in ((host, "halting at once" if host == "0" else "host's %s ns" % host), (poll, "polling %s ns" % poll)):
        cells = []
        for c in ("raw", "lin", "qsd", "nul"):
            v = runs[(w, c, ns)]
            med = lambda k: statistics.median(x[k] for x in v)
            cells.append("%s %.0f, %.0f / %.0f" % (names[c], med(0), med(2), med(3)) if w == "qd1"
                         else "%s %.0f" % (names[c], med(1)))
        print("  %-22s %s" % (what + ":", "; ".join(cells)))
    for ns in (host, poll):
        lin, qsd = runs[(w, "lin", ns)], runs[(w, "qsd", ns)]
        ratio = [round(a[0] / b[0], 2) for a, b in zip(lin, qsd)]
        tail = sum(1 for a, b in zip(lin, qsd) if a[3] <= b[3])
        print("  linear / qsd at %s ns, pass by pass: %s%s" % (ns, " ".join(map(str, ratio)),
              "; p99 no worse in %d of %d" % (tail, len(lin)) if w == "qd1" else ""))
PY
