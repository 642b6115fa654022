/** Meshtastic radios for other bundles: the node table and sending text. */
@Export
@Version("1.0.0")
package dev.outrigger.mesh;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
