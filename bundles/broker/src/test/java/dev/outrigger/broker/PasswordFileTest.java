package dev.outrigger.broker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class PasswordFileTest {

    /** Written by mosquitto_passwd 2.0.11: "s3cret" with its default PBKDF2 hash, "hunter2" with -H sha512. */
    private static final String ALICE = "alice:$7$101$WyrLH3LLLJrJDkIh$OGCiXa4UafG6RNoV72bEDaS0RvirxdKAiMmlCELU0S1SNnS7A7PAPPJd9ZFbiKihYQkUAIUKezhwhte8bXiFhA==";
    private static final String BOB = "bob:$6$3U784Oj49azb+aEW$A+Ez8rgMfmAFWgbetY56lypqMhtKMwufUNJtDmTJ6+QTNWz3lSWqnA+8cGF35W8OBbohSnDRbGQDSXAptPABIQ==";

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void mosquittosHashesAreCheckedAndBadLinesSkipped() throws Exception {
        Path file = folder.getRoot().toPath().resolve("passwd");
        Files.writeString(file, "# users\n" + ALICE + "\nplain:text-password\n:$7$nobody\nbroken:$7$x$y$z\n\n" + BOB + "\n");
        PasswordFile users = new PasswordFile(file);
        assertTrue(users.accepts("alice", "s3cret".getBytes(UTF_8)));
        assertTrue(users.accepts("bob", "hunter2".getBytes(UTF_8)));
        assertFalse("another's password", users.accepts("alice", "hunter2".getBytes(UTF_8)));
        assertFalse("a plain-text line is not a password", users.accepts("plain", "text-password".getBytes(UTF_8)));
        assertFalse("a malformed hash admits nobody", users.accepts("broken", "y".getBytes(UTF_8)));
        assertFalse("no password", users.accepts("alice", null));
        assertFalse("no user", users.accepts(null, "s3cret".getBytes(UTF_8)));
    }

    @Test
    public void aMissingFileAdmitsNobodyUntilItAppears() throws Exception {
        Path file = folder.getRoot().toPath().resolve("later");
        PasswordFile users = new PasswordFile(file);
        assertFalse(users.accepts("alice", "s3cret".getBytes(UTF_8)));
        Files.writeString(file, ALICE + "\n");
        assertTrue(users.accepts("alice", "s3cret".getBytes(UTF_8)));
    }
}
