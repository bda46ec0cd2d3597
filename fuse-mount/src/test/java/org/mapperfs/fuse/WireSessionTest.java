package org.mapperfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The worker buffer's placement on a huge page, without a mount. */
class WireSessionTest {
    @Test
    void anAlignedAddressStaysWhereItIs() {
        assertThat(WireSession.alignUp(4L << 20, WireSession.HUGE_PAGE)).isEqualTo(4L << 20);
        assertThat(WireSession.alignUp(0, WireSession.HUGE_PAGE)).isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4096, (2L << 20) - 1, (2L << 20) + 16, 0x7f12_3456_7010L})
    void theBufferLiesOnOneHugePageInsideItsAllocation(long allocated) {
        long aligned = WireSession.alignUp(allocated, WireSession.HUGE_PAGE);

        assertThat(aligned % WireSession.HUGE_PAGE).isZero();
        assertThat(aligned).isGreaterThanOrEqualTo(allocated).isLessThan(allocated + WireSession.HUGE_PAGE);
        // the whole buffer within the allocation, and within the one huge page advised
        assertThat(aligned + WireSession.BUFFER_SIZE)
                .isLessThanOrEqualTo(allocated + WireSession.BUFFER_SIZE + WireSession.HUGE_PAGE)
                .isLessThanOrEqualTo(aligned + WireSession.HUGE_PAGE);
    }
}
