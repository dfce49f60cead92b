package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** String assertions with messages that show the text. */
final class Text {
    private Text() {
    }

    static void contains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text != null && text.contains(part), () -> "expected <" + part + "> in:\n" + text);
        }
    }

    static void startsWith(String text, String prefix) {
        assertTrue(text != null && text.startsWith(prefix), () -> "expected to start with <" + prefix + ">:\n" + text);
    }

    static void lacks(String text, String part) {
        assertTrue(text == null || !text.contains(part), () -> "did not expect <" + part + "> in:\n" + text);
    }
}
