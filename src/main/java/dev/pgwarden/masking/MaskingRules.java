package dev.pgwarden.masking;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The masking part of a policy: column rules (first match wins), the content detectors that run
 * as a second net over text values no rule masks, and what to do with derived columns.
 * Immutable; built with {@link #builder()}, which validates names and reports the bad one.
 */
public final class MaskingRules {

    /**
     * What to do with a result column computed from an expression (no table lineage, e.g.
     * {@code upper(ssn)} or {@code ssn || ''}): MASK runs the content detectors over it; BLOCK lets
     * the statement gate refuse statements whose derived columns read masked columns.
     */
    public enum OnDerived {
        MASK, BLOCK;

        public static OnDerived parse(String name) {
            if (name != null) {
                String wanted = name.trim().toUpperCase(Locale.ROOT);
                for (OnDerived o : values()) {
                    if (o.name().equals(wanted)) {
                        return o;
                    }
                }
            }
            throw new IllegalArgumentException("unknown on_derived value '" + name + "' (expected MASK or BLOCK)");
        }
    }

    /**
     * What a statement may do with a masked column's value besides returning it (masked): ALLOW
     * anything; LOOKUP only equality with a literal or parameter (and IS NULL, a self-join); BLOCK
     * nothing at all.
     */
    public enum Predicates {
        ALLOW, LOOKUP, BLOCK;

        public static Predicates parse(String name) {
            if (name != null) {
                String wanted = name.trim().toUpperCase(Locale.ROOT);
                for (Predicates p : values()) {
                    if (p.name().equals(wanted)) {
                        return p;
                    }
                }
            }
            throw new IllegalArgumentException("unknown predicates value '" + name + "' (expected ALLOW, LOOKUP or BLOCK)");
        }
    }

    public record ColumnRule(ColumnPattern pattern, MaskFunction function) {
        public ColumnRule {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(function, "function");
        }
    }

    private static final MaskingRules NONE = builder().build();

    private final List<ColumnRule> rules;
    private final Set<Detector> detectors;
    private final OnDerived onDerived;
    private final Predicates predicates;

    private MaskingRules(List<ColumnRule> rules, Set<Detector> detectors, OnDerived onDerived, Predicates predicates) {
        this.rules = List.copyOf(rules);
        this.detectors = Collections.unmodifiableSet(detectors.isEmpty() ? EnumSet.noneOf(Detector.class)
                : EnumSet.copyOf(detectors));
        this.onDerived = onDerived;
        this.predicates = predicates;
    }

    /** No rules, no detectors, on_derived MASK, predicates LOOKUP. */
    public static MaskingRules none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The function of the first rule matching the column (names compared ignoring case); while any
     * column is masked, also {@link #STATISTICS_VALUES}'s.
     */
    public Optional<MaskFunction> forColumn(String schema, String table, String column) {
        for (ColumnRule r : rules) {
            if (r.pattern().matches(schema, table, column)) {
                return Optional.of(r.function());
            }
        }
        if (!rules.isEmpty() && statisticsValues(schema, table, column)) {
            return Optional.of(MaskFunction.REDACT);
        }
        return Optional.empty();
    }

    /**
     * The columns of PostgreSQL's planner statistics that hold sample values of other tables' columns:
     * {@code pg_statistic}'s most common values and histogram bounds (read through {@code pg_stats}, by
     * anyone who may read the table), extended statistics' MCV lists and expression statistics
     * ({@code pg_stats_ext}, {@code pg_stats_ext_exprs}). They name no masked column, so no rule can: while
     * the policy masks any column, they count as masked (a computed output is masked whole, a condition on
     * them falls under {@code predicates}), whatever table they sample.
     */
    static final Set<String> STATISTICS_VALUES = Set.of("pg_statistic.stavalues1", "pg_statistic.stavalues2",
            "pg_statistic.stavalues3", "pg_statistic.stavalues4", "pg_statistic.stavalues5",
            "pg_statistic_ext_data.stxdmcv", "pg_statistic_ext_data.stxdexpr");

    private static boolean statisticsValues(String schema, String table, String column) {
        return "pg_catalog".equalsIgnoreCase(schema) && table != null && column != null
                && STATISTICS_VALUES.contains(table.toLowerCase(Locale.ROOT) + "." + column.toLowerCase(Locale.ROOT));
    }

    public List<ColumnRule> rules() {
        return rules;
    }

    public Set<Detector> detectors() {
        return detectors;
    }

    public OnDerived onDerived() {
        return onDerived;
    }

    public Predicates predicates() {
        return predicates;
    }

    @Override
    public String toString() {
        return "MaskingRules[rules=" + rules + ", detectors=" + detectors + ", onDerived=" + onDerived
                + ", predicates=" + predicates + "]";
    }

    public static final class Builder {
        private final List<ColumnRule> rules = new ArrayList<>();
        private final Set<Detector> detectors = EnumSet.noneOf(Detector.class);
        private OnDerived onDerived = OnDerived.MASK;
        private Predicates predicates = Predicates.LOOKUP;

        private Builder() {
        }

        /** A rule from configuration text; a bad pattern or function name is reported with the rule. */
        public Builder column(String pattern, String function) {
            try {
                return column(pattern, MaskFunction.parse(function));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("masking rule '" + pattern + "': " + e.getMessage(), e);
            }
        }

        public Builder column(String pattern, MaskFunction function) {
            Objects.requireNonNull(function, "function");
            ColumnPattern parsed;
            try {
                parsed = ColumnPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("masking rule '" + pattern + "': " + e.getMessage(), e);
            }
            rules.add(new ColumnRule(parsed, function));
            return this;
        }

        public Builder detector(String name) {
            detectors.add(Detector.parse(name));
            return this;
        }

        public Builder detector(Detector d) {
            detectors.add(Objects.requireNonNull(d, "detector"));
            return this;
        }

        public Builder detectors(Collection<String> names) {
            names.forEach(this::detector);
            return this;
        }

        public Builder onDerived(String name) {
            return onDerived(OnDerived.parse(name));
        }

        public Builder onDerived(OnDerived o) {
            onDerived = Objects.requireNonNull(o, "onDerived");
            return this;
        }

        public Builder predicates(String name) {
            return predicates(Predicates.parse(name));
        }

        public Builder predicates(Predicates p) {
            predicates = Objects.requireNonNull(p, "predicates");
            return this;
        }

        public MaskingRules build() {
            return new MaskingRules(rules, detectors, onDerived, predicates);
        }
    }
}
