package org.mapperfs.cli.dmsetup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Device arguments in table lines, both ways. In: a {@code /dev/mapper/NAME}, the loop device of
 * a mapperfs device or its {@code major:minor} becomes the device's name, so that the daemon
 * uses it in-process and never through the kernel; another block device's {@code major:minor}
 * becomes its /dev path. Out: as the kernel prints tables, mapperfs devices and block devices
 * become {@code major:minor}; backing files stay paths.
 */
final class TableDevices {
    private static final Pattern NUMBERS = Pattern.compile("\\d+:\\d+");
    /** Fields before a target's arguments: start, length, type. */
    private static final int ARGS_FROM = 3;

    private TableDevices() {}

    static String in(String table, Session session) throws DmFailure {
        return in(table, session.names(), session.kernel);
    }

    static String in(String table, List<String> names, KernelDevices kernel) {
        StringBuilder sb = new StringBuilder();
        for (String line : table.split("\n", -1)) {
            String[] words = line.strip().split("\\s+");
            if (line.strip().isEmpty() || line.strip().startsWith("#") || words.length <= ARGS_FROM) {
                sb.append(line).append('\n');
                continue;
            }
            for (int i = ARGS_FROM; i < words.length; i++) {
                words[i] = deviceIn(words[i], names, kernel);
            }
            sb.append(String.join(" ", words)).append('\n');
        }
        return sb.toString().strip() + "\n";
    }

    private static String deviceIn(String word, List<String> names, KernelDevices kernel) {
        if (!word.startsWith("/") && !NUMBERS.matcher(word).matches()) {
            return word;
        }
        Optional<String> device = kernel.deviceNamed(word, names);
        if (device.isPresent()) {
            return device.get();
        }
        if (NUMBERS.matcher(word).matches()) {
            return KernelDevices.kernelName(word).map(k -> "/dev/" + k).orElse(word);
        }
        return word;
    }

    /** One line of table or status text ({@code start length type args}) as the kernel prints it. */
    static String out(String line, Session session) throws DmFailure {
        return out(line, session.names(), session::numbers);
    }

    /** As {@link #out(String, Session)}, with the devices' names and their numbers given. */
    static String out(String line, List<String> names, Function<String, Optional<String>> numbersOf) {
        String[] words = line.split(" ", -1);
        if (words.length <= ARGS_FROM) {
            return line + (words.length == ARGS_FROM ? " " : ""); // dmsetup leaves a space after the type
        }
        for (int i = ARGS_FROM; i < words.length; i++) {
            String w = words[i];
            if (names.contains(w) && !w.chars().allMatch(Character::isDigit)) {
                words[i] = numbersOf.apply(w).orElse(w);
            } else if (w.startsWith("/dev/")) {
                words[i] = KernelDevices.blockNumbers(Path.of(w)).orElse(w);
            }
        }
        return String.join(" ", words);
    }
}
