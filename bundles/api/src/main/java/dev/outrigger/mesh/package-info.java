/** Meshtastic radios for other bundles: the node table, sending text, traceroutes. */
@Export
@Version("1.1.0")
package dev.outrigger.mesh;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
