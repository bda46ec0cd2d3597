package org.mapperfs.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Control commands for fuzzing: a valid command (tables of every target included) over the
 * scratch devices {@code fz0..fz3} and the scratch files, then mutated: tokens dropped, doubled
 * or swapped, numbers made huge or negative, names made hostile ({@code /}, {@code ..}, NUL,
 * control characters, a leading {@code -}), odd bytes inserted, very long lines, many lines,
 * the bytes cut short. Seeded, so a failing command can be made again.
 *
 * <p>Never generated: {@code wait} and {@code shutdown} (they wait or stop the daemon by
 * design), and any name or path of the reference device.
 */
final class CommandFuzzer {
    private static final String[] NUMBERS = {"-1", "0", "1", "7", "9223372036854775807", "9223372036854775808",
        "18446744073709551616", "-9223372036854775808", "4294967296", "1e9", "0x10", "007", "+5", "2048.0", ""};
    private static final String[] NAMES = {"a/b", "..", ".", "x/../y", "fz\0", "\u001b[31mred", "-1", "--force",
        "control", ".meta", "é", "tab\tname", "n".repeat(200), "fz0/..", "/etc/passwd", "../../x"};
    private static final String[] ODD = {"\0", "\u0001", "\u007f", "\t", "\r", "\r\n", "é", "%s%n", "'", "\"", "\\",
        "$(id)", ";", "|", "#", "\u2028", "\uFEFF", " -- ", " --table-file /proc/self/environ"};

    private final Random random;
    private final String s0;
    private final String s1;

    CommandFuzzer(Random random, Path s0, Path s1) {
        this.random = random;
        this.s0 = s0.toString();
        this.s1 = s1.toString();
    }

    /** The next command's bytes: one write(2) to the control file. */
    byte[] next() {
        String command = valid();
        int mutations = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            command = mutate(command);
        }
        byte[] bytes = command.getBytes(StandardCharsets.UTF_8);
        switch (random.nextInt(20)) {
            case 0 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)); // cut short
            case 1 -> bytes = withRawByte(bytes); // not UTF-8
            default -> { }
        }
        return bytes;
    }

    private String dev() {
        return "fz" + random.nextInt(4);
    }

    private String table() {
        String a = dev();
        return switch (random.nextInt(12)) {
            case 0 -> "0 2048 linear " + s0 + " " + random.nextInt(4096);
            case 1 -> "0 2048 zero";
            case 2 -> "0 2048 error";
            case 3 -> "0 4096 striped 2 8 " + s0 + " 0 " + s1 + " 0";
            case 4 -> "0 2048 flakey " + s0 + " 0 5 5 1 drop_writes";
            case 5 -> "0 2048 delay " + s0 + " 0 10";
            case 6 -> "0 2048 dust " + s0 + " 0 512";
            case 7 -> "0 2048 mirror core 1 64 2 " + s0 + " 0 " + s1 + " 0";
            case 8 -> "0 2048 snapshot " + a + " " + s1 + " P 8";
            case 9 -> "0 2048 snapshot-origin " + a;
            case 10 -> "0 1024 linear " + s0 + " 0\n1024 1024 zero";
            default -> "0 2048 linear " + a + " 0";
        };
    }

    private String valid() {
        String d = dev();
        return switch (random.nextInt(24)) {
            case 0, 1, 2 -> "create " + d + " " + table();
            case 3 -> "create " + d + "\n" + table() + "\n";
            case 4, 5 -> "load " + d + " " + table();
            case 6 -> "load --force " + d + " " + table();
            case 7 -> "resume " + d;
            case 8 -> "suspend " + d;
            case 9 -> "suspend --noflush " + d;
            case 10 -> "clear " + d;
            case 11 -> "remove " + d;
            case 12 -> "remove --force " + d;
            case 13 -> "rename " + d + " " + dev();
            case 14 -> "message " + d + " 0 " + List.of("drop_writes", "mirror_resync_rate 1024", "addbadblock 3",
                    "enable", "listbadblocks", "quiet").get(random.nextInt(6));
            case 15 -> "table " + d;
            case 16 -> "table --inactive " + d;
            case 17 -> "status " + d;
            case 18 -> "info " + d;
            case 19 -> "deps " + d;
            case 20 -> random.nextBoolean() ? "ls" : "ls --tree";
            case 21 -> List.of("targets", "version", "help", "daemon").get(random.nextInt(4));
            case 22 -> "create " + d + " --table-file " + s0;
            default -> "";
        };
    }

    private String mutate(String command) {
        List<String> tokens = new ArrayList<>(Arrays.asList(command.split(" ", -1)));
        int i = random.nextInt(tokens.size());
        switch (random.nextInt(10)) {
            case 0 -> tokens.remove(i);
            case 1 -> tokens.add(i, tokens.get(i));
            case 2 -> {
                int j = random.nextInt(tokens.size());
                String t = tokens.get(i);
                tokens.set(i, tokens.get(j));
                tokens.set(j, t);
            }
            case 3 -> {
                for (int k = 0; k < tokens.size(); k++) {
                    if (tokens.get(k).matches("-?\\d+") && random.nextBoolean()) {
                        tokens.set(k, NUMBERS[random.nextInt(NUMBERS.length)]);
                    }
                }
            }
            case 4 -> {
                for (int k = 0; k < tokens.size(); k++) {
                    if (tokens.get(k).startsWith("fz") && random.nextBoolean()) {
                        tokens.set(k, NAMES[random.nextInt(NAMES.length)]);
                    }
                }
            }
            case 5 -> {
                String t = tokens.get(i);
                int at = t.isEmpty() ? 0 : random.nextInt(t.length() + 1);
                tokens.set(i, t.substring(0, at) + ODD[random.nextInt(ODD.length)] + t.substring(at));
            }
            case 6 -> tokens.add("x".repeat(1 + random.nextInt(random.nextBoolean() ? 100 : 200_000)));
            case 7 -> {
                int lines = 1 + random.nextInt(5000);
                StringBuilder sb = new StringBuilder(String.join(" ", tokens));
                for (int k = 0; k < lines; k++) {
                    sb.append('\n').append(k * 8L).append(" 8 ").append(random.nextBoolean() ? "zero" : "error");
                }
                return sb.toString();
            }
            case 8 -> tokens.set(i, tokens.get(i).toUpperCase());
            default -> tokens.add(i, tokens.get(random.nextInt(tokens.size())));
        }
        return String.join(" ", tokens);
    }

    private byte[] withRawByte(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = random.nextInt(bytes.length + 1);
        out.write(bytes, 0, at);
        out.write(0x80 + random.nextInt(0x80));
        out.write(bytes, at, bytes.length - at);
        return out.toByteArray();
    }

    /** A command as a log line: escaped, and cut to 300 characters. */
    static String show(byte[] command) {
        StringBuilder sb = new StringBuilder();
        for (byte b : Arrays.copyOf(command, Math.min(command.length, 300))) {
            int c = b & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb + (command.length > 300 ? "... (" + command.length + " bytes)" : "");
    }
}
