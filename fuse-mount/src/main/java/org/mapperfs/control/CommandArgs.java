package org.mapperfs.control;

import static org.mapperfs.core.MapperException.Reason.INVALID;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mapperfs.core.MapperException;

/**
 * The words of a control command's line, read front to back: the verb's arguments, its flags
 * wherever they stand, and options before the first argument (where a table may follow). Each
 * complaint is a {@link MapperException} naming the field.
 */
final class CommandArgs {
    private final List<String> words;
    private int next;

    CommandArgs(List<String> words) {
        this.words = new ArrayList<>(words);
    }

    boolean hasNext() {
        return next < words.size();
    }

    String next(String field) throws MapperException {
        if (!hasNext()) {
            throw new MapperException(INVALID, "missing " + field);
        }
        return words.get(next++);
    }

    /** Takes {@code flag} wherever it stands among the remaining words. */
    boolean flag(String flag) {
        return words.subList(next, words.size()).remove(flag);
    }

    /** Takes {@code flag} only among the options before the first argument (a table may follow). */
    boolean leadingFlag(String flag) {
        for (int i = next; i < words.size() && words.get(i).startsWith("--"); i++) {
            if (words.get(i).equals(flag)) {
                words.remove(i);
                return true;
            }
        }
        return false;
    }

    /** Takes {@code option VALUE} only among the options before the first argument. */
    Optional<String> leadingOption(String option) throws MapperException {
        for (int i = next; i < words.size() && words.get(i).startsWith("--"); i++) {
            if (words.get(i).equals(option)) {
                if (i + 1 >= words.size()) {
                    throw new MapperException(INVALID, option + " needs a value");
                }
                String value = words.remove(i + 1);
                words.remove(i);
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    String last(String field) throws MapperException {
        String value = next(field);
        end();
        return value;
    }

    void end() throws MapperException {
        if (hasNext()) {
            throw new MapperException(INVALID, "unexpected argument '" + words.get(next) + "'");
        }
    }

    String rest() {
        String r = String.join(" ", words.subList(next, words.size()));
        next = words.size();
        return r;
    }
}
