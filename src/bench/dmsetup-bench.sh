#!/usr/bin/env bash
# Times mapperfs's dmsetup as test suites call it: one report command (info, table), targets,
# and a create/remove cycle (device, loop device, /dev/mapper link and back), each the median
# of N runs; with and without the class-data archive, in alternating passes.
#
#   src/bench/dmsetup-bench.sh [RUNS]        # default 20 runs per figure and pass
#
# Run as root; it mounts mapperfs in a temporary folder and cleans up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
runs="${1:-20}"
work="$(mktemp -d /var/tmp/mapperfs-dmbench.XXXXXX)"
export MAPPERFS_MOUNT="$work/mnt" DM_DEV_DIR="$work/dev" PATH="$root/src/bin:$PATH"
cleanup() {
  set +e
  mountpoint -q "$MAPPERFS_MOUNT" && "$root/src/bin/mapperfs" unmount --force >/dev/null
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
. "$root/src/bench/bench-lib.sh"
bench_stop_on_signals
"$root/src/bin/mapperfs" mount "$MAPPERFS_MOUNT" --state "$work/state" >/dev/null
truncate -s 64M "$work/disk.img"
dmsetup create bench --table "0 131072 linear $work/disk.img 0"
jsa="$root/fuse-mount/target/dmsetup.jsa"

# median_ms RUNS COMMAND...: the median wall time of COMMAND in milliseconds.
median_ms() {
  local n="$1"; shift
  local t=() i s e
  for ((i = 0; i < n; i++)); do
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
cycle() { dmsetup create cyc --table "0 8192 linear $work/disk.img 0" && dmsetup remove cyc; }

printf '%-8s %10s %10s %10s %12s\n' pass "info ms" "table ms" "targets ms" "create+rm ms"
for pass in archive plain archive plain; do
  if [ "$pass" = plain ]; then mv "$jsa" "$jsa.off"; fi
  printf '%-8s %10s %10s %10s %12s\n' "$pass" "$(median_ms "$runs" dmsetup info bench)" \
    "$(median_ms "$runs" dmsetup table)" "$(median_ms "$runs" dmsetup targets)" "$(median_ms "$runs" cycle)"
  if [ "$pass" = plain ]; then mv "$jsa.off" "$jsa"; touch "$jsa"; fi
done
dmsetup remove bench
