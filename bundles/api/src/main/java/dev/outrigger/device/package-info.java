/**
 * What is attached to this node: the board itself and its serial devices, with their roles and
 * the settings to open them with.
 */
@Export
@Version("1.5.0")
package dev.outrigger.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
