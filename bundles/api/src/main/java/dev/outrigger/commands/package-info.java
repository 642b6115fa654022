/** What the shell says of a command that is not there. */
@Export
@Version("1.0.0")
package dev.outrigger.commands;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
