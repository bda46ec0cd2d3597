package org.mapperfs.core.targets.crypt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** XTS against the IEEE 1619 test vectors; CBC round trips and the tweak arithmetic. */
class SectorCipherTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] xts(String key, long unit, String plain) throws Exception {
        SectorCipher c = new SectorCipher(CipherSpec.parse("aes-xts-plain64"), HEX.parseHex(key), 512);
        byte[] b = HEX.parseHex(plain);
        c.sector(b, 0, b.length, unit, true);
        return b;
    }

    @Test
    void ieee1619Vector1() throws Exception {
        assertThat(HEX.formatHex(xts("00".repeat(32), 0, "00".repeat(32))))
                .isEqualTo("917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e");
    }

    @Test
    void ieee1619Vector2() throws Exception {
        assertThat(HEX.formatHex(xts("11".repeat(16) + "22".repeat(16), 0x3333333333L, "44".repeat(32))))
                .isEqualTo("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0");
    }

    @Test
    void everyModeDecryptsWhatItEncryptedAndChangesEveryBlock() throws Exception {
        for (String cipher : new String[] {"aes-xts-plain64", "aes-xts-plain", "aes-xts-plain64be", "aes-xts-null",
            "aes-cbc-essiv:sha256", "aes-cbc-plain64"}) {
            CipherSpec spec = CipherSpec.parse(cipher);
            byte[] key = new byte[spec.chain() == CipherSpec.Chain.XTS ? 64 : 32];
            Arrays.fill(key, (byte) 7);
            SectorCipher c = new SectorCipher(spec, key, 4096);
            byte[] plain = new byte[4096];
            new java.util.Random(1).nextBytes(plain);
            byte[] b = plain.clone();

            c.sector(b, 0, 4096, 12345, true);
            for (int block = 0; block < 256; block++) {
                assertThat(Arrays.equals(b, block * 16, block * 16 + 16, plain, block * 16, block * 16 + 16))
                        .as(cipher + " block " + block).isFalse();
            }
            c.sector(b, 0, 4096, 12345, false);
            assertThat(b).as(cipher).isEqualTo(plain);
        }
    }

    @Test
    void theTweakDoublesInGf2To128() {
        byte[] t = new byte[16];
        t[15] = (byte) 0x80; // x^127: doubling overflows into the reduction polynomial
        SectorCipher.timesX(t);
        byte[] expected = new byte[16];
        expected[0] = (byte) 0x87;
        assertThat(t).isEqualTo(expected);
        t = new byte[16];
        t[0] = (byte) 0x81;
        SectorCipher.timesX(t);
        assertThat(t[0]).isEqualTo((byte) 0x02);
        assertThat(t[1]).isEqualTo((byte) 0x01);
    }
}
