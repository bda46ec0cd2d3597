package org.mapperfs.core.thin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The thin-provisioning tools (thin_check, thin_dump, thin_restore, thin_ls) on a metadata
 * file. Missing, they fail a test in CI and skip it elsewhere (src/bin/ensure-deps installs them).
 */
final class ThinTools {
    record Result(int exit, String out, String err) {
    }

    private ThinTools() {
    }

    static void require() {
        boolean present = Files.isExecutable(Path.of("/usr/sbin/thin_check"));
        if ("true".equalsIgnoreCase(System.getenv("CI")) && !present) {
            throw new AssertionError("thin_check is missing (src/bin/ensure-deps installs thin-provisioning-tools)");
        }
        Assumptions.assumeTrue(present, "thin-provisioning-tools are not installed (src/bin/ensure-deps installs them)");
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("thin-tool", ".out");
        Path err = Files.createTempFile("thin-tool", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** thin_check must pass: exit 0. */
    static void check(Path metadata) throws Exception {
        Result r = run("thin_check", metadata.toString());
        assertThat(r.exit()).as("thin_check " + metadata + ":\n" + r.out() + r.err()).isZero();
    }

    /** Checks the file with thin_check, the own counter, and thin_dump against {@code expected}. */
    static void verify(Path metadata, Map<Long, Map<Long, Long>> expected) throws Exception {
        check(metadata);
        RefCounts.check(metadata);
        matches(dump(metadata), expected);
    }

    /** A thin_dump lists exactly {@code expected}: per device, virtual block to data block. */
    static void matches(String dump, Map<Long, Map<Long, Long>> expected) {
        for (Map.Entry<Long, Map<Long, Long>> device : expected.entrySet()) {
            List<String> blocks = new ArrayList<>();
            for (String m : mappings(dump, device.getKey())) {
                String[] f = m.split(" ");
                blocks.add(f[0] + " " + f[1]);
            }
            List<String> want = new ArrayList<>();
            new TreeMap<>(device.getValue()).forEach((v, d) -> want.add(v + " " + d));
            assertThat(blocks).as("device " + device.getKey() + "'s mappings in thin_dump").isEqualTo(want);
        }
        assertThat(dump.split("<device ").length - 1).as("devices in thin_dump").isEqualTo(expected.size());
    }

    static String dump(Path metadata, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("thin_dump"));
        command.addAll(List.of(options));
        command.add(metadata.toString());
        Result r = run(command.toArray(String[]::new));
        assertThat(r.exit()).as("thin_dump:\n" + r.err()).isZero();
        return r.out();
    }

    /** A device's mappings as thin_dump lists them, ranges expanded: "virtual data time" per block. */
    static List<String> mappings(String dump, long device) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : dump.split("\n")) {
            String l = line.trim();
            if (l.startsWith("<device ")) {
                in = attr(l, "dev_id") == device;
            } else if (in && l.startsWith("<single_mapping ")) {
                out.add(attr(l, "origin_block") + " " + attr(l, "data_block") + " " + attr(l, "time"));
            } else if (in && l.startsWith("<range_mapping ")) {
                long o = attr(l, "origin_begin");
                long d = attr(l, "data_begin");
                for (long i = 0; i < attr(l, "length"); i++) {
                    out.add((o + i) + " " + (d + i) + " " + attr(l, "time"));
                }
            }
        }
        return out;
    }

    static long attr(String element, String name) {
        int at = element.indexOf(" " + name + "=\"");
        if (at < 0) {
            throw new AssertionError("no " + name + " in " + element);
        }
        int from = at + name.length() + 3;
        return Long.parseLong(element.substring(from, element.indexOf('"', from)));
    }
}
