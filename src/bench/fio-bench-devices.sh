# fio-bench-devices.sh - fio-bench.sh's backing files and devices, sourced by it: every config's
# file, raw loop on file A, the mapperfs mount with its devices attached (DEV[config]), the FUSE
# connection's counter of requests in flight, and with --peers the peers' exports on loop.
# The peers' daemons run in sessions of their own (setsid), as the mapperfs daemon does: Ctrl-C
# reaches the script's process group only, and the clean-up detaches the loop devices on their
# exports before it stops them. Those loop devices are also kept by name (PEER_LOOPS): should a
# peer's daemon die first, its loop device no longer names its file under the work folder.
# shellcheck shell=bash disable=SC2154 # the variables are fio-bench.sh's
FILE_A="$WORK/a.img"
FILE_B1="$WORK/b1.img"
FILE_B2="$WORK/b2.img"
FILE_M1="$WORK/m1.img"
FILE_M2="$WORK/m2.img"
FILE_C="$WORK/c.img"
FILE_T="$WORK/t.img"
FILE_TM="$WORK/t-meta.img"
FILE_S="$WORK/s.img"
FILE_SC="$WORK/s-cow.img"
FILE_V="$WORK/v.img"
FILE_VH="$WORK/v-hash.img"
log "allocating backing files in $WORK ($FSTYPE on ${src}): A, M1, M2, C $((SIZE / MIB)) MiB each, B1+B2 $((SIZE / 2 / MIB)) MiB each"
fallocate -l "$SIZE" "$FILE_A"
fallocate -l $((SIZE / 2)) "$FILE_B1"
fallocate -l $((SIZE / 2)) "$FILE_B2"
fallocate -l "$SIZE" "$FILE_M1"
fallocate -l "$SIZE" "$FILE_M2"
fallocate -l "$SIZE" "$FILE_C"
fallocate -l "$SIZE" "$FILE_T"
fallocate -l 64M "$FILE_TM"
fallocate -l "$SIZE" "$FILE_S"
fallocate -l $((SIZE + SIZE / 4)) "$FILE_SC"
dd if=/dev/urandom of="$FILE_V" bs=1M count=$((SIZE / MIB)) status=none
verity_out=$(veritysetup format "$FILE_V" "$FILE_VH") || die "veritysetup format failed"
VERITY_ROOT=$(awk '/^Root hash:/ {print $3}' <<<"$verity_out")
VERITY_SALT=$(awk '/^Salt:/ {print $2}' <<<"$verity_out")

CONFIGS=(raw-dio raw-buf mfs-linear mfs-striped mfs-mirror mfs-crypt mfs-thin mfs-snap mfs-verity mfs-null)
READ_ONLY=" mfs-verity "
declare -A DEV=()

