package dev.outrigger.ser2net;

import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Whatever a ser2net.yaml or ser2net.conf holds (a hand edit gone wrong, a file that is something else): the
 * importer refuses it with its reason, or makes bridges of it, and never fails otherwise.
 */
class Ser2netYamlFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyFile(FuzzedDataProvider data) {
        String accepter = data.consumeString(40);
        String connector = data.consumeString(80);
        String text = data.consumeRemainingAsString();
        try {
            (Ser2netConf.isOne(text) ? Ser2netConf.parse(text) : Ser2netYaml.parse(text)).connections().forEach(BridgeImport::of);
        } catch (IllegalArgumentException refused) {
            // said to the person with its line
        }
        BridgeImport.of(new Connection("fuzz", 1, Map.of("accepter", accepter, "connector", connector),
                Map.of("max-connections", accepter, "timeout", connector)));
    }
}
