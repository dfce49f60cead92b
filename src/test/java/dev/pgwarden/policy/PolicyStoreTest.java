package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pgwarden.testing.PolicyFiles;

/** A gateway never runs without a valid policy: the store refuses a bad file at start. */
class PolicyStoreTest {

    @Test
    void aBadFileAtStartIsRefusedNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "roles:\n  - group: analysts\n    role: analyst_ro\nrules:\n  - name: x\n    action: explode\n");
        PolicyStore store = new PolicyStore(PolicyFiles.gatewayConfig(file));
        IllegalStateException e = assertThrows(IllegalStateException.class, store::current);
        assertTrue(e.getMessage().contains("refuses to start"), e.getMessage());
        assertTrue(e.getMessage().contains("policy.yaml:6"), e.getMessage());
    }

    @Test
    void aMissingFileIsRefused(@TempDir Path dir) {
        PolicyStore store = new PolicyStore(PolicyFiles.gatewayConfig(dir.resolve("nope.yaml")));
        assertThrows(IllegalStateException.class, store::current);
    }

    @Test
    void aGoodFileLoadsAndReloadsOnChange(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "roles:\n  - group: a\n    role: r1\n");
        PolicyStore store = new PolicyStore(PolicyFiles.gatewayConfig(file));
        String v1 = store.current().version();
        Files.writeString(file, "roles:\n  - group: a\n    role: r2\n");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertTrue(store.reloadIfChanged());
        assertEquals("r2", store.current().roleFor(java.util.Set.of("a")).orElseThrow());
        assertTrue(!v1.equals(store.current().version()));
    }

    @Test
    void aBadPredicatesValueOnReloadKeepsTheRunningPolicy(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "masking:\n  predicates: block\n");
        PolicyStore store = new PolicyStore(PolicyFiles.gatewayConfig(file));
        String running = store.current().version();
        assertEquals(MaskedPredicates.BLOCK, store.current().masking().predicates());
        Files.writeString(file, "masking:\n  predicates: sometimes\n");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        store.reloadIfChanged();
        assertEquals(running, store.current().version(), "the bad file was not loaded");
        assertEquals(MaskedPredicates.BLOCK, store.current().masking().predicates());
    }
}
