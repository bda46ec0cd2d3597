package org.mapperfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mapperfs install-dmsetup}: a link to this checkout's src/bin/dmsetup, and the way back. */
class InstallDmsetupCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void installLinksTheScriptAndUninstallRemovesTheLink() throws Exception {
        Path script = InstallDmsetupCommand.script();
        Path link = dir.resolve("sbin/dmsetup");

        assertThat(run("install-dmsetup", dir.resolve("sbin").toString())).as(err.toString()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(link.toRealPath()).isEqualTo(script.toRealPath());
        assertThat(out.toString()).startsWith("linked " + link + " -> " + script);
        assertThat(run("install-dmsetup", dir.resolve("sbin").toString())).isZero();
        assertThat(out.toString()).contains(link + " is mapperfs's dmsetup already");

        assertThat(run("install-dmsetup", "--uninstall", dir.resolve("sbin").toString())).isZero();
        assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void aFileOfAnotherKindIsNotReplacedWithoutForce() throws Exception {
        Path link = Files.writeString(Files.createDirectories(dir.resolve("sbin")).resolve("dmsetup"), "#!/bin/sh\n");

        assertThat(run("install-dmsetup", dir.resolve("sbin").toString())).isEqualTo(Main.FAILURE);
        assertThat(err.toString()).contains(link + " exists and is not mapperfs's dmsetup; use --force");
        assertThat(Files.isSymbolicLink(link)).isFalse();
        assertThat(run("install-dmsetup", "--uninstall", dir.resolve("sbin").toString())).isEqualTo(Main.FAILURE);
    }

    @Test
    void aDmsetupWorksWhenItsVersionCommandSucceeds() throws Exception {
        Path working = script("working", "exit 0");
        Path failing = script("failing", "echo 'Failure to communicate with kernel device-mapper driver.' >&2; exit 1");

        assertThat(InstallDmsetupCommand.works(working)).isTrue();
        assertThat(InstallDmsetupCommand.works(failing)).isFalse();
        assertThat(InstallDmsetupCommand.works(dir.resolve("absent"))).isFalse();
    }

    private Path script(String name, String body) throws Exception {
        Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
