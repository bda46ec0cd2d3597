#!/usr/bin/env bash
# daemon-ab.sh - two mapperfs daemons side by side, A and B, each with a linear device over a file
# of its own attached to loop (direct I/O); fio passes on them alternate (A B, then B A), each after
# dropped caches, and every pass prints its rate, the daemon's CPU per MiB and per I/O (from
# /proc), the latency percentiles, and, as "disk", the bytes read from the disk under the backing
# files per byte fio read (the backing file's read-ahead shows here; what the page cache still
# held lowers it). A lever is kept only if it wins in alternating passes.
#
#   src/bench/daemon-ab.sh [--size 512M] [--runtime 5] [--rounds 2] [WORKLOAD...]
#
# WORKLOAD is RW:BS:QD (fio's --rw, --bs, --iodepth); by default the five of fio-bench.sh.
# What differs between A and B:
#   OPTS_A, OPTS_B      Java options added to the daemon's defaults (-Dmapperfs.splice=false)
#   MAPPERFS_A          another checkout's src/bin/mapperfs for A (the code before a change)
#   TRANSPORT           --transport of both mounts; TRANSPORT_A, TRANSPORT_B of one
#   MOUNT_A, MOUNT_B    more arguments to one daemon's mount (--max-request 512K)
# TARGET=mirror gives each daemon a two-leg mirror (nosync, 512 KiB regions) over two files of its
# own instead of the linear device; TARGET=striped a device striped over two files (64 KiB chunks),
# twice the size; TARGET=thin a thin device (64 KiB blocks) written once in random order, so that
# its blocks lie apart on the pool's data file; TARGET=verity verity over the file (hash tree by
# veritysetup; reads only); TARGET=logw log-writes over the file with a log file of its own, made
# anew and the table loaded again before every pass, so that each pass starts a new log.
# As root.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
size=512M; runtime=5; rounds=2; workloads=()
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -*) echo "usage: $0 [--size 512M] [--runtime 5] [--rounds 2] [RW:BS:QD...]" >&2; exit 2 ;;
    *) workloads+=("$1"); shift ;;
  esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(read:1M:4 write:1M:4 randread:4k:16 randwrite:4k:16 randread:4k:1)
