package dev.pgwarden.lineage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a planned statement does with values of masked columns besides returning them
 * (see {@link ValueUseAnalyzer}), in plan order. Immutable.
 */
public final class ValueUses {

    /** Nothing found (no plan was read, or it reads no masked column). */
    public static final ValueUses NONE = new ValueUses(List.of(), Set.of());

    private record LookupKey(BaseColumn column, String value) {
    }

    private final List<ValueUse> uses;
    private final int equalityLookups;
    private final Set<String> unknownIndexes;

    ValueUses(List<ValueUse> uses, Set<String> unknownIndexes) {
        this.uses = List.copyOf(uses);
        this.unknownIndexes = Set.copyOf(unknownIndexes);
        Set<LookupKey> distinct = new LinkedHashSet<>();
        for (ValueUse u : uses) {
            if (u.kind() == ValueUse.Kind.LOOKUP) {
                distinct.add(new LookupKey(u.column(), u.value()));
            }
        }
        this.equalityLookups = distinct.size();
    }

    public List<ValueUse> all() {
        return uses;
    }

    /**
     * Equality lookups on masked columns: distinct (column, looked-up value) pairs, so each element
     * of an IN list counts once, and a condition the plan repeats (an index condition and its
     * recheck) counts once. Self-joins and IS NULL tests are not lookups.
     */
    public int equalityLookups() {
        return equalityLookups;
    }

    /**
     * Indexes ({@code schema.name}) the plan scans in order whose columns {@link MaskedColumns} did not
     * know: they were taken to read every masked column of their table.
     */
    public Set<String> unknownIndexes() {
        return unknownIndexes;
    }

    /** The first use that is not an equality lookup, IS NULL test or self-join, if any. */
    public Optional<ValueUse> firstBeyondLookups() {
        return uses.stream().filter(u -> u.kind() == ValueUse.Kind.OTHER).findFirst();
    }

    /** The first use of any kind, if any. */
    public Optional<ValueUse> first() {
        return uses.stream().findFirst();
    }

    @Override
    public String toString() {
        return "ValueUses" + uses;
    }
}
