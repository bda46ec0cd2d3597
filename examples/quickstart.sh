#!/usr/bin/env bash
# mapperfs in one go: build if needed, install what is missing, mount, assemble a device from
# examples/concat.table, attach it with losetup, make ext4 on it, mount it, write a file, show
# ls/table/status/info, then clean everything up. Run as root on Debian.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
loop=""
example_start quickstart

step "truncate -s 128M disk0.img; truncate -s 64M disk1.img"
truncate -s 128M disk0.img
truncate -s 64M disk1.img

step "mapperfs mount $MAPPERFS_MOUNT --state $work/state"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"

step "mapperfs create vol --table-file examples/concat.table"
mapperfs create vol --table-file "$root/examples/concat.table"

step "mapperfs attach vol"
loop="$(mapperfs attach vol)"
echo "$loop"

step "mkfs.ext4 -q $loop && mount $loop $work/fs"
mkfs.ext4 -q "$loop"
mkdir -p "$work/fs"
mount "$loop" "$work/fs"

step "write 32 MiB and read it back"
head -c 32M /dev/urandom > "$work/fs/data"
sync
sum="$(sha256sum < "$work/fs/data")"
echo 3 > /proc/sys/vm/drop_caches
[ "$(sha256sum < "$work/fs/data")" = "$sum" ] || die "the file read back differs from what was written"
echo "checksum ok: ${sum%% *}"
df -h "$work/fs" | tail -1

step "mapperfs ls"
mapperfs ls
step "mapperfs table vol"
mapperfs table vol
step "mapperfs status"
mapperfs status
step "mapperfs info vol"
mapperfs info vol

step "umount; fsck.ext4 -fn $loop; mapperfs detach vol; mapperfs unmount"
umount "$work/fs"
fsck.ext4 -fn "$loop" | tail -1
mapperfs detach vol >/dev/null
loop=""
mapperfs unmount
echo
echo "quickstart finished: everything cleaned up."
