package dev.pgwarden.gate;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/** {@link MaskingPolicyProfile}'s policy with another {@code masking.predicates}. */
final class PredicatesProfiles {
    private PredicatesProfiles() {
    }

    static String policy(String predicates) {
        String policy = MaskingPolicyProfile.POLICY.replace("  on_derived: mask\n",
                "  on_derived: mask\n  predicates: " + predicates + "\n");
        if (policy.equals(MaskingPolicyProfile.POLICY)) {
            throw new IllegalStateException("MaskingPolicyProfile.POLICY has no on_derived line to add predicates after");
        }
        return policy;
    }

    /** predicates: block. */
    public static class Block implements QuarkusTestProfile {
        static final Path FILE = PolicyFiles.temp("predicates-block", policy("block"));

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgwarden.policy.file", FILE.toString());
        }
    }

    /** predicates: allow. */
    public static class Allow implements QuarkusTestProfile {
        static final Path FILE = PolicyFiles.temp("predicates-allow", policy("allow"));

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgwarden.policy.file", FILE.toString());
        }
    }
}
