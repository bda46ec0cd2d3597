package org.mapperfs.core.targets.crypt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One thread's AES for a crypt target: encrypts and decrypts runs of crypto sectors in place in
 * a byte array, with the JDK's AES (ECB, which the JIT runs on the CPU's AES instructions) and
 * XTS or CBC built on it. For XTS a whole run takes two AES calls: the sectors' IVs into their
 * first tweaks, then the data, which the first XOR with every block's tweak copies into the
 * array AES reads (never in place: the JDK would copy it again) and the second XOR finishes.
 * Holds its ciphers and scratch arrays, so a request costs no allocation. Not thread-safe.
 */
final class SectorCipher {
    private static final int BLOCK = 16;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final CipherSpec spec;
    private final Cipher encrypt;
    private final Cipher decrypt;
    /** XTS: the tweak key; ESSIV: the key made from the volume key's hash. Null otherwise. */
    private final Cipher second;
    /** Per sector of a run, its IV. */
    private final byte[] ivs;
    /** Per sector of a run, its IV as the cipher takes it: XTS its first tweak, ESSIV the IV encrypted. */
    private final byte[] starts;
    /** XTS: every block's tweak; CBC: the ciphertext a decryption chains from. */
    private final byte[] scratch;
    /**
     * What AES reads: the JDK's AES copies its input to a new array when asked to work in place,
     * so every call here reads one array and writes another.
     */
    private final byte[] input;

    /** @param capacity the most bytes one call handles; {@code sectorSize} the smallest sector */
    SectorCipher(CipherSpec spec, byte[] key, int capacity, int sectorSize) {
        this.spec = spec;
        this.scratch = new byte[capacity];
        this.input = new byte[capacity];
        this.ivs = new byte[capacity / sectorSize * BLOCK];
        this.starts = new byte[ivs.length];
        try {
            boolean xts = spec.chain() == CipherSpec.Chain.XTS;
            byte[] main = xts ? Arrays.copyOfRange(key, 0, key.length / 2) : key;
            encrypt = ecb(Cipher.ENCRYPT_MODE, main);
            decrypt = ecb(Cipher.DECRYPT_MODE, main);
            if (xts) {
                second = ecb(Cipher.ENCRYPT_MODE, Arrays.copyOfRange(key, key.length / 2, key.length));
            } else if (spec.iv() == IvMode.ESSIV_SHA256) {
                second = ecb(Cipher.ENCRYPT_MODE, MessageDigest.getInstance("SHA-256").digest(key));
            } else {
                second = null;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES: " + e, e);
        }
    }

    SectorCipher(CipherSpec spec, byte[] key, int sectorSize) {
        this(spec, key, sectorSize, sectorSize);
    }

    private static Cipher ecb(int mode, byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"));
        return c;
    }

    /** Encrypts ({@code forward}) or decrypts one crypto sector of {@code length} bytes at {@code off}. */
    void sector(byte[] b, int off, int length, long ivSector, boolean forward) {
        run(b, off, length, length, ivSector, 1, forward);
    }

    /**
     * En- or decrypts {@code length} bytes at {@code off}: sectors of {@code sectorSize} whose
     * IV sectors start at {@code firstIv} and grow by {@code ivStep} from one sector to the next.
     */
    void run(byte[] b, int off, int length, int sectorSize, long firstIv, long ivStep, boolean forward) {
        try {
            int sectors = length / sectorSize;
            byte[] fill = second != null ? ivs : starts;
            for (int k = 0; k < sectors; k++) {
                spec.iv().fill(fill, k * BLOCK, firstIv + k * ivStep);
            }
            if (second != null) {
                second.update(ivs, 0, sectors * BLOCK, starts, 0);
            }
            if (spec.chain() == CipherSpec.Chain.XTS) {
                xts(b, off, length, sectorSize, sectors, forward);
            } else if (forward) {
                for (int k = 0; k < sectors; k++) {
                    cbcEncrypt(b, off + k * sectorSize, sectorSize, k * BLOCK);
                }
            } else {
                cbcDecrypt(b, off, length, sectorSize, sectors);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed: " + e, e);
        }
    }

    /**
     * XTS (IEEE 1619) on whole 16-byte blocks: each block is XORed with its tweak before and after
     * AES; a sector's tweaks are E(key2, IV) times successive powers of x in GF(2^128).
     */
    private void xts(byte[] b, int off, int length, int sectorSize, int sectors, boolean forward)
            throws GeneralSecurityException {
        for (int k = 0; k < sectors; k++) {
            long lo = (long) LONGS.get(starts, k * BLOCK);
            long hi = (long) LONGS.get(starts, k * BLOCK + 8);
            for (int p = k * sectorSize, end = p + sectorSize; p < end; p += BLOCK) {
                LONGS.set(scratch, p, lo);
                LONGS.set(scratch, p + 8, hi);
                long carry = hi >> 63; // all ones if the top bit is set
                hi = (hi << 1) | (lo >>> 63);
                lo = (lo << 1) ^ (carry & 0x87);
            }
        }
        xor(input, b, off, scratch, length);
        (forward ? encrypt : decrypt).update(input, 0, length, b, off);
        xor(b, off, scratch, 0, length);
    }

    /** Multiplies a little-endian element of GF(2^128) by x (the polynomial x^128 + x^7 + x^2 + x + 1). */
    static void timesX(byte[] t) {
        long lo = (long) LONGS.get(t, 0);
        long hi = (long) LONGS.get(t, 8);
        long carry = hi >> 63;
        LONGS.set(t, 8, (hi << 1) | (lo >>> 63));
        LONGS.set(t, 0, (lo << 1) ^ (carry & 0x87));
    }

    private void cbcEncrypt(byte[] b, int off, int length, int ivAt) throws GeneralSecurityException {
        xor(input, b, off, starts, ivAt, BLOCK);
        encrypt.update(input, 0, BLOCK, b, off);
        for (int p = off + BLOCK; p < off + length; p += BLOCK) {
            xor(input, b, p, b, p - BLOCK, BLOCK);
            encrypt.update(input, 0, BLOCK, b, p);
        }
    }

    /** CBC decryption runs over all sectors at once: AES, then each block XORed with the one before. */
    private void cbcDecrypt(byte[] b, int off, int length, int sectorSize, int sectors)
            throws GeneralSecurityException {
        System.arraycopy(b, off, scratch, 0, length);
        decrypt.update(scratch, 0, length, b, off);
        for (int k = 0; k < sectors; k++) {
            int at = off + k * sectorSize;
            xor(b, at, starts, k * BLOCK, BLOCK);
            xor(b, at + BLOCK, scratch, k * sectorSize, sectorSize - BLOCK);
        }
    }

    /** {@code into[0..length)} = {@code a[at..]} XOR {@code with[0..]}, in 8-byte words. */
    private static void xor(byte[] into, byte[] a, int at, byte[] with, int length) {
        xor(into, a, at, with, 0, length);
    }

    private static void xor(byte[] into, byte[] a, int at, byte[] with, int from, int length) {
        for (int i = 0; i < length; i += 8) {
            LONGS.set(into, i, (long) LONGS.get(a, at + i) ^ (long) LONGS.get(with, from + i));
        }
    }

    /** XOR in 8-byte words: every length here is a multiple of 16. */
    private static void xor(byte[] into, int at, byte[] with, int from, int length) {
        for (int i = 0; i < length; i += 8) {
            LONGS.set(into, at + i, (long) LONGS.get(into, at + i) ^ (long) LONGS.get(with, from + i));
        }
    }
}
