package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Policy files for test gateways (profiles and separately started processes). */
public final class PolicyFiles {
    private PolicyFiles() {
    }

    /** A new temporary file {@code pgwarden-<name>-policy*.yaml} holding {@code yaml}. */
    public static Path temp(String name, String yaml) {
        try {
            Path file = Files.createTempFile("pgwarden-" + name + "-policy", ".yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
