package dev.pgwarden.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * Collects, while installed on the root logger, the log records that mean a bug: errors (Vert.x
 * logs an exception that escaped a handler as "Unhandled exception" at ERROR), warnings that carry
 * a stack trace, and any record naming an unchecked JDK exception (the gateway's safety nets log
 * the exception they caught).
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> problems = new ArrayList<>();

    private LogCapture() {
        setLevel(Level.ALL);
    }

    public static LogCapture install() {
        LogCapture c = new LogCapture();
        Logger.getLogger("").addHandler(c);
        return c;
    }

    @Override
    public void publish(LogRecord r) {
        String message = r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage();
        String text = message == null ? "" : message;
        boolean problem = r.getLevel().intValue() >= Level.SEVERE.intValue()
                || (r.getThrown() != null && r.getLevel().intValue() >= Level.WARNING.intValue())
                || text.contains("Unhandled exception")
                || text.matches("(?s).*java\\.lang\\.\\w*(Exception|Error).*");
        if (problem) {
            String thrown = r.getThrown() == null ? "" : " " + r.getThrown();
            synchronized (problems) {
                problems.add(r.getLevel() + " " + r.getLoggerName() + ": " + text + thrown);
            }
        }
    }

    public List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
