package dev.outrigger.broker;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class AclFileTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void mosquittoRulesGrantByUserAnonymousAndPatternWithDenyWinning() throws Exception {
        AclFile acl = acl("""
                # anonymous clients
                topic read public/#
                topic   public/chat

                user alice
                topic readwrite sensors/#
                topic deny sensors/secret
                user bob
                topic write sensors/bob/#
                topic read rooms/living room/#
                pattern readwrite clients/%c/#
                pattern write users/%u/status
                nonsense here
                topic read bad/#/filter
                """);
        assertEquals("bad lines are left out, the rest kept", 8, acl.size());

        assertTrue(acl.mayRead(null, "anon", "public/news"));
        assertFalse(acl.mayPublish(null, "anon", "public/news"));
        assertTrue("no access word: readwrite", acl.mayPublish(null, "anon", "public/chat"));
        assertFalse("rules after a user line are that user's", acl.mayRead(null, "anon", "sensors/t"));

        assertTrue(acl.mayPublish("alice", "a1", "sensors/kitchen/t"));
        assertFalse("deny wins over a grant", acl.mayPublish("alice", "a1", "sensors/secret"));
        assertFalse(acl.mayRead("alice", "a1", "sensors/secret"));
        assertFalse("users do not get the anonymous rules", acl.mayRead("alice", "a1", "public/news"));
        assertFalse("anything not granted is refused", acl.mayPublish("alice", "a1", "elsewhere"));

        assertTrue(acl.mayPublish("bob", "b1", "sensors/bob/t"));
        assertFalse("write is not read", acl.mayRead("bob", "b1", "sensors/bob/t"));
        assertTrue("a topic with a space", acl.mayRead("bob", "b1", "rooms/living room/lamp"));

        assertTrue("patterns apply to every client, %c its id", acl.mayPublish("bob", "b1", "clients/b1/x"));
        assertTrue(acl.mayRead(null, "anon", "clients/anon/x"));
        assertFalse(acl.mayRead("bob", "b1", "clients/a1/x"));
        assertTrue("%u its user name", acl.mayPublish("alice", "a1", "users/alice/status"));
        assertFalse("%u never applies without a user name", acl.mayPublish(null, "anon", "users//status"));
    }

    @Test
    public void aPatternStandsForOneLevelOfTheClientsOwn() {
        assertEquals("c/dev-1/x", AclFile.substitute("c/%c/x", null, "dev-1"));
        assertNull("an id that is a wildcard or several levels does not stand for one level",
                AclFile.substitute("c/%c/x", null, "a/b"));
        assertNull(AclFile.substitute("u/%u", "#", "id"));
        assertNull(AclFile.substitute("u/%u", null, "id"));
    }

    @Test
    public void anUnreadableFileGrantsNothingUntilItIsBackAndEditsApply() throws Exception {
        Path file = folder.getRoot().toPath().resolve("acl");
        AclFile acl = new AclFile(file);
        assertFalse(acl.mayRead(null, "c", "public/x"));
        Files.writeString(file, "topic read public/#\n");
        assertTrue(acl.mayRead(null, "c", "public/x"));
        Files.writeString(file, "topic read public/x/#\ntopic read other/#\n");
        assertFalse("edited: read again", acl.mayRead(null, "c", "public/y"));
        Files.delete(file);
        assertFalse(acl.mayRead(null, "c", "public/x/1"));
    }

    private AclFile acl(String text) throws Exception {
        Path file = folder.getRoot().toPath().resolve("acl");
        Files.writeString(file, text);
        return new AclFile(file);
    }
}
