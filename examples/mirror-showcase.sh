#!/usr/bin/env bash
# A mounted file system on a plain device becomes a two-leg mirror without being unmounted:
# ext4 on `vol` (linear over a.img), a writer running, then suspend, load a mirror of a.img and
# b.img, resume; the resync copies a.img to b.img under the writer (rate-limited so you can watch
# it), a leg fails and is replaced, and finally `vol` goes back to b.img alone. Cleans up after
# itself. Run as root on Debian. Press Enter at each pause, or set MIRROR_SHOWCASE_NOPAUSE=1.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"
example_stop() { [ -n "$writer" ] && kill "$writer" 2>/dev/null && wait "$writer" 2>/dev/null; }
pause() { [ -n "${MIRROR_SHOWCASE_NOPAUSE:-}" ] || read -r -p "  (Enter to go on) " _ </dev/tty || true; }
sectors=131072   # 64 MiB

loop=""
writer=""
example_start mirror

# A writer in the file system: rewrites 8 files of 1 MiB in turn, syncing each, and keeps their
# checksums. It stops between two files when $work/stop appears.
start_writer() {
  rm -f "$work/stop"
  (
    i=0
    while [ ! -e "$work/stop" ]; do
      f="$work/fs/file-$((i % 8))"
      head -c 1M /dev/urandom > "$f.tmp" && sync "$f.tmp" && mv "$f.tmp" "$f"
      sha256sum "$f" > "$work/sums/file-$((i % 8))"
      i=$((i + 1))
      echo "$i" > "$work/written"
      sleep 0.05
    done
  ) &
  writer=$!
}
stop_writer() { touch "$work/stop"; wait "$writer"; writer=""; sync; }
verify() { cat "$work"/sums/* | sha256sum -c --quiet && echo "  checksums ok ($(ls "$work/sums" | wc -l) files)"; }
# Prints vol's status every half second until in_sync == total.
watch_resync() {
  while :; do
    st="$(mapperfs status vol)"
    printf '  %s\n' "$st"
    ratio="$(grep -oE ' [0-9]+/[0-9]+ ' <<<"$st" | tr -d ' ')"
    [ "${ratio%/*}" = "${ratio#*/}" ] && break
    sleep 0.5
  done
}

step "truncate -s 64M a.img b.img c.img; mapperfs mount"
truncate -s 64M a.img b.img c.img
mkdir -p sums fs
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state"

step "mapperfs create vol --table \"0 $sectors linear $work/a.img 0\"; attach; mkfs.ext4; mount"
mapperfs create vol --table "0 $sectors linear $work/a.img 0"
loop="$(mapperfs attach vol)"
mkfs.ext4 -q "$loop"
mount "$loop" "$work/fs"
start_writer
sleep 1
mapperfs table vol
pause

step "mapperfs suspend vol; mapperfs load vol (mirror of a.img and b.img, 16 MiB/s resync); mapperfs resume vol"
table="0 $sectors mirror core 2 256 sync 2 $work/a.img 0 $work/b.img 0 2 max_recovery_rate 16384"
echo "  $table"
mapperfs suspend vol
mapperfs load vol --table "$table"
mapperfs resume vol
echo "  status: <#legs> <legs...> <in_sync>/<regions> 1 <health per leg> <log>"
watch_resync
echo "  the writer never stopped: $(cat "$work/written") files of 1 MiB written so far"
pause

step "cmp a.img b.img (after a sync, the two legs hold the same bytes)"
stop_writer
cmp "$work/a.img" "$work/b.img" || die "the two legs differ"
echo "  a.img and b.img are identical"
verify
start_writer
pause

step "a leg fails: b.img is put under a device, legb, which is then switched to 'error' under load"
echo "  (the legs are identical, so this reload says nosync: nothing to copy)"
mapperfs suspend vol
mapperfs create legb --table "0 $sectors linear $work/b.img 0"
mapperfs load vol --table "0 $sectors mirror core 2 256 nosync 2 $work/a.img 0 legb 0 1 handle_errors"
mapperfs resume vol
event="$(mapperfs info vol | awk '/Event number/ {print $3}')"
mapperfs load legb --table "0 $sectors error"
mapperfs resume legb
mapperfs wait vol "$event" >/dev/null
sleep 0.5
mapperfs status vol
echo "  D: the leg is dropped; the file system goes on on a.img"
pause

step "replace the dead leg with c.img: a reload, and the new leg resyncs"
mapperfs load vol --table "0 $sectors mirror core 1 256 2 $work/a.img 0 $work/c.img 0 2 max_recovery_rate 32768"
mapperfs resume vol
mapperfs remove legb
watch_resync
pause

step "the way back: vol becomes linear over c.img alone, still mounted"
mapperfs suspend vol
mapperfs load vol --table "0 $sectors linear $work/c.img 0"
mapperfs resume vol
mapperfs table vol
sleep 1
stop_writer
verify

step "umount; fsck.ext4 -fn $loop; mapperfs detach vol; mapperfs unmount"
umount "$work/fs"
fsck.ext4 -fn "$loop" | tail -1
mapperfs detach vol >/dev/null
loop=""
mapperfs unmount
echo
echo "mirror showcase finished: everything cleaned up."
