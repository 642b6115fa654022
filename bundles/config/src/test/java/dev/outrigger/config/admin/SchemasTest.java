package dev.outrigger.config.admin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.Optional;

import org.junit.Test;
import org.osgi.service.metatype.AttributeDefinition;

import dev.outrigger.config.admin.Attribute.Bounds;

public class SchemasTest {

    @Test
    public void whatIsExpectedIncludesTheDeclaredBounds() {
        assertEquals("an integer from 1 to 65535", Schemas.expected(attribute(AttributeDefinition.INTEGER, "1", "65535")));
        assertEquals("an integer, at least 10", Schemas.expected(attribute(AttributeDefinition.INTEGER, "10", null)));
        assertEquals("a number, at most 2.5", Schemas.expected(attribute(AttributeDefinition.DOUBLE, null, "2.5")));
        assertEquals("a string of 3 to 8 characters", Schemas.expected(attribute(AttributeDefinition.STRING, "3", "8")));
        assertEquals("an integer", Schemas.expected(attribute(AttributeDefinition.INTEGER, null, null)));
        assertEquals("a bound that is no number is left out, as Metatype does", "true or false",
                Schemas.expected(attribute(AttributeDefinition.BOOLEAN, "0", null)));
    }

    @Test
    public void aValueOutOfBoundsIsRejectedSayingTheBounds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schemas.convert(attribute(AttributeDefinition.INTEGER, "1", "65535"), "70000"));
        assertEquals("70000 rejected (out of bounds), expected an integer from 1 to 65535", e.getMessage());
        assertEquals(6638, Schemas.convert(attribute(AttributeDefinition.INTEGER, "1", "65535"), "6638"));
    }

    @Test
    public void aControlCharacterIsRejectedSoThatNoLogLineOrTerminalShowsIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schemas.convert(attribute(AttributeDefinition.STRING, null, null), "/dev/tty\nUSB0\u001b[31m"));
        assertEquals("/dev/tty?USB0?[31m rejected: a control character (shown as ?) has no place in a setting, expected a string",
                e.getMessage());
        assertEquals("other Unicode is welcome", "Garage \uD83D\uDE90", Schemas.convert(attribute(AttributeDefinition.STRING, null, null),
                "Garage \uD83D\uDE90"));
    }

    /** An attribute whose validation, like Metatype's, only says that a value is out of bounds. */
    private static Attribute attribute(int type, String min, String max) {
        AttributeDefinition definition = new AttributeDefinition() {
            @Override
            public String getName() {
                return "Port";
            }

            @Override
            public String getID() {
                return "port";
            }

            @Override
            public String getDescription() {
                return null;
            }

            @Override
            public int getCardinality() {
                return 0;
            }

            @Override
            public int getType() {
                return type;
            }

            @Override
            public String[] getOptionValues() {
                return null;
            }

            @Override
            public String[] getOptionLabels() {
                return null;
            }

            @Override
            public String validate(String value) {
                return value.equals("70000") ? "out of bounds" : "";
            }

            @Override
            public String[] getDefaultValue() {
                return null;
            }
        };
        return new Attribute(definition, new Bounds(Optional.ofNullable(min), Optional.ofNullable(max)));
    }
}