DEV[raw-dio]=$(losetup --find --show --direct-io=on "$FILE_A")
DEV[raw-buf]=$(losetup --find --show "$FILE_A")
[ "$(cat "/sys/block/${DEV[raw-dio]##*/}/loop/dio")" = 1 ] || die "loop direct I/O was not enabled on ${DEV[raw-dio]}"

log "mounting mapperfs at $MNT"
mount_out=$("$MAPPERFS" mount "$MNT" --state "$WORK/state" ${TRANSPORT:+--transport "$TRANSPORT"})
MOUNTED=1
DAEMON_PID=$(sed -n 's/.*(pid \([0-9][0-9]*\).*/\1/p' <<<"$mount_out")
if [ -z "$DAEMON_PID" ] || [ ! -r "/proc/$DAEMON_PID/stat" ]; then
    die "no daemon pid in: $mount_out"
fi
log "$mount_out"
log "daemon: pid $DAEMON_PID ($(cat "/proc/$DAEMON_PID/comm"))"
CPU_START=$(daemon_ticks)

# The FUSE connection's counter of requests the daemon has not answered yet.
if ! mountpoint -q "$FUSECTL"; then
    mount -t fusectl fusectl "$FUSECTL" && FUSECTL_MOUNTED=1
fi
WAITING="$FUSECTL/$(stat -c %d "$MNT")/waiting"
[ -r "$WAITING" ] || { log "warning: no $WAITING; requests in flight are not measured"; WAITING=""; }
# sample_waiting FILE: appends the counter to FILE every 50 ms until killed. Shell builtins only
# (its 50 ms wait is a read with a timeout on a pipe nobody writes to): a process started 40 times
# a second would keep the CPUs from idling and take CPU time from the pass. It runs during every
# pass, the raw loop's and the peers' too, so that each pass shares the machine with it alike.
sample_waiting() {
    local n tick out
    exec {tick}<> <(:) {out}>> "$1"
    while :; do
        read -r n < "$WAITING" 2>/dev/null && echo "$n" >&"$out"
        read -r -t 0.05 -u "$tick" _ || :
    done
}

m create lin --table "0 $SECTORS linear $FILE_A 0" >/dev/null
m create str --table "0 $SECTORS striped 2 128 $FILE_B1 0 $FILE_B2 0" >/dev/null
DEV[mfs-linear]=$(m attach lin)
m create mir --table "0 $SECTORS mirror core 2 1024 nosync 2 $FILE_M1 0 $FILE_M2 0" >/dev/null
DEV[mfs-striped]=$(m attach str)
DEV[mfs-mirror]=$(m attach mir)
m create cry --table "0 $SECTORS crypt aes-xts-plain64 $(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') 0 $FILE_C 0" >/dev/null
DEV[mfs-crypt]=$(m attach cry)
m create pool --table "0 $SECTORS thin-pool $FILE_TM $FILE_T 128 0" >/dev/null
m message pool 0 create_thin 0 >/dev/null
m create thin --table "0 $SECTORS thin pool 0" >/dev/null
DEV[mfs-thin]=$(m attach thin)
m create snap --table "0 $SECTORS snapshot $FILE_S $FILE_SC P 8" >/dev/null
DEV[mfs-snap]=$(m attach snap)
m create ver --table "0 $SECTORS verity 1 $FILE_V $FILE_VH 4096 4096 $((SIZE / 4096)) 1 sha256 $VERITY_ROOT $VERITY_SALT" >/dev/null
DEV[mfs-verity]=$(m attach ver)
m create null --table "0 $SECTORS zero" >/dev/null
DEV[mfs-null]=$(m attach null)
if command -v nbdkit >/dev/null 2>&1; then
    setsid nbdkit -f -U "$WORK/nbd.sock" file "$FILE_A" 2>>"$WORK/nbdkit.log" &
    PEER_PIDS+=($!)
    for _ in $(seq 1 100); do [ -S "$WORK/nbd.sock" ] && break; sleep 0.05; done
    m create nbd --table "0 $SECTORS linear nbd+unix:///?socket=$WORK/nbd.sock 0" >/dev/null
    DEV[mfs-nbd]=$(m attach nbd)
    CONFIGS=(raw-dio raw-buf mfs-linear mfs-striped mfs-mirror mfs-crypt mfs-thin mfs-snap mfs-verity mfs-nbd mfs-null)
else
    log "nbdkit is not installed: no mfs-nbd (linear over an NBD export)"
fi

wait_mounted() { # wait_mounted PATH PID: until PATH is a FUSE mount, or fail if PID died
    for _ in $(seq 1 100); do
        grep -q " $1 fuse" /proc/mounts && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
attach_peer() { # attach_peer FILE: loop direct I/O first, as mapperfs attach does
    losetup --find --show --direct-io=on "$1" 2>/dev/null || losetup --find --show "$1"
}
qsd_export() { # qsd_export CONFIG BLOCKDEV-OPTIONS...: qemu-storage-daemon's FUSE export, attached
    local c=$1 export="$WORK/$1.export"
    shift
    touch "$export"
    setsid qemu-storage-daemon "$@" \
        --export "type=fuse,id=exp0,node-name=top0,mountpoint=$export,writable=on" > "$WORK/$c.log" 2>&1 &
    PEER_PIDS+=($!)
    PEER_MOUNTS+=("$export")
    wait_mounted "$export" "$!" || die "qemu-storage-daemon ($c) did not mount: $(cat "$WORK/$c.log")"
    DEV[$c]=$(attach_peer "$export")
    PEER_LOOPS+=("${DEV[$c]}")
}
nbdkit_export() { # nbdkit_export CONFIG NBDKIT-ARGS...: nbdkit through nbdfuse, attached
    local c=$1
    shift
    mkdir -p "$WORK/$c"
    setsid nbdfuse "$WORK/$c" [ nbdkit "$@" ] > "$WORK/$c.log" 2>&1 &
    PEER_PIDS+=($!)
    PEER_MOUNTS+=("$WORK/$c")
    wait_mounted "$WORK/$c" "$!" || die "nbdfuse ($c) did not mount: $(cat "$WORK/$c.log")"
    DEV[$c]=$(attach_peer "$WORK/$c/nbd")
    PEER_LOOPS+=("${DEV[$c]}")
}
if [ "$PEERS" -eq 1 ]; then
    CONFIGS+=(qsd nbdkit qsd-null nbdkit-null)
    qsd_export qsd --blockdev "driver=file,node-name=file0,filename=$FILE_A" \
        --blockdev driver=raw,node-name=top0,file=file0
    nbdkit_export nbdkit file "$FILE_A"
    qsd_export qsd-null --blockdev "driver=null-co,node-name=top0,size=$SIZE,read-zeroes=on"
    nbdkit_export nbdkit-null null "size=$SIZE"
fi
for c in "${CONFIGS[@]}"; do
    d=${DEV[$c]}
    [ -b "$d" ] || die "$c: '$d' is not a block device"
    log "$c: $d (loop dio=$(cat "/sys/block/${d##*/}/loop/dio"), backing $(cat "/sys/block/${d##*/}/loop/backing_file"), $(blockdev --getsize64 "$d") bytes)"
done
