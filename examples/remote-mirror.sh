#!/usr/bin/env bash
# A mirror with one leg on another machine, DRBD-style: ext4 on a mirror of a local file and an
# NBD export served by nbdkit in another network namespace (a stand-in for another host, joined
# by a veth pair). The remote server dies under a writer: the leg turns D and the writer goes on.
# The server comes back: the leg is taken back by itself and only the regions written meanwhile
# are copied. Then both legs hold the same bytes and fsck is clean. As root: examples/remote-mirror.sh
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=examples/lib.sh
. "$root/examples/lib.sh"

ns="mfsremote$$"
host="vmr$$a"
peer="vmr$$b"
server=""
frozen=""
example_stop() { # mapperfs goes first (lib.sh): nbdkit waits for its clients before it exits
  [ -n "$frozen" ] && fsfreeze -u "$frozen"
  umount "$work/fs" 2>/dev/null
  mountpoint -q "$MAPPERFS_MOUNT" && mapperfs unmount --force >/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  ip link del "$host" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
}
example_start remote-mirror

step "a second 'machine': network namespace $ns at 10.233.5.2, over a veth pair"
ip netns add "$ns"
ip link add "$host" type veth peer name "$peer"
ip link set "$peer" netns "$ns"
ip addr add 10.233.5.1/30 dev "$host"
ip link set "$host" up
ip netns exec "$ns" ip addr add 10.233.5.2/30 dev "$peer"
ip netns exec "$ns" ip link set "$peer" up
ip netns exec "$ns" ip link set lo up

# nbdkit in the namespace, serving remote.img over TCP. Through nsenter --net, which enters the
# network namespace only: `ip netns exec` would also give nbdkit a copy of the mount table, and
# the file system mounted on the mirror would stay mounted in that copy (and the loop device, the
# mapperfs mount and its daemon with it) until nbdkit exits, which it does after its clients go.
serve() {
  nsenter --net="/run/netns/$ns" nbdkit -f -i 10.233.5.2 -p 10809 file "$work/remote.img" 2>>"$work/nbdkit.log" &
  server=$!
  for _ in $(seq 1 100); do # until it listens (a probe that reads the greeting, then hangs up)
    nsenter --net="/run/netns/$ns" timeout 1 bash -c 'exec 3<>/dev/tcp/10.233.5.2/10809 && head -c 18 <&3 >/dev/null' \
      2>/dev/null && return 0
    sleep 0.05
  done
  echo "nbdkit did not start: $(cat "$work/nbdkit.log")" >&2
  exit 1
}
truncate -s 64M local.img remote.img
truncate -s 1M log.img
serve
echo "nbdkit serves remote.img at nbd://10.233.5.2/ from inside $ns"

step "mapperfs mount (a request to the remote leg fails after 3 s without an answer)"
mapperfs mount "$MAPPERFS_MOUNT" --state "$work/state" --remote-timeout 3
table="0 131072 mirror disk 2 $work/log.img 1024 2 $work/local.img 0 nbd://10.233.5.2/ 0"
echo "table: $table"
mapperfs create vol --table "$table"
until mapperfs status vol | grep -q " 128/128 "; do sleep 0.1; done
mapperfs status vol
loop=$(mapperfs attach vol)
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 "$loop"
mkdir fs
mount "$loop" fs
dd if=/dev/urandom of=fs/before bs=1M count=8 conv=fsync status=none

step "the remote server dies under a writer; the leg turns D, the writer goes on"
dd if=/dev/urandom of=fs/during bs=64k count=384 oflag=direct status=none &
writer=$!
sleep 0.2
kill -9 "$server"
wait "$server" 2>/dev/null || true
server=""
wait "$writer" || die "the writer failed when the remote leg went away"
echo "the writer finished without an error"
sync -f fs/during
fsfreeze -f fs # nothing more is written while the regions are counted
frozen="$work/fs"
status=$(mapperfs status vol)
echo "$status"
grep -q " AD " <<<"$status" || die "the remote leg is not D"
dirty=$((128 - $(sed -E 's|.* ([0-9]+)/128 .*|\1|' <<<"$status")))
echo "regions written while the leg was away: $dirty of 128"

step "the server is back: the leg is taken back by itself; only those regions are copied"
serve
until mapperfs status vol | grep -q " 128/128 1 AA "; do sleep 0.1; done
mapperfs status vol
grep -E "is back|resync complete" "$work/state/daemon.log" | tail -2 | sed 's/.* - /  daemon: /'
copied=$(grep "resync complete" "$work/state/daemon.log" | tail -1 | sed -E 's/.*complete: ([0-9]+) regions.*/\1/')
[ "$copied" -eq "$dirty" ] || die "$copied regions copied, $dirty were written meanwhile"
fsfreeze -u fs
frozen=""

step "both legs hold the same bytes; fsck is clean"
umount fs
cmp local.img remote.img || die "the legs differ"
echo "ok: the legs are identical"
fsck.ext4 -fn "$loop" >/dev/null || die "fsck found errors"
echo "ok: fsck clean"
echo "ok: $copied of 128 regions were copied after the leg came back, the $dirty written while it was away"
