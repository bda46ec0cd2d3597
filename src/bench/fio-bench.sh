#!/usr/bin/env bash
# fio-bench.sh - mapperfs versus the raw backing file through loop, in one run.
#
# Usage (as root):
#   src/bench/fio-bench.sh [--size 1G] [--runtime 5] [--repeat 3] [--transport uring|wire|libfuse] [--peers]
#                          [--out FILE.tsv]
#
#   --size     size of every device under test (IEC suffixes: 512M, 1G, ...; a multiple of 1 MiB)
#   --runtime  seconds of each measured fio pass (time_based; first writes are bounded by size instead)
#   --repeat   measured passes per workload x config; the table shows the median
#   --peers    also measure the peers on the same file (installs them from Debian if missing):
#              qemu-storage-daemon's FUSE export and nbdkit's file plugin through nbdfuse
#   --transport  how the mapperfs daemon speaks FUSE (mapperfs mount --transport; default: mount's)
#   --out      also write every result as TSV to FILE (long format, one value a line); with --peers
#              the report ends with linear against the best peer pass by pass, and
#              src/bench/fio-bench-passes.sh A.tsv B.tsv ... puts several runs' passes together
#
# Configurations (all attached at once, measured one at a time, interleaved):
#   raw-dio      losetup --direct-io=on on backing file A            <- reference for ratios
#   raw-buf      losetup (buffered) on the same file A
#   mfs-linear   mapperfs "0 N linear A 0", attached with mapperfs' default (loop direct I/O)
#   mfs-striped  mapperfs "0 N striped 2 128 B1 0 B2 0" (chunk 128 sectors = 64 KiB),
#                B1 and B2 are each HALF the size, so the striped device has the same size
#                (and fio covers the same number of bytes) as the others.
#   mfs-mirror   mapperfs "0 N mirror core 2 1024 nosync 2 M1 0 M2 0" (RAID-1, 512 KiB regions):
#                every write goes to both files, reads alternate between them. M1 and M2 are
#                fallocate'd, so they start identical and nosync is true (no resync runs).
#   mfs-crypt    mapperfs "0 N crypt aes-xts-plain64 <random 512-bit key> 0 C 0" on its own file C
#   mfs-thin     mapperfs thin device on a pool (64 KiB blocks, zeroing on) over its own data file T;
#                the warm-up writes every block, so the passes measure provisioned blocks
#   mfs-snap     mapperfs "0 N snapshot S COW P 8": a persistent snapshot (4 KiB chunks) of its own
#                file S; the warm-up writes every chunk, so the passes go through its exceptions
#   mfs-verity   mapperfs verity over its own file V of random data, hash tree by veritysetup in
#                file VH: read workloads only (a verity device takes no writes)
#   mfs-nbd      mapperfs "0 N linear nbd+unix:///?socket=S 0": linear over an NBD export, nbdkit's
#                file plugin serving file A on a Unix socket (when nbdkit is installed): the NBD
#                client's cost against mfs-linear on the same file
#   mfs-null     mapperfs "0 N zero": a do-nothing daemon (writes dropped, reads return zeros), the
#                floor of FUSE + loop through this daemon: no device that stores data can beat it.
#   qsd          (--peers) qemu-storage-daemon --export type=fuse of file A, attached like mapperfs
#   nbdkit       (--peers) nbdfuse [ nbdkit file A ], attached like mapperfs
#   qsd-null     (--peers) the same export of qemu's null-co driver (read-zeroes=on): the peer's floor
#   nbdkit-null  (--peers) nbdfuse [ nbdkit null ]: that peer's floor
#   Backing files live in a fresh directory under /var/tmp (must not be tmpfs); disk use = 19 x size.
#
# First writes (after the passes above, same mount, same preparation; fio-bench-firstwrites.sh):
# writes that make a target record something beside the data, each pass on a fresh device, one
# sequential 1 MiB QD4 pass over the whole device and SIZE/8 bytes of 4 KiB random writes at
# QD16 (each block once), against mfs-linear's same passes in the same run:
#   mfs-snap-new  a new persistent snapshot of its own file (every write makes exceptions)
#   mfs-origin2   snapshot-origin of a file with two new persistent snapshots (every write copies
#                 out to both, durably, before it reaches the origin)
#   mfs-logw      log-writes over its own file, with a new log (every write logged with its data)
#
# Workloads (fio on the loop device, --direct=1 --ioengine=libaio --time_based):
#   seq write 1 MiB QD4, seq read 1 MiB QD4 (MB/s = 10^6 bytes/s), rand read 4 KiB QD16,
#   rand write 4 KiB QD16 (IOPS), rand read 4 KiB QD1 (IOPS and clat p50/p99 in us).
#
# Measurement discipline (virtual machines with free page reporting and a host-cached disk
# distort naive runs):
#   * Backing files are fallocate'd (no sparse holes); the warm-up below then writes every block
#     once, so the ext4 unwritten-extent conversion also happens before anything is measured.
#   * Warm-up, per device after attaching (printed for information, not part of the results):
#     one full sequential 1 MiB QD4 write pass over the whole device, one full 1 MiB QD4 read
#     pass, and 3 s of 4 KiB QD16 random read/write. This gets the daemon's JIT past its first
#     GiBs of writes and also warms its read and small-request paths (without the read and
#     random parts, the first repeat of the mapperfs read passes was ~2x slow).
#   * Before EVERY measured pass: sync; echo 3 > /proc/sys/vm/drop_caches; then touch and free
#     ~2 GB of anonymous memory (dd if=/dev/zero of=/dev/null bs=2000M count=1) so that freed
#     guest pages handed back to the host by free page reporting (virtio-balloon) are faulted in
#     again before the pass, not during it. So every pass starts with a cold page cache.
#     Consequence: configs whose backing I/O is buffered (raw-buf, and mapperfs, whose daemon
#     uses buffered FileChannel I/O on the backing files) read from the disk only until the
#     file is in the page cache; the rest of a time-based pass is served from RAM. raw-dio
#     always goes to the disk. The "disk traffic" table (bytes read/written on the real disk
#     during each pass, from /sys/class/block/DEV/stat) shows which passes that affected.
#   * After the passes, --repeat passes of 4 KiB random pread(2) at QD1 straight on file A in fio
#     (psync, buffered, same preparation, as many reads as mfs-linear's QD1 pass: no loop, no
#     FUSE): what a cold read costs any daemon.
#   * Pass order: for each repeat, for each workload, every config in turn (the starting
#     config rotates with the repeat), so slow drift hits every config alike.
#   * Requests in flight at the daemon: the mapperfs FUSE connection's `waiting` counter
#     (fusectl, /sys/fs/fuse/connections/N/waiting; mounted for the run if it is not) is sampled
#     every 50 ms by shell builtins, during every pass alike (so that no config shares the CPUs
#     with more than another); the report shows its mean and maximum for the mapperfs passes.
#   * mapperfs daemon: CPU = utime+stime from /proc/PID/stat, as a delta from just after mount
#     to the end of the last pass (and per measured pass, in the TSV); peak RSS = VmHWM.
#   * Whole machine: CPUs busy during each pass (user+nice+system+irq+softirq from /proc/stat over
#     the pass), so a pass that saturated every CPU shows it; fio, loop and daemons included.
#
# Cleanup: on exit, error or signal (Ctrl-C included), every loop device whose backing file is
# under the temp dir, and every loop device on a peer's export, is detached, mapperfs is unmounted
# (unmount --force), the peers are unmounted and stopped, the temp dir is removed, and the script
# checks `losetup -a` and /proc/mounts that nothing was left behind.
set -euo pipefail

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

