package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The worker buffer's size and placement on a huge page, without a mount. */
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
        int largest = WireSession.bufferSize(WireSession.MAX_REQUEST);
        assertThat(aligned + largest)
                .isLessThanOrEqualTo(allocated + largest + WireSession.HUGE_PAGE)
                .isLessThanOrEqualTo(aligned + WireSession.HUGE_PAGE);
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 256 << 10, 1 << 20})
    void aRequestSizeIsTakenFrom4KiBTo1MiBInStepsOf4KiB(int bytes) {
        assertThat(WireSession.validRequest(bytes)).isTrue();
        assertThat(WireSession.bufferSize(bytes)).isEqualTo(bytes + 4096);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2048, 4095, 4097, (256 << 10) + 512, (1 << 20) + 4096, -4096})
    void anyOtherRequestSizeIsRefused(int bytes) {
        assertThat(WireSession.validRequest(bytes)).isFalse();
        assertThatThrownBy(() -> new WireSession(null, bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid largest request " + bytes);
    }

    @Test
    void theDefaultIs256KiB() {
        assertThat(WireSession.DEFAULT_REQUEST).isEqualTo(256 << 10);
        assertThat(WireSession.validRequest(WireSession.DEFAULT_REQUEST)).isTrue();
    }
}
