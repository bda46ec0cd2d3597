# Sourced by the example scripts: installs what is missing, defines `mapperfs` and `step`, and
# makes a work folder ($work) with a mapperfs mount point ($MAPPERFS_MOUNT) that is cleaned up on
# any exit: file systems mounted under $work are unmounted, mapperfs is unmounted (which detaches
# its loop devices), and $work is removed. A script may define example_stop() to stop what it
# started itself (a background writer) before that.
# shellcheck shell=bash

example_root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=src/bin/ensure-deps
. "$example_root/src/bin/ensure-deps"

mapperfs() { "$example_root/src/bin/mapperfs" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
# die MESSAGE: a check of the example failed; says so and exits non-zero (the cleanup still runs).
die() { printf '%s: FAILED: %s\n' "${0##*/}" "$*" >&2; exit 1; }

example_cleanup() {
  set +e
  declare -F example_stop >/dev/null && example_stop
  local m
  # File systems mounted under $work (deepest first), except the mapperfs mount itself.
  for m in $(awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
    [ "$m" = "$MAPPERFS_MOUNT" ] || umount "$m"
  done
  mountpoint -q "$MAPPERFS_MOUNT" && mapperfs unmount --force >/dev/null
  rm -rf --one-file-system "$work"
}

# example_start NAME: deps, the work folder /var/tmp/mapperfs-NAME.XXXXXX, the cleanup trap; cd there.
# Ctrl-C and TERM stop the example through that clean-up even where the program it waits for
# takes the signal for itself and exits 0 (a shell without an INT trap would go on).
example_start() {
  mapperfs_ensure_deps
  work="$(mktemp -d "/var/tmp/mapperfs-$1.XXXXXX")"
  export MAPPERFS_MOUNT="$work/mnt"
  trap example_cleanup EXIT
  trap 'echo "$(basename "$0"): interrupted" >&2; exit 130' INT
  trap 'echo "$(basename "$0"): terminated" >&2; exit 143' TERM
  cd "$work" || exit 1
}
