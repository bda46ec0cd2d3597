package org.mapperfs.transport.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A mount's fusectl connection number from its st_dev (glibc's encoding of major 0, minor N). */
class ConnectionAbortTest {
    @Test
    void minorsAboveAByteAreDecodedAsTheKernelNumbersConnections() {
        assertThat(ConnectionAbort.connection(44)).isEqualTo(44);
        assertThat(ConnectionAbort.connection(255)).isEqualTo(255);
        // glibc: (minor & 0xff) | ((minor & ~0xff) << 12)
        assertThat(ConnectionAbort.connection((300 & 0xff) | ((300L & ~0xff) << 12))).isEqualTo(300);
        assertThat(ConnectionAbort.connection((70000 & 0xff) | ((70000L & ~0xff) << 12))).isEqualTo(70000);
    }

    @Test
    void aPathThatIsNoFuseMountIsNotAborted() {
        assertThat(ConnectionAbort.abort(Path.of("/nonexistent-mapperfs-mount"))).isNotNull();
        assertThat(ConnectionAbort.abort(Path.of("/proc"))).as("a mount of another kind").isNotNull();
    }
}
