package dev.outrigger.shell;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.retry.Retry;
import dev.outrigger.framework.threads.Daemons;

/**
 * A loopback-only port on which each connection runs exactly one Gogo command: the client sends
 * the access token and the command, one line each, and receives the command's output followed by
 * {@link ShellProtocol#STATUS_MARK} and the exit status. The port and the token are written to
 * {@code data/shell.port}, readable by the runtime's own user only, which is how
 * {@code bin/outrigger-shell} finds and authenticates to it.
 */
@Component(configurationPid = ShellPort.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ShellPort.Config.class)
public class ShellPort {

    @ObjectClassDefinition(name = "Outrigger shell port",
            description = "The loopback port bin/outrigger-shell talks to.")
    public @interface Config {
        @AttributeDefinition(description = "Serve bin/outrigger-shell at all.")
        boolean enabled() default true;

        @AttributeDefinition(min = "0", max = "65535",
                description = "TCP port on 127.0.0.1; 0 picks a free port (written to data/shell.port).")
        int port() default ShellProtocol.DEFAULT_PORT;
    }

    static final String PID = "dev.outrigger.shell";
    private static final Logger LOG = LoggerFactory.getLogger(ShellPort.class);
    /** Command lookup order for unscoped names: Outrigger's, then Gogo's and Felix's, then any. */
    static final String COMMAND_SCOPES = "outrigger:gogo:felix:*";
    private static final int MAX_CONCURRENT = 4;
    private static final int REQUEST_TIMEOUT_MS = 5_000;
    private static final ThreadFactory WATCHERS = Daemons.named("outrigger-shell-client-watch");

    private final CommandProcessor processor;
    private final Path portFile;
    private final String token = newToken();
    /** The accept loop, the commands, and the retries of a port that cannot be listened on yet. */
    private final ScheduledThreadPoolExecutor workers = new ScheduledThreadPoolExecutor(MAX_CONCURRENT + 1, Daemons.named("outrigger-shell-port"));
    private final CommandAdvice advice;
    private ServerSocket server; // guarded by this
    private boolean stopped; // guarded by this

    /** Listens, or keeps trying while the port is taken. */
    @Activate
    public ShellPort(@Reference CommandProcessor processor, @Reference CommandAdvice advice, BundleContext context,
            Config config) throws IOException {
        this.processor = processor;
        this.advice = advice;
        this.portFile = DataFolder.of(context).resolve(ShellProtocol.PORT_FILE);
        workers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        if (!config.enabled()) {
            Files.deleteIfExists(portFile);
            LOG.info("Shell port is off (enabled=false); bin/outrigger-shell will not reach this runtime");
            return;
        }
        Retry.until(workers, LOG, "Shell port cannot listen on 127.0.0.1:" + config.port(), () -> listen(config.port()));
    }

    private synchronized void listen(int port) throws IOException {
        if (stopped) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), MAX_CONCURRENT);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        server = s;
        writePortFile(s.getLocalPort());
        workers.execute(() -> acceptLoop(s));
        LOG.info("Shell port listening on 127.0.0.1:{}", s.getLocalPort());
    }

    @Deactivate
    synchronized void deactivate() throws IOException {
        stopped = true;
        if (server != null) {
            server.close();
        }
        // commands under way run to their end, uninterrupted: one of them may be what stops this
        // bundle (`update` of the shell, from the shell), and interrupting it would stop the update
        // half way, leaving no shell at all
        workers.shutdown();
        Files.deleteIfExists(portFile);
    }

    private void acceptLoop(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                try {
                    workers.execute(() -> serve(client));
                } catch (RejectedExecutionException stopping) {
                    turnAway(client);
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("Shell port: {}", e.getMessage());
            }
        }
    }

    /**
     * A client accepted just as this stops (its bundle updated or refreshed): told so and closed,
     * rather than left waiting for a reply no one will send. Its client exits as unreachable.
     */
    static void turnAway(Socket client) {
        try (client) {
            client.setSoTimeout(REQUEST_TIMEOUT_MS);
            client.getOutputStream().write("the shell is restarting (its bundle is being updated or refreshed); try again\n"
                    .getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
            // until the client closes: closed with its request unread, the connection would be reset, this line perhaps lost
            client.getInputStream().readAllBytes();
        } catch (IOException gone) {
            // nothing more to tell it
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(REQUEST_TIMEOUT_MS);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String presented = ShellProtocol.readLine(in);
            String command = ShellProtocol.readLine(in);
            boolean watched = command != null && ShellProtocol.WATCH.equals(ShellProtocol.readLine(in));
            client.setSoTimeout(0);
            int status;
            if (presented == null || !ShellProtocol.constantTimeEquals(presented, token)) {
                out.write("access denied: wrong or missing token\n".getBytes(StandardCharsets.UTF_8));
                status = ShellProtocol.STATUS_DENIED;
            } else {
                status = execute(command == null ? "" : command, out, watched ? in : null);
            }
            out.write(ShellProtocol.trailer(status));
            out.flush();
        } catch (IOException e) {
            LOG.debug("Shell port client went away: {}", e.getMessage());
        }
    }

    /**
     * Runs one command; its output and errors go to the client. Returns the exit status. With the
     * client's input to watch, the command is interrupted when the client goes away: one left
     * waiting (a tail, a send awaiting its acknowledgement) would hold a worker until it ends by
     * itself, and a few of them every worker: the shell would answer no one meanwhile.
     */
    private int execute(String command, OutputStream socket, InputStream watched) {
        PrintStream out = new PrintStream(new UnclosableStream(socket), true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out);
        session.put("SCOPE", COMMAND_SCOPES);
        session.put(CommandAdvice.SAID_BY_CALLER, Boolean.TRUE);
        AtomicBoolean finished = new AtomicBoolean();
        if (watched != null) {
            WATCHERS.newThread(() -> {
                try {
                    while (watched.read() != -1) {
                        // nothing more is sent; reading only tells when the client is gone
                    }
                } catch (IOException closedOrReset) {
                    // gone too, or the reply is complete and the socket closed
                }
                if (!finished.get()) {
                    LOG.debug("Shell port: the client of '{}' went away; the command is interrupted", command);
                    session.jobs().forEach(Job::interrupt);
                }
            }).start();
        }
        try {
            Object result = session.execute(command);
            if (result instanceof Boolean holds) {
                // a grep's match or not, a test's outcome: said by the status, as in sh
                return holds ? ShellProtocol.STATUS_OK : ShellProtocol.STATUS_FAILED;
            }
            if (result != null) {
                // a command's text that ends its own last line gets no empty line after it, which scripts would read
                String text = session.format(result, Converter.INSPECT).toString();
                out.print(text.endsWith("\n") ? text : text + System.lineSeparator());
            }
            return ShellProtocol.STATUS_OK;
        } catch (Exception e) {
            if (e instanceof RuntimeException && !(e instanceof IllegalArgumentException || e instanceof IllegalStateException)) {
                // not a command's word on what it was given or where things stand, but a defect: the log keeps its trace
                LOG.warn("Shell port: '{}' failed", command, e);
            }
            out.println("error: " + advice.errorLine(command, e));
            return ShellProtocol.STATUS_FAILED;
        } finally {
            finished.set(true);
            out.flush();
            session.close();
        }
    }

    private void writePortFile(int port) throws IOException {
        Files.createDirectories(portFile.getParent());
        Path tmp = Files.createTempFile(portFile.getParent(), ".shell", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, port + " " + token + "\n");
        Files.move(tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Gogo closes a session's streams; the socket must stay open for the status trailer. */
    private static final class UnclosableStream extends FilterOutputStream {
        UnclosableStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
