package dev.outrigger.commands;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a shell command that is not there would come from, so that "command not found" can say
 * what to install: {@code gps:status} on a gateway without the {@code gps} feature.
 */
@ProviderType
public interface MissingCommands {

    /**
     * The feature, not installed, whose bundles offer {@code command} ({@code scope:function}, or
     * a function alone); the smallest such feature where several do.
     */
    Optional<String> featureOffering(String command);
}
