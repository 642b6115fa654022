/**
 * What is attached to this node: the board itself and, in later versions, its serial devices.
 */
@Export
@Version("1.0.0")
package dev.outrigger.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
