# fio-bench-report.sh - the report of fio-bench.sh, sourced by it once every pass has run.
#
# Reads the samples fio-bench.sh wrote ($RAW: one line a pass; $PREAD: the plain-process pread
# passes) and the run's figures it computed (PREAD_P50, DAEMON_CPU, VMHWM_KB, ...).
# write_tsv prints every median in long format ($TSV: --out, else in the work folder); print_report
# prints the tables, and with --peers linear against the best peer pass by pass (fio-bench-passes.sh).
# shellcheck shell=bash disable=SC2154 # the variables are fio-bench.sh's

# median COLUMN WORKLOAD CONFIG  (column numbers of $RAW, 1-based)
median() {
    awk -F'\t' -v w="$2" -v c="$3" -v col="$1" '$1 == w && $2 == c {print $col}' "$RAW" | median_of
}
samples() {
    awk -F'\t' -v w="$2" -v c="$3" -v col="$1" '$1 == w && $2 == c {printf "%s%s", sep, $col; sep = ","}' "$RAW"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "nan" && b > 0) printf "%.2f", a / b; else print "n/a"}'; }
fmt() { awk -v v="$1" 'BEGIN {if (v == "nan") print "n/a"; else printf "%.0f", v}'; }

# metric key -> column in $RAW and unit
declare -A MCOL=([MB_s]=4 [IOPS]=5 [p50_us]=6 [p99_us]=7 [disk_read_MB]=8 [disk_write_MB]=9 [daemon_cpu_s]=10
    [inflight_mean]=11 [inflight_max]=12 [cpus_busy]=13 [seconds]=14)
ROWS=( "seqwrite MB_s" "seqread MB_s" "randread16 IOPS" "randwrite16 IOPS" "randread1 IOPS" "randread1 p50_us" "randread1 p99_us" )

write_tsv() { # every median with its ratio and samples, and the run's figures, one value a line
    printf 'workload\tconfig\tmetric\tmedian\tratio_vs_raw_dio\tsamples\n'
    for w in "${WORKLOADS[@]}"; do
        for c in "${CONFIGS[@]}"; do
            for m in MB_s IOPS p50_us p99_us disk_read_MB disk_write_MB daemon_cpu_s inflight_mean inflight_max cpus_busy; do
                case "$m" in daemon_cpu_s|inflight_*) [[ $c != mfs-* ]] && continue ;; esac
                v=$(median "${MCOL[$m]}" "$w" "$c")
                r=""
                case "$m" in MB_s|IOPS|p50_us|p99_us) r=$(ratio "$v" "$(median "${MCOL[$m]}" "$w" raw-dio)") ;; esac
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$m" "$v" "$r" "$(samples "${MCOL[$m]}" "$w" "$c")"
            done
        done
    done
    for w in "${FW_WORKLOADS[@]}"; do
        for c in "${FW_CONFIGS[@]}"; do
            for m in MB_s IOPS disk_write_MB daemon_cpu_s cpus_busy seconds; do
                v=$(median "${MCOL[$m]}" "$w" "$c")
                printf '%s\t%s\t%s\t%s\t\t%s\n' "$w" "$c" "$m" "$v" "$(samples "${MCOL[$m]}" "$w" "$c")"
            done
            m=$([ "$w" = seqfirst ] && echo MB_s || echo IOPS)
            printf '%s\t%s\tratio_vs_linear\t%s\t\t\n' "$w" "$c" \
                "$(ratio "$(median "${MCOL[$m]}" "$w" "$c")" "$(median "${MCOL[$m]}" "$w" mfs-linear)")"
        done
    done
    printf 'randread1\tpread-file\tp50_us\t%s\t\t%s\n' "$PREAD_P50" "$(cut -f3 "$PREAD" | paste -sd,)"
    printf 'randread1\tpread-file\tIOPS\t\t\t%s\n' "$(cut -f2 "$PREAD" | paste -sd,)"
    printf 'run\tmfs-daemon\tcpu_s\t%s\t\t\n' "$DAEMON_CPU"
    printf 'run\tmfs-daemon\tvmhwm_kib\t%s\t\t\n' "$VMHWM_KB"
    printf 'run\tmfs-daemon\tvmrss_kib\t%s\t\t\n' "$VMRSS_KB"
    printf 'run\tall\tsize_bytes\t%s\t\t\n' "$SIZE"
    printf 'run\tall\truntime_s\t%s\t\t\n' "$RUNTIME"
    printf 'run\tall\trepeat\t%s\t\t\n' "$REPEAT"
    printf 'run\tall\tmeasure_wall_s\t%s\t\t\n' "$((T_END - T_START))"
    printf 'run\tall\tcpuidle\t%s\t\t\n' "$(cpuidle_summary)"
}

