package org.mapperfs.core.targets.crypt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A LUKS1 container (cryptsetup's on-disk format version 1): reads its header and unlocks a
 * key slot with a passphrase, as cryptsetup does: PBKDF2 of the passphrase opens the slot's key
 * material (encrypted with the volume's own cipher, sector numbers from 0), the anti-forensic
 * stripes merge into the volume key, and the header's digest of the volume key says whether
 * the passphrase was right. The result is the crypt table line that maps the payload.
 */
public final class Luks1 {
    private static final byte[] MAGIC = {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe};

    /** Whether {@code head} (at least 6 bytes) starts with the LUKS magic, which both versions share. */
    public static boolean hasMagic(byte[] head) {
        return head.length >= MAGIC.length && Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }
    private static final int SLOTS = 8;
    private static final int SLOT_ACTIVE = 0x00AC71F3;
    private static final int HEADER_BYTES = 592;

    private final String cipherName;
    private final String cipherMode;
    private final String hash;
    private final long payloadSectors;
    private final int keyBytes;
    private final byte[] digest;
    private final byte[] digestSalt;
    private final int digestIterations;
    private final String uuid;
    private final Slot[] slots = new Slot[SLOTS];

    private record Slot(boolean active, int iterations, byte[] salt, long materialSector, int stripes) {}

    private Luks1(ByteBuffer h) {
        h.position(8);
        cipherName = text(h, 32);
        cipherMode = text(h, 32);
        hash = text(h, 32);
        payloadSectors = Integer.toUnsignedLong(h.getInt());
        keyBytes = h.getInt();
        digest = bytes(h, 20);
        digestSalt = bytes(h, 32);
        digestIterations = h.getInt();
        uuid = text(h, 40);
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot(h.getInt() == SLOT_ACTIVE, h.getInt(), bytes(h, 32),
                    Integer.toUnsignedLong(h.getInt()), h.getInt());
        }
    }

    /** Reads the header of {@code container}; fails with a clear message if it is not LUKS1. */
    public static Luks1 read(Path container) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
        try (FileChannel ch = FileChannel.open(container, StandardOpenOption.READ)) {
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
                // fill
            }
        }
        h.flip();
        if (h.remaining() < HEADER_BYTES || !hasMagic(h.array())) {
            throw new IOException(container + " is not a LUKS container (no LUKS magic)");
        }
        int version = h.getShort(6) & 0xffff;
        if (version != 1) {
            throw new IOException(container + " is LUKS version " + version + ", not 1");
        }
        return new Luks1(h);
    }

    public String uuid() {
        return uuid;
    }

    /** The payload's start, in 512-byte sectors. */
    public long payloadSectors() {
        return payloadSectors;
    }

    /** dm-crypt's cipher string: {@code aes-xts-plain64}. */
    public String cipher() {
        return cipherName + "-" + cipherMode;
    }

    /** The volume key, from the first key slot {@code passphrase} opens; fails if none does. */
    public byte[] unlock(Path container, byte[] passphrase) throws IOException {
        CipherSpec spec;
        try {
            spec = CipherSpec.parse(cipher());
            spec.checkKeyLength(keyBytes);
        } catch (org.mapperfs.core.TableException e) {
            throw new IOException("LUKS cipher " + cipher() + ": " + e.getMessage(), e);
        }
        for (Slot slot : slots) {
            if (!slot.active()) {
                continue;
            }
            byte[] material = material(container, slot);
            byte[] slotKey = KeySlots.pbkdf2(hash, passphrase, slot.salt(), slot.iterations(), keyBytes);
            KeySlots.decrypt(spec, slotKey, material);
            byte[] key = KeySlots.merge(hash, material, keyBytes, slot.stripes());
            if (Arrays.equals(KeySlots.pbkdf2(hash, key, digestSalt, digestIterations, digest.length), digest)) {
                return key;
            }
        }
        throw new IOException("no key slot of " + container + " opens with this passphrase");
    }

    /** The table line that maps the payload of a container of {@code bytes} with {@code key}. */
    public String table(Path container, long bytes, byte[] key) {
        return "0 " + (bytes / 512 - payloadSectors) + " crypt " + cipher() + " " + HexFormat.of().formatHex(key)
                + " 0 " + container + " " + payloadSectors;
    }

    private byte[] material(Path container, Slot slot) throws IOException {
        int length = keyBytes * slot.stripes();
        ByteBuffer b = ByteBuffer.allocate((length + 511) / 512 * 512);
        try (FileChannel ch = FileChannel.open(container, StandardOpenOption.READ)) {
            long at = slot.materialSector() * 512;
            while (b.hasRemaining()) {
                if (ch.read(b, at + b.position()) < 0) {
                    throw new IOException(container + ": key slot material past the end of the file");
                }
            }
        }
        return b.array();
    }

    private static String text(ByteBuffer h, int length) {
        byte[] b = bytes(h, length);
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuffer h, int length) {
        byte[] b = new byte[length];
        h.get(b);
        return b;
    }
}
