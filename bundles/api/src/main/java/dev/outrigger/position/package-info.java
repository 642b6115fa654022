/** Where the gateway is: its satellite positioning receivers and whether they have a fix. */
@Export
@Version("1.1.0")
package dev.outrigger.position;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
