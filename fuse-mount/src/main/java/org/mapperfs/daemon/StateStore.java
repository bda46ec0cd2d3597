package org.mapperfs.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.mapperfs.control.TableFile;
import org.mapperfs.core.MappedDevice;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state folder: each device's live table as plain {@code NAME.table} text, after a comment
 * line {@code # uuid: UUID} for a device that has one (a comment to the table parser), readable
 * by its owner only (a table may hold a crypt key). A file is
 * replaced atomically (write a temporary file, force it, rename over, force the folder), so a
 * daemon killed at any moment leaves either the old table or the new one. Only live tables are
 * written: a loaded but not resumed table is never recorded as the device's table.
 */
public final class StateStore {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);
    static final String SUFFIX = ".table";
    private static final String UUID_LINE = "# uuid: ";
    private static final java.util.Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    /** What each file holds now, to write only what changed. Guarded by {@code this}. */
    private final Map<String, String> written = new HashMap<>();

    public StateStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** The UUID a stored table's first line gives, or "". */
    static String uuidOf(String stored) {
        if (!stored.startsWith(UUID_LINE)) {
            return "";
        }
        int eol = stored.indexOf('\n');
        return stored.substring(UUID_LINE.length(), eol < 0 ? stored.length() : eol).strip();
    }

    Path dir() {
        return dir;
    }

    /**
     * Every stored table, by device name. A file that cannot be a table (not a regular file, not
     * UTF-8 text, too large) is logged with its reason, skipped and left as it is.
     */
    synchronized Map<String, String> read() throws IOException {
        Map<String, String> tables = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                name = name.substring(0, name.length() - SUFFIX.length());
                String text;
                try {
                    text = TableFile.read(file);
                } catch (MapperException e) {
                    log.error("could not restore device {}: {}", name, e.getMessage());
                    continue;
                }
                tables.put(name, text);
                written.put(name, text);
            }
        }
        return tables;
    }

    /**
     * Leaves {@code NAME.table} as it is from now on, unless a device of that name is created:
     * for a device that could not be restored, whose table must outlive the next {@link #sync}.
     */
    synchronized void forget(String name) {
        written.remove(name);
    }

    /** Brings the folder in line with the mapper's live tables. */
    synchronized void sync(Mapper mapper) throws IOException {
        Map<String, String> live = new HashMap<>();
        for (MappedDevice device : mapper.list()) {
            String uuid = device.uuid().isEmpty() ? "" : UUID_LINE + device.uuid() + "\n";
            live.put(device.name(), uuid + device.liveTable().text());
        }
        moveRenamed(live);
        for (Map.Entry<String, String> e : live.entrySet()) {
            if (!e.getValue().equals(written.get(e.getKey()))) {
                writeAtomically(dir.resolve(e.getKey() + SUFFIX), e.getValue());
                written.put(e.getKey(), e.getValue());
            }
        }
        for (String name : Map.copyOf(written).keySet()) {
            if (!live.containsKey(name)) {
                Files.deleteIfExists(dir.resolve(name + SUFFIX));
                written.remove(name);
            }
        }
        forceDirectory();
    }

    /**
     * A table gone under one name and new under another with the same text is a rename: one
     * atomic move, so that no crash leaves the table under both names (two devices over the same
     * backing files at the next mount) or under neither.
     */
    private void moveRenamed(Map<String, String> live) throws IOException {
        for (Map.Entry<String, String> e : live.entrySet()) {
            if (written.containsKey(e.getKey())) {
                continue;
            }
            for (Map.Entry<String, String> old : Map.copyOf(written).entrySet()) {
                if (!live.containsKey(old.getKey()) && old.getValue().equals(e.getValue())) {
                    Files.move(dir.resolve(old.getKey() + SUFFIX), dir.resolve(e.getKey() + SUFFIX),
                            StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    written.remove(old.getKey());
                    written.put(e.getKey(), e.getValue());
                    break;
                }
            }
        }
    }

    private void writeAtomically(Path target, String text) throws IOException {
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // a leftover could have other permissions
        // Only its owner reads a table: it may hold a key (crypt).
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void forceDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
