package dev.outrigger.shell;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * A failed command's error in words where Gogo's is for its developers: arguments that fit no form
 * of the command, and a command not found that a feature not installed offers (which, and how to
 * install it). The shell port's error line says it; at the console it comes before Gogo's own.
 */
@Component(service = { CommandSessionListener.class, CommandAdvice.class })
public class CommandAdvice implements CommandSessionListener {

    /** Set on sessions whose caller says the error itself, as the shell port does. */
    static final String SAID_BY_CALLER = "outrigger.commandAdvice.saidByCaller";
    private static final Pattern WRONG_ARGUMENTS = Pattern.compile("Cannot coerce ([\\w:]+)\\(.*\\) to any of .*", Pattern.DOTALL);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MissingCommands missingCommands;

    /** The error of a command line in words, with the feature that offers a command not found. */
    String errorLine(CharSequence commandLine, Exception e) {
        return wrongArguments(commandLine, e).orElseGet(() -> message(e) + featureOffering(e).map(a -> "; " + a).orElse(""));
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // nothing to say before
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (session.get(SAID_BY_CALLER) == null
                && (wrongArguments(command, exception).isPresent() || featureOffering(exception).isPresent())) {
            session.getConsole().println(errorLine(command, exception));
            session.getConsole().flush();
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // found and run
    }

    /** Gogo names the function alone ("list"): the command as typed ("bridge:list") is what help finds. */
    private static Optional<String> wrongArguments(CharSequence commandLine, Exception e) {
        Matcher wrong = WRONG_ARGUMENTS.matcher(message(e));
        if (!wrong.matches()) {
            return Optional.empty();
        }
        String typed = commandLine.toString().strip().split("\\s+", 2)[0];
        String command = typed.equals(wrong.group(1)) || typed.endsWith(":" + wrong.group(1)) ? typed : wrong.group(1);
        return Optional.of("wrong arguments for " + command + "; 'help " + command + "' says which it takes");
    }

    /** "it comes with feature gps, which is not installed: feature:install gps", if a feature offers it. */
    private Optional<String> featureOffering(Exception e) {
        MissingCommands missing = missingCommands;
        if (!(e instanceof CommandNotFoundException notFound) || missing == null) {
            return Optional.empty();
        }
        return missing.featureOffering(notFound.getCommand())
                .map(feature -> "it comes with feature " + feature + ", which is not installed: feature:install " + feature);
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
