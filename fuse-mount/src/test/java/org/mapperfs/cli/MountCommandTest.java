package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MountCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"9877", "localhost", "127.0.0.1:", "127.0.0.1:70000", ":9877", "no-such-host.invalid:9"})
    void aMetricsAddressIsHostAndPortOrOneLineNamingIt(String text) {
        assertThatThrownBy(() -> MountCommand.metricsAddress(text)).isInstanceOf(CliException.class)
                .hasMessageStartingWith("invalid --metrics '" + text + "'");
    }

    @Test
    void aMetricsAddressParses() throws CliException {
        assertThat(MountCommand.metricsAddress("127.0.0.1:9877").orElseThrow().getPort()).isEqualTo(9877);
        assertThat(MountCommand.metricsAddress("[::1]:0").orElseThrow().getAddress().getHostAddress())
                .isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(MountCommand.metricsAddress(null)).isEmpty();
    }

    @Test
    void theDaemonRunsOnItsOwnCopyOfTheJarSoARebuildInPlaceCannotPullClassesFromUnderIt(@TempDir Path dir)
            throws Exception {
        String saved = System.getProperty("java.class.path");
        Path jar = Files.writeString(dir.resolve("mapperfs.jar"), "version 1");
        Path state = Files.createDirectories(dir.resolve("state"));
        try {
            System.setProperty("java.class.path", jar.toString());
            Path first = Path.of(MountCommand.daemonClassPath(state));
            assertThat(first).isEqualTo(state.resolve("daemon.jar")).hasContent("version 1");
            try (var running = Files.newInputStream(first)) { // a daemon holds its copy open
                Object inode = Files.readAttributes(first, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                Files.writeString(jar, "version 2"); // rebuilt in place
                assertThat(Path.of(MountCommand.daemonClassPath(state))).hasContent("version 2");
                assertThat(Files.readAttributes(first, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                        .as("a new file, not the old one rewritten").isNotEqualTo(inode);
                assertThat(new String(running.readAllBytes())).isEqualTo("version 1");
            }
            System.setProperty("java.class.path", "a.jar" + java.io.File.pathSeparator + "b");
            assertThat(MountCommand.daemonClassPath(state)).isEqualTo("a.jar" + java.io.File.pathSeparator + "b");
        } finally {
            System.setProperty("java.class.path", saved);
        }
        try (var left = Files.list(state)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("daemon.jar");
        }
    }

    @Test
    void theReasonIsTheDaemonsLastErrorSinceItStartedWithoutTheLogPrefix() throws Exception {
        Path log = dir.resolve("daemon.log");
        Files.writeString(log, "2026-11-24T03:00:00.000+0000 [ERROR] Daemon - an old failure\n");
        long start = Files.size(log);
        Files.writeString(log, """
                2026-11-24T03:07:32.257+0000 [ERROR] Daemon - mount failed: java.io.IOException: cannot open /dev/fuse: Permission denied
                2026-11-24T03:07:32.303+0000 [INFO] Daemon - all devices flushed and closed
                mapperfs: mounting /m failed (see the message above)
                """, java.nio.file.StandardOpenOption.APPEND);

        assertThat(MountCommand.whyItFailed(log, start))
                .isEqualTo("mount failed: cannot open /dev/fuse: Permission denied");
    }

    @Test
    void withoutAnErrorLineTheLastLineIsTheReason() throws Exception {
        Path log = dir.resolve("daemon.log");
        Files.writeString(log, "starting\nmapperfs: a mapperfs is already mounted at /m\n");

        assertThat(MountCommand.whyItFailed(log, 0)).isEqualTo("a mapperfs is already mounted at /m");
        assertThat(MountCommand.whyItFailed(dir.resolve("none.log"), 0)).contains("no log at");
    }

    @ParameterizedTest
    @CsvSource({"256K, 262144", "1M, 1048576", "4k, 4096", "128KiB, 131072", "1MiB, 1048576", "262144, 262144",
            "' 512K ', 524288"})
    void aRequestSizeIsBytesOrKOrM(String text, int bytes) throws CliException {
        assertThat(MountCommand.parseRequestSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "2K", "6K", "2M", "1G", "1000", "-4K", "256 K", "256X", "99999999999K",
            "99999999K", "4194304M"})
    void anyOtherRequestSizeIsOneLineNamingIt(String text) {
        assertThatThrownBy(() -> MountCommand.parseRequestSize(text))
                .isInstanceOf(CliException.class)
                .hasMessage("invalid --max-request '" + text + "': a multiple of 4K from 4K to 1M, such as 256K");
    }

    @Test
    void remoteOptionsAreCheckedWithOneLineNamingTheOption() throws CliException {
        assertThat(MountCommand.remoteOptions(30, 1)).isEqualTo(new org.mapperfs.core.nbd.RemoteOptions(30_000, 1));
        assertThat(MountCommand.remoteOptions(86_400, 16).connections()).isEqualTo(16);
        assertThatThrownBy(() -> MountCommand.remoteOptions(0, 1)).isInstanceOf(CliException.class)
                .hasMessage("invalid --remote-timeout 0: from 1 to 86400 seconds");
        assertThatThrownBy(() -> MountCommand.remoteOptions(30, 0)).isInstanceOf(CliException.class)
                .hasMessage("invalid --remote-connections 0: from 1 to 16");
        assertThatThrownBy(() -> MountCommand.remoteOptions(30, 17)).isInstanceOf(CliException.class)
                .hasMessage("invalid --remote-connections 17: from 1 to 16");
    }
}
