package dev.pgwarden.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class Md5PasswordUnitTest {
    private static final byte[] SALT = { 1, 2, 3, 4 };

    @Test
    void knownVector() {
        // md5("password" + "postgres") = 32e12f215ba27cb750c9e093ce4b5127, the well-known pg_authid value
        // "md532e12f215ba27cb750c9e093ce4b5127"; the answer is md5 of that hex plus the salt 01 02 03 04.
        assertEquals("md598511ceaec347a656f032c7f2a16ef17",
                Md5Password.hash("postgres", "password".toCharArray(), SALT));
    }

    @Test
    void matchesAnIndependentComputation() throws Exception {
        String user = "app_r\u00f6le";
        String password = "s3cr\u00e9t with spaces";
        byte[] salt = { (byte) 0xff, 0x00, 0x7f, (byte) 0x80 };

        MessageDigest md = MessageDigest.getInstance("MD5");
        String inner = HexFormat.of().formatHex(md.digest((password + user).getBytes(StandardCharsets.UTF_8)));
        byte[] outerInput = new byte[inner.length() + salt.length];
        System.arraycopy(inner.getBytes(StandardCharsets.US_ASCII), 0, outerInput, 0, inner.length());
        System.arraycopy(salt, 0, outerInput, inner.length(), salt.length);
        String expected = "md5" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(outerInput));

        assertEquals(expected, Md5Password.hash(user, password.toCharArray(), salt));
    }

    @Test
    void theSaltAndTheUserMatter() {
        String a = Md5Password.hash("postgres", "password".toCharArray(), SALT);
        assertNotEquals(a, Md5Password.hash("postgres", "password".toCharArray(), new byte[] { 1, 2, 3, 5 }));
        assertNotEquals(a, Md5Password.hash("postgre", "password".toCharArray(), SALT));
        assertEquals(35, a.length());
    }
}
