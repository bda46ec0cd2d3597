package org.mapperfs.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes one command to a mount's control file and reads the reply back on the same handle. */
final class ControlFile {
    private ControlFile() {}

    /** What a command did: whether its write(2) succeeded, and the reply. */
    record Reply(boolean ok, String text) {
        Reply orFail(String command) {
            if (!ok) {
                throw new AssertionError("control command '" + command + "' refused: " + text);
            }
            return this;
        }
    }

    static Reply send(Path mnt, String command) throws IOException {
        try (FileChannel ch = FileChannel.open(mnt.resolve("control"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            boolean ok = true;
            try {
                ch.write(ByteBuffer.wrap(command.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                ok = false;
            }
            StringBuilder text = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) > 0) {
                text.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
                buf.clear();
            }
            return new Reply(ok, text.toString());
        }
    }

    static String run(Path mnt, String command) throws IOException {
        return send(mnt, command).orFail(command).text();
    }
}
