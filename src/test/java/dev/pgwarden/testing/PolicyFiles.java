package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.pgwarden.config.GatewayConfig;

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

    /** A gateway configuration that answers only {@code policy()}: {@code file}, never reloaded. */
    public static GatewayConfig gatewayConfig(Path file) {
        GatewayConfig.Policy policy = new GatewayConfig.Policy() {
            public String file() {
                return file.toString();
            }

            public Duration reloadInterval() {
                return Duration.ZERO;
            }
        };
        return (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] { GatewayConfig.class }, (p, m, a) -> {
                    if (m.getName().equals("policy")) {
                        return policy;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }
}
