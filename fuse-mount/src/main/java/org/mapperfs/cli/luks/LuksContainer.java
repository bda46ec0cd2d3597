package org.mapperfs.cli.luks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mapperfs.core.targets.crypt.Luks1;

/**
 * A LUKS container file of either version: what {@code mapperfs luks open} needs to turn a
 * passphrase into the crypt table of its payload.
 */
public final class LuksContainer {
    private final Path file;
    private final int version;
    private final Luks1 luks1;
    private final Luks2 luks2;

    private LuksContainer(Path file, int version, Luks1 luks1, Luks2 luks2) {
        this.file = file;
        this.version = version;
        this.luks1 = luks1;
        this.luks2 = luks2;
    }

    public static LuksContainer read(Path file) throws IOException {
        byte[] head = new byte[8];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 8) < 8 || !Luks1.hasMagic(head)) {
                throw new IOException(file + " is not a LUKS container (no LUKS magic)");
            }
        }
        int version = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
        return switch (version) {
            case 1 -> new LuksContainer(file, 1, Luks1.read(file), null);
            case 2 -> new LuksContainer(file, 2, null, Luks2.read(file));
            default -> throw new IOException(file + " is LUKS version " + version + " (1 and 2 are supported)");
        };
    }

    public int version() {
        return version;
    }

    public String uuid() {
        return version == 1 ? luks1.uuid() : luks2.uuid();
    }

    public int sectorSize() throws IOException {
        return version == 1 ? 512 : luks2.sectorSize();
    }

    /** The volume key; a passphrase that opens no key slot is one clear error. */
    public byte[] unlock(byte[] passphrase) throws IOException {
        return version == 1 ? luks1.unlock(file, passphrase) : luks2.unlock(file, passphrase);
    }

    /** The crypt table of the payload. */
    public String table(byte[] key) throws IOException {
        return version == 1 ? luks1.table(file, Files.size(file), key) : luks2.table(file, key);
    }

    /** The UUID cryptsetup gives such a mapping: CRYPT-LUKS{1,2}-{uuid without dashes}-{name}. */
    public String mappingUuid(String name) {
        return "CRYPT-LUKS" + version + "-" + uuid().replace("-", "") + "-" + name;
    }
}
