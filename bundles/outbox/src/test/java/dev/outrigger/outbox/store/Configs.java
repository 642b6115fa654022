package dev.outrigger.outbox.store;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A configuration annotation instance with its defaults, some overridden: DS does this at run time. */
final class Configs {

    private Configs() {
    }

    static MvStoreOutbox.Config outbox(Map<String, Object> overrides) {
        return (MvStoreOutbox.Config) Proxy.newProxyInstance(MvStoreOutbox.Config.class.getClassLoader(),
                new Class<?>[] { MvStoreOutbox.Config.class }, (proxy, method, args) -> overrides.containsKey(method.getName())
                        ? overrides.get(method.getName()) : method.getDefaultValue());
    }
}