. "$root/src/bin/ensure-deps"
mapperfs_ensure_deps
mfs="$root/src/bin/mapperfs"
defaults="-Xms32m -Xmx128m -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m"
bytes=$(numfmt --from=iec "$size")
work="$(mktemp -d /var/tmp/mapperfs-ab.XXXXXX)"
declare -A loop pid cli_of table_of
cleanup() {
  set +e
  for d in A B; do
    [ -n "${loop[$d]:-}" ] && losetup -d "${loop[$d]}"
    mountpoint -q "$work/$d/mnt" && "$mfs" -m "$work/$d/mnt" unmount --force >/dev/null
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
. "$root/src/bench/bench-lib.sh"
bench_stop_on_signals

for d in A B; do
  mkdir -p "$work/$d/mnt"
  dd if=/dev/urandom of="$work/$d/f.img" bs=1M count=$((bytes >> 20)) status=none
  table="0 $((bytes / 512)) linear $work/$d/f.img 0"
  if [ "${TARGET:-linear}" = mirror ]; then
    cp "$work/$d/f.img" "$work/$d/g.img"
    table="0 $((bytes / 512)) mirror core 2 1024 nosync 2 $work/$d/f.img 0 $work/$d/g.img 0"
  elif [ "${TARGET:-linear}" = striped ]; then
    dd if=/dev/urandom of="$work/$d/g.img" bs=1M count=$((bytes >> 20)) status=none
    table="0 $((bytes / 512 * 2)) striped 2 128 $work/$d/f.img 0 $work/$d/g.img 0"
  elif [ "${TARGET:-linear}" = thin ]; then
    truncate -s 64M "$work/$d/meta.img"
    table="0 $((bytes / 512)) thin pool 0"
  elif [ "${TARGET:-linear}" = logw ]; then
    truncate -s 64G "$work/$d/log.img"
    table="0 $((bytes / 512)) log-writes $work/$d/f.img $work/$d/log.img"
  elif [ "${TARGET:-linear}" = verity ]; then
    vout=$(veritysetup format "$work/$d/f.img" "$work/$d/h.img")
    table="0 $((bytes / 512)) verity 1 $work/$d/f.img $work/$d/h.img 4096 4096 $((bytes / 4096)) 1 sha256"
    table+=" $(awk '/^Root hash:/ {print $3}' <<<"$vout") $(awk '/^Salt:/ {print $2}' <<<"$vout")"
  fi
  cli=$mfs; opts="$defaults ${OPTS_B:-}"; transport=${TRANSPORT_B:-${TRANSPORT:-}}; more=${MOUNT_B:-}
  if [ $d = A ]; then
    cli=${MAPPERFS_A:-$mfs}; opts="$defaults ${OPTS_A:-}"; transport=${TRANSPORT_A:-${TRANSPORT:-}}; more=${MOUNT_A:-}
  fi
  # shellcheck disable=SC2086 # MOUNT_A and MOUNT_B are words for the mount's command line
  out=$(MAPPERFS_DAEMON_JAVA_OPTS="$opts" "$cli" mount "$work/$d/mnt" --state "$work/$d/state" \
        ${transport:+--transport "$transport"} $more)
  pid[$d]=$(sed -n 's/.*(pid \([0-9]*\).*/\1/p' <<<"$out")
  if [ "${TARGET:-linear}" = thin ]; then
    "$cli" -m "$work/$d/mnt" create pool --table "0 $((bytes / 512)) thin-pool $work/$d/meta.img $work/$d/f.img 128 0" >/dev/null
    "$cli" -m "$work/$d/mnt" message pool 0 create_thin 0 >/dev/null
  fi
  "$cli" -m "$work/$d/mnt" create lin --table "$table" >/dev/null
  cli_of[$d]=$cli; table_of[$d]=$table
  if [ "${TARGET:-linear}" = thin ]; then # every block once, in random order: blocks lie apart on the data file
    fio --name=fill --filename="$work/$d/mnt/lin" --rw=randwrite --bs=64k --size="$size" --ioengine=psync \
        --direct=1 --randrepeat=0 --output=/dev/null
  fi
  loop[$d]=$(losetup -f --show --direct-io=on "$work/$d/mnt/lin")
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Sectors read from the disk under the backing files (0 where they lie on no block device).
disk_dev=$(basename "$(findmnt -no SOURCE -T "$work" 2>/dev/null)")
disk_sectors() {
  if [ -r "/sys/class/block/$disk_dev/stat" ]; then awk '{print $3}' "/sys/class/block/$disk_dev/stat"; else echo 0; fi
}

pass() { # DEV RW BS QD PID D
  if [ "${TARGET:-linear}" = logw ]; then # a new log file for every pass (a reused one is read back)
    rm "$work/$6/log.img"; truncate -s 64G "$work/$6/log.img"
    "${cli_of[$6]}" -m "$work/$6/mnt" load lin --table "${table_of[$6]}" >/dev/null
    "${cli_of[$6]}" -m "$work/$6/mnt" resume lin >/dev/null
  fi
  sync; echo 3 > /proc/sys/vm/drop_caches
  local before after out din
  before=$(ticks "$5"); din=$(disk_sectors)
  out=$(fio --name=ab --filename="$1" --direct=1 --ioengine=libaio --rw="$2" --bs="$3" --iodepth="$4" \
        --size="$size" --time_based --runtime="$runtime" --output-format=json 2>/dev/null)
  after=$(ticks "$5"); din=$(( $(disk_sectors) - din ))
  python3 -c '
import json, os, sys
j = json.loads(sys.argv[1])["jobs"][0]
side = j["write"] if j["write"]["io_bytes"] else j["read"]
cpu_us = (int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / os.sysconf("SC_CLK_TCK")
p = side["clat_ns"]["percentile"]
read = j["read"]["io_bytes"]
disk = "  disk %.2f" % (int(sys.argv[4]) * 512 / read) if read else ""
print("%9.0f MB/s %8.0f IOPS  CPU %6.1f us/MiB %5.1f us/IO  p50 %5.0f p99 %5.0f us%s" % (
    side["bw_bytes"] / 1e6, side["iops"], cpu_us / (side["io_bytes"] / 1048576), cpu_us / side["total_ios"],
    p["50.000000"] / 1e3, p["99.000000"] / 1e3, disk))' \
    "$out" "$before" "$after" "$din"
}

for w in "${workloads[@]}"; do
  IFS=: read -r rw bs qd <<<"$w"
  for r in $(seq "$rounds"); do
    order="A B"; [ $((r % 2)) = 0 ] && order="B A"
    for d in $order; do
      printf '%-9s %-4s QD%-3s %s ' "$rw" "$bs" "$qd" "$d"
      pass "${loop[$d]}" "$rw" "$bs" "$qd" "${pid[$d]}" "$d"
    done
  done
done
