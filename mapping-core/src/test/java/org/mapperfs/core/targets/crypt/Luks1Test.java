package org.mapperfs.core.targets.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LUKS1 containers made by cryptsetup (it formats a plain file without device-mapper): mapperfs
 * unlocks a key slot to the volume key cryptsetup itself prints. The slot's key material is
 * encrypted with aes-xts-plain64 by cryptsetup's crypto backend, so this also checks mapperfs's
 * XTS against an implementation written elsewhere.
 */
class Luks1Test {
    @TempDir
    Path dir;

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }

    private Path container(String passphrase, String hash, int keyBits) throws Exception {
        Path file = dir.resolve("luks1-" + hash + "-" + keyBits + ".img");
        try (var f = Files.newOutputStream(file)) {
            f.write(new byte[4 << 20]);
        }
        Path key = Files.writeString(dir.resolve("pass"), passphrase);
        run("cryptsetup", "luksFormat", "--type", "luks1", "--batch-mode", "--hash", hash, "--pbkdf-force-iterations",
                "1000", "-s", String.valueOf(keyBits), file.toString(), key.toString());
        return file;
    }

    private String volumeKey(Path file, String passphrase) throws Exception {
        Path key = Files.writeString(dir.resolve("pass"), passphrase);
        String dump = run("cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode", "--key-file", key.toString(),
                file.toString());
        StringBuilder hex = new StringBuilder();
        boolean in = false;
        for (String line : dump.split("\n")) {
            if (line.startsWith("MK dump:")) {
                in = true;
                line = line.substring("MK dump:".length());
            } else if (in && !line.startsWith("\t")) {
                break;
            }
            if (in) {
                hex.append(line.replaceAll("\\s", ""));
            }
        }
        return hex.toString();
    }

    @Test
    void aSlotOpensToTheVolumeKeyCryptsetupPrints() throws Exception {
        for (String hash : new String[] {"sha256", "sha1"}) {
            for (int bits : new int[] {512, 256}) {
                Path file = container("correct horse", hash, bits);
                Luks1 luks = Luks1.read(file);

                byte[] key = luks.unlock(file, "correct horse".getBytes(StandardCharsets.UTF_8));

                assertThat(HexFormat.of().formatHex(key)).as(hash + " " + bits).isEqualTo(volumeKey(file,
                        "correct horse"));
                assertThat(luks.cipher()).isEqualTo("aes-xts-plain64");
                assertThat(luks.table(file, Files.size(file), key)).startsWith("0 " + (8192 - luks.payloadSectors())
                        + " crypt aes-xts-plain64 " + HexFormat.of().formatHex(key) + " 0 " + file + " ");
            }
        }
    }

    @Test
    void aWrongPassphraseAndANonLuksFileAreClearErrors() throws Exception {
        Path file = container("right", "sha256", 512);

        assertThatThrownBy(() -> Luks1.read(file).unlock(file, "wrong".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("no key slot of " + file + " opens with this passphrase");
        Path plain = Files.write(dir.resolve("plain.img"), new byte[4096]);
        assertThatThrownBy(() -> Luks1.read(plain)).hasMessage(plain + " is not a LUKS container (no LUKS magic)");
    }
}
