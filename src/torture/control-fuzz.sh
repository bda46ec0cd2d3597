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
mvn -B -ntp -q -pl src/e2e -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ControlFuzzIT -Dfuzz.commands="$commands" -Dfuzz.seed="$seed" \
  | grep -a -E '^control fuzz:|Tests run:|FAIL' || true
test "${PIPESTATUS[0]}" -eq 0
