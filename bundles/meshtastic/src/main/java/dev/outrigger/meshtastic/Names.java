package dev.outrigger.meshtastic;

import java.util.Map;

/**
 * Display names for the numbers the radio reports, after the firmware's enums (only the common
 * ones: others show as their number).
 */
final class Names {

    private static final Map<Integer, String> HARDWARE = Map.ofEntries(Map.entry(4, "TBEAM"), Map.entry(7, "T_ECHO"),
            Map.entry(9, "RAK4631"), Map.entry(31, "STATION_G2"), Map.entry(37, "PORTDUINO"), Map.entry(38, "ANDROID_SIM"),
            Map.entry(43, "HELTEC_V3"), Map.entry(44, "HELTEC_WSL_V3"), Map.entry(47, "RPI_PICO"),
            Map.entry(48, "HELTEC_WIRELESS_TRACKER"), Map.entry(50, "T_DECK"), Map.entry(69, "HELTEC_MESH_NODE_T114"),
            Map.entry(71, "TRACKER_T1000_E"), Map.entry(81, "SEEED_XIAO_S3"), Map.entry(88, "XIAO_NRF52_KIT"));
    private static final String[] ROLES = { "CLIENT", "CLIENT_MUTE", "ROUTER", "ROUTER_CLIENT", "REPEATER", "TRACKER",
        "SENSOR", "TAK", "CLIENT_HIDDEN", "LOST_AND_FOUND", "TAK_TRACKER", "ROUTER_LATE", "CLIENT_BASE" };
    private static final String[] REGIONS = { "UNSET", "US", "EU_433", "EU_868", "CN", "JP", "ANZ", "KR", "TW", "RU", "IN",
        "NZ_865", "TH", "LORA_24", "UA_433", "UA_868", "MY_433", "MY_919", "SG_923" };
    private static final String[] PRESETS = { "LONG_FAST", "LONG_SLOW", "VERY_LONG_SLOW", "MEDIUM_SLOW", "MEDIUM_FAST",
        "SHORT_SLOW", "SHORT_FAST", "LONG_MODERATE", "SHORT_TURBO" };

    private Names() {
    }

    static String hardware(int model) {
        return HARDWARE.getOrDefault(model, Integer.toString(model));
    }

    static String role(int role) {
        return pick(ROLES, role);
    }

    static String region(int region) {
        return pick(REGIONS, region);
    }

    static String preset(int preset) {
        return pick(PRESETS, preset);
    }

    private static String pick(String[] names, int i) {
        return i >= 0 && i < names.length ? names[i] : Integer.toString(i);
    }
}
