#!/usr/bin/env bash
# targets-bench.sh - verity and log-writes against linear on the same kind of file, in one run:
# sequential 1 MiB QD4 reads of a verity device (hash tree by veritysetup) and of a linear one
# over the same data, sequential 1 MiB QD4 writes of a log-writes device and of a linear one;
# each through loop (direct I/O), caches dropped before each pass, passes alternating.
#
#   src/bench/targets-bench.sh [SIZE_MIB] [PASSES]     # default 512 MiB, 3 passes of each
#
# Run as root; needs fio and veritysetup (src/bin/ensure-deps installs them). Cleans up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
size_mib="${1:-512}"
passes="${2:-3}"
if [ $# -gt 2 ] || [[ ! $size_mib =~ ^[1-9][0-9]*$ ]] || [[ ! $passes =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SIZE_MIB] [PASSES] (whole numbers: MiB of each device, passes of each; default 512 3)" >&2
  exit 2
fi
work="$(mktemp -d /var/tmp/mapperfs-targets-bench.XXXXXX)"
mnt="$work/mnt"
mapperfs() { "$root/src/bin/mapperfs" -m "$mnt" "$@"; }
cleanup() {
  set +e
  mountpoint -q "$mnt" && mapperfs unmount --force >/dev/null
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
. "$root/src/bench/bench-lib.sh"
bench_stop_on_signals
sectors=$((size_mib * 2048))
blocks=$((size_mib * 256))

fallocate -l "${size_mib}M" "$work/data.img"
dd if=/dev/urandom of="$work/data.img" bs=1M count="$size_mib" conv=notrunc status=none
out="$(veritysetup format "$work/data.img" "$work/hash.img")"
roothash="$(awk '/^Root hash:/ {print $3}' <<<"$out")"
salt="$(awk '/^Salt:/ {print $2}' <<<"$out")"
fallocate -l "${size_mib}M" "$work/w.img"
fallocate -l "$((size_mib * 2 + 64))M" "$work/log.img"

mapperfs mount "$mnt" --state "$work/state" >/dev/null
mapperfs create lin --table "0 $sectors linear $work/data.img 0" >/dev/null
mapperfs create ver --table "0 $sectors verity 1 $work/data.img $work/hash.img 4096 4096 $blocks 1 sha256 $roothash $salt" >/dev/null
mapperfs create linw --table "0 $sectors linear $work/w.img 0" >/dev/null
declare -A dev
for d in lin ver linw; do dev[$d]="$(mapperfs attach "$d")"; done

prep() { sync; echo 3 > /proc/sys/vm/drop_caches; }
run_fio() { # run_fio DEV rw: MB/s of one full pass
  fio --name=p --filename="$1" --rw="$2" --bs=1M --iodepth=4 --ioengine=libaio --direct=1 --size="${size_mib}M" \
      --output-format=terse --terse-version=3 2>/dev/null | awk -F';' -v rw="$2" '{print int((rw == "read" ? $7 : $48) / 1024)}'
}

printf '%-6s %-22s %10s\n' pass device MB/s
for ((p = 1; p <= passes; p++)); do
  for d in lin ver; do prep; printf '%-6s %-22s %10s\n' "$p" "$d (seq read)" "$(run_fio "${dev[$d]}" read)"; done
  # A fresh log-writes device each pass: its log holds one pass of writes.
  mapperfs create lw --table "0 $sectors log-writes $work/w.img $work/log.img" >/dev/null
  lw="$(mapperfs attach lw)"
  for d in linw lw; do
    prep
    target="${dev[$d]:-$lw}"
    printf '%-6s %-22s %10s\n' "$p" "$d (seq write)" "$(run_fio "$target" write)"
  done
  losetup -d "$lw"; mapperfs remove lw >/dev/null
done
