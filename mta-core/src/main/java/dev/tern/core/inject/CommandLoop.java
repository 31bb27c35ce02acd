package dev.tern.core.inject;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.io.CRLFTerminatedReader;
import org.subethamail.smtp.internal.io.Utf8InputStreamReader;
import org.subethamail.smtp.internal.proxy.ProxyHandler;
import org.subethamail.smtp.internal.server.ServerThread;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler.SessionAcceptance;

/**
 * SubEthaSMTP's {@code Session.run()} (7.2.2) with one change: command lines are read by
 * {@link SessionInput#readLine}, which cuts a whole ASCII line out of the session's buffer, instead
 * of the library's reader, which decodes and appends one character at a time (it stays the
 * fallback for everything else, so lines, limits and the replies to bad input are the library's).
 * The rest is the library's loop step by step: greeting, session handler, the replies and log lines
 * for timeouts, CR/LF misuse, over-long lines and bad UTF-8, and the clean-up. {@code Session} is a
 * final class with the loop in private methods, so its private state is reached through method
 * handles (the same version is pinned in the build; a missing member fails at class initialization).
 */
final class CommandLoop {
    /** The library's session logger: the same log lines under the same name. */
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private static final VarHandle MDC_CONTEXT, SESSION_ID, QUITTING, SERVER_THREAD, PROXY, OUTPUT, REMOTE_ADDRESS;
    private static final MethodHandle CLOSE_CONNECTION, END_MESSAGE_HANDLER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(Session.class, MethodHandles.lookup());
            MDC_CONTEXT = l.findVarHandle(Session.class, "parentLoggingMdcContext", Map.class);
            SESSION_ID = l.findVarHandle(Session.class, "sessionId", String.class);
            QUITTING = l.findVarHandle(Session.class, "quitting", boolean.class);
            SERVER_THREAD = l.findVarHandle(Session.class, "serverThread", ServerThread.class);
            PROXY = l.findVarHandle(Session.class, "proxyHandler", ProxyHandler.class);
            OUTPUT = l.findVarHandle(Session.class, "output", OutputStream.class);
            REMOTE_ADDRESS = l.findVarHandle(Session.class, "remoteAddress", InetSocketAddress.class);
            CLOSE_CONNECTION = l.findVirtual(Session.class, "closeConnection", MethodType.methodType(void.class));
            END_MESSAGE_HANDLER = l.findVirtual(Session.class, "endMessageHandler", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CommandLoop() {}

    /** Runs {@code s} as {@code s.run()} would. */
    @SuppressWarnings("unchecked")
    static void run(Session s) {
        Map<String, String> parent = (Map<String, String>) MDC_CONTEXT.get(s);
        if (parent != null) MDC.setContextMap(parent);
        String sessionId = s.getServer().getSessionIdFactory().create();
        SESSION_ID.set(s, sessionId);
        MDC.put("SessionId", sessionId);
        Thread current = Thread.currentThread();
        String originalName = current.getName();
        Socket socket = s.getSocket();
        current.setName(Session.class.getName() + "-" + socket.getInetAddress() + ":" + socket.getPort());
        ServerThread serverThread = (ServerThread) SERVER_THREAD.get(s);
        try {
            ProxyHandler.ProxyResult proxy =
                    ((ProxyHandler) PROXY.get(s)).handle(s.getRawInput(), (OutputStream) OUTPUT.get(s), s);
            if (!proxy.isSuccess()) {
                s.sendResponse(proxy.errorCode() + " " + proxy.errorMessage());
                return;
            }
            if (!proxy.isNOP()) REMOTE_ADDRESS.set(s, proxy.getProxiedAddress());
            if (log.isDebugEnabled()) {
                InetAddress remote = s.getRemoteAddress().getAddress();
                remote.getHostName(); // as the library: later toString() prints the name too
                log.debug(
                        "SMTP connection from {}, new connection count: {}",
                        remote,
                        serverThread.getNumberOfConnections());
            }
            runCommandLoop(s, serverThread);
        } catch (IOException e1) {
            if (!quitting(s)) {
                try {
                    s.sendResponse("421 4.4.0 Problem attempting to execute commands. Please try again later.");
                } catch (IOException e) {
                    // the client is gone
                }
                log.warn("Exception during SMTP transaction", e1);
            }
        } catch (Throwable e) {
            log.error("Unexpected error in the SMTP handler thread", e);
            try {
                s.sendResponse("421 4.3.0 Mail system failure, closing transmission channel");
            } catch (IOException e1) {
                // the outer exception is the real problem
            }
            rethrow(e);
        } finally {
            invoke(CLOSE_CONNECTION, s);
            invoke(END_MESSAGE_HANDLER, s);
            serverThread.sessionEnded(s);
            current.setName(originalName);
            MDC.clear();
        }
    }

    private static boolean quitting(Session s) {
        return (boolean) QUITTING.getVolatile(s);
    }

    private static void runCommandLoop(Session s, ServerThread serverThread) throws IOException {
        if (serverThread.hasTooManyConnections()) {
            log.debug("SMTP Too many connections!");
            s.sendResponse("421 Too many connections, try again later");
            return;
        }
        SessionAcceptance accepted = s.getServer().getSessionHandler().accept(s);
        if (!accepted.accepted()) {
            log.debug("SMTP " + accepted.errorMessage());
            s.sendResponse(accepted.errorCode() + " " + accepted.errorMessage());
            return;
        }
        try {
            s.sendResponse("220 " + s.getServer().getHostName() + " ESMTP "
                    + s.getServer().getSoftwareName());
            while (!quitting(s)) {
                try {
                    String line;
                    try {
                        line = readLine(s);
                    } catch (SocketException ex) {
                        // clients that hang up instead of QUIT: not worth a warning
                        if (log.isDebugEnabled()) log.debug("Error reading client command: " + ex.getMessage(), ex);
                        return;
                    }
                    if (line == null) {
                        log.debug("no more lines from client");
                        return;
                    }
                    log.debug("Client: {}", line);
                    s.getServer().getCommandHandler().handleCommand(s, line);
                } catch (DropConnectionException ex) {
                    s.sendResponse(ex.getErrorResponse());
                    return;
                } catch (SocketTimeoutException ex) {
                    s.sendResponse("421 Timeout waiting for data from client.");
                    return;
                } catch (CRLFTerminatedReader.TerminationException te) {
                    String msg = "501 Syntax error at character position " + te.position()
                            + ". CR and LF must be CRLF paired.  See RFC 2821 #2.7.1.";
                    log.debug(msg);
                    s.sendResponse(msg);
                    return;
                } catch (CRLFTerminatedReader.MaxLineLengthException mlle) {
                    String msg = "501 " + mlle.getMessage();
                    log.debug(msg);
                    s.sendResponse(msg);
                    return;
                } catch (Utf8InputStreamReader.InvalidUTF8EncodingException ee) {
                    String msg = "501 Syntax error: invalid character encoding.";
                    log.debug(msg, ee);
                    s.sendResponse(msg);
                    return;
                }
            }
        } finally {
            s.getServer().getSessionHandler().onSessionEnd(s);
        }
    }

    /** The next command line: from the session's own buffer when it is Tern's, else the library's reader. */
    static String readLine(Session s) throws IOException {
        if (s.getRawInput() instanceof SessionInput in) return in.readLine(s.getReader());
        return s.getReader().readLine();
    }

    private static void invoke(MethodHandle h, Session s) {
        try {
            h.invokeExact(s);
        } catch (Throwable e) {
            rethrow(e);
        }
    }

    private static void rethrow(Throwable e) {
        if (e instanceof RuntimeException r) throw r;
        if (e instanceof Error err) throw err;
        throw new RuntimeException(e);
    }
}
