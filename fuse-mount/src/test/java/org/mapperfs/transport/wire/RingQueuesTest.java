package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The queue count is the kernel's count of possible CPUs, from its CPU list. */
class RingQueuesTest {
    @Test
    void cpuListsAreCountedAsTheKernelCountsThem() {
        assertThat(RingQueues.cpuCount("0-1\n")).isEqualTo(2);
        assertThat(RingQueues.cpuCount("0")).isEqualTo(1);
        assertThat(RingQueues.cpuCount("0-3,8-11")).isEqualTo(8);
        assertThat(RingQueues.cpuCount("0,2,4-5")).isEqualTo(4);
    }
}
