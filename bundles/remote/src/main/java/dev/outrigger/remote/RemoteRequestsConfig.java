package dev.outrigger.remote;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Set from etc/ or the shell only: this PID is never remotely configurable. */
@ObjectClassDefinition(name = "Outrigger remote requests",
        description = "Configuration requests over MQTT on <root>/<gw>/config/<verb>, bundle management on <root>/<gw>/bundles/<verb>")
public @interface RemoteRequestsConfig {

    @AttributeDefinition(description = "Answer configuration requests at all")
    boolean enabled() default true;

    @AttributeDefinition(description = "Answer bundle management requests (list, install from a URL, update, uninstall). "
            + "They must be signed: without hmacKeyFile every one is refused")
    boolean bundles() default false;

    @AttributeDefinition(min = "1", description = "Largest bundle jar fetched for an install or update, in bytes")
    int maxBundleBytes() default 64 * 1024 * 1024;

    @AttributeDefinition(min = "0", max = "86400", description = "How long a bundle is watched after a remote update: "
            + "problems it develops meanwhile that the previous version did not have (a component that fails or is "
            + "disabled, a service it loses), lasting 5 s, roll it back, said in the log and on <root>/<gw>/bundles/events. "
            + "An update of a bundle remote requests travel through must instead be confirmed within this time (the "
            + "gateway hears its own announcement through the broker), or the launcher rolls it back; so must a remote "
            + "change of dev.outrigger.mqtt or dev.outrigger.broker, or its values from before come back. 0: none of these")
    int probationSeconds() default 300;

    @AttributeDefinition(description = "PIDs and factory PIDs that may be listed, read and changed remotely; "
            + "a trailing * matches a prefix. The framework's, FileInstall's, the shell's and this bundle's own "
            + "PIDs are never remotely configurable, whatever this says")
    String[] allow() default { "dev.outrigger.*" };

    @AttributeDefinition(description = "File holding the shared secret for request signing (HMAC-SHA256). When set, "
            + "unsigned requests are refused; when the file cannot be read, every request is refused")
    String hmacKeyFile() default "";

    @AttributeDefinition(description = "How far a signed request's timestamp may be from this gateway's clock, in seconds")
    int maxSkewSeconds() default 300;

    @AttributeDefinition(description = "Largest request body accepted, in bytes")
    int maxRequestBytes() default 16384;

    @AttributeDefinition(description = "Requests answered per minute; more are refused until the rate falls")
    int requestsPerMinute() default 60;
}
