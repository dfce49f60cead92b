package dev.pgwarden.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.cloud.tools.jib.api.InvalidImageReferenceException;

/** The builder's command line and its refusals, which come before any work is done. */
class ImageBuilderUnitTest {
    @TempDir
    Path tmp;

    @Test
    void argumentsAreKeyValuePairsAndTheRequiredOnesMustBeThere() {
        Map<String, String> a = ImageBuilder.arguments(new String[] { "--app=target/quarkus-app", "--output=x.tar",
                "--work=w", "--name=pgwarden:1", "--version=1", "--source=" });
        assertEquals("pgwarden:1", a.get("name"));
        assertEquals("", a.get("source"), "an unset Maven property arrives empty and is left out of the labels");
        assertThrows(IllegalArgumentException.class, () -> ImageBuilder.arguments(new String[] { "--app", "x" }));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ImageBuilder.arguments(new String[] { "--app=a", "--output=o", "--work=w", "--name=n" }));
        assertTrue(missing.getMessage().contains("--version"), missing.getMessage());
    }

    @Test
    void aBadImageNameOrAMissingApplicationChangesNothing() {
        Path work = tmp.resolve("work");
        Path out = tmp.resolve("out/pgwarden-image.tar");
        assertThrows(InvalidImageReferenceException.class, () -> ImageBuilder.build(
                new ImageBuilder.Options(tmp, out, work, "Not A Name!", "1", Map.of())));
        IllegalStateException noApp = assertThrows(IllegalStateException.class, () -> ImageBuilder.build(
                new ImageBuilder.Options(tmp.resolve("nothing"), out, work, "pgwarden:1", "1", Map.of())));
        assertTrue(noApp.getMessage().contains("quarkus-run.jar is missing"), noApp.getMessage());
        assertFalse(Files.exists(work));
        assertFalse(Files.exists(out.getParent()));
    }
}
