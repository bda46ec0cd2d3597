#!/usr/bin/env bash
# A power-failure test written only with dmsetup, as filesystem test suites and database crash
# tests write them for the kernel's device-mapper, run unchanged on mapperfs: its dmsetup comes
# first on PATH, /dev/mapper/NAME is a link to the device's loop device.
#
# A flakey device over a scratch disk takes ext4; a file is written and fsync'd; then, as in
# fstests' _flakey_drop_and_remount, the device is suspended (--nolockfs), a drop_writes table is
# loaded and resumed, a second file is written without fsync, the file system is unmounted, the
# healthy table comes back, and the file system is mounted again: the fsync'd file must be there,
# the other must be gone, and fsck must be clean.
#
#   examples/dmsetup-power-failure.sh
#
# Run as root on Debian; everything is cleaned up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"

scratch=""
example_stop() { [ -n "$scratch" ] && losetup -d "$scratch"; }
example_start dmsetup
export PATH="$root/src/bin:$PATH"   # mapperfs's dmsetup before any other
export DM_DEV_DIR="$work/dev"      # the /dev/mapper links go to $work/dev/mapper
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state" >/dev/null

# ---- from here on, what any device-mapper crash test does ----
truncate -s 256M scratch.img
scratch="$(losetup --find --show scratch.img)"
size="$(blockdev --getsz "$scratch")"
name="flakey-test"
dev="$DM_DEV_DIR/mapper/$name"
healthy="0 $size flakey $scratch 0 180 0"
dropping="0 $size flakey $scratch 0 0 180 1 drop_writes"

step "dmsetup create $name --table '$healthy'"
dmsetup create "$name" --table "$healthy"
dmsetup table "$name"
mkfs.ext4 -q "$dev"
mkdir -p fs
mount "$dev" fs

step "write and fsync a file"
echo "acknowledged before the crash" > fs/synced
sync fs/synced

step "drop writes from now on: suspend --nolockfs, load drop_writes, resume"
dmsetup suspend --nolockfs "$name"
echo "$dropping" | dmsetup load "$name"
dmsetup resume "$name"

step "write a file without fsync, then 'crash' (unmount)"
echo "never acknowledged" > fs/unsynced
umount fs

step "the device is healthy again; mount"
dmsetup suspend --nolockfs "$name"
dmsetup load "$name" --table "$healthy"
dmsetup resume "$name"
mount "$dev" fs
ls fs

failed=0
if [ "$(cat fs/synced 2>/dev/null)" = "acknowledged before the crash" ]; then
  echo "ok: the fsync'd file is intact"
else
  echo "FAILED: the fsync'd file is missing or changed"; failed=1
fi
if [ -e fs/unsynced ]; then
  echo "FAILED: the dropped write reached the disk"; failed=1
else
  echo "ok: the dropped write is gone"
fi
umount fs
if fsck.ext4 -fn "$dev" >/dev/null 2>&1; then
  echo "ok: fsck is clean"
else
  echo "FAILED: fsck found errors"; failed=1
fi

step "dmsetup remove $name"
dmsetup remove "$name"
exit "$failed"
