package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The queue count is the kernel's count of possible CPUs, from its CPU list; a queue keeps
 * {@value RingQueues#PER_QUEUE} entries free of waiting requests, and no more entries than that
 * needs however often requests wait.
 */
class RingQueuesTest {
    @Test
    void cpuListsAreCountedAsTheKernelCountsThem() {
        assertThat(RingQueues.cpuCount("0-1\n")).isEqualTo(2);
        assertThat(RingQueues.cpuCount("0")).isEqualTo(1);
        assertThat(RingQueues.cpuCount("0-3,8-11")).isEqualTo(8);
        assertThat(RingQueues.cpuCount("0,2,4-5")).isEqualTo(4);
    }

    @Test
    void everyWaitingRequestLeavesTheQueueItsFreeEntries() {
        RingQueues q = new RingQueues(null, false);
        q.counts(2);
        for (int i = 1; i <= 20; i++) {
            assertThat(q.waits(0)).as("waiting request %d adds an entry", i).isTrue();
            assertThat(q.entries(0) - i).isEqualTo(RingQueues.PER_QUEUE);
        }
        assertThat(q.entries(1)).as("the other queue").isEqualTo(RingQueues.PER_QUEUE);
    }

    @Test
    void entriesGrowToThePeakOfWaitingRequestsAndNoFurther() {
        RingQueues q = new RingQueues(null, false);
        q.counts(2);
        for (int cycle = 0; cycle < 100; cycle++) {
            int waiting = cycle % 2 == 0 ? 16 : 5;
            for (int i = 0; i < waiting; i++) {
                q.waits(1);
            }
            for (int i = 0; i < waiting; i++) {
                q.waited(1);
            }
        }
        assertThat(q.entries(1)).isEqualTo(16 + RingQueues.PER_QUEUE);
        assertThat(q.waits(1)).as("a request waiting now finds free entries").isFalse();
    }

    @Test
    void anEntryThatCouldNotBeAddedIsNotCounted() {
        RingQueues q = new RingQueues(null, false);
        q.counts(1);
        assertThat(q.waits(0)).isTrue();
        q.lost(0);
        assertThat(q.entries(0)).isEqualTo(RingQueues.PER_QUEUE);
        assertThat(q.waits(0)).as("still short of free entries").isTrue();
    }
}
