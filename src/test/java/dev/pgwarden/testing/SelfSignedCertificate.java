package dev.pgwarden.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Makes cert.pem/key.pem for localhost with the openssl command (present on every Debian). */
final class SelfSignedCertificate {
    private SelfSignedCertificate() {
    }

    static void create(Path dir) throws IOException {
        ProcessResult r = ProcessRunner.of(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"))
                .timeout(Duration.ofSeconds(60)).run();
        if (!r.succeeded()) {
            throw new IOException("openssl failed: " + r.describe());
        }
    }
}
