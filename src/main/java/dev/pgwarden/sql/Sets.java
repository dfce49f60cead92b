package dev.pgwarden.sql;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/** Immutable sets that keep insertion order, so messages and reports read the same on every run. */
public final class Sets {

    private Sets() {
    }

    public static <T> Set<T> ordered(Collection<? extends T> items) {
        return items.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(items));
    }

    public static <T> Set<T> union(Set<T> a, Set<? extends T> b) {
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return ordered(b);
        }
        Set<T> u = new LinkedHashSet<>(a);
        u.addAll(b);
        return Collections.unmodifiableSet(u);
    }
}
