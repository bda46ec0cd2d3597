#!/usr/bin/env bash
# Crash consistency, the way file system test suites check it with dm-log-writes: ext4 on a
# log-writes device records every write in the order the disk acknowledged it; afterwards the log
# is replayed onto a blank disk up to every flush, one after another, and at each point the file
# system must mount (journal replay) and fsck clean, as after a crash at that moment. Then the
# log is replayed to a mark set right after an fsync, and the fsync'd file must be there.
#
#   examples/crash-consistency.sh                          # a demo workload: files written, renamed, fsync'd
#   examples/crash-consistency.sh 'cp -r /usr/share/doc .' # your command, run inside the file system
#
# Run as root on Debian; everything is cleaned up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
workload="${1:-for i in \$(seq 1 20); do head -c 200000 /dev/urandom > f\$i.tmp && sync f\$i.tmp && mv f\$i.tmp f\$i; done; sync}"

example_start crash
truncate -s 64M disk.img
truncate -s 512M log.img
truncate -s 64M replay.img
sectors=$((64 * 1024 * 1024 / 512))

step "mapperfs create lw --table '0 $sectors log-writes disk.img log.img'"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state" >/dev/null
mapperfs create lw --table "0 $sectors log-writes $work/disk.img $work/log.img"
loop="$(mapperfs attach lw)"
mkfs.ext4 -q -E nodiscard "$loop"
mapperfs message lw 0 mark mkfs
mkdir -p fs check
mount "$loop" fs

step "a file fsync'd, then a mark"
echo "fsync'd before the mark" > fs/marked
sync fs/marked
mapperfs message lw 0 mark after-fsync

step "(in the file system) $workload"
(cd fs && bash -c "$workload")
umount fs
mapperfs detach lw >/dev/null
mapperfs status lw
mapperfs remove lw

step "replay to every flush point after mkfs; mount (journal replay) and fsck -fn at each"
check="cp --sparse=always $work/replay.img $work/check.img && mount -o loop $work/check.img $work/check"
check="$check && umount $work/check && fsck.ext4 -fn $work/check.img >/dev/null 2>&1"
mapperfs replay-log --log log.img --find --next-flush
mapperfs replay-log --log log.img --replay replay.img --check flush --start-mark mkfs --fsck "$check"
echo "ok: every flush point mounts and fscks clean"

step "replay to the mark after the fsync"
truncate -s 0 replay.img && truncate -s 64M replay.img
mapperfs replay-log --log log.img --replay replay.img --end-mark after-fsync
mount -o loop replay.img check
if [ "$(cat check/marked 2>/dev/null)" = "fsync'd before the mark" ]; then
  echo "ok: the fsync'd file is there at the mark"
else
  echo "FAILED: the fsync'd file is missing at the mark"; umount check; exit 1
fi
umount check
