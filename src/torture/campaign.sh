#!/usr/bin/env bash
# The long forms of the torture campaign; CI runs the short form of each with the other tests.
# Needs root (FUSE mount, losetup). Prints each campaign's figures; the whole log stays in /tmp
# on a failure.
#   src/torture/campaign.sh control-fuzz [COMMANDS [SEED]]   fuzzed control commands (100000, 1)
#   src/torture/campaign.sh daemon-kill [ROUNDS [SEED]]      SIGKILL of the daemon under fsync'd writes (50, 5)
#                                                            over each transport (wire, uring),
#                                                            and under ext4 (a fifth as many)
#   src/torture/campaign.sh reload-cycles [CYCLES]           suspend/load/resume under fio crc32c verify (1000)
#   src/torture/campaign.sh memory-pressure [MINUTES]        fsync'd writes from a 64 MiB memory cgroup (10)
#   src/torture/campaign.sh snapshot-kill [ROUNDS [SEED]]    SIGKILL under fsync'd writes to a new persistent
#                                                            snapshot and its origin (50, 11)
#   src/torture/campaign.sh thin-kill [ROUNDS [SEED]]        SIGKILL under fsync'd writes to a thin device
#                                                            being snapshotted; thin_check each time (100, 7)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# shellcheck source=src/bin/ensure-deps
. "$root/src/bin/ensure-deps"
mapperfs_ensure_deps
cd "$root"

case "${1:-}" in
  control-fuzz) test=ControlFuzzIT; props=(-Dfuzz.commands="${2:-100000}" -Dfuzz.seed="${3:-1}");
    figures='^control fuzz:' ;;
  daemon-kill) test=DaemonKillIT; props=(-Dkill.rounds="${2:-50}" -Dkill.seed="${3:-5}"
      -Dkill.fs.rounds="$(( ${2:-50} / 5 ))");
    figures='^kill|^daemon kills' ;;
  reload-cycles) test=ReloadCyclesIT; props=(-Dreload.cycles="${2:-1000}");
    figures='^reload cycles:' ;;
  memory-pressure) test=MemoryPressureIT; props=(-Dpress.minutes="${2:-10}");
    figures='^memory pressure:' ;;
  snapshot-kill) test=SnapshotKillIT; props=(-Dsnapshot.kill.rounds="${2:-50}" -Dkill.seed="${3:-11}");
    figures='^snapshot kill' ;;
  thin-kill) test=ThinKillIT; props=(-Dthin.kill.rounds="${2:-100}" -Dkill.seed="${3:-7}");
    figures='^thin kill' ;;
  *) echo "usage: $0 control-fuzz|daemon-kill|reload-cycles|memory-pressure|snapshot-kill|thin-kill [COUNT [SEED]]" >&2; exit 2 ;;
esac

log="$(mktemp "/tmp/campaign-$1.XXXXXX.log")"
status=0
mvn -B -ntp -pl src/e2e -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="$test" "${props[@]}" >"$log" 2>&1 || status=$?
grep -a -E "$figures|Tests run:.*$test|did not finish|internal error|FAILURE" "$log" || true
if [ "$status" -ne 0 ]; then
  echo "$1 failed; the whole log: $log" >&2
  exit "$status"
fi
rm -f "$log"
