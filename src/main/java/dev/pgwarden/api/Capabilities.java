package dev.pgwarden.api;

/** What a caller may do in the console and the API behind it, decided by their groups. */
public record Capabilities(boolean viewPolicy, boolean audit, boolean approve) {

    /** Whether the console has anything to show this caller at all. */
    public boolean useConsole() {
        return viewPolicy || audit || approve;
    }
}
