package dev.outrigger.config.admin;

import java.util.Optional;

import org.osgi.service.metatype.AttributeDefinition;

/**
 * A Metatype attribute with the bounds its definition declares, which the Metatype API validates
 * against but does not show: the least and greatest value of a number, the shortest and longest
 * length of a string.
 */
final class Attribute implements AttributeDefinition {

    /** An attribute's bounds as its Metatype XML writes them; either may be absent. */
    record Bounds(Optional<String> min, Optional<String> max) {
        static final Bounds NONE = new Bounds(Optional.empty(), Optional.empty());
    }

    private final AttributeDefinition definition;
    private final Bounds bounds;

    Attribute(AttributeDefinition definition, Bounds bounds) {
        this.definition = definition;
        this.bounds = bounds;
    }

    Bounds bounds() {
        return bounds;
    }

    boolean isText() {
        return getType() == STRING || getType() == PASSWORD;
    }

    @Override
    public String getName() {
        return definition.getName();
    }

    @Override
    public String getID() {
        return definition.getID();
    }

    @Override
    public String getDescription() {
        return definition.getDescription();
    }

    @Override
    public int getCardinality() {
        return definition.getCardinality();
    }

    @Override
    public int getType() {
        return definition.getType();
    }

    @Override
    public String[] getOptionValues() {
        return definition.getOptionValues();
    }

    @Override
    public String[] getOptionLabels() {
        return definition.getOptionLabels();
    }

    @Override
    public String validate(String value) {
        return definition.validate(value);
    }

    @Override
    public String[] getDefaultValue() {
        return definition.getDefaultValue();
    }
}
