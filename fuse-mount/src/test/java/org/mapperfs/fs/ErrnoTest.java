package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.BackingFileException;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.MapperException.Reason;
import org.mapperfs.core.TableException;
import ru.serce.jnrfuse.ErrorCodes;

class ErrnoTest {
    @Test
    void eachReasonHasItsErrno() {
        assertThat(Errno.of(new MapperException(Reason.INVALID, "x"))).isEqualTo(ErrorCodes.EINVAL());
        assertThat(Errno.of(new MapperException(Reason.NO_SUCH_DEVICE, "x"))).isEqualTo(ErrorCodes.ENOENT());
        assertThat(Errno.of(new MapperException(Reason.EXISTS, "x"))).isEqualTo(ErrorCodes.EEXIST());
        assertThat(Errno.of(new MapperException(Reason.BUSY, "x"))).isEqualTo(ErrorCodes.EBUSY());
        assertThat(Errno.of(new MapperException(Reason.IO, "x"))).isEqualTo(ErrorCodes.EIO());
        assertThat(Errno.of(new MapperException(Reason.INTERRUPTED, "x"))).isEqualTo(ErrorCodes.EINTR());
        assertThat(Errno.of(new TableException("bad"))).isEqualTo(ErrorCodes.EINVAL());
    }

    @Test
    void failAnswersWithANegativeErrno() {
        assertThat(Errno.fail("open", "/d", new MapperException(Reason.BUSY, "busy"))).isEqualTo(-ErrorCodes.EBUSY());
        assertThat(Errno.fail("read", "/d", new IOException("disk gone"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("read", "/d", new IOException("again"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("write", "/d", new IllegalArgumentException("bad"))).isEqualTo(-ErrorCodes.EINVAL());
        assertThat(Errno.fail("write", "/d", new IllegalStateException("bug"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("write", "/d", new AssertionError("an unexpected error"))).isEqualTo(-ErrorCodes.EIO());
    }

    @Test
    void aBackingFileFailureKeepsItsErrnoThroughTheWrappers() throws Exception {
        IOException full = backingFailure("No space left on device");
        IOException readOnly = backingFailure("Read-only file system");
        IOException broken = backingFailure("Input/output error");

        assertThat(Errno.fail("write", "device a", full)).isEqualTo(-ErrorCodes.ENOSPC());
        assertThat(Errno.fail("write", "device a", new IOException("wrapped", readOnly))).isEqualTo(-ErrorCodes.EROFS());
        assertThat(Errno.fail("write", "device a", broken)).isEqualTo(-ErrorCodes.EIO());
    }

    @Test
    void theSameBackingFileFailureIsLoggedOnceAMinute() {
        long now = System.nanoTime();
        String key = "device x\0/f\0No space left on device " + now;

        assertThat(Errno.firstInAMinute(key, now)).isTrue();
        assertThat(Errno.firstInAMinute(key, now + 1_000_000_000L)).isFalse();
        assertThat(Errno.firstInAMinute(key + " other", now + 1_000_000_000L)).isTrue();
        assertThat(Errno.firstInAMinute(key, now + 61_000_000_000L)).isTrue();
    }

    private static IOException backingFailure(String reason) {
        return new BackingFileException(Path.of("/backing.img"), "write", 4096, new IOException(reason));
    }
}
