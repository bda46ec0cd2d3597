# bench-lib.sh - what the benchmark scripts share; sourced, not run.
#
# bench_start NAME DEFAULT_SIZE "$@": parses --size and --runtime into $size, $bytes, $sectors and
# $runtime, installs what is missing (src/bin/ensure-deps), builds the jar if it is missing,
# makes the work folder $work under /var/tmp, mounts mapperfs at $mnt, and cleans up at exit
# (the loop devices in $loops, the mount, the folder). m ARGS... runs mapperfs on that mount.
# fio_pass DEV RW BS QD [fio options...]: one fio pass after dropped caches; prints MB/s for 1M
# blocks, else IOPS. row LABEL A B: one line of a table, with A/B. bench_qsd FILE: the peer,
# qemu-storage-daemon's FUSE export of FILE, attached to loop as $qsd_dev; the clean-up stops it.
# bench_stop_on_signals: Ctrl-C and TERM stop the script (through its EXIT trap's clean-up); the
# benchmark scripts that do not start with bench_start source this file for it.

bench_start() {
  local name=$1
  size=$2
  shift 2
  runtime=5
  while [ $# -gt 0 ]; do
    case "$1" in
      --size) size="$2"; shift 2 ;;
      --runtime) runtime="$2"; shift 2 ;;
      *) echo "usage: $0 [--size $size] [--runtime 5]" >&2; exit 2 ;;
    esac
  done
  root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
  . "$root/src/bin/ensure-deps"
  mapperfs_ensure_deps
  mfs="$root/src/bin/mapperfs"
  [ -f "$root/fuse-mount/target/mapperfs.jar" ] || (cd "$root" && mvn -B -q -ntp -pl fuse-mount -am package -DskipTests)
  work="$(mktemp -d "/var/tmp/mapperfs-$name.XXXXXX")"
  mnt="$work/mnt"
  loops=()
  trap bench_cleanup EXIT
  bench_stop_on_signals
  bytes=$(numfmt --from=iec "$size")
  sectors=$((bytes / 512))
}

# A shell with no INT trap stops on Ctrl-C only if the program it waits for dies of it; one that
# takes Ctrl-C for itself and exits 0 lets the script go on. With the trap, the shell stops once
# that program returns, whatever its status.
bench_stop_on_signals() {
  trap 'echo "$(basename "$0"): interrupted" >&2; exit 130' INT
  trap 'echo "$(basename "$0"): terminated" >&2; exit 143' TERM
}

bench_mount() {
  "$mfs" mount "$mnt" --state "$work/state" >/dev/null
}

bench_cleanup() {
  set +e
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  loops=()
  if [ -n "${qsd_pid:-}" ]; then # after its loop device is gone
    kill "$qsd_pid" 2>/dev/null; wait "$qsd_pid" 2>/dev/null
    mountpoint -q "$work/qsd" && umount "$work/qsd"
    qsd_pid=""
  fi
  mountpoint -q "$mnt" && "$mfs" -m "$mnt" unmount --force >/dev/null
  rm -rf --one-file-system "$work"
}

m() { "$mfs" -m "$mnt" "$@"; }

# Installed from Debian when missing; in a session of its own, so that Ctrl-C reaches the script's
# clean-up (which stops it) rather than the peer first.
bench_qsd() {
  mapperfs_install qemu-storage-daemon qemu-system-common
  touch "$work/qsd"
  setsid qemu-storage-daemon --blockdev "driver=file,node-name=file0,filename=$1" \
    --blockdev driver=raw,node-name=top0,file=file0 \
    --export "type=fuse,id=exp0,node-name=top0,mountpoint=$work/qsd,writable=on" > "$work/qsd.log" 2>&1 &
  qsd_pid=$!
  for _ in $(seq 100); do mountpoint -q "$work/qsd" && break; sleep 0.1; done
  mountpoint -q "$work/qsd" || { echo "qemu-storage-daemon did not mount: $(cat "$work/qsd.log")" >&2; exit 1; }
  qsd_dev=$(losetup --find --show --direct-io=on "$work/qsd")
  loops+=("$qsd_dev")
}

fio_pass() {
  local dev=$1 rw=$2 bs=$3 qd=$4; shift 4
  sync; echo 3 > /proc/sys/vm/drop_caches
  fio --name=t --filename="$dev" --direct=1 --ioengine=libaio --rw="$rw" --bs="$bs" --iodepth="$qd" \
      --size="$size" "$@" --output-format=json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
side = j["write"] if j["write"]["io_bytes"] else j["read"]
print("%.0f" % (side["bw_bytes"] / 1e6) if sys.argv[1] == "1M" else "%.0f" % side["iops"])' "$bs" || echo 0
}

row() { printf '%-56s %10s %10s %7s\n' "$1" "$2" "$3" "$(python3 -c "print('%.2fx' % ($2 / max($3, 1)))")"; }
