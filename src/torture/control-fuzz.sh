#!/usr/bin/env bash
# Fuzzes the control file of a live daemon (ControlFuzzIT): COMMANDS mutated commands from SEED,
# each one write(2); fails on a hung command (watchdog), a daemon that stops answering, a change
# to the reference device's table or data, a file outside the mount, or an internal error in the
# daemon's log. Prints the figures. Needs root (FUSE mount). CI runs the short form (3000).
#   src/torture/control-fuzz.sh [COMMANDS [SEED]]      default: 100000 1
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# shellcheck source=src/bin/ensure-deps
. "$root/src/bin/ensure-deps"
mapperfs_ensure_deps
cd "$root"
commands="${1:-100000}"
seed="${2:-1}"
log="$(mktemp /tmp/control-fuzz.XXXXXX.log)"
status=0
mvn -B -ntp -pl src/e2e -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ControlFuzzIT -Dfuzz.commands="$commands" -Dfuzz.seed="$seed" >"$log" 2>&1 || status=$?
grep -a -E '^control fuzz:|Tests run:.*ControlFuzzIT|did not finish|internal error' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "control fuzz failed; the whole log: $log" >&2
  exit "$status"
fi
rm -f "$log"
