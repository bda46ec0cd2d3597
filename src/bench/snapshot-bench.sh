#!/usr/bin/env bash
# snapshot-bench.sh - persistent (P) snapshots against linear on a file of the same size, in one
# run: first writes to a snapshot (every write makes exceptions), rewrites of chunks it already
# has, and writes to an origin that copy out to two snapshots (every write makes an exception in
# each); 4 KiB chunks (8 sectors, lvm's default). fio --direct=1 --ioengine=libaio on loop devices
# attached the mapperfs way, caches dropped before each pass.
#
# Usage (as root): src/bench/snapshot-bench.sh [--size 512M] [--runtime 5]
#   First-write passes cover the device once (every write is a first write); the others are
#   time-based. Disk use: about 7 x size.
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bench-lib.sh"
bench_start snapshot-bench 512M "$@"
cow_bytes=$((bytes + bytes / 4)) # room for every chunk and its entries
for f in base origin lin; do fallocate -l "$bytes" "$work/$f"; done
for f in cow1 cow2 cow3; do fallocate -l "$cow_bytes" "$work/$f"; done
bench_mount
m create snap --table "0 $sectors snapshot $work/base $work/cow1 P 8" >/dev/null
m create origin --table "0 $sectors snapshot-origin $work/origin" >/dev/null
m create s2 --table "0 $sectors snapshot $work/origin $work/cow2 P 8" >/dev/null
m create s3 --table "0 $sectors snapshot $work/origin $work/cow3 P 8" >/dev/null
m create lin --table "0 $sectors linear $work/lin 0" >/dev/null
snap=$(m attach snap); loops+=("$snap")
origin=$(m attach origin); loops+=("$origin")
lin=$(m attach lin); loops+=("$lin")

half=$((bytes / 2))

echo "snapshot-bench $(date -u '+%Y-%m-%d %H:%M') UTC: size $size, P snapshots, 4 KiB chunks, runtime $runtime s, $(nproc) CPUs"
printf '%-56s %10s %10s %7s\n' "workload" "snapshot" "linear" "ratio"
# The first half of the snapshot by sequential writes, the second half by random ones: each write new.
row "P snapshot first writes, seq 1 MiB QD4 (MB/s)" "$(fio_pass "$snap" write 1M 4 --size="$half")" \
    "$(fio_pass "$lin" write 1M 4 --size="$half")"
row "P snapshot first writes, rand 4 KiB QD16 (IOPS)" \
    "$(fio_pass "$snap" randwrite 4k 16 --offset="$half" --size="$half")" \
    "$(fio_pass "$lin" randwrite 4k 16 --offset="$half" --size="$half")"
row "P snapshot rewrites, seq 1 MiB QD4 (MB/s)" "$(fio_pass "$snap" write 1M 4 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" write 1M 4 --runtime="$runtime" --time_based)"
row "P snapshot rewrites, rand 4 KiB QD16 (IOPS)" \
    "$(fio_pass "$snap" randwrite 4k 16 --runtime="$runtime" --time_based)" \
    "$(fio_pass "$lin" randwrite 4k 16 --runtime="$runtime" --time_based)"
row "origin writes copying out to 2 P snapshots, seq 1 MiB QD4 (MB/s)" \
    "$(fio_pass "$origin" write 1M 4 --size="$half")" "$(fio_pass "$lin" write 1M 4 --size="$half")"
row "origin writes copying out to 2 P snapshots, rand 4 KiB QD16 (IOPS)" \
    "$(fio_pass "$origin" randwrite 4k 16 --offset="$half" --size="$half")" \
    "$(fio_pass "$lin" randwrite 4k 16 --offset="$half" --size="$half")"
echo "snapshot status: $(m status snap | cut -d' ' -f4-); s2: $(m status s2 | cut -d' ' -f4-)"
