package dev.pgwarden.lineage;

/**
 * The EXPLAIN output could not be analysed at all (malformed JSON, not exactly one plan, a plan
 * shape that references itself). Callers must fail closed.
 */
public class LineageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LineageException(String message) {
        super(message);
    }

    public LineageException(String message, Throwable cause) {
        super(message, cause);
    }
}
