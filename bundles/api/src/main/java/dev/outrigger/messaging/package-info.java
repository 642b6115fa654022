/**
 * Publish and subscribe over the gateway's MQTT connection, for commands and replies that are not
 * queued durably (remote configuration, sending to the mesh).
 */
@Export
@Version("1.1.0")
package dev.outrigger.messaging;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
