package org.mapperfs.core.targets.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapperfs.core.MemoryDevice;

class RegionLogTest {

    private static RegionLog log(MemoryDevice device, long regions, long fingerprint) {
        return new RegionLog(regions, 8, false, Optional.of(device), fingerprint);
    }

    @Test
    void aDeviceHoldsAHeaderSectorThenOneBitPerRegion() {
        assertThat(RegionLog.bytesNeeded(1)).isEqualTo(513);
        assertThat(RegionLog.bytesNeeded(64)).isEqualTo(520);
        assertThat(RegionLog.bytesNeeded(65)).isEqualTo(521);
    }

    @Test
    void startsAllOutOfSyncOrAllInSyncAndCounts() {
        RegionLog out = new RegionLog(130, 8, false, Optional.empty(), 0);
        RegionLog in = new RegionLog(130, 8, true, Optional.empty(), 0);

        out.markInSync(0);
        out.markInSync(0);
        out.markInSync(129);

        assertThat(out.inSyncCount()).isEqualTo(2);
        assertThat(out.nextOutOfSync(0)).isEqualTo(1);
        assertThat(out.nextOutOfSync(64)).isEqualTo(64);
        assertThat(out.allInSync(129, 129)).isTrue();
        assertThat(out.allInSync(128, 129)).isFalse();
        assertThat(in.inSyncCount()).isEqualTo(130);
        assertThat(in.nextOutOfSync(0)).isEqualTo(-1);
    }

    @Test
    void aCleanLogIsAdoptedRegionByRegion() throws Exception {
        MemoryDevice device = new MemoryDevice("log", 4096);
        RegionLog first = log(device, 200, 7);
        for (long r : new long[] {0, 3, 64, 199}) {
            first.markInSync(r);
        }
        first.persist(true);

        RegionLog second = log(device, 200, 7);

        assertThat(second.load()).isTrue();
        assertThat(second.inSyncCount()).isEqualTo(4);
        assertThat(second.inSync(64)).isTrue();
        assertThat(second.inSync(65)).isFalse();
        assertThat(new String(device.data(), 0, 8)).isEqualTo("MPFSMLOG");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dirty", "corrupt bitmap", "other fingerprint", "other region count", "blank"})
    void aLogThatIsNotTrustedChangesNothing(String why) throws Exception {
        MemoryDevice device = new MemoryDevice("log", 4096);
        RegionLog first = log(device, 200, 7);
        first.markInSync(5);
        first.persist(true);
        long fingerprint = 7;
        long regions = 200;
        switch (why) {
            case "dirty" -> first.markDirty();
            case "corrupt bitmap" -> device.data()[RegionLog.HEADER_BYTES] ^= 2;
            case "other fingerprint" -> fingerprint = 8;
            case "other region count" -> regions = 100;
            default -> java.util.Arrays.fill(device.data(), (byte) 0);
        }

        RegionLog second = log(device, regions, fingerprint);

        assertThat(second.load()).isFalse();
        assertThat(second.inSyncCount()).isZero();
    }

    @Test
    void aFailingDeviceMarksTheLogFailed() {
        MemoryDevice device = new MemoryDevice("log", 4096);
        RegionLog log = log(device, 10, 1);
        device.failIo(true);

        log.persist(true);

        assertThat(log.failed()).isTrue();
    }
}
