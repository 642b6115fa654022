package dev.outrigger.framework.json;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {

    private static Map<String, Object> object(String json) {
        return Json.object(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(String json) {
        return assertThrows(IllegalArgumentException.class, () -> object(json)).getMessage();
    }

    @Test
    public void aStringEndingInABackslashKeepsItAndEverythingAfterIt() {
        // a regular expression or a Windows path: Felix utils' parser returned {} for this
        assertEquals(Map.of("pattern", "Sonoff.*\\", "port", 6638L),
                object("{\"pattern\": \"Sonoff.*\\\\\", \"port\": 6638}"));
    }

    @Test
    public void numbersOfEveryValidFormKeepTheirValue() {
        Map<String, Object> numbers = object("{\"a\": 1e3, \"b\": 2E+2, \"c\": -0.5e-1, \"d\": 12345678901, "
                + "\"e\": 99999999999999999999, \"f\": 7}");
        assertEquals(1000.0, numbers.get("a"));
        assertEquals(200.0, numbers.get("b"));
        assertEquals(-0.05, numbers.get("c"));
        assertEquals(12345678901L, numbers.get("d"));
        assertEquals(new BigInteger("99999999999999999999"), numbers.get("e"));
        assertEquals(7L, numbers.get("f"));
    }

    @Test
    public void whatWasWrittenReadsBackTheSame() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "C:\\radios\\ \"quoted\" \u0001\n\ttab \u00e9 \ud83d\udce1 </script>");
        value.put("list", List.of("a", 2L, true));
        value.put("none", null);
        value.put("nested", Map.of("x", 1.5));
        assertEquals(value, Json.object(Json.bytes(value)));
    }

    @Test
    public void anythingButExactlyOneObjectIsRefusedWithWhereItWentWrong() {
        assertEquals("not a JSON object at line 1, column 1", refusal("[1]"));
        assertEquals("more after the JSON object at line 1, column 10", refusal("{\"a\": 1} {\"b\": 2}"));
        assertTrue(refusal("{\"a\": 1, \"a\": 2}"), refusal("{\"a\": 1, \"a\": 2}").startsWith("Duplicate key (key 'a')"));
        assertTrue(refusal("{\"pid\":"), refusal("{\"pid\":").contains("end-of-input"));
        assertTrue(refusal("not json"), refusal("not json").startsWith("Unrecognized token 'not'"));
        assertTrue(refusal(""), refusal("").startsWith("not a JSON object"));
    }

    @Test
    public void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "{\"a\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        assertTrue(refusal(deep), refusal(deep).contains("nesting depth"));
    }
}
