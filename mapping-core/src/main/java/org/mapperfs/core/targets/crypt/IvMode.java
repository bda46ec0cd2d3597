package org.mapperfs.core.targets.crypt;

/**
 * dm-crypt's IV modes: how a sector number becomes the 16-byte IV of its sector (ESSIV encrypts
 * the plain64 form with a key made from the volume key; {@link SectorCipher} does that part).
 */
enum IvMode {
    /** 32-bit little-endian sector number, zero-padded. */
    PLAIN,
    /** 64-bit little-endian sector number, zero-padded. */
    PLAIN64,
    /** 64-bit big-endian sector number in the IV's last 8 bytes. */
    PLAIN64BE,
    /** plain64, encrypted with AES under SHA-256 of the key. */
    ESSIV_SHA256,
    /** All zeros. */
    NULL;

    /** Writes the IV of {@code sector} into {@code iv} at {@code at} (16 bytes), before any ESSIV step. */
    void fill(byte[] iv, int at, long sector) {
        java.util.Arrays.fill(iv, at, at + 16, (byte) 0);
        switch (this) {
            case PLAIN -> putLittle(iv, at, sector & 0xffffffffL, 4);
            case PLAIN64, ESSIV_SHA256 -> putLittle(iv, at, sector, 8);
            case PLAIN64BE -> {
                for (int i = 0; i < 8; i++) {
                    iv[at + 15 - i] = (byte) (sector >>> (8 * i));
                }
            }
            case NULL -> { }
        }
    }

    private static void putLittle(byte[] iv, int at, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            iv[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
