package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The verity target against trees made by veritysetup (it formats plain files without
 * device-mapper): an ext4 image reads back through verity; one flipped byte in a data block or a
 * hash block makes exactly the reads it covers fail; veritysetup verify agrees.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class VerityIT {
    private Sandbox s;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("verity");
        s.mount();
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    @ParameterizedTest(name = "{0}, format {1}")
    @CsvSource({"sha256, 1", "sha1, 1", "sha512, 1", "sha256, 0"})
    void aVeritysetupTreeVerifiesAndCatchesAFlippedByte(String hash, int format) throws Exception {
        Path data = s.file("data.img", 16L << 20);
        Shell.run("mkfs.ext4", "-q", "-F", data.toString()).orFail();
        Path fs = s.mountFs(data.toString(), "src");
        byte[] content = new byte[4 << 20];
        new Random(9).nextBytes(content);
        Files.write(fs.resolve("file"), content);
        s.unmountFs(fs);
        Path hashes = s.dir.resolve("hash.img");
        String out = Shell.run("veritysetup", "format", "--hash", hash, "--format", String.valueOf(format),
                data.toString(), hashes.toString()).orFail().out();
        String root = field(out, "Root hash:\\s+(\\S+)");
        String salt = field(out, "Salt:\\s+(\\S+)");
        long blocks = Long.parseLong(field(out, "Data blocks:\\s+(\\d+)"));
        String table = "0 " + blocks * 8 + " verity " + format + " " + data + " " + hashes + " 4096 4096 " + blocks
                + " 1 " + hash + " " + root + " " + salt;
        s.create("v", table);
        assertThat(s.cli("status", "v").orFail().out()).isEqualTo("0 " + blocks * 8 + " verity V -\n");
        String loop = Shell.run("losetup", "--find", "--show", "--read-only", "--direct-io=on",
                s.mnt.resolve("v").toString()).orFail().out().strip();
        try {
            Path ro = s.dir.resolve("ro");
            Files.createDirectories(ro);
            Shell.run("mount", "-o", "ro,noload", loop, ro.toString()).orFail();
            assertThat(Files.readAllBytes(ro.resolve("file"))).isEqualTo(content);
            Shell.run("umount", ro.toString()).orFail();
            // Through the device file, not the read-only loop device, whose open refuses it first.
            Shell.Result write = Shell.run("dd", "if=/dev/zero", "of=" + s.mnt.resolve("v"), "bs=4096", "count=1",
                    "oflag=direct", "conv=notrunc", "status=none");
            assertThat(write.exit()).as("a write").isNotZero();
            assertThat(write.err()).as("a write, as the kernel's verity fails it").contains("error writing")
                    .contains("Input/output error");

            // One flipped byte in a data block: that block fails, its neighbours read.
            long victim = blocks / 2;
            flip(data, victim * 4096 + 100);
            Shell.run("losetup", "-d", loop);
            loop = null;
            s.cli("remove", "v").orFail();
            s.create("v", table);
            assertThat(readBlock("v", victim).err()).contains("Input/output error");
            assertThat(readBlock("v", victim - 1).exit()).isZero();
            assertThat(readBlock("v", victim + 1).exit()).isZero();
            assertThat(s.cli("status", "v").orFail().out()).isEqualTo("0 " + blocks * 8 + " verity C -\n");
            assertThat(Shell.run("veritysetup", "verify", "--hash", hash, "--format", String.valueOf(format),
                    data.toString(), hashes.toString(), root).exit()).as("veritysetup agrees").isNotZero();
            flip(data, victim * 4096 + 100);
            assertThat(Shell.run("veritysetup", "verify", "--hash", hash, "--format", String.valueOf(format),
                    data.toString(), hashes.toString(), root).exit()).isZero();

            // One flipped byte in the first level-0 hash block: the data blocks it covers fail.
            long leaf = Files.size(hashes) / 4096 - levelZeroBlocks(blocks, hash, format);
            flip(hashes, leaf * 4096 + 10);
            s.cli("remove", "v").orFail();
            s.create("v", table);
            assertThat(readBlock("v", 0).err()).contains("Input/output error");
            assertThat(readBlock("v", blocks - 1).exit()).as("a block under another hash block").isZero();
        } finally {
            if (loop != null) {
                Shell.run("losetup", "-d", loop);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aSquashfsImageMountsThroughVerityAndReadsBack() throws Exception {
        Path tree = Files.createDirectories(s.dir.resolve("tree/sub"));
        byte[] content = new byte[3 << 20];
        new Random(4).nextBytes(content);
        Files.write(tree.resolve("blob"), content);
        Files.writeString(tree.resolve("note.txt"), "read through verity\n");
        Path image = s.dir.resolve("image.sqfs");
        Shell.run("mksquashfs", s.dir.resolve("tree").toString(), image.toString(), "-quiet", "-noappend").orFail();
        // veritysetup covers whole 4096-byte blocks: pad the image to a multiple of them.
        long size = Files.size(image);
        Shell.run("truncate", "-s", String.valueOf((size + 4095) / 4096 * 4096), image.toString()).orFail();
        Path hashes = s.dir.resolve("image.hash");
        String out = Shell.run("veritysetup", "format", image.toString(), hashes.toString()).orFail().out();
        long blocks = Long.parseLong(field(out, "Data blocks:\\s+(\\d+)"));
        s.create("sq", "0 " + blocks * 8 + " verity 1 " + image + " " + hashes + " 4096 4096 " + blocks + " 1 sha256 "
                + field(out, "Root hash:\\s+(\\S+)") + " " + field(out, "Salt:\\s+(\\S+)"));
        String loop = Shell.run("losetup", "--find", "--show", "--read-only", "--direct-io=on",
                s.mnt.resolve("sq").toString()).orFail().out().strip();
        Path at = s.dir.resolve("sqfs");
        Files.createDirectories(at);
        try {
            Shell.run("mount", "-t", "squashfs", "-o", "ro", loop, at.toString()).orFail();
            try {
                assertThat(Files.readAllBytes(at.resolve("sub/blob"))).isEqualTo(content);
                assertThat(Files.readString(at.resolve("sub/note.txt"))).isEqualTo("read through verity\n");
            } finally {
                Shell.run("umount", at.toString());
            }
            assertThat(s.cli("status", "sq").orFail().out()).endsWith(" verity V -\n");
        } finally {
            Shell.run("losetup", "-d", loop);
        }
    }

    /** Hash blocks of level 0: one digest per data block, as many as fit a 4096-byte block. */
    private static long levelZeroBlocks(long blocks, String hash, int format) {
        int size = switch (hash) {
            case "sha1" -> 20;
            case "sha512" -> 64;
            default -> 32;
        };
        int perBlock = Integer.highestOneBit(4096 / size);
        return (blocks + perBlock - 1) / perBlock;
    }

    private Shell.Result readBlock(String device, long block) {
        return Shell.run("dd", "if=" + s.mnt.resolve(device), "of=/dev/null", "bs=4096", "skip=" + block, "count=1",
                "iflag=direct", "status=none");
    }

    private static void flip(Path file, long at) throws IOException {
        byte[] b = Sandbox.readAt(file, at, 1);
        b[0] ^= 0x40;
        Sandbox.writeAt(file, at, b);
    }

    private static String field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in\n" + text).isTrue();
        return m.group(1);
    }
}
