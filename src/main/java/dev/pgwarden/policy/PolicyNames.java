package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/** Enum constants as the policy YAML spells them: lower case ({@code redact}, {@code ssn}). */
final class PolicyNames {
    private PolicyNames() {
    }

    static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static <E extends Enum<E>> Optional<E> find(E[] values, String name) {
        for (E e : values) {
            if (of(e).equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
