package dev.outrigger.ser2net;

import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever a ser2net.yaml holds (a hand edit gone wrong, a file that is something else): the
 * importer refuses it with its reason, or makes bridges of it, and never fails otherwise.
 */
class Ser2netYamlFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyFile(FuzzedDataProvider data) {
        String accepter = data.consumeString(40);
        String connector = data.consumeString(80);
        String text = data.consumeRemainingAsString();
        try {
            Ser2netYaml.parse(text).connections().forEach(BridgeImport::of);
        } catch (IllegalArgumentException refused) {
            // said to the person with its line
        }
        BridgeImport.of(new Ser2netYaml.Connection("fuzz", 1, Map.of("accepter", accepter, "connector", connector),
                Map.of("max-connections", accepter, "timeout", connector)));
    }
}
