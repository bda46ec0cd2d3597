package org.mapperfs.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mapperfs.control.ControlCommands;
import org.mapperfs.control.Reports;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * One open handle on {@code /control}: each write(2) is one command, run at once; reads give
 * back, from where the last read stopped, the reply of the last command written on this
 * handle, or the listing of every device if none was written. Replies are per handle, so two
 * processes sending commands at once each read their own.
 */
public final class ControlHandle {
    /** The longest refusal the reply and the log repeat. */
    public static final int MAX_MESSAGE = 500;
    private static final Logger log = LoggerFactory.getLogger(ControlHandle.class);

    private final Mapper mapper;
    private final ControlCommands commands;
    private final long ownerUid;

    /** The reply and how far it has been read; guarded by this. */
    private byte[] content;
    private int cursor;

    ControlHandle(Mapper mapper, ControlCommands commands, long ownerUid) {
        this.mapper = mapper;
        this.commands = commands;
        this.ownerUid = ownerUid;
    }

    /** Reads the next bytes of the reply into {@code dst}; 0 once it is all read. */
    synchronized int read(ByteBuffer dst) {
        if (content == null) {
            content = Reports.listing(mapper).getBytes(StandardCharsets.UTF_8);
            cursor = 0;
        }
        int n = copyOut(content, cursor, dst);
        cursor += n;
        return n;
    }

    /**
     * Runs the command in the remaining bytes of {@code src}, sent by process {@code pid} of
     * {@code uid}, whose working directory relative paths resolve against. Returns the bytes
     * taken; a refused command throws, and its one-line reason is the reply read back.
     */
    int write(ByteBuffer src, long uid, long pid) throws MapperException {
        if (uid != ownerUid) {
            reply("permission denied: only the mount's owner may send commands\n");
            throw new FsError(ErrorCodes.EACCES());
        }
        int size = src.remaining();
        byte[] bytes = new byte[size];
        src.get(bytes);
        String command = new String(bytes, StandardCharsets.UTF_8);
        try {
            reply(commands.execute(command, writerDirectory(pid)));
            if (ControlCommands.changesState(command)) {
                log.info("control: {}", firstWords(command));
            }
            return size;
        } catch (MapperException e) {
            String why = printable(e.getMessage(), MAX_MESSAGE);
            reply(why + "\n");
            log.info("control: {} refused: {}", firstWords(command), why);
            throw e;
        } catch (RuntimeException e) {
            reply("internal error: " + e + "\n");
            throw e;
        }
    }

    private synchronized void reply(String text) {
        content = text.getBytes(StandardCharsets.UTF_8);
        cursor = 0;
    }

    /** Copies what {@code content} holds from {@code offset} into {@code dst}; returns how much. */
    static int copyOut(byte[] content, long offset, ByteBuffer dst) {
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), content.length - offset);
        dst.put(content, (int) offset, n);
        return n;
    }

    /**
     * What the log says of a command: its first three words ({@code create NAME}, {@code suspend
     * --noflush NAME}). Never more: a table may follow on the same line, and a crypt table holds
     * its key.
     */
    static String firstWords(String command) {
        String[] words = command.lines().findFirst().orElse("").strip().split("\\s+", 4);
        return printable(String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 3))), 120);
    }

    /**
     * {@code text} fit for one line of a log or a terminal: control characters (a command's NUL,
     * ESC, CR) written as \xNN (the line and paragraph separators by their code points), and at most {@code max} characters; a refusal quotes what it
     * refused, and a command may be a multi-megabyte table.
     */
    public static String printable(String text, int max) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 16);
        for (int i = 0; i < text.length() && sb.length() < max; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= max && text.length() > max) {
            sb.setLength(max);
            sb.append("... (").append(text.length()).append(" characters)");
        }
        return sb.toString();
    }

    /** The writing process's working directory; "/" if it cannot be read (the process is gone). */
    static Path writerDirectory(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"));
        } catch (Exception e) {
            return Path.of("/");
        }
    }
}
