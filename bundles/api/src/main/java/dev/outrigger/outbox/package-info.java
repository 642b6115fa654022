/**
 * The durable queue between producers and the network: a producer's record is on disk when
 * {@link dev.outrigger.outbox.Outbox#append} returns, and stays there until the broker has it.
 */
@Export
@Version("1.1.0")
package dev.outrigger.outbox;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