cpuidle_summary() { # the cpuidle driver and, under haltpoll, how long an idle CPU polls before it halts
    local d=/sys/devices/system/cpu/cpuidle p=/sys/module/haltpoll/parameters/guest_halt_poll_ns
    local driver
    driver=$(cat "$d/current_driver" 2>/dev/null || echo none)
    if [ "$driver" = haltpoll ] && [ -r "$p" ]; then
        echo "cpuidle $driver, guest_halt_poll_ns $(cat "$p")"
    else
        echo "cpuidle $driver"
    fi
}

report_table() { # every workload x config, with the ratio to raw-dio
    echo
    echo "mapperfs fio benchmark (transport ${TRANSPORT:-default}): size $((SIZE / MIB)) MiB, runtime ${RUNTIME} s, median of ${REPEAT}; $(fio --version), kernel $(uname -r), $(nproc) CPUs"
    echo "backing: $FSTYPE on $src ($WORK); fio --direct=1 --ioengine=libaio on the loop device"
    echo "idle CPUs: $(cpuidle_summary) (QD1 latency depends on it: see README, \"Idle CPUs on a VM\")"
    echo "ratio (x) = config / raw-dio, i.e. raw loop --direct-io=on on the same file is the reference"
    echo "  (throughput/IOPS: > 1 faster than raw; latency: > 1 slower than raw)"
    echo
    header=$(printf '%-20s %-5s' workload unit)
    for c in "${CONFIGS[@]}"; do
        if [ "$c" = raw-dio ]; then header+=$(printf ' %10s' "$c"); else header+=$(printf ' %16s' "$c (x)"); fi
    done
    echo "$header"
    for row in "${ROWS[@]}"; do
        read -r w m <<<"$row"
        case "$m" in MB_s) unit=MB/s; name=${LABEL[$w]} ;; IOPS) unit=IOPS; name=${LABEL[$w]} ;;
            p50_us) unit=us; name="  QD1 clat p50" ;; p99_us) unit=us; name="  QD1 clat p99" ;; esac
        ref=$(median "${MCOL[$m]}" "$w" raw-dio)
        line=$(printf '%-20s %-5s' "$name" "$unit")
        for c in "${CONFIGS[@]}"; do
            v=$(median "${MCOL[$m]}" "$w" "$c")
            if [ "$c" = raw-dio ]; then line+=$(printf ' %10s' "$(fmt "$v")")
            else line+=$(printf ' %16s' "$(fmt "$v") ($(ratio "$v" "$ref"))"); fi
        done
        echo "$line"
    done
}

report_peers() { # mapperfs against the best peer, and against the do-nothing floors
    echo
    echo "mapperfs / best peer (max of qsd and nbdkit; for latency: min), same run:"
    for row in "${ROWS[@]}"; do
        read -r w m <<<"$row"
        q=$(median "${MCOL[$m]}" "$w" qsd)
        n=$(median "${MCOL[$m]}" "$w" nbdkit)
        case "$m" in p50_us|p99_us) best=$(awk -v a="$q" -v b="$n" 'BEGIN {print (a < b ? a : b)}')
                name="  QD1 clat ${m%_us}"; inv=1 ;;
            *) best=$(awk -v a="$q" -v b="$n" 'BEGIN {print (a > b ? a : b)}'); name=${LABEL[$w]}; inv=0 ;; esac
        cells=""
        for c in mfs-linear mfs-striped mfs-mirror; do
            v=$(median "${MCOL[$m]}" "$w" "$c")
            if [ "$inv" -eq 1 ]; then cells+=$(printf '  %s %s' "$c" "$(ratio "$best" "$v")")
            else cells+=$(printf '  %s %s' "$c" "$(ratio "$v" "$best")"); fi
        done
        printf '  %-20s%s   (>1: mapperfs better)\n' "$name" "$cells"
    done
    echo
    echo "floors: 1.5x the best peer, against what a do-nothing daemon reaches on this machine (same run):"
    printf '  %-20s %12s %12s %12s %12s %12s\n' workload "1.5x peer" mfs-linear mfs-null qsd-null nbdkit-null
    for row in "${ROWS[@]}"; do
        read -r w m <<<"$row"
        q=$(median "${MCOL[$m]}" "$w" qsd)
        n=$(median "${MCOL[$m]}" "$w" nbdkit)
        case "$m" in p50_us|p99_us) need=$(awk -v a="$q" -v b="$n" 'BEGIN {print (a < b ? a : b) / 1.5}')
                name="  QD1 clat ${m%_us}" ;;
            *) need=$(awk -v a="$q" -v b="$n" 'BEGIN {print (a > b ? a : b) * 1.5}'); name=${LABEL[$w]} ;; esac
        printf '  %-20s %12s %12s %12s %12s %12s\n' "$name" "$(fmt "$need")" \
            "$(fmt "$(median "${MCOL[$m]}" "$w" mfs-linear)")" "$(fmt "$(median "${MCOL[$m]}" "$w" mfs-null)")" \
            "$(fmt "$(median "${MCOL[$m]}" "$w" qsd-null)")" "$(fmt "$(median "${MCOL[$m]}" "$w" nbdkit-null)")"
    done
    echo "  (a do-nothing daemon copies each request once and touches no file; a device that stores data"
    echo "   also reads or writes its backing file, on the same CPUs)"
    floor=$(awk -v a="$(median 6 randread1 mfs-null)" -v b="$(median 6 randread1 qsd-null)" \
        -v c="$(median 6 randread1 nbdkit-null)" 'BEGIN {m = a; if (b < m) m = b; if (c < m) m = c; print m}')
    lin=$(median 6 randread1 mfs-linear)
    dio=$(median 6 randread1 raw-dio)
    echo "  QD1 cold read p50: mfs-linear $(fmt "$lin") us = raw loop dio (loop straight to the disk) $(fmt "$dio") us" \
        "+ $(fmt "$(awk -v a="$lin" -v b="$dio" 'BEGIN {print a - b}')") us;"
    echo "    the fastest do-nothing daemon's whole round trip is $(fmt "$floor") us; a cold 4 KiB pread in a plain" \
        "process $(fmt "$PREAD_P50") us"
}

