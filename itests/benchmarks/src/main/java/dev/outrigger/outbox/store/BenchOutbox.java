package dev.outrigger.outbox.store;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;

import dev.outrigger.outbox.Outbox;

/** Opens the real outbox outside OSGi, with its defaults and the given overrides. */
public final class BenchOutbox {

    private BenchOutbox() {
    }

    public static Outbox open(Path file, Map<String, Object> overrides) throws IOException {
        MvStoreOutbox outbox = new MvStoreOutbox();
        outbox.open(file, (MvStoreOutbox.Config) Proxy.newProxyInstance(MvStoreOutbox.Config.class.getClassLoader(),
                new Class<?>[] { MvStoreOutbox.Config.class }, (p, m, a) -> overrides.getOrDefault(m.getName(), m.getDefaultValue())));
        return outbox;
    }

    public static void close(Outbox outbox) {
        ((MvStoreOutbox) outbox).close();
    }
}
