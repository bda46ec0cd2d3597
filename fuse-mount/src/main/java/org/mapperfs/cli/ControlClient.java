package org.mapperfs.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sends one command to the control file and reads its reply on the same handle. A refused
 * command fails the write(2); its reason is the reply.
 */
public final class ControlClient {
    /** Commands longer than this go through a temporary file: a FUSE write carries 128 KiB at most. */
    static final int MAX_INLINE = 120 * 1024;

    private final Path mountPoint;

    public ControlClient(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    Path controlFile() {
        return mountPoint.resolve("control");
    }

    public String send(String command) throws CliException {
        Path control = controlFile();
        if (!Files.exists(control)) {
            throw new CliException("no mapperfs is mounted at " + mountPoint
                    + " (start one with 'mapperfs mount', or point -m/--mount or $MAPPERFS_MOUNT at it)");
        }
        try (FileChannel ch = FileChannel.open(control, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(command.getBytes(StandardCharsets.UTF_8));
            IOException refused = null;
            try {
                ch.write(bytes);
            } catch (IOException e) {
                refused = e;
            }
            String reply = readAll(ch);
            if (refused != null) {
                throw new CliException(reply.isBlank() ? refused.getMessage() : reply.strip(), refused);
            }
            return reply;
        } catch (AccessDeniedException e) {
            throw new CliException("permission denied: only the owner of the mount at " + mountPoint
                    + " may send commands", e);
        } catch (IOException e) {
            throw new CliException(control + ": " + e.getMessage(), e);
        }
    }

    private static String readAll(FileChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (ch.read(buf) > 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Sends {@code verb NAME} with a table, inline if it is small, else through a temporary file. */
    public String sendWithTable(String verbAndName, String table) throws CliException {
        String command = verbAndName + "\n" + table;
        if (command.length() <= MAX_INLINE) {
            return send(command);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile("mapperfs-table", ".table");
            Files.writeString(tmp, table);
            return send(verbAndName + " --table-file " + tmp.toAbsolutePath());
        } catch (IOException e) {
            throw new CliException("cannot stage the table in a temporary file: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }
}
