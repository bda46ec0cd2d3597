/**
 * The {@code verity} target, dm-verity's format: {@link org.mapperfs.core.targets.verity.VerityTarget}
 * (verified reads) over {@code HashTree} (where veritysetup puts each digest).
 *
 * <p>Depends on {@link org.mapperfs.core} and the JDK only.
 */
package org.mapperfs.core.targets.verity;
