#!/usr/bin/env bash
# A slow disk: the delay target holds every read, write and flush for a while before passing it
# on (delay <dev> <offset> <ms>, or separate read / write / flush delays). Compare a direct 4 KiB
# read on a plain and on a slow device, watch requests wait in the status line, see how long an
# fsync takes on a slow ext4, and change the delay live while it is mounted.
#
#   examples/slow-disk.sh          # 200 ms per request
#   examples/slow-disk.sh 50       # 50 ms per request
#
# Run as root on Debian; everything is cleaned up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
ms="${1:-200}"
# Elapsed milliseconds of a command.
timed() { local t0; t0=$(date +%s%N); "$@"; echo "  took $(( ($(date +%s%N) - t0) / 1000000 )) ms"; }

attached=()
example_start slow

truncate -s 64M fast.img slow.img
sectors=$((64 * 1024 * 1024 / 512))
step "mapperfs create fast (linear) and slow: '0 $sectors delay slow.img 0 $ms'"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"
mapperfs create fast --table "0 $sectors linear $work/fast.img 0"
mapperfs create slow --table "0 $sectors delay $work/slow.img 0 $ms"
fast="$(mapperfs attach fast)"; attached+=(fast)
slow="$(mapperfs attach slow)"; attached+=(slow)

step "dd if=$fast bs=4k count=1 iflag=direct  (plain)"
timed dd if="$fast" of=/dev/null bs=4k count=1 iflag=direct status=none
step "dd if=$slow bs=4k count=1 iflag=direct  (delay $ms ms)"
timed dd if="$slow" of=/dev/null bs=4k count=1 iflag=direct status=none

step "8 direct reads at once on the device file wait side by side, not one after another"
t0=$(date +%s%N)
for i in $(seq 1 8); do
  dd if="$MAPPERFS_MOUNT/slow" of=/dev/null bs=4k count=1 skip=$((i * 100)) iflag=direct status=none &
done
sleep "$((ms / 2000)).$(printf '%03d' $((ms / 2 % 1000)))"
echo "cat $MAPPERFS_MOUNT/.meta/slow/status  (reads writes flushes waiting now):"
cat "$MAPPERFS_MOUNT/.meta/slow/status"
wait
echo "  all 8 took $(( ($(date +%s%N) - t0) / 1000000 )) ms together"
echo "  (through $slow they would take 8 x $ms ms: the loop driver sends a FUSE file one request at a time)"

step "mkfs.ext4 on the slow disk with the delay off, then the delay back on, live"
mapperfs suspend slow
mapperfs load slow --table "0 $sectors delay $work/slow.img 0 0"
mapperfs resume slow
mkfs.ext4 -q "$slow"
mkdir -p "$work/fs"
mount "$slow" "$work/fs"
mapperfs suspend slow
mapperfs load slow --table "0 $sectors delay $work/slow.img 0 $ms"
mapperfs resume slow
step "write 1 MiB and fsync it on the slow ext4"
timed dd if=/dev/urandom of="$work/fs/file" bs=1M count=1 conv=fsync status=none

step "live: slower writes only (6 arguments: reads $ms ms, writes and flushes $((ms * 3)) ms)"
mapperfs suspend slow
mapperfs load slow --table "0 $sectors delay $work/slow.img 0 $ms $work/slow.img 0 $((ms * 3))"
mapperfs resume slow
mapperfs table slow
timed dd if=/dev/urandom of="$work/fs/file2" bs=4k count=1 conv=fsync status=none

step "live: the delay taken away (delay 0)"
mapperfs suspend slow
mapperfs load slow --table "0 $sectors delay $work/slow.img 0 0"
mapperfs resume slow
timed dd if=/dev/urandom of="$work/fs/file3" bs=4k count=1 conv=fsync status=none

umount "$work/fs"
echo
echo "slow-disk finished: everything cleaned up."
