package org.mapperfs.cli.luks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.mapperfs.core.targets.crypt.KeySlots;

/**
 * A LUKS2 container, as the LUKS2 on-disk format specification has it: a binary header, then
 * the JSON metadata (key slots, segments, digests). A key slot opens with PBKDF2 or Argon2i/id
 * of the passphrase, its area decrypts and merges (as LUKS1's) into the volume key, and a digest
 * of the volume key that names the slot says whether the passphrase was right.
 */
final class Luks2 {
    static final int BINARY_HEADER = 4096;

    private final JsonNode json;
    private final String uuid;

    private Luks2(JsonNode json, String uuid) {
        this.json = json;
        this.uuid = uuid;
    }

    static Luks2 read(Path container) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BINARY_HEADER);
        try (FileChannel ch = FileChannel.open(container, StandardOpenOption.READ)) {
            readFully(ch, header, 0);
            long size = header.getLong(8);
            if (size <= BINARY_HEADER || size > (4L << 20)) {
                throw new IOException(container + ": LUKS2 header size " + size + " is out of range");
            }
            ByteBuffer area = ByteBuffer.allocate((int) size - BINARY_HEADER);
            readFully(ch, area, BINARY_HEADER);
            byte[] bytes = area.array();
            int end = 0;
            while (end < bytes.length && bytes[end] != 0) {
                end++;
            }
            JsonNode json = new ObjectMapper().readTree(new String(bytes, 0, end, StandardCharsets.UTF_8));
            byte[] uuid = new byte[40];
            header.get(0xa8, uuid);
            int uuidEnd = 0;
            while (uuidEnd < uuid.length && uuid[uuidEnd] != 0) {
                uuidEnd++;
            }
            return new Luks2(json, new String(uuid, 0, uuidEnd, StandardCharsets.US_ASCII));
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("the LUKS2 header is cut short");
            }
        }
    }

    String uuid() {
        return uuid;
    }

    private JsonNode segment() throws IOException {
        JsonNode segment = json.path("segments").path("0");
        if (!segment.path("type").asText().equals("crypt")) {
            throw new IOException("LUKS2 segment 0 is not a crypt segment");
        }
        return segment;
    }

    int sectorSize() throws IOException {
        return segment().path("sector_size").asInt(512);
    }

    /** The volume key, from the first key slot {@code passphrase} opens. */
    byte[] unlock(Path container, byte[] passphrase) throws IOException {
        Iterator<Map.Entry<String, JsonNode>> slots = json.path("keyslots").fields();
        String unsupported = null;
        while (slots.hasNext()) {
            Map.Entry<String, JsonNode> e = slots.next();
            JsonNode slot = e.getValue();
            String kdf = slot.path("kdf").path("type").asText();
            if (!slot.path("type").asText().equals("luks2") || !slot.path("af").path("type").asText().equals("luks1")) {
                unsupported = "key slot " + e.getKey() + " of type " + slot.path("type").asText();
                continue;
            }
            int keySize = slot.path("key_size").asInt();
            JsonNode area = slot.path("area");
            int areaKeySize = area.path("key_size").asInt();
            byte[] slotKey = derive(slot.path("kdf"), kdf, passphrase, areaKeySize);
            int stripes = slot.path("af").path("stripes").asInt();
            byte[] material = new byte[(keySize * stripes + 511) / 512 * 512];
            try (FileChannel ch = FileChannel.open(container, StandardOpenOption.READ)) {
                readFully(ch, ByteBuffer.wrap(material), Long.parseLong(area.path("offset").asText()));
            }
            KeySlots.decrypt(area.path("encryption").asText(), slotKey, material);
            byte[] key = KeySlots.merge(slot.path("af").path("hash").asText(), material, keySize, stripes);
            if (digestMatches(e.getKey(), key)) {
                return key;
            }
        }
        throw new IOException("no key slot of " + container + " opens with this passphrase"
                + (unsupported != null ? " (" + unsupported + " is not supported)" : ""));
    }

    private static byte[] derive(JsonNode kdf, String type, byte[] passphrase, int length) throws IOException {
        byte[] salt = Base64.getDecoder().decode(kdf.path("salt").asText());
        switch (type) {
            case "pbkdf2":
                return KeySlots.pbkdf2(kdf.path("hash").asText(), passphrase, salt, kdf.path("iterations").asInt(),
                        length);
            case "argon2i", "argon2id":
                Argon2Parameters params = new Argon2Parameters.Builder(type.equals("argon2id")
                        ? Argon2Parameters.ARGON2_id : Argon2Parameters.ARGON2_i)
                        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                        .withIterations(kdf.path("time").asInt())
                        .withMemoryAsKB(kdf.path("memory").asInt())
                        .withParallelism(kdf.path("cpus").asInt())
                        .withSalt(salt)
                        .build();
                Argon2BytesGenerator argon2 = new Argon2BytesGenerator();
                argon2.init(params);
                byte[] out = new byte[length];
                argon2.generateBytes(passphrase, out);
                return out;
            default:
                throw new IOException("key slot KDF '" + type + "' is not supported (pbkdf2, argon2i, argon2id are)");
        }
    }

    private boolean digestMatches(String slot, byte[] key) throws IOException {
        for (JsonNode digest : json.path("digests")) {
            boolean names = false;
            for (JsonNode s : digest.path("keyslots")) {
                names |= s.asText().equals(slot);
            }
            if (!names || !digest.path("type").asText().equals("pbkdf2")) {
                continue;
            }
            byte[] expected = Base64.getDecoder().decode(digest.path("digest").asText());
            byte[] salt = Base64.getDecoder().decode(digest.path("salt").asText());
            byte[] actual = KeySlots.pbkdf2(digest.path("hash").asText(), key, salt,
                    digest.path("iterations").asInt(), expected.length);
            if (Arrays.equals(actual, expected)) {
                return true;
            }
        }
        return false;
    }

    /** The crypt table line of segment 0 with {@code key}. */
    String table(Path container, byte[] key) throws IOException {
        JsonNode segment = segment();
        long offset = Long.parseLong(segment.path("offset").asText());
        String size = segment.path("size").asText();
        long bytes = size.equals("dynamic") ? Files.size(container) - offset : Long.parseLong(size);
        int sectorSize = sectorSize();
        return "0 " + bytes / 512 / (sectorSize / 512) * (sectorSize / 512) + " crypt "
                + segment.path("encryption").asText() + " " + HexFormat.of().formatHex(key) + " "
                + segment.path("iv_tweak").asText("0") + " " + container + " " + offset / 512
                + (sectorSize == 512 ? "" : " 1 sector_size:" + sectorSize);
    }
}
