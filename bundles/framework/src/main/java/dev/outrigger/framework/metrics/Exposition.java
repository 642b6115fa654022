package dev.outrigger.framework.metrics;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Metrics in Prometheus' text exposition format (0.0.4): for each metric a HELP and a TYPE line,
 * then its samples, one a line, labels quoted and escaped. What a {@code MetricSource} answers,
 * and the runtime's own {@code /metrics}.
 */
public final class Exposition {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder text = new StringBuilder();

    /** Starts a metric; its samples follow. */
    public Exposition metric(String name, String type, String help) {
        text.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; labels as name, value, name, value... */
    public Exposition sample(String name, double value, String... labels) {
        text.append(name);
        if (labels.length > 0) {
            text.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                text.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            text.append('}');
        }
        text.append(' ').append(format(value)).append('\n');
        return this;
    }

    /** A metric with a single sample and no labels. */
    public Exposition single(String name, String type, String help, double value) {
        return metric(name, type, help).sample(name, value);
    }

    /** Metrics with a sample for each of the items (radios, receivers), labelled {@code label="<its key>"}. */
    public <T> Each<T> each(Collection<T> items, String label, Function<? super T, String> key) {
        return new Each<>(items, label, key);
    }

    /** The items' metrics, one sample an item. */
    public final class Each<T> {
        private final Collection<T> items;
        private final String label;
        private final Function<? super T, String> key;

        private Each(Collection<T> items, String label, Function<? super T, String> key) {
            this.items = items;
            this.label = label;
            this.key = key;
        }

        public Each<T> metric(String name, String type, String help, ToDoubleFunction<? super T> value) {
            Exposition.this.metric(name, type, help);
            items.forEach(item -> sample(name, value.applyAsDouble(item), label, key.apply(item)));
            return this;
        }
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Plain decimals (no exponent), whole numbers without a fraction. */
    private static String format(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