report_machine() { # disk traffic, the daemon's CPU and memory, CPUs busy, requests in flight
    echo "note: raw-buf and mapperfs (whose daemon does buffered I/O on the backing files) write into the"
    echo "  page cache and, after the first touch, read from it; raw-dio always reaches $src. See below."
    echo
    echo "real-disk traffic per pass (median MB read / MB written on $src; 0/0 = served by page cache):"
    printf '%-20s' workload; printf ' %12s' "${CONFIGS[@]}"; echo
    for w in "${WORKLOADS[@]}"; do
        printf '%-20s' "${LABEL[$w]}"
        for c in "${CONFIGS[@]}"; do
            cell="$(fmt "$(median 8 "$w" "$c")")/$(fmt "$(median 9 "$w" "$c")")"
            printf ' %12s' "${cell/#n\/a\/n\/a/n/a}"
        done
        echo
    done
    echo
    echo "mapperfs daemon (pid $DAEMON_PID): CPU $DAEMON_CPU s (utime+stime, mount -> last pass, incl. warm-up);" \
        "peak RSS (VmHWM) $((VMHWM_KB / 1024)) MiB, RSS now $((VMRSS_KB / 1024)) MiB"
    echo "CPUs busy during the pass, whole machine (median; of $(nproc)):"
    printf '%-20s' workload; printf ' %12s' "${CONFIGS[@]}"; echo
    for w in "${WORKLOADS[@]}"; do
        printf '%-20s' "${LABEL[$w]}"
        for c in "${CONFIGS[@]}"; do
            cell=$(median 13 "$w" "$c")
            printf ' %12s' "${cell/#nan/n/a}"
        done
        echo
    done
    echo "daemon CPU per fio I/O (us; median pass CPU / (median IOPS x runtime)):"
    for w in "${WORKLOADS[@]}"; do
        percpu=""
        for c in mfs-linear mfs-striped mfs-mirror mfs-crypt mfs-verity mfs-nbd mfs-null; do
            cpu=$(median 10 "$w" "$c")
            iops=$(median 5 "$w" "$c")
            percpu+=$(awk -v c="$c" -v s="$cpu" -v i="$iops" -v t="$RUNTIME" \
                'BEGIN {if (i != "nan" && i > 0) printf "  %s %.0f", c, s * 1e6 / (i * t); else printf "  %s n/a", c}')
        done
        printf '  %-20s%s\n' "${LABEL[$w]}" "$percpu"
    done
    echo "requests in flight at the daemon (FUSE 'waiting', sampled every 50 ms; median of passes' mean / max):"
    for w in "${WORKLOADS[@]}"; do
        cells=""
        for c in mfs-linear mfs-striped mfs-mirror; do
            cells+="  $c $(median 11 "$w" "$c") / $(fmt "$(median 12 "$w" "$c")")"
        done
        printf '  %-20s%s\n' "${LABEL[$w]}" "$cells"
    done
    echo
    echo "measured passes: $npasses in $((T_END - T_START)) s${OUT:+; TSV written to $OUT}"
}

print_report() {
    report_table
    report_first_writes
    if [ "$PEERS" -eq 1 ]; then
        report_peers
        echo
        "$ROOT/src/bench/fio-bench-passes.sh" "$TSV"
        echo
    fi
    report_machine
}
