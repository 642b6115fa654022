package dev.outrigger.discovery;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/** Runs the benchmarks and prints each result against its goal. */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws RunnerException {
        for (RunResult result : new Runner(new OptionsBuilder().include(RescanBenchmark.class.getSimpleName()).build()).run()) {
            double ms = result.getPrimaryResult().getScore();
            double goal = 20.0;
            System.out.printf("%nfull rescan of %d ttys: %.3f ms (goal %.0f ms; ratio to goal %.3f)%n",
                    RescanBenchmark.TTYS, ms, goal, ms / goal);
        }
    }
}
