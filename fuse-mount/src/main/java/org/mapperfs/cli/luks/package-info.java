/**
 * LUKS containers for {@code mapperfs luks}: {@link org.mapperfs.cli.luks.LuksContainer} reads
 * either version, {@code Luks2} the LUKS2 header and its JSON (Jackson) with PBKDF2 and Argon2
 * (Bouncy Castle) key slots; LUKS1 and the key-slot arithmetic both versions share live with the
 * crypt target in {@link org.mapperfs.core.targets.crypt}.
 *
 * <p>Part of the command line: depends on {@link org.mapperfs.core} only.
 */
package org.mapperfs.cli.luks;
