/**
 * The {@code crypt} target, dm-crypt's format: {@link org.mapperfs.core.targets.crypt.CryptTarget}
 * (table syntax, I/O through per-thread buffers), {@code CipherSpec} (cipher strings),
 * {@code IvMode} (dm-crypt's IVs) and {@code SectorCipher} (AES-XTS and AES-CBC on the JDK's AES).
 *
 * <p>Depends on {@link org.mapperfs.core} and the JDK's cryptography only.
 */
package org.mapperfs.core.targets.crypt;
