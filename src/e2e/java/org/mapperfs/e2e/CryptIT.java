package org.mapperfs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The crypt target checked by tools written for the kernel's dm-crypt: sectors written through
 * mapperfs decrypt with OpenSSL to the plain data (XTS and CBC, every IV and sector layout),
 * and containers made by cryptsetup luksFormat
 * open with the volume key cryptsetup prints, take ext4 and a 64 MiB file, and fsck clean.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CryptIT {
    private static final HexFormat HEX = HexFormat.of();
    private Sandbox s;

    @BeforeEach
    void mount() throws IOException {
        s = new Sandbox("crypt");
        s.mount();
    }

    @AfterEach
    void cleanUp() {
        if (s != null) {
            s.close();
        }
    }

    /**
     * CBC through the openssl command; XTS through OpenSSL's library from Python's cryptography
     * package (Debian's python3-cryptography), since openssl 3's enc command refuses XTS.
     */
    @ParameterizedTest(name = "{0} key {1} bits, iv_offset {2}, offset {3}, {4}")
    @CsvSource({
        "aes-xts-plain64, 512, 0, 0, ''",
        "aes-xts-plain64, 256, 1000, 8, ''",
        "aes-xts-plain64, 512, 0, 16, 1 sector_size:4096",
        "aes-xts-plain64, 512, 64, 0, 2 sector_size:4096 iv_large_sectors",
        "aes-cbc-essiv:sha256, 256, 0, 0, ''",
        "aes-cbc-essiv:sha256, 256, 7, 8, ''",
        "aes-cbc-plain64, 256, 1000, 8, ''",
        "aes-cbc-plain64, 128, 0, 16, 1 sector_size:4096",
        "aes-cbc-plain64, 256, 64, 0, 2 sector_size:4096 iv_large_sectors",
        "aes-cbc-essiv:sha256, 192, 24, 8, 1 sector_size:4096",
    })
    void opensslDecryptsWhatMapperfsEncrypted(String cipher, int keyBits, long ivOffset, long offset, String options)
            throws Exception {
        byte[] key = new byte[keyBits / 8];
        new Random(keyBits + ivOffset).nextBytes(key);
        Path file = s.file("c.img", 4L << 20);
        long sectors = (4L << 20) / 512 - offset;
        sectors -= sectors % 8;
        s.create("c", "0 " + sectors + " crypt " + cipher + " " + HEX.formatHex(key) + " " + ivOffset + " " + file
                + " " + offset + (options.isEmpty() ? "" : " " + options));
        byte[] plain = new byte[64 * 1024];
        new Random(offset).nextBytes(plain);
        Sandbox.writeAt(s.mnt.resolve("c"), 0, plain); // through the device file
        assertThat(Sandbox.readAt(s.mnt.resolve("c"), 0, plain.length)).isEqualTo(plain);
        int unit = options.contains("4096") ? 4096 : 512;
        boolean large = options.contains("iv_large_sectors");

        for (int u : new int[] {0, 1, 7, plain.length / unit - 1}) {
            byte[] stored = Sandbox.readAt(file, offset * 512 + (long) u * unit, unit);
            long ivSector = (long) u * (unit / 512) + ivOffset;
            if (large) {
                ivSector /= unit / 512;
            }
            byte[] decrypted = openssl(cipher, key, ivSector, stored);
            assertThat(decrypted).as("unit " + u).isEqualTo(Arrays.copyOfRange(plain, u * unit, (u + 1) * unit));
        }
    }

    /** openssl's decryption of one crypto sector, with the IV dm-crypt gives {@code sector}. */
    private byte[] openssl(String cipher, byte[] key, long sector, byte[] data) throws IOException {
        byte[] iv = new byte[16];
        for (int i = 0; i < 8; i++) {
            iv[i] = (byte) (sector >>> (8 * i)); // plain64: little-endian sector number
        }
        if (cipher.startsWith("aes-xts")) {
            return run(data(data), "/usr/bin/python3", "-c", XTS, HEX.formatHex(key), HEX.formatHex(iv));
        }
        String mode = "aes-" + key.length * 8 + "-cbc";
        if (cipher.contains("essiv")) {
            byte[] salt = sha256(key);
            iv = run(data(iv), "openssl", "enc", "-aes-256-ecb", "-nopad", "-K", HEX.formatHex(salt));
        }
        return run(data(data), "openssl", "enc", "-d", "-" + mode, "-nopad", "-K", HEX.formatHex(key), "-iv",
                HEX.formatHex(iv));
    }

    /** Decrypts stdin (one data unit) with OpenSSL's AES-XTS: key and tweak in hex as arguments. */
    private static final String XTS = String.join("\n",
            "import sys",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes",
            "key, tweak = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])",
            "d = Cipher(algorithms.AES(key), modes.XTS(tweak)).decryptor()",
            "sys.stdout.buffer.write(d.update(sys.stdin.buffer.read()) + d.finalize())");

    private Path data(byte[] bytes) throws IOException {
        Path p = Files.createTempFile(s.dir, "block", ".bin");
        Files.write(p, bytes);
        return p;
    }

    private static byte[] run(Path input, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectInput(input.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes());
        try {
            assertThat(p.waitFor()).as(String.join(" ", command) + ": " + err).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    private static byte[] sha256(byte[] key) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(key);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"luks1", "luks2"})
    void aLuksContainerMadeByCryptsetupOpensWithItsVolumeKey(String type) throws Exception {
        Path container = s.file(type + ".img", 160L << 20);
        Path keyFile = Files.write(s.dir.resolve("key"), "a passphrase".getBytes());
        Shell.run("cryptsetup", "luksFormat", "--type", type, "--batch-mode", "--pbkdf", "pbkdf2",
                "--pbkdf-force-iterations", "1000", "-s", "512", container.toString(), keyFile.toString()).orFail();
        String dump = Shell.run("cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode", "--key-file",
                keyFile.toString(), container.toString()).orFail().out();
        String plain = Shell.run("cryptsetup", "luksDump", container.toString()).orFail().out();
        String key = volumeKey(dump);
        long offset;
        int sectorSize;
        if (type.equals("luks1")) {
            offset = Long.parseLong(field(plain, "Payload offset:\\s*(\\d+)"));
            sectorSize = 512;
        } else {
            offset = Long.parseLong(field(plain, "offset: (\\d+) \\[bytes\\]")) / 512;
            sectorSize = Integer.parseInt(field(plain, "sector: (\\d+) \\[bytes\\]"));
        }
        long sectors = Files.size(container) / 512 - offset;
        s.create("vol", "0 " + sectors + " crypt aes-xts-plain64 " + key + " 0 " + container + " " + offset
                + (sectorSize == 512 ? "" : " 1 sector_size:" + sectorSize));
        assertThat(s.cli("table", "vol").orFail().out()).as("no key in table").doesNotContain(key)
                .contains("0".repeat(128));
        assertThat(Files.readString(s.state.resolve("vol.table"))).contains(key);
        assertThat(Files.readString(s.state.resolve("daemon.log"))).as("no key in the log").doesNotContain(key);
        assertThat(Shell.run("stat", "-c", "%a", s.state.resolve("vol.table").toString()).orFail().out().strip())
                .isEqualTo("600");
        // attach gives the loop device the crypto sector as its logical block, as a dm-crypt device has.
        String loop = s.attach("vol");
        assertThat(Files.readString(Sandbox.queueSetting(loop, "logical_block_size")).strip())
                .isEqualTo(String.valueOf(sectorSize));
        try {
            Path fs = s.mkfsAndMount(loop, type);
            byte[] data = new byte[64 << 20];
            new Random(3).nextBytes(data);
            Files.write(fs.resolve("big"), data);
            Shell.run("sync").orFail();
            s.unmountFs(fs);
            Shell.run("fsck.ext4", "-fn", loop).orFail();
            Path again = s.mountFs(loop, type + "-again");
            assertThat(Files.readAllBytes(again.resolve("big"))).isEqualTo(data);
            s.unmountFs(again);
            byte[] raw = Files.readAllBytes(container);
            assertThat(indexOf(raw, Arrays.copyOfRange(data, 4096, 4096 + 64))).as("no plain data in the container")
                    .isNegative();
        } finally {
            Shell.run("losetup", "-d", loop);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"luks1, pbkdf2", "luks2, pbkdf2", "luks2, argon2id", "luks2, argon2i"})
    void luksOpenUnlocksAContainerWithItsPassphraseAsCryptsetupWould(String type, String kdf) throws Exception {
        Path container = s.file(type + "-" + kdf + ".img", 32L << 20);
        Path keyFile = Files.write(s.dir.resolve("key"), "open sesame".getBytes());
        Shell.run(List.of("bash", "-c", "cryptsetup luksFormat --type " + type + " --pbkdf " + kdf
                + " --batch-mode " + (kdf.equals("pbkdf2") ? "--pbkdf-force-iterations 1000"
                : "--pbkdf-memory 32768 --pbkdf-force-iterations 4") + " " + container + " " + keyFile)).orFail();
        String key = volumeKey(Shell.run("cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode",
                "--key-file", keyFile.toString(), container.toString()).orFail().out());

        s.cli("luks", "open", container.toString(), "vol", "--key-file", keyFile.toString()).orFail();
        Shell.Result wrong = s.cliIn(s.dir, "not it\n", "luks", "open", container.toString(), "other");

        assertThat(s.cli("table", "vol").orFail().out()).doesNotContain(key);
        assertThat(ControlFile.run(s.mnt, "table --showkeys vol")).contains(" " + key + " ");
        assertThat(s.cli("info", "vol").orFail().out()).contains("UUID:              CRYPT-" + type.toUpperCase());
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).isEqualTo("mapperfs: no key slot of " + container + " opens with this passphrase\n");
        s.cli("luks", "close", "vol").orFail();
        assertThat(s.cli("ls").orFail().out()).isEqualTo("No devices found\n");
    }

    private static String volumeKey(String dump) {
        int at = dump.indexOf("MK dump:");
        if (at < 0) {
            at = dump.indexOf("Volume key:");
        }
        assertThat(at).as(dump).isNotNegative();
        StringBuilder hex = new StringBuilder();
        for (String line : dump.substring(at).split("\n")) {
            String bytes = line.replaceFirst("^(MK dump:|Volume key:)", "").strip();
            if (!bytes.matches("([0-9a-f]{2} ?)+")) {
                if (hex.length() > 0) {
                    break;
                }
                continue;
            }
            hex.append(bytes.replace(" ", ""));
        }
        assertThat(hex.length()).as("a 512-bit key").isEqualTo(128);
        return hex.toString();
    }

    private static String field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in\n" + text).isTrue();
        return m.group(1);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
