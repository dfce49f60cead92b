package dev.pgwarden.proxy.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.pgwarden.config.GatewayConfig;

/** The gateway's own upstream login. Only the connector reads the password; toString never shows it. */
public final class UpstreamCredentials {
    private final String user;
    private final char[] password;

    public UpstreamCredentials(String user, char[] password) {
        this.user = user;
        this.password = password;
    }

    /** password-file wins over password, so a mounted secret can replace a default. */
    public static UpstreamCredentials from(GatewayConfig.Upstream cfg) {
        char[] password;
        if (cfg.passwordFile().isPresent()) {
            try {
                String s = Files.readString(Path.of(cfg.passwordFile().get()), StandardCharsets.UTF_8);
                password = s.strip().toCharArray();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read pgwarden.upstream.password-file: " + e.getMessage());
            }
        } else {
            password = cfg.password().orElse("").toCharArray();
        }
        return new UpstreamCredentials(cfg.user(), password);
    }

    public String user() {
        return user;
    }

    char[] password() {
        return password;
    }

    @Override
    public String toString() {
        return "UpstreamCredentials[user=" + user + ", password=***]";
    }
}
