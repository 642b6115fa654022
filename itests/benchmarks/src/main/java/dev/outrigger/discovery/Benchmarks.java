package dev.outrigger.discovery;

import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.outrigger.bench.OutboxBenchmark;
import dev.outrigger.meshtastic.MeshDecodeBenchmark;

/** {@code java -jar benchmarks.jar [rescan|mesh|outbox]}: runs the benchmarks and prints each against its goal. */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        if (which.equals("all") || which.equals("rescan")) {
            for (RunResult result : new Runner(new OptionsBuilder().include(RescanBenchmark.class.getSimpleName()).build()).run()) {
                double ms = result.getPrimaryResult().getScore();
                System.out.printf(Locale.ROOT, "%nfull rescan of %d ttys: %.3f ms (goal 20 ms; ratio to goal %.3f)%n%n",
                        RescanBenchmark.TTYS, ms, ms / 20.0);
            }
        }
        if (which.equals("all") || which.equals("mesh")) {
            for (RunResult result : new Runner(new OptionsBuilder().include(MeshDecodeBenchmark.class.getSimpleName()).build()).run()) {
                double perSecond = result.getPrimaryResult().getScore();
                System.out.printf(Locale.ROOT,
                        "%ntelemetry frames decoded to outbox records, one core: %,.0f/s (goal 500,000/s; ratio to goal %.2f)%n%n",
                        perSecond, perSecond / 500_000);
            }
        }
        if (which.equals("all") || which.equals("outbox")) {
            OutboxBenchmark.main(new String[0]);
        }
    }
}
