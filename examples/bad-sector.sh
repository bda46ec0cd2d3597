#!/usr/bin/env bash
# A bad sector, where you want it: the dust target keeps a list of bad blocks; once enabled,
# reading one fails with EIO ("Input/output error"), and writing one "remaps" it (takes it off
# the list), as a real drive does. First on the raw device with dd, then under a file in ext4.
#
#   examples/bad-sector.sh
#
# Run as root on Debian; everything is cleaned up at exit.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
loop=""
example_start dust

truncate -s 64M disk.img
sectors=$((64 * 1024 * 1024 / 512))
step "mapperfs create dusty --table '0 $sectors dust disk.img 0 4096'"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"
mapperfs create dusty --table "0 $sectors dust $work/disk.img 0 4096"
loop="$(mapperfs attach dusty)"
echo "$loop"

step "mapperfs message dusty 0 addbadblock 60; ... 67; ... 72"
for b in 60 67 72; do mapperfs message dusty 0 addbadblock "$b"; done
mapperfs message dusty 0 countbadblocks
mapperfs status dusty
step "dd if=$loop bs=4096 count=1 skip=67 iflag=direct   (bypass: reads fine)"
dd if="$loop" of=/dev/null bs=4096 count=1 skip=67 iflag=direct

step "mapperfs message dusty 0 enable"
mapperfs message dusty 0 enable
mapperfs status dusty
step "dd if=$loop bs=4096 count=1 skip=67 iflag=direct"
if dd if="$loop" of=/dev/null bs=4096 count=1 skip=67 iflag=direct; then
  die "block 67 read without an error while the bad blocks are enabled"
else
  echo "(dd exited with $?)"
fi

step "read the first 1024 blocks one by one (dd iflag=direct): which fail?"
failed=""
for i in $(seq 0 1023); do
  if ! dd if="$loop" of=/dev/null bs=4096 count=1 skip="$i" iflag=direct status=none 2>/dev/null; then
    printf 'block %s: Input/output error\n' "$i"
    failed="$failed $i"
  fi
done
[ "$failed" = " 60 67 72" ] || die "the blocks that failed were:$failed (not 60 67 72)"

step "dd if=/dev/zero of=$loop bs=4096 count=1 seek=67 oflag=direct   (a write remaps the block)"
dd if=/dev/zero of="$loop" bs=4096 count=1 seek=67 oflag=direct status=none
mapperfs message dusty 0 queryblock 67
mapperfs message dusty 0 listbadblocks
if mapperfs message dusty 0 addbadblock 60; then
  die "adding a listed block again was taken"
else
  echo "(adding a listed block again is an error)"
fi
mapperfs message dusty 0 clearbadblocks

step "a bad block under a file: mkfs.ext4 -b 4096, write a file, find its block with filefrag"
mkfs.ext4 -q -b 4096 "$loop"
mkdir -p "$work/fs"
mount "$loop" "$work/fs"
head -c 1M /dev/urandom > "$work/fs/precious"
sync
block="$(filefrag -e -b4096 "$work/fs/precious" | awk '/^ *0:/ { sub(/\.\..*/, "", $4); print $4 + 5 }')"
echo "the 6th block of 'precious' is device block $block"
mapperfs message dusty 0 addbadblock "$block"
echo 3 > /proc/sys/vm/drop_caches
step "cat precious > /dev/null"
if cat "$work/fs/precious" > /dev/null; then
  die "precious read without an error over its bad block"
else
  echo "(cat exited with $?)"
fi
step "cp precious copy  (the blocks before the bad one are read, then it fails)"
if cp "$work/fs/precious" "$work/copy"; then
  die "precious copied without an error over its bad block"
else
  echo "(cp exited with $?; $(stat -c %s "$work/copy" 2>/dev/null || echo 0) bytes copied)"
fi
step "mapperfs message dusty 0 disable; cat precious"
mapperfs message dusty 0 disable
cat "$work/fs/precious" > /dev/null || die "precious still fails to read with the bad blocks disabled"
echo "reads fine again"
umount "$work/fs"

echo
echo "bad-sector finished: everything cleaned up."
