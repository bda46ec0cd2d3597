#!/usr/bin/env bash
# See what your program does when writes are dropped. An ext4 sits on a flakey device that is
# healthy at first; then the device is switched, live, to a table whose down interval is now
# and which silently drops every write (flakey ... drop_writes). Your program runs in that
# window and is told that its writes and its fsync succeeded. Then the "machine crashes"
# (unmount), the device is healthy again, and you see what actually reached the disk.
#
#   examples/flakey-dropped-writes.sh                 # a demo program: write a file and sync
#   examples/flakey-dropped-writes.sh 'cp -r /etc .'  # your command, run inside the file system
#
# Run as root on Debian; everything is cleaned up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
program="${1:-echo 'written while the disk dropped writes' > after.txt && sync after.txt && cat after.txt}"

loop=""
example_start flakey

truncate -s 128M disk.img
sectors=$((128 * 1024 * 1024 / 512))
healthy="0 $sectors flakey $work/disk.img 0 86400 1 1 drop_writes"   # up for a day
dropping="0 $sectors flakey $work/disk.img 0 0 86400 1 drop_writes"  # down from now on
linear="0 $sectors linear $work/disk.img 0"

step "mapperfs mount; mapperfs create vol --table '$healthy'"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"
mapperfs create vol --table "$healthy"
loop="$(mapperfs attach vol)"
mkfs.ext4 -q "$loop"
mkdir -p "$work/fs"
mount "$loop" "$work/fs"

step "echo 'written while the disk was healthy' > before.txt && sync"
echo 'written while the disk was healthy' > "$work/fs/before.txt"
sync

step "the disk starts dropping writes: suspend, load a down-now table, resume"
mapperfs suspend vol
mapperfs load vol --table "$dropping"
mapperfs resume vol
mapperfs table vol

step "(in the file system) $program"
set +e
(cd "$work/fs" && bash -c "$program")
echo "your program exited with $? and was never told of a problem"
sync
set -e

step "crash: umount, the disk is healthy again (linear), mount it again"
umount "$work/fs"
mapperfs suspend vol
mapperfs load vol --table "$linear"
mapperfs resume vol
echo "fsck.ext4 -fn says:"
fsck.ext4 -fn "$loop" 2>&1 | sed 's/^/  /' | tail -5 || true
if mount "$loop" "$work/fs"; then
  step "ls -la (what survived)"
  ls -la "$work/fs"
  for f in "$work"/fs/*.txt; do printf '%s: %s\n' "${f##*/}" "$(cat "$f")"; done
else
  echo "the file system does not even mount any more"
fi

echo
echo "flakey-dropped-writes finished: everything cleaned up."
