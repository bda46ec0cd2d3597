package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResyncProgressTest {

    @Test
    void readsInSyncOverRegionsFromEachMirrorSegment() {
        String status = """
                0 131072 mirror 2 /d/a.img /d/b.img 213/512 1 AA 1 core
                131072 8 zero
                131080 65536 mirror 3 /d/c /d/d /d/e 10/256 1 AAD 3 disk /d/log A
                """;
        List<ResyncProgress> parts = ResyncProgress.of(status);
        assertThat(parts).containsExactly(new ResyncProgress(213, 512), new ResyncProgress(10, 256));
        assertThat(ResyncProgress.total(parts)).isEqualTo(new ResyncProgress(223, 768));
        assertThat(ResyncProgress.total(parts).done()).isFalse();
    }

    @Test
    void aDeviceWithoutMirrorsHasNoProgress() {
        assertThat(ResyncProgress.of("0 2048 linear\n")).isEmpty();
    }

    @Test
    void theBarFillsWithTheFraction() {
        assertThat(new ResyncProgress(1, 4).bar(8)).isEqualTo("[##......]  25.0%  1/4 regions in sync");
        assertThat(new ResyncProgress(4, 4).bar(8)).startsWith("[########] 100.0%");
        assertThat(new ResyncProgress(4, 4).done()).isTrue();
    }
}
