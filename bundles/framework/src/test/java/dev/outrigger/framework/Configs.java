package dev.outrigger.framework;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A component property type's instance with its defaults, some overridden, as DS makes one at run time. */
public final class Configs {

    private Configs() {
    }

    public static <T> T of(Class<T> type, Map<String, Object> overrides) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
                (proxy, method, args) -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                        : method.getDefaultValue()));
    }
}
