/**
 * Validated configuration: every change, from the shell or remotely, is checked against the
 * owner's Metatype schema before ConfigAdmin sees it, and written back to {@code etc/}.
 */
@Export
@Version("1.4.0")
package dev.outrigger.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
