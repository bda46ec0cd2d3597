# fio-bench-firstwrites.sh - fio-bench.sh's first writes, sourced by it; first_writes runs them
# after the main passes, on the same mount, with the same preparation before every pass.
#
# Writes that make a target record something beside the data cannot be measured by time-based
# passes over one device: after its first pass a snapshot has every chunk and a log is full. So
# here every pass gets a fresh device and writes each block at most once: one sequential 1 MiB
# QD4 pass over the whole device, and SIZE/8 bytes of 4 KiB random writes at QD16 (fio's random
# map: no block twice). mfs-linear, the reference, runs the same passes on its file A.
#   mfs-snap-new  a new persistent snapshot (4 KiB chunks) of its own file: every write makes
#                 exceptions, committed at the next flush
#   mfs-origin2   snapshot-origin of its own file with two new persistent snapshots: every write
#                 first copies the chunk out to both, durably
#   mfs-logw      log-writes over its own file with a new log: every write is logged with its data
# shellcheck shell=bash disable=SC2154 # the variables are fio-bench.sh's

FW_WORKLOADS=(seqfirst randfirst)
FW_CONFIGS=(mfs-linear mfs-snap-new mfs-origin2 mfs-logw)
LABEL[seqfirst]="first writes seq 1M QD4"
LABEL[randfirst]="first writes rand 4K QD16"
DIR[seqfirst]=write
DIR[randfirst]=write
FW_RAND_BYTES=$((SIZE / 8))

FILE_FS="$WORK/fs.img"
FILE_FSC="$WORK/fs-cow.img"
FILE_O="$WORK/o.img"
FILE_OC1="$WORK/o-cow1.img"
FILE_OC2="$WORK/o-cow2.img"
FILE_W="$WORK/w.img"
FILE_WL="$WORK/w-log.img"

# drop_device NAME: detaches its loop device and removes it (the loop lets go of the file lazily).
drop_device() {
    local loop
    for loop in $(losetup -j "$MNT/$1" -O NAME -n 2>/dev/null); do
        losetup -d "$loop"
    done
    for _ in $(seq 1 50); do
        m remove "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    m remove "$1" >/dev/null
}

new_file() { # new_file PATH BYTES: an allocated file that reads as zeros
    rm -f "$1"
    fallocate -l "$2" "$1"
}

# fresh CONFIG: the config's device, new, attached, in DEV[CONFIG].
fresh() {
    case "$1" in
        mfs-linear) ;;
        mfs-snap-new)
            [ -n "${DEV[mfs-snap-new]:-}" ] && drop_device fsnap
            new_file "$FILE_FSC" $((SIZE + SIZE / 4))
            m create fsnap --table "0 $SECTORS snapshot $FILE_FS $FILE_FSC P 8" >/dev/null
            DEV[mfs-snap-new]=$(m attach fsnap) ;;
        mfs-origin2)
            if [ -n "${DEV[mfs-origin2]:-}" ]; then
                drop_device orig
                drop_device os1
                drop_device os2
            fi
            new_file "$FILE_OC1" $((SIZE + SIZE / 4))
            new_file "$FILE_OC2" $((SIZE + SIZE / 4))
            m create orig --table "0 $SECTORS snapshot-origin $FILE_O" >/dev/null
            m create os1 --table "0 $SECTORS snapshot $FILE_O $FILE_OC1 P 8" >/dev/null
            m create os2 --table "0 $SECTORS snapshot $FILE_O $FILE_OC2 P 8" >/dev/null
            DEV[mfs-origin2]=$(m attach orig) ;;
        mfs-logw)
            [ -n "${DEV[mfs-logw]:-}" ] && drop_device logw
            # a new file each pass (a log written over the last pass's reads its blocks back),
            # holding one pass: the sequential one's data, and a sector of entry for each write
            new_file "$FILE_WL" $((2 * SIZE + 64 * MIB))
            m create logw --table "0 $SECTORS log-writes $FILE_W $FILE_WL" >/dev/null
            DEV[mfs-logw]=$(m attach logw) ;;
    esac
}

