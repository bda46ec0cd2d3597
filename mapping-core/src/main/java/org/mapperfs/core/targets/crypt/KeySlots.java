package org.mapperfs.core.targets.crypt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What LUKS1 and LUKS2 key slots share (cryptsetup's format documents): PBKDF2 on bytes, the
 * slot's key material decrypted with the volume cipher from sector 0, and the anti-forensic
 * merge of its stripes into the volume key.
 */
public final class KeySlots {
    private KeySlots() {}

    /** Decrypts a key slot's material in place: 512-byte sectors numbered from 0. */
    public static void decrypt(String cipher, byte[] key, byte[] material) throws IOException {
        try {
            CipherSpec spec = CipherSpec.parse(cipher);
            spec.checkKeyLength(key.length);
            decrypt(spec, key, material);
        } catch (org.mapperfs.core.TableException e) {
            throw new IOException("key slot cipher " + cipher + ": " + e.getMessage(), e);
        }
    }

    static void decrypt(CipherSpec spec, byte[] key, byte[] material) {
        SectorCipher c = new SectorCipher(spec, key, 512);
        for (int p = 0; p + 512 <= material.length; p += 512) {
            c.sector(material, p, 512, p / 512, false);
        }
    }

    /** AF-merge: XOR the stripes in turn, diffusing the running value with {@code hash} between them. */
    public static byte[] merge(String hash, byte[] material, int size, int stripes) throws IOException {
        byte[] d = new byte[size];
        for (int i = 0; i < stripes - 1; i++) {
            for (int j = 0; j < size; j++) {
                d[j] ^= material[i * size + j];
            }
            diffuse(hash, d);
        }
        byte[] key = new byte[size];
        for (int j = 0; j < size; j++) {
            key[j] = (byte) (d[j] ^ material[(stripes - 1) * size + j]);
        }
        return key;
    }

    /** Each digest-sized piece becomes H(piece number, big-endian 32-bit || piece), the last one cut to fit. */
    private static void diffuse(String hash, byte[] d) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance(javaHash(hash));
            int n = md.getDigestLength();
            for (int piece = 0, at = 0; at < d.length; piece++, at += n) {
                int len = Math.min(n, d.length - at);
                md.reset();
                md.update(ByteBuffer.allocate(4).putInt(piece).array());
                md.update(d, at, len);
                System.arraycopy(md.digest(), 0, d, at, len);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("hash " + hash + ": " + e.getMessage(), e);
        }
    }

    /**
     * PBKDF2 (RFC 8018) with HMAC of {@code hash}, on the secret's bytes as they are: the JDK's
     * PBKDF2 key factory takes chars and encodes them, which would change a binary secret (the
     * volume key, for the digest) and a passphrase that is not ASCII.
     */
    public static byte[] pbkdf2(String hash, byte[] secret, byte[] salt, int iterations, int length)
            throws IOException {
        try {
            Mac mac = Mac.getInstance("Hmac" + javaHash(hash).replace("-", ""));
            // An empty key cannot be a SecretKeySpec; HMAC pads keys with zeros, so one zero byte is the same key.
            mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, mac.getAlgorithm()));
            int n = mac.getMacLength();
            byte[] out = new byte[length];
            byte[] u = new byte[n];
            byte[] t = new byte[n];
            for (int block = 1, at = 0; at < length; block++, at += n) {
                mac.update(salt);
                mac.update(ByteBuffer.allocate(4).putInt(block).array());
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, n);
                for (int i = 1; i < iterations; i++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int j = 0; j < n; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, at, Math.min(n, length - at));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IOException("PBKDF2 with " + hash + ": " + e.getMessage(), e);
        }
    }

    private static String javaHash(String hash) {
        return switch (hash) {
            case "sha1" -> "SHA-1";
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> hash.toUpperCase();
        };
    }
}
