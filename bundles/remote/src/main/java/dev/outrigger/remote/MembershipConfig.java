package dev.outrigger.remote;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Changeable remotely, but only through the gateway's own topic, never through a group's. */
@ObjectClassDefinition(name = "Outrigger configuration groups",
        description = "Groups this gateway belongs to: it also answers requests on <root>/group/<name>/config/<verb>")
public @interface MembershipConfig {

    @AttributeDefinition(description = "Group names (letters, digits, - and _)")
    String[] groups() default {};
}
