package dev.outrigger.broker;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class TopicsTest {

    @Test
    public void matchesAsTheSpecificationSays() {
        String[][] cases = {
                // filter, topic, matches
                { "a/b", "a/b", "true" }, { "a/b", "a/c", "false" }, { "a/b", "a/b/c", "false" }, { "a/b/c", "a/b", "false" },
                { "a/+", "a/b", "true" }, { "a/+", "a/", "true" }, { "a/+", "a/b/c", "false" }, { "+/+", "/b", "true" },
                { "+", "a", "true" }, { "+", "a/b", "false" }, { "a/+/c", "a//c", "true" },
                { "#", "a/b/c", "true" }, { "a/#", "a", "true" }, { "a/#", "a/b/c", "true" }, { "a/#", "ab", "false" },
                { "+/#", "a", "true" }, { "#", "$SYS/x", "false" }, { "+/x", "$SYS/x", "false" }, { "$SYS/#", "$SYS/x", "true" },
                { "abc", "ab", "false" }, { "ab", "abc", "false" },
        };
        for (String[] c : cases) {
            assertEquals(c[0] + " vs " + c[1], Boolean.parseBoolean(c[2]), Topics.matches(c[0], c[1]));
        }
    }

    @Test
    public void wildcardsOnlyFillWholeLevels() {
        assertEquals(true, Topics.isValidFilter("a/+/b/#"));
        assertEquals(false, Topics.isValidFilter("a/#/b"));
        assertEquals(false, Topics.isValidFilter("a+"));
        assertEquals(false, Topics.isValidFilter("a/b#"));
        assertEquals(false, Topics.isValidFilter(""));
        assertEquals(false, Topics.isValidName("a/+"));
        assertEquals(false, Topics.isValidName(""));
        assertEquals(true, Topics.isValidName("outrigger/gw/status"));
    }
}