first_writes() {
    log "first writes: files for mfs-snap-new, mfs-origin2, mfs-logw"
    fallocate -l "$SIZE" "$FILE_FS"
    fallocate -l "$SIZE" "$FILE_O"
    fallocate -l "$SIZE" "$FILE_W"
    local rep w k c
    for ((rep = 1; rep <= REPEAT; rep++)); do
        for w in "${FW_WORKLOADS[@]}"; do
            for ((k = 0; k < ${#FW_CONFIGS[@]}; k++)); do
                c=${FW_CONFIGS[$(((k + rep - 1) % ${#FW_CONFIGS[@]}))]}
                fresh "$c"
                if [ "$w" = seqfirst ]; then
                    measure_pass "$w" "$c" "$rep" --rw=write --bs=1M --iodepth=4 --size="$SIZE"
                else
                    measure_pass "$w" "$c" "$rep" --rw=randwrite --bs=4k --iodepth=16 --size="$SIZE" \
                        --io_size="$FW_RAND_BYTES"
                fi
            done
        done
    done
    log "first writes: mfs-snap-new $(m status fsnap | cut -d' ' -f4-); mfs-origin2's os1 $(m status os1 | cut -d' ' -f4-);" \
        "mfs-logw $(m status logw | cut -d' ' -f4-)"
}

report_first_writes() { # medians against mfs-linear's, pass by pass, and the daemon's CPU per write
    local w c unit col v lin cells passes
    echo
    echo "first writes, each pass on a fresh device (seq: the whole device once; rand: $((FW_RAND_BYTES / MIB)) MiB, each block"
    echo "once), against mfs-linear in the same run (x: > 1 faster than linear); passes: each pass's ratio"
    echo "to linear's pass of the same repeat"
    printf '%-28s %-5s' workload unit; printf ' %18s' "${FW_CONFIGS[@]}"; echo
    for w in "${FW_WORKLOADS[@]}"; do
        if [ "$w" = seqfirst ]; then unit=MB/s; col=4; else unit=IOPS; col=5; fi
        lin=$(median "$col" "$w" mfs-linear)
        cells=""
        for c in "${FW_CONFIGS[@]}"; do
            v=$(median "$col" "$w" "$c")
            if [ "$c" = mfs-linear ]; then cells+=$(printf ' %18s' "$(fmt "$v")")
            else cells+=$(printf ' %18s' "$(fmt "$v") ($(ratio "$v" "$lin"))"); fi
        done
        printf '%-28s %-5s%s\n' "${LABEL[$w]}" "$unit" "$cells"
        passes=""
        for c in "${FW_CONFIGS[@]:1}"; do
            passes+="  $c $(awk -F'\t' -v w="$w" -v c="$c" -v col="$col" '
                $1 == w && $2 == "mfs-linear" {lin[$3] = $col}
                $1 == w && $2 == c {v[$3] = $col}
                END {for (r = 1; r in v; r++) printf "%s%.2f", (r > 1 ? " " : ""), (lin[r] > 0 ? v[r] / lin[r] : 0)}' "$RAW")"
        done
        printf '  %-26s%s\n' passes "$passes"
    done
    echo "daemon CPU per write (us; median pass CPU / median writes of a pass):"
    for w in "${FW_WORKLOADS[@]}"; do
        cells=""
        for c in "${FW_CONFIGS[@]}"; do
            cells+=$(awk -v c="$c" -v s="$(median 10 "$w" "$c")" -v i="$(median 5 "$w" "$c")" \
                -v t="$(median 14 "$w" "$c")" 'BEGIN {if (i * t > 0) printf "  %s %.0f", c, s * 1e6 / (i * t);
                    else printf "  %s n/a", c}')
        done
        printf '  %-26s%s\n' "${LABEL[$w]}" "$cells"
    done
}
