#!/usr/bin/env bash
# A throwaway copy of a golden image: make a small ext4 image with a few files (the "golden"
# image), give it a copy-on-write snapshot, mount the snapshot, wreck it, and show that the
# golden image did not change by a single byte. The snapshot's changes live in a small COW file
# that is simply deleted afterwards. Run as root on Debian; everything is cleaned up at the end.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
loop=""
example_start golden

step "mkfs.ext4 -d content golden.img 64M   # the golden image, with a few files"
mkdir -p content/etc
echo "hello from the golden image" > content/README
echo "setting=1" > content/etc/app.conf
head -c 4M /dev/urandom > content/blob.bin
mkfs.ext4 -q -F -d content golden.img 64M
golden_sum="$(sha256sum < golden.img)"
echo "golden.img sha256: ${golden_sum%% *}"

step "truncate -s 16M scratch.cow   # room for 16 MiB of changes"
truncate -s 16M scratch.cow

step "mapperfs mount $MAPPERFS_MOUNT --state $work/state"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"

sectors=$(( $(stat -c %s golden.img) / 512 ))
step "mapperfs create scratch --table '0 $sectors snapshot $work/golden.img $work/scratch.cow N 16'"
mapperfs create scratch --table "0 $sectors snapshot $work/golden.img $work/scratch.cow N 16"

step "mapperfs attach scratch && mount it"
loop="$(mapperfs attach scratch)"
mkdir -p "$work/fs"
mount "$loop" "$work/fs"
ls -l "$work/fs"

step "change the throwaway copy: edit, delete, add"
echo "setting=2" > "$work/fs/etc/app.conf"
rm "$work/fs/blob.bin"
head -c 2M /dev/urandom > "$work/fs/new.bin"
sync
ls -l "$work/fs"

step "mapperfs status scratch   # <sectors_allocated>/<total_sectors> <metadata_sectors>"
mapperfs status scratch

step "umount; mapperfs detach scratch; mapperfs remove scratch"
umount "$work/fs"
mapperfs detach scratch >/dev/null
loop=""
mapperfs remove scratch

step "sha256sum golden.img   # unchanged"
now="$(sha256sum < golden.img)"
echo "golden.img sha256: ${now%% *}"
[ "$now" = "$golden_sum" ] || die "golden.img changed under its snapshot"
echo "the golden image is byte for byte what it was"
debugfs -R "cat /etc/app.conf" golden.img 2>/dev/null

mapperfs unmount
echo
echo "golden-image-snapshot finished: everything cleaned up."
