package dev.pgwarden.gate;

import java.util.function.Supplier;

import dev.pgwarden.masking.MaskPlanner;
import dev.pgwarden.masking.MaskingRules;
import dev.pgwarden.masking.ResultMasker;
import dev.pgwarden.masking.ValueMasker;
import dev.pgwarden.policy.MaskedColumn;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyStore;

/** Builds the result masking of the policy in force, rebuilt when the policy version changes. */
public final class MaskingFactory {
    private final PolicyStore store;
    private final ValueMasker values;

    public MaskingFactory(PolicyStore store, byte[] hashKey) {
        this.store = store;
        this.values = new ValueMasker(hashKey);
    }

    /** The current masking for results named through {@code catalog} (one per event loop). */
    public Supplier<ResultMasker> forCatalog(MaskPlanner.ColumnResolver catalog) {
        return new Supplier<>() {
            private String version;
            private ResultMasker masker;

            @Override
            public ResultMasker get() {
                Policy p = store.current();
                if (!p.version().equals(version)) {
                    masker = new ResultMasker(toMaskingRules(p), catalog, values);
                    version = p.version();
                }
                return masker;
            }
        };
    }

    static MaskingRules toMaskingRules(Policy p) {
        MaskingRules.Builder b = MaskingRules.builder();
        for (MaskedColumn c : p.masking().columns()) {
            b.column(c.column().toString(), c.with());
        }
        p.masking().detectors().forEach(b::detector);
        b.onDerived(p.masking().onDerived().name());
        b.predicates(p.masking().predicates().name());
        return b.build();
    }
}
