package dev.pgwarden.sql;

/** A function a statement calls; {@code schema} is null when the call did not qualify it. */
public record FunctionName(String schema, String name) {

    @Override
    public String toString() {
        return schema == null ? name : schema + "." + name;
    }
}
