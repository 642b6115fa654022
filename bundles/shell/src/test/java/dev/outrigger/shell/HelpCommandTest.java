package dev.outrigger.shell;

import static org.junit.Assert.assertEquals;

import java.util.Set;

import org.junit.Test;

public class HelpCommandTest {

    private static final Set<String> COMMANDS = Set.of("feature:install", "felix:install", "outrigger:install", "felix:update",
            "outrigger:update", "felix:lb", "mesh:nodes", "gps:status");

    @Test
    public void theCommandDescribedIsTheOneTheScopeOrderRuns() {
        assertEquals("not the alphabetically first, feature:install", "outrigger:install",
                HelpCommand.scoped("install", ShellPort.COMMAND_SCOPES, COMMANDS));
        assertEquals("outrigger:update", HelpCommand.scoped("update", ShellPort.COMMAND_SCOPES, COMMANDS));
        assertEquals("felix:lb", HelpCommand.scoped("lb", ShellPort.COMMAND_SCOPES, COMMANDS));
        assertEquals("any other scope, through *", "mesh:nodes", HelpCommand.scoped("nodes", ShellPort.COMMAND_SCOPES, COMMANDS));
    }

    @Test
    public void aScopedOrUnknownNameIsLeftAsGiven() {
        assertEquals("feature:install", HelpCommand.scoped("feature:install", ShellPort.COMMAND_SCOPES, COMMANDS));
        assertEquals("Felix's help then says no command has it", "nosuch",
                HelpCommand.scoped("nosuch", ShellPort.COMMAND_SCOPES, COMMANDS));
    }
}
