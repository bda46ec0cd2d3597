#!/usr/bin/env bash
# JMH benchmarks of the engine's hot paths, with allocation per operation (-prof gc):
# segment lookup in a 100 000-segment table, splitting at segment and stripe boundaries over
# devices that move no bytes, the whole mapped-device read/write path against a plain pread on
# the same file, a read handed over as a range of a backing file (a spliced read's engine share:
# linear, mirror, snapshot), a persistent snapshot's reads and rewrites and an origin write over
# copied chunks, and creating a 100 000-segment table. Extra arguments go to JMH (e.g. a regex).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
jar="$root/src/jmh/target/benchmarks.jar"
# Rebuilt when missing or older than the engine's or the benchmarks' sources.
if [ ! -f "$jar" ] || [ -n "$(find "$root/pom.xml" "$root/mapping-core/pom.xml" "$root/mapping-core/src/main" \
    "$root/src/jmh/pom.xml" "$root/src/jmh/java" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  (cd "$root" && mvn -B -q -DskipTests package -pl src/jmh -am)
fi
exec java -jar "$jar" -prof gc "$@"
