package org.mapperfs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mount table, read from /proc/self/mountinfo; nothing is mounted here. */
class MountsTest {
    @TempDir
    Path dir;

    @Test
    void theRootIsMounted() throws Exception {
        assertThat(Mounts.isMounted(Path.of("/"))).isTrue();
        assertThat(Mounts.fsType(Path.of("/"))).isPresent();
        assertThat(Mounts.isMounted(Path.of("/proc"))).isTrue();
        assertThat(Mounts.fsType(Path.of("/proc"))).contains("proc");
    }

    @Test
    void aFreshFolderIsNoMountPoint() throws Exception {
        assertThat(Mounts.isMounted(dir)).isFalse();
        assertThat(Mounts.fsType(dir.resolve("not/there"))).isEmpty();
    }
}
