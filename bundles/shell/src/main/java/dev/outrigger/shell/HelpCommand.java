package dev.outrigger.shell;

import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code help <command>} describes the command that runs when its name is typed. Felix's describes
 * the first scope in alphabetical order ({@code feature:install} for {@code install},
 * {@code felix:update} for {@code update}), while the session's {@code SCOPE} decides which one runs
 * (Outrigger's, for both). Listing and the rest stay Felix's.
 */
@Component(service = HelpCommand.class, property = { "osgi.command.scope=outrigger", "osgi.command.function=help" })
public class HelpCommand {

    private static final Pattern COMMAND_NAME = Pattern.compile("([\\w.-]+:)?[\\w.-]+");

    @Descriptor("list the commands")
    public Object help(CommandSession session) throws Exception {
        return session.execute("felix:help");
    }

    @Descriptor("describe the command that runs under this name")
    public Object help(CommandSession session, @Descriptor("command name, with or without its scope") String name) throws Exception {
        if (!COMMAND_NAME.matcher(name).matches()) {
            // it becomes part of a command line below: nothing but a name gets there
            throw new IllegalArgumentException("no command is named " + name);
        }
        @SuppressWarnings("unchecked")
        Collection<String> commands = (Collection<String>) session.get(".commands");
        Object scopes = session.get("SCOPE");
        return session.execute("felix:help " + scoped(name, scopes == null ? "*" : scopes.toString(), commands));
    }

    /** The scoped name that {@code name} runs as, looked up as Gogo does: scope by scope, {@code *} for any. */
    static String scoped(String name, String scopes, Collection<String> commands) {
        if (name.contains(":")) {
            return name;
        }
        for (String scope : scopes.split(":")) {
            Optional<String> found = "*".equals(scope)
                    ? commands.stream().filter(c -> c.endsWith(":" + name)).sorted().findFirst()
                    : Optional.of(scope + ":" + name).filter(commands::contains);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return name;
    }
}
