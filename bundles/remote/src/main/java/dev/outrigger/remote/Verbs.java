package dev.outrigger.remote;

import java.util.Map;

import dev.outrigger.config.SettingsException;
import dev.outrigger.remote.RequestHandler.Origin;

/** What one kind of request ({@code config}, {@code bundles}) can do, once the request has passed every check. */
interface Verbs {

    /**
     * The result for the reply. A {@link Deferred} result is replied first and its action carried
     * out afterwards: for changes that take down the very channel the reply would travel on.
     */
    Object execute(String verb, Map<String, Object> request, Origin origin, String requester)
            throws Refused, SettingsException;

    /** A result to reply now, and what to do once the reply is on its way. */
    record Deferred(Object result, Runnable action) {
    }
}
