#!/usr/bin/env bash
# qd1-tail.sh [--size 512M] [--runtime 20] - where QD1 latency's tail goes. A linear device
# through loop, random 4 KiB reads at QD1 after dropped caches (cold at first, then mostly from
# the backing file's page cache), with the daemon under JFR and -Xlog:safepoint. Prints the
# pass's percentiles, p50 and p99 per second of the pass, the garbage collections and safepoints
# that fell inside the pass, and how many slow reads came within 2 ms of each safepoint.
# Then the hops: one more pass each, of a quarter of the runtime (2 s at least), on raw loop
# buffered (the kernel's own loop reading the same file through the page cache), on linear and on
# qemu-storage-daemon's FUSE export of the same file, under perf recording the kernel's tracepoints
# (block, fuse, pread64); qd1-hops.py cuts every read at them and prints where its time went.
# TRANSPORT=uring picks the transport (default: mount's).
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"
bench_start qd1-tail 512M --runtime 20 "$@"
mapperfs_install perf linux-perf # ensure-deps, sourced by bench_start
tracefs=/sys/kernel/tracing
tracefs_was=$(findmnt -no FSTYPE "$tracefs" || true) # perf mounts it where nothing has
tail_cleanup() {
  set +e
  [ -z "$tracefs_was" ] && mountpoint -q "$tracefs" && umount "$tracefs"
  bench_cleanup
}
trap tail_cleanup EXIT
for event in fuse:fuse_request_send syscalls:sys_enter_pread64 block:block_rq_issue; do
  perf list "$event" 2>/dev/null | grep -q "$event" ||
    { echo "qd1-tail.sh: this kernel has no $event tracepoint to cut reads at" >&2; exit 1; }
done
export MAPPERFS_DAEMON_JAVA_OPTS="-Xms32m -Xmx128m -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m \
-Djdk.nio.maxCachedBufferSize=262144 -XX:StartFlightRecording=filename=$work/daemon.jfr,settings=profile \
-Xlog:safepoint:file=$work/safepoint.log:uptimemillis"
"$mfs" mount "$mnt" --state "$work/state" ${TRANSPORT:+--transport "$TRANSPORT"} >/dev/null
fallocate -l "$size" "$work/a.img"
m create lin --table "0 $sectors linear $work/a.img 0" >/dev/null
loop=$(m attach lin)
loops+=("$loop")
fio --name=fill --filename="$loop" --direct=1 --ioengine=libaio --rw=write --bs=1M --iodepth=4 \
    --size="$size" >/dev/null 2>&1
sync; echo 3 > /proc/sys/vm/drop_caches
pid=$(pgrep -f -- "--state $work/state" | head -1)
uptime0=$(awk -v hz="$(getconf CLK_TCK)" '{print $22 / hz}' /proc/$pid/stat)
boot_now=$(awk '{print $1}' /proc/uptime)
wall0=$(date +%T.%3N)
fio --name=qd1 --filename="$loop" --direct=1 --ioengine=libaio --rw=randread --bs=4k --iodepth=1 \
    --size="$size" --runtime="$runtime" --time_based --write_lat_log="$work/lat" --log_avg_msec=0 \
    --output-format=json > "$work/fio.json" 2>/dev/null
wall1=$(date +%T.%3N)
jcmd "$pid" JFR.dump filename="$work/daemon.jfr" >/dev/null
jfr print --events jdk.GarbageCollection "$work/daemon.jfr" > "$work/gc.txt"
# The pass began this many ms after the daemon's JVM started.
pass_at=$(python3 -c "print(int((float('$boot_now') - float('$uptime0')) * 1000))")
python3 - "$work" "$pass_at" "$runtime" "$wall0" "$wall1" <<'PY'
import re, sys
work, pass_at, runtime, wall0, wall1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [tuple(map(int, l.split(",")[:2])) for l in open(work + "/lat_clat.1.log")]
def pct(v, p):
    v = sorted(v)
    return v[max(0, int(len(v) * p) - 1)] / 1000
lat = [r[1] for r in rows]
print("QD1 random 4 KiB reads: %d in %d s; p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f us"
      % (len(lat), runtime, pct(lat, .5), pct(lat, .99), pct(lat, .999), max(lat) / 1000))
print("per second of the pass (p50 / p99 us):")
line = []
for s in range(runtime):
    w = [r[1] for r in rows if s * 1000 <= r[0] < (s + 1) * 1000]
    if w:
        line.append("%d: %.0f/%.0f" % (s, pct(w, .5), pct(w, .99)))
print("  " + "  ".join(line))
slow = pct(lat, .99) * 1000
sp = []
for l in open(work + "/safepoint.log"):
    m = re.match(r"\[(\d+)ms\].*Safepoint \"(\w+)\".*Total: (\d+) ns", l)
    if m and pass_at <= int(m.group(1)) <= pass_at + runtime * 1000:
        sp.append((int(m.group(1)) - pass_at, m.group(2), int(m.group(3))))
print("safepoints in the pass: %d" % len(sp))
for at, name, ns in sp:
    near = sum(1 for r in rows if abs(r[0] - at) <= 2 and r[1] > slow)
    second = sum(1 for r in rows if at - 500 <= r[0] < at + 500 and r[1] > slow) * 5 / 1000
    print("  at %5d ms %-28s %6.0f us; reads over the pass's p99 within 2 ms: %d (%.1f in any 5 ms of that"
          " second)" % (at, name, ns / 1000, near, second))
gcs = [l.split("=")[1].strip() for l in open(work + "/gc.txt") if "startTime" in l]
inside = [t for t in gcs if wall0 <= t <= wall1]
print("garbage collections (JFR): %d in the daemon's life, %d in the pass %s" % (len(gcs), len(inside), " ".join(inside)))
PY

jcmd "$pid" JFR.stop name=1 >/dev/null 2>&1 || true
dev_raw=$(losetup --find --show "$work/a.img")
loops+=("$dev_raw")
bench_qsd "$work/a.img"
hops_runtime=$((runtime / 4 > 2 ? runtime / 4 : 2))
echo "where each read's time went, hop by hop ($hops_runtime s passes, each after dropped caches):"
hops() { # hops LABEL DEVICE PID (0: no daemon)
  sync; echo 3 > /proc/sys/vm/drop_caches
  perf record -q -a -o "$work/hops.perf" -e block:block_rq_issue,block:block_rq_complete \
      -e fuse:fuse_request_send,fuse:fuse_request_end -e syscalls:sys_enter_pread64,syscalls:sys_exit_pread64 -- \
    fio --name=hops --filename="$2" --direct=1 --ioengine=libaio --rw=randread --bs=4k --iodepth=1 \
      --size="$size" --runtime="$hops_runtime" --time_based > /dev/null
  python3 "$root/src/bench/qd1-hops.py" "$1" "$work/hops.perf" "$(lsblk -dno MAJ:MIN "$2" | tr -d ' ' | tr : ,)" "$3"
}
hops "raw loop buffered" "$dev_raw" 0
hops "mapperfs linear" "$loop" "$pid"
hops "qemu-storage-daemon" "$qsd_dev" "$qsd_pid"
