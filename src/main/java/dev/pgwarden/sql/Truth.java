package dev.pgwarden.sql;

/** A fact about a statement that may be unknown (e.g. when only the planner could say what it reads). */
public enum Truth {
    YES,
    NO,
    UNKNOWN;

    public static Truth of(boolean b) {
        return b ? YES : NO;
    }
}
