package dev.outrigger.mqtt;

import java.util.concurrent.atomic.LongAdder;

/** What the connection counts since the bundle started, for /metrics. */
final class Traffic {

    /** Connections established, the first one included. */
    final LongAdder connects = new LongAdder();
    /** Attempts the broker refused or that did not reach it. */
    final LongAdder connectFailures = new LongAdder();
    /** Established connections that were lost. */
    final LongAdder lost = new LongAdder();
    /** Publications the broker acknowledged. */
    final LongAdder published = new LongAdder();
    /** Publications the broker answered with a failure reason code. */
    final LongAdder refused = new LongAdder();
    /** Publications that failed without the broker's answer: not connected, or the connection went first. */
    final LongAdder failed = new LongAdder();
    /** Messages that arrived for a subscription. */
    final LongAdder received = new LongAdder();
}
