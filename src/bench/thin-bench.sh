#!/usr/bin/env bash
# thin-bench.sh - a thin device against linear on a file of the same size, in one run:
# first writes (every block provisioned), rewrites, writes to blocks shared with a snapshot
# (every one copied), random reads; snapshot creation time; a pool of 1000 thin devices.
#
# Usage (as root): src/bench/thin-bench.sh [--size 1G] [--runtime 5]
#   The pool's data block is 64 KiB (128 sectors); zeroing on (the default). fio --direct=1
#   --ioengine=libaio on loop devices attached the mapperfs way. Disk use: about 4 x size.
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"
bench_start thin-bench 1G "$@"
fallocate -l 64M "$work/meta"
fallocate -l $((bytes * 5)) "$work/data"
fallocate -l "$bytes" "$work/lin"
bench_mount
# One command through the control file, as the CLI sends it, with no JVM start: prints ms.
control_ms() {
  python3 - "$mnt/control" "$1" <<'PY'
import sys, time, os
t = time.perf_counter()
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, sys.argv[2].encode())
while os.read(fd, 65536):
    pass
os.close(fd)
print("%.2f" % ((time.perf_counter() - t) * 1000))
PY
}
m create pool --table "0 $((sectors * 5)) thin-pool $work/meta $work/data 128 0" >/dev/null
m message pool 0 create_thin 0
m message pool 0 create_thin 1
m create thin --table "0 $sectors thin pool 0" >/dev/null
m create fresh --table "0 $sectors thin pool 1" >/dev/null
m create lin --table "0 $sectors linear $work/lin 0" >/dev/null
thin=$(m attach thin); loops+=("$thin")
fresh=$(m attach fresh); loops+=("$fresh")
lin=$(m attach lin); loops+=("$lin")


echo "thin-bench $(date -u '+%Y-%m-%d %H:%M') UTC: size $size, 64 KiB blocks, runtime $runtime s, $(nproc) CPUs"
printf '%-56s %10s %10s %7s\n' "workload" "thin" "linear" "ratio"
row "first writes, seq 1 MiB QD4 (MB/s)" "$(fio_pass "$thin" write 1M 4)" "$(fio_pass "$lin" write 1M 4)"
# One 4 KiB write in each 64 KiB block, in random order: every write provisions (and zeroes) a block.
blocks=$((bytes / 65536))
row "first writes, rand 4 KiB QD16, one per block (IOPS)" \
    "$(fio_pass "$fresh" randwrite 4k 16 --blockalign=64k --number_ios="$blocks")" \
    "$(fio_pass "$lin" randwrite 4k 16 --blockalign=64k --number_ios="$blocks")"
row "rewrites, seq 1 MiB QD4 (MB/s)" "$(fio_pass "$thin" write 1M 4 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" write 1M 4 --runtime="$runtime" --time_based)"
row "rewrites, rand 4 KiB QD16 (IOPS)" "$(fio_pass "$thin" randwrite 4k 16 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" randwrite 4k 16 --runtime="$runtime" --time_based)"
row "reads, rand 4 KiB QD16 (IOPS)" "$(fio_pass "$thin" randread 4k 16 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" randread 4k 16 --runtime="$runtime" --time_based)"
control_ms "suspend thin" >/dev/null
control_ms "message pool 0 create_snap 2 0" >/dev/null
control_ms "resume thin" >/dev/null
row "shared blocks copied, seq 1 MiB QD4 (MB/s)" "$(fio_pass "$thin" write 1M 4)" "$(fio_pass "$lin" write 1M 4)"
control_ms "suspend thin" >/dev/null
control_ms "message pool 0 create_snap 3 0" >/dev/null
control_ms "resume thin" >/dev/null
row "shared blocks copied, rand 4 KiB QD16 (IOPS)" "$(fio_pass "$thin" randwrite 4k 16 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" randwrite 4k 16 --runtime="$runtime" --time_based)"

snaps=()
for i in $(seq 10 29); do
  control_ms "suspend thin" >/dev/null
  snaps+=("$(control_ms "message pool 0 create_snap $i 0")")
  control_ms "resume thin" >/dev/null
done
echo "snapshot creation (create_snap of a device with $((bytes / 65536)) blocks mapped, 20 times):" \
  "median $(printf '%s\n' "${snaps[@]}" | sort -n | sed -n 10p) ms, max $(printf '%s\n' "${snaps[@]}" | sort -n | tail -1) ms"
# 1000 create_thin messages from one client process, each timed (each commits, as the kernel's).
each=$(python3 - "$mnt/control" <<'PY'
import sys, time, os
times = []
for i in range(1000, 2000):
    t = time.perf_counter()
    fd = os.open(sys.argv[1], os.O_RDWR)
    os.write(fd, ("message pool 0 create_thin %d" % i).encode())
    while os.read(fd, 65536):
        pass
    os.close(fd)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print("median %.2f ms, p99 %.2f ms" % (times[500], times[990]))
PY
)
snap=$(control_ms "message pool 0 create_snap 5000 0")
echo "1000 thin devices: create_thin $each (a commit each, as the kernel's);" \
  "create_snap with them there $snap ms; pool status: $(m status pool | cut -d' ' -f4-6)"
