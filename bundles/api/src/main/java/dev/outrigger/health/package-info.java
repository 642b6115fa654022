/** Whether the runtime works as installed (its bundles active, their components up), and its figures. */
@Export
@Version("1.2.0")
package dev.outrigger.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
