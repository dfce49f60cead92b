package dev.pgwarden.proxy.upstream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;

import dev.pgwarden.config.GatewayConfig;

/** The gateway's own upstream login. Only the connector reads the password; toString never shows it. */
public final class UpstreamCredentials {
    private final String user;
    private final char[] password;
    /** The last SCRAM salted password and what it was derived for: the upstream keeps one verifier per role. */
    private byte[] salt;
    private int iterations;
    private byte[] saltedPassword;

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

    /**
     * The password salted as the upstream's SCRAM verifier names it, derived once per salt and iteration
     * count. SASLprep as PostgreSQL applies it: a password it cannot normalise is used as it is.
     */
    synchronized byte[] saltedPassword(byte[] salt, int iterations) {
        if (saltedPassword == null || iterations != this.iterations || !Arrays.equals(salt, this.salt)) {
            saltedPassword = ScramFunctions.saltedPassword(ScramMechanism.SCRAM_SHA_256,
                    StringPreparation.POSTGRESQL_PREPARATION, password, salt, iterations);
            this.salt = salt.clone();
            this.iterations = iterations;
        }
        return saltedPassword.clone();
    }

    @Override
    public String toString() {
        return "UpstreamCredentials[user=" + user + ", password=***]";
    }
}
