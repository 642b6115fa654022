package dev.outrigger.framework.files;

import java.nio.file.Path;

import org.osgi.framework.BundleContext;

/** Where a bundle keeps state that outlives it: the distribution's {@code data/}. */
public final class DataFolder {

    private DataFolder() {
    }

    /** {@code data/} as {@code bin/outrigger} sets it, or the bundle's own data area in a framework without it (tests). */
    public static Path of(BundleContext context) {
        String data = context.getProperty("outrigger.data");
        return data != null ? Path.of(data) : context.getDataFile("").toPath();
    }
}
