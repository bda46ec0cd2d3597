package org.mapperfs.control;

import static org.mapperfs.core.MapperException.Reason.INVALID;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.mapperfs.core.MapperException;

/**
 * A table read from {@code --table-file PATH}: a regular file of UTF-8 text of at most
 * {@value #MAX_BYTES} bytes (a 100 000-segment table is about 5 MB). Anything else is refused
 * by name before it can cost the daemon its memory (a huge file) or a thread (a FIFO, a device
 * that never ends).
 */
public final class TableFile {
    static final int MAX_BYTES = 16 << 20;

    private TableFile() {}

    public static String read(Path file) throws MapperException {
        try {
            if (!Files.exists(file)) {
                throw new MapperException(INVALID, "table file " + file + " does not exist");
            }
            if (!Files.isRegularFile(file)) {
                throw new MapperException(INVALID, "table file " + file + " is not a regular file");
            }
            byte[] bytes;
            // Small reads: one large read through a channel would take a temporary direct buffer
            // of its size, cached per thread.
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES) {
                throw new MapperException(INVALID, "table file " + file + " is larger than " + (MAX_BYTES >> 20)
                        + " MiB");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MapperException(INVALID, "table file " + file + " is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new MapperException(INVALID, "table file " + file + " does not exist");
        } catch (IOException e) {
            throw new MapperException(INVALID, "table file " + file + ": " + e.getMessage());
        }
    }
}
