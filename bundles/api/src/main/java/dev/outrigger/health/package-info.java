/** Whether the runtime works as installed and configured (its bundles active, their components up), and its figures. */
@Export
@Version("1.3.0")
package dev.outrigger.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
