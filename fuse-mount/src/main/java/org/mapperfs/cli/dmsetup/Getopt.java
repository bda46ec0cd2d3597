package org.mapperfs.cli.dmsetup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * dmsetup's command line as getopt_long reads it: options anywhere among the arguments (GNU
 * permutation), {@code --} ends them, long options abbreviated to any unique prefix, {@code
 * --opt=value} or {@code --opt value}, short options clustered ({@code -cv}) with a value
 * attached or following ({@code -ofoo}, {@code -o foo}). The option table is dmsetup's own, so
 * a script's options are all known here, whether mapperfs acts on them or not.
 */
final class Getopt {
    /** Short options, getopt-style: a letter followed by ':' takes a value. */
    private static final String SHORTS = "cCfG:hj:m:M:no:O:rS:u:U:vy";

    /** dmsetup's long options; the value says whether one takes a value. */
    private static final Map<String, Boolean> LONGS = new LinkedHashMap<>();

    static {
        for (String flag : List.of("readonly", "checks", "columns", "concise", "deferred", "exec", "force", "help",
                "inactive", "manglename", "noflush", "noheadings", "nolockfs", "noopencount", "nosuffix", "notable",
                "nameprefixes", "noudevrules", "noudevsync", "rows", "retry", "showkeys", "tree", "unbuffered",
                "unquoted", "verbose", "verifyudev", "version", "yes", "addnodeoncreate", "addnodeonresume",
                "headings", "ignorelocking")) {
            LONGS.put(flag, false);
        }
        for (String valued : List.of("count", "gid", "interval", "major", "minor", "mode", "options", "readahead",
                "select", "separator", "setuuid", "sort", "table", "target", "udevcookie", "uid", "units", "uuid",
                "alias", "area", "bounds", "clear", "filemap", "group", "histogram", "nogroup", "precise",
                "programid", "regionid", "relative", "start", "length", "segments", "userdata")) {
            LONGS.put(valued, true);
        }
    }

    /** Short options as their long names, where dmsetup has both. */
    private static final Map<Character, String> SHORT_NAMES = Map.ofEntries(Map.entry('c', "columns"),
            Map.entry('C', "columns"), Map.entry('f', "force"), Map.entry('h', "help"), Map.entry('n', "notable"),
            Map.entry('o', "options"), Map.entry('O', "sort"), Map.entry('r', "readonly"), Map.entry('S', "select"),
            Map.entry('u', "uuid"), Map.entry('U', "setuuid"), Map.entry('v', "verbose"), Map.entry('y', "yes"));

    /** What was given: options by long name (the last value wins), and the other arguments. */
    record Parsed(Map<String, String> options, List<String> args) {
        boolean has(String name) {
            return options.containsKey(name);
        }

        String value(String name) {
            return options.get(name);
        }
    }

    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    private Getopt() {}

    static Parsed parse(List<String> argv) throws UsageError {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                args.addAll(argv.subList(i + 1, argv.size()));
                break;
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String given = a.substring(2, eq < 0 ? a.length() : eq);
                String name = longName(given);
                if (LONGS.get(name)) {
                    if (eq >= 0) {
                        options.put(name, a.substring(eq + 1));
                    } else if (i + 1 < argv.size()) {
                        options.put(name, argv.get(++i));
                    } else {
                        throw new UsageError("option '--" + name + "' requires an argument");
                    }
                } else if (eq >= 0) {
                    throw new UsageError("option '--" + name + "' doesn't allow an argument");
                } else {
                    options.put(name, "");
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    int at = SHORTS.indexOf(c);
                    if (at < 0 || c == ':') {
                        throw new UsageError("invalid option -- '" + c + "'");
                    }
                    String name = SHORT_NAMES.getOrDefault(c, String.valueOf(c));
                    boolean valued = at + 1 < SHORTS.length() && SHORTS.charAt(at + 1) == ':';
                    if (!valued) {
                        options.put(name, "");
                        continue;
                    }
                    if (j + 1 < a.length()) {
                        options.put(name, a.substring(j + 1));
                    } else if (i + 1 < argv.size()) {
                        options.put(name, argv.get(++i));
                    } else {
                        throw new UsageError("option requires an argument -- '" + c + "'");
                    }
                    break;
                }
            } else {
                args.add(a);
            }
        }
        return new Parsed(options, args);
    }

    /** The long option {@code given} names: itself, or the one option it is a prefix of. */
    static String longName(String given) throws UsageError {
        if (LONGS.containsKey(given)) {
            return given;
        }
        List<String> matches = new ArrayList<>();
        for (String name : LONGS.keySet()) {
            if (!given.isEmpty() && name.startsWith(given)) {
                matches.add(name);
            }
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new UsageError("unrecognized option '--" + given + "'");
        }
        throw new UsageError("option '--" + given + "' is ambiguous; possibilities: --"
                + String.join(" --", matches));
    }
}
