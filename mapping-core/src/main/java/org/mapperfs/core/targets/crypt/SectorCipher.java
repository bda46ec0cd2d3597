package org.mapperfs.core.targets.crypt;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One thread's AES for a crypt target: encrypts and decrypts whole crypto sectors in place in a
 * byte array, with the JDK's AES (ECB, which the JIT turns into AES instructions) and XTS or CBC
 * built on it. Holds its ciphers and scratch arrays, so a sector costs no allocation. Not
 * thread-safe: one per thread.
 */
final class SectorCipher {
    private static final int BLOCK = 16;

    private final CipherSpec spec;
    private final Cipher encrypt;
    private final Cipher decrypt;
    /** XTS: the tweak key; ESSIV: the key made from the volume key's hash. Null otherwise. */
    private final Cipher second;
    private final byte[] iv = new byte[BLOCK];
    private final byte[] tweak = new byte[BLOCK];
    private final byte[] scratch;

    SectorCipher(CipherSpec spec, byte[] key, int sectorSize) {
        this.spec = spec;
        this.scratch = new byte[sectorSize];
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

    private static Cipher ecb(int mode, byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"));
        return c;
    }

    /** Encrypts ({@code forward}) or decrypts {@code length} bytes at {@code off}: one crypto sector. */
    void sector(byte[] b, int off, int length, long ivSector, boolean forward) {
        try {
            spec.iv().fill(iv, ivSector);
            if (spec.iv() == IvMode.ESSIV_SHA256) {
                second.doFinal(iv, 0, BLOCK, iv, 0);
            }
            if (spec.chain() == CipherSpec.Chain.XTS) {
                xts(b, off, length, forward);
            } else if (forward) {
                cbcEncrypt(b, off, length);
            } else {
                cbcDecrypt(b, off, length);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed: " + e, e);
        }
    }

    /**
     * XTS (IEEE 1619) on whole 16-byte blocks: each block is XORed with its tweak before and after
     * AES; the tweaks are E(key2, IV) times successive powers of x in GF(2^128). All tweaks are
     * laid out in {@code scratch} first, so AES runs once over the whole sector.
     */
    private void xts(byte[] b, int off, int length, boolean forward) throws GeneralSecurityException {
        second.doFinal(iv, 0, BLOCK, tweak, 0);
        for (int p = 0; p < length; p += BLOCK) {
            System.arraycopy(tweak, 0, scratch, p, BLOCK);
            timesX(tweak);
        }
        xor(b, off, scratch, 0, length);
        (forward ? encrypt : decrypt).doFinal(b, off, length, b, off);
        xor(b, off, scratch, 0, length);
    }

    /** Multiplies a little-endian element of GF(2^128) by x (the polynomial x^128 + x^7 + x^2 + x + 1). */
    static void timesX(byte[] t) {
        int carry = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = t[i] & 0xff;
            t[i] = (byte) ((v << 1) | carry);
            carry = v >>> 7;
        }
        if (carry != 0) {
            t[0] ^= (byte) 0x87;
        }
    }

    private void cbcEncrypt(byte[] b, int off, int length) throws GeneralSecurityException {
        xor(b, off, iv, 0, BLOCK);
        encrypt.update(b, off, BLOCK, b, off);
        for (int p = off + BLOCK; p < off + length; p += BLOCK) {
            xor(b, p, b, p - BLOCK, BLOCK);
            encrypt.update(b, p, BLOCK, b, p);
        }
    }

    private void cbcDecrypt(byte[] b, int off, int length) throws GeneralSecurityException {
        System.arraycopy(b, off, scratch, 0, length);
        decrypt.doFinal(b, off, length, b, off);
        xor(b, off, iv, 0, BLOCK);
        xor(b, off + BLOCK, scratch, 0, length - BLOCK);
    }

    private static void xor(byte[] into, int at, byte[] with, int from, int length) {
        for (int i = 0; i < length; i++) {
            into[at + i] ^= with[from + i];
        }
    }
}
