# fio-bench-cleanup.sh - fio-bench.sh's state and its clean-up, sourced by it: on exit, error or
# signal (Ctrl-C included), every loop device under the work folder or on a peer's export is
# detached, mapperfs is unmounted, the peers are unmounted and stopped, the work folder is removed,
# and `losetup -a` and /proc/mounts are checked for anything left behind.
# shellcheck shell=bash disable=SC2154 # log and m are fio-bench.sh's
WORK=""
MNT=""
DAEMON_PID=""
MOUNTED=0
PEER_MOUNTS=()
PEER_PIDS=()
PEER_LOOPS=() # the loop devices on the peers' exports, attached once each
FUSECTL=/sys/fs/fuse/connections
FUSECTL_MOUNTED=0
SAMPLER=""

loops_under_work() { # every loop device whose backing file is under $WORK
    local d f
    [ -n "$WORK" ] || return 0
    for d in /sys/block/loop*; do
        [ -r "$d/loop/backing_file" ] || continue
        f=$(cat "$d/loop/backing_file" 2>/dev/null) || continue
        case "$f" in "$WORK"/*) echo "/dev/${d##*/}" ;; esac
    done
}

our_loops() { # those and the peers' loop devices still attached (a peer's names no file once it died)
    local loop
    {
        loops_under_work
        for loop in "${PEER_LOOPS[@]}"; do
            [ -r "/sys/block/${loop##*/}/loop/backing_file" ] && echo "$loop"
        done
    } | sort -u
}

cleanup() {
    local rc=$? loop left=0
    trap - EXIT INT TERM
    set +e
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
    if [ -n "$WORK" ]; then
        for loop in $(our_loops); do
            losetup -d "$loop" || log "warning: losetup -d $loop failed"
        done
        if [ "$MOUNTED" -eq 1 ] && grep -q " $MNT " /proc/mounts; then
            if ! m unmount --force >/dev/null; then
                log "warning: mapperfs unmount --force failed; lazy unmount and stopping pid $DAEMON_PID"
                umount -l "$MNT"
                [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
            fi
        fi
        for m in "${PEER_MOUNTS[@]}"; do
            grep -q " $m " /proc/mounts && { umount "$m" || umount -l "$m"; }
        done
        for p in "${PEER_PIDS[@]}"; do
            kill "$p" 2>/dev/null
        done
        # losetup -d on a busy device only sets autoclear; wait a little for it to go.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [ -z "$(our_loops)" ] && break
            sleep 0.5
        done
        if [ -n "$(our_loops)" ]; then
            log "ERROR: loop devices left behind: $(our_loops | tr '\n' ' ')"
            left=1
        fi
        if grep -q " $MNT " /proc/mounts; then
            log "ERROR: mount left behind at $MNT"
            left=1
        else
            rm -rf "$WORK"
        fi
    fi
    if [ -n "$WORK" ] && losetup -a | grep -qF "$WORK/"; then
        log "ERROR: losetup -a still lists a benchmark file:"; losetup -a >&2; left=1
    fi
    if [ -n "$WORK" ] && grep fuse /proc/mounts | grep -qF "$WORK/"; then
        log "ERROR: a benchmark FUSE mount is still in /proc/mounts"; left=1
    fi
    if [ "$FUSECTL_MOUNTED" -eq 1 ]; then
        umount "$FUSECTL" || log "warning: could not unmount $FUSECTL (mounted for this run)"
    fi
    [ "$left" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
