package org.mapperfs.core.targets.crypt;

import org.mapperfs.core.TableException;

/**
 * A crypt table's cipher, {@code cipher[:keycount]-chainmode-ivmode[:ivopts]} or the kernel crypto
 * API spelling {@code capi:chainmode(cipher)-ivmode[:ivopts]}: AES in XTS or CBC, with the IV
 * modes dm-crypt has for them. Anything else is refused by name.
 */
record CipherSpec(String text, Chain chain, IvMode iv) {
    enum Chain { XTS, CBC }

    static CipherSpec parse(String text) throws TableException {
        String rest;
        String cipher;
        String chain;
        if (text.startsWith("capi:")) {
            // capi:xts(aes)-plain64
            int open = text.indexOf('(');
            int close = text.indexOf(')');
            if (open < 0 || close < open) {
                throw new TableException("cipher '" + text + "': expected capi:<mode>(<cipher>)-<ivmode>");
            }
            chain = text.substring("capi:".length(), open);
            cipher = text.substring(open + 1, close);
            rest = text.substring(close + 1);
            if (!rest.startsWith("-")) {
                throw new TableException("cipher '" + text + "': missing IV mode after ')'");
            }
            rest = rest.substring(1);
        } else {
            String[] parts = text.split("-", 3);
            if (parts.length != 3) {
                throw new TableException("cipher '" + text + "': expected <cipher>-<chainmode>-<ivmode>, e.g."
                        + " aes-xts-plain64");
            }
            cipher = parts[0];
            chain = parts[1];
            rest = parts[2];
            int colon = cipher.indexOf(':');
            if (colon >= 0) {
                if (!cipher.substring(colon + 1).equals("1")) {
                    throw new TableException("cipher '" + text + "': only one key (keycount 1) is supported");
                }
                cipher = cipher.substring(0, colon);
            }
        }
        if (!cipher.equals("aes")) {
            throw new TableException("cipher '" + cipher + "' is not supported (aes is)");
        }
        Chain mode = switch (chain) {
            case "xts" -> Chain.XTS;
            case "cbc" -> Chain.CBC;
            default -> throw new TableException("chain mode '" + chain + "' is not supported (xts and cbc are)");
        };
        IvMode iv = switch (rest) {
            case "plain" -> IvMode.PLAIN;
            case "plain64" -> IvMode.PLAIN64;
            case "plain64be" -> IvMode.PLAIN64BE;
            case "essiv:sha256" -> IvMode.ESSIV_SHA256;
            case "null" -> IvMode.NULL;
            default -> throw new TableException("IV mode '" + rest + "' is not supported (plain, plain64, plain64be,"
                    + " essiv:sha256, null are)");
        };
        return new CipherSpec(text, mode, iv);
    }

    /** Refuses a key whose length this cipher cannot take. */
    void checkKeyLength(int bytes) throws TableException {
        boolean ok = chain == Chain.XTS ? bytes == 32 || bytes == 64 : bytes == 16 || bytes == 24 || bytes == 32;
        if (!ok) {
            throw new TableException("a " + bytes * 8 + "-bit key does not fit " + text + " (" + (chain == Chain.XTS
                    ? "256 or 512 bits: two AES keys" : "128, 192 or 256 bits") + ")");
        }
    }
}
