package dev.outrigger.shell;

import java.util.Optional;

import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.commands.MissingCommands;

/**
 * A command not found that a feature not installed offers is answered with that feature and how
 * to install it: at the console (Gogo's own error line follows), and in the shell port's error line.
 */
@Component(service = { CommandSessionListener.class, MissingCommandAdvice.class })
public class MissingCommandAdvice implements CommandSessionListener {

    /** Set on sessions whose caller puts the advice in an error line of its own, as the shell port does. */
    static final String SAID_BY_CALLER = "outrigger.missingCommandAdvice.saidByCaller";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MissingCommands missingCommands;

    /** "it comes with feature gps, which is not installed: feature:install gps", if a feature offers it. */
    Optional<String> advice(Exception e) {
        MissingCommands missing = missingCommands;
        if (!(e instanceof CommandNotFoundException notFound) || missing == null) {
            return Optional.empty();
        }
        return missing.featureOffering(notFound.getCommand())
                .map(feature -> "it comes with feature " + feature + ", which is not installed: feature:install " + feature);
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // nothing to say before
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (session.get(SAID_BY_CALLER) == null && exception instanceof CommandNotFoundException notFound) {
            advice(exception).ifPresent(a -> {
                session.getConsole().println(notFound.getCommand() + ": " + a);
                session.getConsole().flush();
            });
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // found and run
    }
}