SIZE_ARG=1G
RUNTIME=5
REPEAT=3
OUT=""
PEERS=0
TRANSPORT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE_ARG=${2:?--size needs a value}; shift 2 ;;
        --size=*) SIZE_ARG=${1#*=}; shift ;;
        --runtime) RUNTIME=${2:?--runtime needs a value}; shift 2 ;;
        --runtime=*) RUNTIME=${1#*=}; shift ;;
        --repeat) REPEAT=${2:?--repeat needs a value}; shift 2 ;;
        --repeat=*) REPEAT=${1#*=}; shift ;;
        --transport) TRANSPORT=${2:?--transport needs a value}; shift 2 ;;
        --transport=*) TRANSPORT=${1#*=}; shift ;;
        --out) OUT=${2:?--out needs a value}; shift 2 ;;
        --out=*) OUT=${1#*=}; shift ;;
        --peers) PEERS=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "fio-bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

die() { echo "fio-bench: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (losetup, drop_caches, FUSE mount)"
[[ $RUNTIME =~ ^[1-9][0-9]*$ ]] || die "--runtime must be a positive integer (seconds)"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "--repeat must be a positive integer"
SIZE=$(numfmt --from=iec "${SIZE_ARG%B}" 2>/dev/null) || die "bad --size '$SIZE_ARG' (e.g. 512M, 1G)"
MIB=$((1024 * 1024))
if [ "$SIZE" -lt $((64 * MIB)) ] || [ $((SIZE % MIB)) -ne 0 ]; then
    die "--size must be a multiple of 1 MiB and >= 64 MiB"
fi
SECTORS=$((SIZE / 512))
if [ -n "$OUT" ]; then
    : > "$OUT" || die "cannot write --out file $OUT"
    OUT=$(readlink -f "$OUT")
fi

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
MAPPERFS="$ROOT/src/bin/mapperfs"
[ -x "$MAPPERFS" ] || die "no launcher at $MAPPERFS"
m() { "$MAPPERFS" -m "$MNT" "$@"; } # mapperfs on this run's mount

# shellcheck source=src/bin/ensure-deps
source "$ROOT/src/bin/ensure-deps"
install_pkg() { # install_pkg COMMAND PACKAGE
    mapperfs_install "$1" "$2" || die "could not install $2"
}
install_pkg fio fio
install_pkg jq jq
install_pkg veritysetup cryptsetup-bin
if [ "$PEERS" -eq 1 ]; then
    install_pkg qemu-storage-daemon qemu-system-common
    install_pkg nbdkit nbdkit
    install_pkg nbdfuse libnbd-bin
fi
for c in losetup fallocate findmnt numfmt dd; do
    command -v "$c" >/dev/null 2>&1 || die "missing $c"
done

# ---------------------------------------------------------------- state and cleanup
# shellcheck source=src/bench/fio-bench-cleanup.sh
source "$ROOT/src/bench/fio-bench-cleanup.sh"

WORK=$(mktemp -d /var/tmp/mapperfs-bench.XXXXXX)
MNT="$WORK/mnt"
FSTYPE=$(findmnt -no FSTYPE --target "$WORK")
[ "$FSTYPE" != tmpfs ] || die "/var/tmp is tmpfs; the backing files must be on a real disk"
AVAIL=$(df --output=avail -B1 "$WORK" | tail -1 | tr -d ' ')
[ "$AVAIL" -gt $((19 * SIZE + 256 * MIB)) ] || die "need $((19 * SIZE / MIB + 256)) MiB free under /var/tmp"
mkdir -p "$MNT" "$WORK/state" "$WORK/json"

# The real disk under $WORK, for the disk-traffic columns (n/a if it is not a plain block device).
DISK_STAT=""
src=$(findmnt -no SOURCE --target "$WORK")
if [ -r "/sys/class/block/${src##*/}/stat" ]; then
    DISK_STAT="/sys/class/block/${src##*/}/stat"
fi
disk_sectors() { # prints "read_sectors write_sectors"
    if [ -n "$DISK_STAT" ]; then awk '{print $3, $7}' "$DISK_STAT"; else echo "0 0"; fi
}

CLK_TCK=$(getconf CLK_TCK)
daemon_ticks() { # utime+stime of the daemon, in clock ticks
    sed 's/^.*) //' "/proc/$DAEMON_PID/stat" | awk '{print $12 + $13}'
}
machine_ticks() { # busy clock ticks of all CPUs together
    awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat
}
cpus_busy() { # cpus_busy TICKS0 TICKS1 SECONDS: CPUs busy on average over a pass of SECONDS
    awk -v a="$1" -v b="$2" -v t="$CLK_TCK" -v r="$3" 'BEGIN {printf "%.2f", (b - a) / t / r}'
}
median_of() { # the median of the numbers on standard input, one a line ("nan" if none)
    sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
        else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# Balloon defence: touch and free this much anonymous memory before each pass.
MEM_AVAIL_MB=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
TOUCH_MB=2000
[ "$MEM_AVAIL_MB" -gt $((TOUCH_MB * 2)) ] || TOUCH_MB=$((MEM_AVAIL_MB / 2))
prep_pass() {
    sync
    echo 3 > /proc/sys/vm/drop_caches
    dd if=/dev/zero of=/dev/null bs="${TOUCH_MB}M" count=1 status=none
}
log "checking the memory touch (dd bs=${TOUCH_MB}M)"
prep_pass || die "dd if=/dev/zero of=/dev/null bs=${TOUCH_MB}M count=1 failed"

# ---------------------------------------------------------------- backing files and devices
# shellcheck source=src/bench/fio-bench-devices.sh
source "$ROOT/src/bench/fio-bench-devices.sh"

FIO_COMMON=(--ioengine=libaio --direct=1 --numjobs=1 --group_reporting --output-format=json)

log "warm-up per device: full 1 MiB QD4 write pass, full 1 MiB QD4 read pass, 3 s 4 KiB QD16 randrw"
# warmup CONFIG NAME FIO-ARGS...: appends "NAME <MB/s or IOPS>" to WARM. fio runs in this shell,
# not in a $(...) subshell, so that Ctrl-C during it runs the INT trap as soon as fio stops.
warmup() {
    local c=$1 name=$2 json
    shift 2
    json="$WORK/json/warmup-$c-$name.json"
    fio --name="warmup-$name" --filename="${DEV[$c]}" --size="$SIZE" "$@" "${FIO_COMMON[@]}" \
        --output="$json" >/dev/null
    WARM+=", $(jq -r --arg n "$name" '.jobs[0] | if $n == "randrw" then "\($n) \(.read.iops + .write.iops | floor) IOPS"
        else "\($n) \((.read.bw_bytes + .write.bw_bytes) / 1e6 | floor) MB/s" end' "$json")"
}
for c in "${CONFIGS[@]}"; do
    prep_pass
    if [[ $READ_ONLY == *" $c "* ]]; then
        WARM=", write n/a"
        warmup "$c" randrw --rw=randread --bs=4k --iodepth=16 --norandommap --time_based --runtime=3
    else
        WARM=""
        warmup "$c" write --rw=write --bs=1M --iodepth=4
        warmup "$c" randrw --rw=randrw --bs=4k --iodepth=16 --norandommap --time_based --runtime=3
    fi
    warmup "$c" read --rw=read --bs=1M --iodepth=4
    sync
    log "  $c: ${WARM#, }"
done

# ---------------------------------------------------------------- measured passes
WORKLOADS=(seqwrite seqread randread16 randwrite16 randread1)
declare -A LABEL=(
    [seqwrite]="seq write 1M QD4" [seqread]="seq read 1M QD4"
    [randread16]="rand read 4K QD16" [randwrite16]="rand write 4K QD16"
    [randread1]="rand read 4K QD1")
declare -A FIO_ARGS=(
    [seqwrite]="--rw=write --bs=1M --iodepth=4"
    [seqread]="--rw=read --bs=1M --iodepth=4"
    [randread16]="--rw=randread --bs=4k --iodepth=16 --norandommap"
    [randwrite16]="--rw=randwrite --bs=4k --iodepth=16 --norandommap"
    [randread1]="--rw=randread --bs=4k --iodepth=1 --norandommap")
declare -A DIR=([seqwrite]=write [seqread]=read [randread16]=read [randwrite16]=write [randread1]=read)

RAW="$WORK/samples.tsv" # workload config rep MB_s IOPS p50_us p99_us disk_read_MB disk_write_MB daemon_cpu_s inflight_mean inflight_max cpus_busy seconds
: > "$RAW"
measure_pass() { # measure_pass WORKLOAD CONFIG REP FIO-ARGS...: one fio pass after prep_pass, a line in $RAW
    local w=$1 c=$2 rep=$3 json wait_file dr0 dw0 dr1 dw1 cpu0 cpu1 mcpu0 mcpu1 inflight line cpu_s busy seconds
    shift 3
    json="$WORK/json/$w-$c-$rep.json"
    prep_pass
    read -r dr0 dw0 < <(disk_sectors)
    cpu0=$(daemon_ticks)
    mcpu0=$(machine_ticks)
    wait_file="$WORK/json/$w-$c-$rep.waiting"
    : > "$wait_file"
    if [ -n "$WAITING" ]; then # in every pass (see sample_waiting); the report shows it for mapperfs
        sample_waiting "$wait_file" &
        SAMPLER=$!
    fi
    fio --name="$w" --filename="${DEV[$c]}" "$@" "${FIO_COMMON[@]}" --output="$json" >/dev/null
    cpu1=$(daemon_ticks)
    mcpu1=$(machine_ticks)
    if [ -n "$SAMPLER" ]; then
        kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""
    fi
    inflight=$(awk '{s += $1; if ($1 > m) m = $1} END {if (NR) printf "%.1f\t%d", s / NR, m; else printf "0\t0"}' "$wait_file")
    read -r dr1 dw1 < <(disk_sectors)
    [ "$(jq '.jobs[0].error' "$json")" = 0 ] || die "fio reported an error in $json"
    line=$(jq -r --arg d "${DIR[$w]}" '.jobs[0][$d] |
        [(.bw_bytes / 1e6), .iops, (.clat_ns.percentile["50.000000"] / 1000),
         (.clat_ns.percentile["99.000000"] / 1000)] | map(tostring) | join("\t")' "$json")
    cpu_s=0
    case "$c" in mfs-*) cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / t}') ;; esac
    seconds=$(jq '.jobs[0].job_runtime / 1000' "$json")
    busy=$(cpus_busy "$mcpu0" "$mcpu1" "$seconds")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$rep" "$line" \
        "$(( (dr1 - dr0) * 512 / 1000000 ))" "$(( (dw1 - dw0) * 512 / 1000000 ))" "$cpu_s" "$inflight" \
        "$busy" "$seconds" >> "$RAW"
    pass=$((pass + 1))
    log "pass $pass/$npasses rep $rep ${LABEL[$w]} $c: $(awk -F'\t' '{printf "%.0f MB/s, %.0f IOPS, clat p50 %.0f us, p99 %.0f us", $1, $2, $3, $4}' <<<"$line")"
}
# shellcheck source=src/bench/fio-bench-firstwrites.sh
source "$ROOT/src/bench/fio-bench-firstwrites.sh"
nreadonly=$(wc -w <<<"$READ_ONLY")
npasses=$((REPEAT * (${#WORKLOADS[@]} * ${#CONFIGS[@]} - 2 * nreadonly + ${#FW_WORKLOADS[@]} * ${#FW_CONFIGS[@]})))
pass=0
T_START=$(date +%s)
for ((rep = 1; rep <= REPEAT; rep++)); do
    for w in "${WORKLOADS[@]}"; do
        for ((k = 0; k < ${#CONFIGS[@]}; k++)); do
            c=${CONFIGS[$(((k + rep - 1) % ${#CONFIGS[@]}))]}
            [ "${DIR[$w]}" = write ] && [[ $READ_ONLY == *" $c "* ]] && continue
            # shellcheck disable=SC2086 # FIO_ARGS entries are option lists
            measure_pass "$w" "$c" "$rep" ${FIO_ARGS[$w]} --size="$SIZE" --time_based --runtime="$RUNTIME"
        done
    done
done
first_writes
T_END=$(date +%s)

# What one read of a block that is not in the page cache costs a plain process: 4 KiB random
# pread(2) at QD1 straight on file A, no loop and no FUSE, after the same preparation, as many
# reads as mfs-linear made in its QD1 pass (so readahead fills the cache alike). Every FUSE daemon
# pays this on top of its round trip (its do-nothing floor) for a cold QD1 read.
PREAD="$WORK/pread.tsv" # rep IOPS p50_us
: > "$PREAD"
PREAD_IOS=$(awk -F'\t' '$1 == "randread1" && $2 == "mfs-linear" {print $5}' "$RAW" | median_of |
    awk -v t="$RUNTIME" '{printf "%d", $1 * t}')
for ((rep = 1; rep <= REPEAT; rep++)); do
    json="$WORK/json/pread-$rep.json"
    prep_pass
    fio --name=pread --filename="$FILE_A" --rw=randread --bs=4k --norandommap --size="$SIZE" \
        --ioengine=psync --direct=0 --fadvise_hint=0 --number_ios="$PREAD_IOS" \
        --output-format=json --output="$json" >/dev/null
    jq -r --arg r "$rep" '.jobs[0].read | [$r, .iops, (.clat_ns.percentile["50.000000"] / 1000)] |
        map(tostring) | join("\t")' "$json" >> "$PREAD"
    log "pread pass $rep/$REPEAT: $(awk -F'\t' 'END {printf "%.0f IOPS, clat p50 %.0f us", $2, $3}' "$PREAD")"
done
PREAD_P50=$(cut -f3 "$PREAD" | median_of)

CPU_END=$(daemon_ticks)
DAEMON_CPU=$(awk -v a="$CPU_START" -v b="$CPU_END" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", (b - a) / t}')
VMHWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
VMRSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status")

# ---------------------------------------------------------------- report
# shellcheck source=src/bench/fio-bench-report.sh
source "$ROOT/src/bench/fio-bench-report.sh"
TSV=${OUT:-$WORK/run.tsv}
write_tsv > "$TSV"
print_report
