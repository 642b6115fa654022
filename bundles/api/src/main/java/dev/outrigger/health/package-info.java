/** Whether the runtime works as installed: its bundles active, their components up. */
@Export
@Version("1.1.0")
package dev.outrigger.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
