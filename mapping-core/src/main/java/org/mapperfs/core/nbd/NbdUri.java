package org.mapperfs.core.nbd;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mapperfs.core.TableException;

/**
 * An NBD export as the NBD URI standard writes it: {@code nbd://host[:port]/export} (TCP, port
 * 10809 by default) or {@code nbd+unix:///export?socket=PATH}; the export name percent-decoded.
 * TLS ({@code nbds://}, {@code nbds+unix://}) is refused by name: this client has none.
 */
public record NbdUri(String text, Optional<String> host, int port, Optional<Path> socket, String export) {
    public static final int DEFAULT_PORT = 10809;
    private static final Pattern TCP = Pattern.compile("nbd://(\\[[^\\]]+\\]|[^/:?\\[]+)(?::(\\d+))?(?:/([^?]*))?");
    private static final Pattern UNIX = Pattern.compile("nbd\\+unix://(?:/([^?]*))?\\?socket=([^&]+)");

    /** Whether {@code arg} is meant as an NBD URI (it may still be a malformed one). */
    public static boolean looksLike(String arg) {
        return arg.startsWith("nbd://") || arg.startsWith("nbd+") || arg.startsWith("nbds://")
                || arg.startsWith("nbds+");
    }

    public static NbdUri parse(String text) throws TableException {
        if (text.startsWith("nbds")) {
            throw new TableException("'" + text + "': NBD over TLS (nbds://) is not supported");
        }
        Matcher m = TCP.matcher(text);
        if (m.matches()) {
            String host = m.group(1).replaceAll("^\\[|\\]$", "");
            int port = DEFAULT_PORT;
            if (m.group(2) != null) {
                port = Integer.parseInt(m.group(2));
                if (port < 1 || port > 65535) {
                    throw new TableException("'" + text + "': port " + port + " is out of range");
                }
            }
            return new NbdUri(text, Optional.of(host), port, Optional.empty(), decode(m.group(3)));
        }
        m = UNIX.matcher(text);
        if (m.matches()) {
            return new NbdUri(text, Optional.empty(), 0, Optional.of(Path.of(decode(m.group(2)))), decode(m.group(1)));
        }
        throw new TableException("'" + text + "': not an NBD URI (nbd://HOST[:PORT]/EXPORT or "
                + "nbd+unix:///EXPORT?socket=PATH)");
    }

    private static String decode(String s) {
        return s == null ? "" : URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
