package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MirrorResyncTest {
    @Test
    void theThrottleSchedulesBytesAtTheRate() {
        assertThat(MirrorResync.dueNanos(1024 * 1024, 1024)).isEqualTo(1_000_000_000L);
        assertThat(MirrorResync.dueNanos(512 * 1024, 1024)).isEqualTo(500_000_000L);
    }

    /** 16 GiB at 1 MiB/s are due after 16 384 s; bytes times 10^9 in a long went negative past 8 GiB. */
    @Test
    void theThrottleHoldsPastEightGibibytesCopiedAtOneRate() {
        long sixteenGiB = 16L << 30;

        assertThat(MirrorResync.dueNanos(sixteenGiB, 1024)).isEqualTo(16_384L * 1_000_000_000L);
    }

    @Test
    void theHighestRateAllowedStillSchedules() {
        assertThat(MirrorResync.dueNanos(Long.MAX_VALUE / 2, MirrorArgs.MAX_RATE_KIB)).isPositive();
    }
}
