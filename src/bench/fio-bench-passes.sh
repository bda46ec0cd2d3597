#!/usr/bin/env bash
# fio-bench-passes.sh - mapperfs linear against the best peer, pass by pass, over one or more runs
# of fio-bench.sh --peers.
#
#   src/bench/fio-bench-passes.sh RUN.tsv [RUN.tsv ...]
#
# Each RUN.tsv is what `fio-bench.sh --peers --out RUN.tsv` wrote. A run's table gives medians of
# its repeats; on a host whose figures swing between passes the median of three can land either
# side of a goal. Within a run, pass N of every config ran back to back (same repeat, same
# workload), so this pairs them: for each pass, linear against the better of qsd and nbdkit in
# that same pass. Printed per workload: each run's ratio of medians with its passes' ratios, then
# over every pass of every run the median, lowest and highest ratio, and how many passes met the
# goal (throughput: linear >= 1.5x the peer; QD1 p99: linear's <= the peer's).
# Ratios are "> 1: mapperfs better": throughput linear / peer, latency peer / linear.
set -euo pipefail

die() { echo "fio-bench-passes.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: fio-bench-passes.sh RUN.tsv [RUN.tsv ...]"
for f in "$@"; do
    [ -r "$f" ] || die "cannot read $f"
    head -1 "$f" | grep -q '^workload	config	metric	median	' || die "$f is not a fio-bench.sh --out file"
    grep -qP '^seqwrite\tqsd\tMB_s\t' "$f" || die "$f has no peers (run fio-bench.sh with --peers)"
done

awk -F'\t' '
BEGIN {
    nrows = split("seqwrite MB_s|seqread MB_s|randread16 IOPS|randwrite16 IOPS|randread1 IOPS|randread1 p50_us|randread1 p99_us", rows, "|")
    label["seqwrite MB_s"] = "seq write 1M QD4";  goal["seqwrite MB_s"] = 1.5
    label["seqread MB_s"] = "seq read 1M QD4";    goal["seqread MB_s"] = 1.5
    label["randread16 IOPS"] = "rand read 4K QD16"; goal["randread16 IOPS"] = 1.5
    label["randwrite16 IOPS"] = "rand write 4K QD16"; goal["randwrite16 IOPS"] = 1.5
    label["randread1 IOPS"] = "rand read 4K QD1"; goal["randread1 IOPS"] = 1.5
    label["randread1 p50_us"] = "  QD1 clat p50";  goal["randread1 p50_us"] = 0
    label["randread1 p99_us"] = "  QD1 clat p99";  goal["randread1 p99_us"] = 1.0
}
FNR == 1 { run++; file[run] = FILENAME; next }
$2 == "mfs-linear" || $2 == "qsd" || $2 == "nbdkit" {
    key = $1 " " $3
    med[run, key, $2] = $4
    n = split($6, s, ",")
    passes[run, key, $2] = n
    for (i = 1; i <= n; i++) sample[run, key, $2, i] = s[i]
}
function better(a, b, lat) { return lat ? (a < b ? a : b) : (a > b ? a : b) }
function ratio(lin, peer, lat) { return lat ? (lin > 0 ? peer / lin : 0) : (peer > 0 ? lin / peer : 0) }
END {
    printf "mapperfs linear / best peer, pass by pass (> 1: mapperfs better; the best peer of a pass is the\n"
    printf "better of qsd and nbdkit in that same pass). Runs:\n"
    for (r = 1; r <= run; r++) printf "  run %d: %s\n", r, file[r]
    printf "\n%-20s", "workload"
    for (r = 1; r <= run; r++) printf "  %-26s", "run " r ": median (passes)"
    printf "  %6s %6s %6s  %s\n", "median", "min", "max", "goal met"
    for (k = 1; k <= nrows; k++) {
        key = rows[k]; lat = (key ~ /_us$/)
        printf "%-20s", label[key]
        m = 0; delete all
        for (r = 1; r <= run; r++) {
            cell = sprintf("%.2f (", ratio(med[r, key, "mfs-linear"], better(med[r, key, "qsd"], med[r, key, "nbdkit"], lat), lat))
            n = passes[r, key, "mfs-linear"]
            for (i = 1; i <= n; i++) {
                q = ratio(sample[r, key, "mfs-linear", i], better(sample[r, key, "qsd", i], sample[r, key, "nbdkit", i], lat), lat)
                all[++m] = q
                cell = cell sprintf("%s%.2f", i > 1 ? " " : "", q)
            }
            printf "  %-26s", cell ")"
        }
        # insertion sort: a handful of passes
        for (i = 2; i <= m; i++) { v = all[i]; for (j = i - 1; j >= 1 && all[j] > v; j--) all[j + 1] = all[j]; all[j + 1] = v }
        median = (m % 2) ? all[(m + 1) / 2] : (all[m / 2] + all[m / 2 + 1]) / 2
        met = 0
        for (i = 1; i <= m; i++) if (all[i] >= goal[key]) met++
        printf "  %6.2f %6.2f %6.2f  ", median, all[1], all[m]
        if (goal[key] > 0) printf "%d of %d passes at >= %.1fx\n", met, m, goal[key]; else printf "(no goal)\n"
    }
}' "$@"
