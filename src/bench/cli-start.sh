#!/usr/bin/env bash
# cli-start.sh - how long one CLI call takes, start to exit: 'mapperfs ls' and 'dmsetup table'
# through their launchers (class-data archive, C1 only, serial GC; only the named command's
# model built) against the same command on a plain 'java -jar' (the JVM's defaults).
#
# Usage (as root): src/bench/cli-start.sh [--runs N]   (default 20; prints the median and p90 in ms)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
runs=20
[ "${1:-}" = "--runs" ] && runs="$2"
jar="$root/fuse-mount/target/mapperfs.jar"
mnt="$(mktemp -d /tmp/mapperfs-cli-start.XXXXXX)"
state="$mnt.state"
cleanup() {
  "$root/src/bin/mapperfs" -m "$mnt" unmount --force >/dev/null 2>&1 || true
  rm -rf "$mnt" "$state"
}
trap cleanup EXIT
. "$root/src/bench/bench-lib.sh"
bench_stop_on_signals
"$root/src/bin/mapperfs" mount "$mnt" --state "$state" >/dev/null
"$root/src/bin/mapperfs" -m "$mnt" create z --table "0 8 zero" >/dev/null

# Prints "median p90" in ms of $runs runs of the command.
measure() {
  local times=() t0 t1
  "$@" >/dev/null # once to warm the page cache
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%d %d\n", a[int((NR+1)/2)], a[int(NR*0.9+0.5)]}'
}

printf '%-44s %10s %8s\n' "command ($runs runs, $(date +%F))" "median ms" "p90 ms"
row() { local label="$1"; shift; read -r med p90 < <(measure "$@"); printf '%-44s %10s %8s\n' "$label" "$med" "$p90"; }
row "mapperfs ls (java -jar)" java -jar "$jar" -m "$mnt" ls
row "mapperfs ls (src/bin/mapperfs)" "$root/src/bin/mapperfs" -m "$mnt" ls
row "dmsetup table (java -cp, dmsetup's class)" env MAPPERFS_MOUNT="$mnt" java -cp "$jar" org.mapperfs.cli.dmsetup.Dmsetup table
row "dmsetup table (src/bin/dmsetup)" env MAPPERFS_MOUNT="$mnt" "$root/src/bin/dmsetup" table
