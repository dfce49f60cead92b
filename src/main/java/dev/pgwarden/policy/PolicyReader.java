package dev.pgwarden.policy;

import dev.pgwarden.masking.Detector;
import dev.pgwarden.masking.MaskFunction;
import dev.pgwarden.policy.YamlTree.Entry;
import dev.pgwarden.policy.YamlTree.Node;
import dev.pgwarden.policy.YamlTree.YamlList;
import dev.pgwarden.policy.YamlTree.YamlMap;
import dev.pgwarden.policy.YamlTree.YamlScalar;
import dev.pgwarden.sql.StatementKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonToken;


/**
 * Turns a located YAML tree into a {@link Policy}, rejecting anything it does not understand. Every error reads
 * {@code <file>:<line>: <path>: <problem>}. docs/policy.md describes each key.
 */
final class PolicyReader {
    // A role name is quoted when used, but keep it to plain identifiers so configuration mistakes show early.
    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");

    private final String source;

    PolicyReader(String source) {
        this.source = source;
    }

    Policy read(Node root, String version) throws PolicyException {
        if (!(root instanceof YamlMap map)) {
            throw new PolicyException(source + ":" + (root == null ? 1 : root.line())
                    + ": the policy must be a YAML mapping");
        }
        allowKeys(map, "", "roles", "masking", "rules", "budgets", "default");
        List<RoleMapping> roles = roles(map.entries().get("roles"));
        MaskingSection masking = masking(map.entries().get("masking"));
        List<Rule> rules = rules(map.entries().get("rules"));
        List<Budget> budgets = budgets(map.entries().get("budgets"), rules);
        Action defaultAction = Action.ALLOW;
        Entry d = map.entries().get("default");
        if (d != null) {
            defaultAction = named(d.value(), "default", Action::fromPolicyName, Action.values(), Action::policyName);
        }
        return new Policy(roles, masking, rules, defaultAction, version, source, budgets);
    }

    private List<RoleMapping> roles(Entry entry) throws PolicyException {
        List<RoleMapping> roles = new ArrayList<>();
        if (entry == null) {
            return roles;
        }
        List<Node> items = list(entry.value(), "roles");
        for (int i = 0; i < items.size(); i++) {
            String path = "roles[" + i + "]";
            YamlMap m = map(items.get(i), path);
            allowKeys(m, path, "group", "role", "read_only");
            String group = requiredString(m, path, "group");
            String role = requiredString(m, path, "role");
            if (!ROLE_NAME.matcher(role).matches()) {
                throw error(m.entries().get("role").value().line(), path + ".role",
                        "'" + role + "' is not a valid role name");
            }
            roles.add(new RoleMapping(group, role, bool(m.entries().get("read_only"), path + ".read_only")));
        }
        return List.copyOf(roles);
    }

    private MaskingSection masking(Entry entry) throws PolicyException {
        if (entry == null) {
            return MaskingSection.NONE;
        }
        YamlMap m = map(entry.value(), "masking");
        allowKeys(m, "masking", "columns", "detectors", "on_derived", "predicates");
        List<MaskedColumn> columns = new ArrayList<>();
        Entry c = m.entries().get("columns");
        if (c != null) {
            List<Node> items = list(c.value(), "masking.columns");
            for (int i = 0; i < items.size(); i++) {
                String path = "masking.columns[" + i + "]";
                YamlMap col = map(items.get(i), path);
                allowKeys(col, path, "column", "with");
                Entry column = col.entries().get("column");
                if (column == null) {
                    throw error(col.line(), path, "'column' is required");
                }
                NamePattern pattern = pattern(column.value(), path + ".column", 3);
                Entry with = col.entries().get("with");
                if (with == null) {
                    throw error(col.line(), path, "'with' is required");
                }
                // YAML reads a bare `null` as the null value; here it names the null masking function
                Node w = with.value();
                MaskFunction fn = w instanceof YamlScalar s && s.token() == JsonToken.VALUE_NULL
                        && s.text().equals("null")
                                ? MaskFunction.NULL
                                : named(w, path + ".with", n -> PolicyNames.find(MaskFunction.values(), n),
                                        MaskFunction.values(), PolicyNames::of);
                columns.add(new MaskedColumn(pattern, fn, col.line()));
            }
        }
        Set<Detector> detectors = EnumSet.noneOf(Detector.class);
        Entry det = m.entries().get("detectors");
        if (det != null) {
            for (Node n : stringOrList(det.value(), "masking.detectors")) {
                detectors.add(named(n, "masking.detectors", x -> PolicyNames.find(Detector.values(), x),
                        Detector.values(), PolicyNames::of));
            }
        }
        DerivedValues onDerived = DerivedValues.MASK;
        Entry od = m.entries().get("on_derived");
        if (od != null) {
            onDerived = named(od.value(), "masking.on_derived", DerivedValues::fromPolicyName,
                    DerivedValues.values(), DerivedValues::policyName);
        }
        MaskedPredicates predicates = MaskedPredicates.LOOKUP;
        Entry pr = m.entries().get("predicates");
        if (pr != null) {
            predicates = named(pr.value(), "masking.predicates", MaskedPredicates::fromPolicyName,
                    MaskedPredicates.values(), MaskedPredicates::policyName);
        }
        return new MaskingSection(List.copyOf(columns), Collections.unmodifiableSet(detectors), onDerived, predicates);
    }

    private List<Rule> rules(Entry entry) throws PolicyException {
        List<Rule> rules = new ArrayList<>();
        if (entry == null) {
            return rules;
        }
        Set<String> names = new HashSet<>();
        List<Node> items = list(entry.value(), "rules");
        for (int i = 0; i < items.size(); i++) {
            String path = "rules[" + i + "]";
            YamlMap r = map(items.get(i), path);
            allowKeys(r, path, "name", "groups", "match", "action", "message", "grant_minutes");
            String name = requiredString(r, path, "name");
            path = "rules[" + i + "] (" + name + ")";
            if (!names.add(name)) {
                throw error(r.entries().get("name").value().line(), path + ".name",
                        "another rule is already called '" + name + "'");
            }
            List<String> groups = new ArrayList<>();
            Entry g = r.entries().get("groups");
            if (g != null) {
                for (Node n : nonEmpty(g.value(), path + ".groups")) {
                    groups.add(string(n, path + ".groups"));
                }
            }
            RuleMatch match = r.entries().containsKey("match")
                    ? match(r.entries().get("match").value(), path + ".match")
                    : RuleMatch.ANY;
            Entry a = r.entries().get("action");
            if (a == null) {
                throw error(r.line(), path, "'action' is required (one of " + choices(Action.values(),
                        Action::policyName) + ")");
            }
            Action action = named(a.value(), path + ".action", Action::fromPolicyName, Action.values(),
                    Action::policyName);
            String message = null;
            Entry msg = r.entries().get("message");
            if (msg != null) {
                message = string(msg.value(), path + ".message");
            }
            int grantMinutes = 0;
            Entry gm = r.entries().get("grant_minutes");
            if (gm != null) {
                if (action != Action.REQUIRE_APPROVAL) {
                    throw error(gm.line(), path + ".grant_minutes", "only a require_approval rule grants time");
                }
                long v = nonNegative(gm.value(), path + ".grant_minutes");
                if (v < 1 || v > 7 * 24 * 60) {
                    throw error(gm.value().line(), path + ".grant_minutes", "must be between 1 and 10080 (a week)");
                }
                grantMinutes = (int) v;
            }
            rules.add(new Rule(name, List.copyOf(groups), match, action, message, grantMinutes, r.line()));
        }
        return List.copyOf(rules);
    }

    /** {@code budgets:}. A budget's name stands for the rule in held statements, so it is unique among both. */
    private List<Budget> budgets(Entry entry, List<Rule> rules) throws PolicyException {
        List<Budget> budgets = new ArrayList<>();
        if (entry == null) {
            return budgets;
        }
        Set<String> names = new HashSet<>();
        List<Node> items = list(entry.value(), "budgets");
        for (int i = 0; i < items.size(); i++) {
            String path = "budgets[" + i + "]";
            YamlMap b = map(items.get(i), path);
            allowKeys(b, path, "name", "groups", "tables", "rows_per_hour", "bytes_per_hour", "lookups_per_hour",
                    "grant_minutes");
            String name = requiredString(b, path, "name");
            path = "budgets[" + i + "] (" + name + ")";
            int nameLine = b.entries().get("name").value().line();
            if (!names.add(name)) {
                throw error(nameLine, path + ".name", "another budget is already called '" + name + "'");
            }
            if (rules.stream().anyMatch(r -> r.name().equals(name))) {
                throw error(nameLine, path + ".name", "a rule is already called '" + name
                        + "' (held statements name the budget as their rule)");
            }
            List<String> groups = new ArrayList<>();
            Entry g = b.entries().get("groups");
            if (g != null) {
                for (Node n : nonEmpty(g.value(), path + ".groups")) {
                    groups.add(string(n, path + ".groups"));
                }
            }
            if (!b.entries().containsKey("tables")) {
                throw error(b.line(), path, "'tables' is required (the tables whose results the budget counts)");
            }
            List<NamePattern> tables = patterns(b.entries().get("tables"), path + ".tables", 2);
            long rows = perHour(b, path, "rows_per_hour");
            long bytes = perHour(b, path, "bytes_per_hour");
            long lookups = perHour(b, path, "lookups_per_hour");
            if (rows == Budget.UNLIMITED && bytes == Budget.UNLIMITED && lookups == Budget.UNLIMITED) {
                throw error(b.line(), path,
                        "at least one of rows_per_hour, bytes_per_hour, lookups_per_hour is required");
            }
            int grantMinutes = 0;
            Entry gm = b.entries().get("grant_minutes");
            if (gm != null) {
                long v = nonNegative(gm.value(), path + ".grant_minutes");
                if (v < 1 || v > 7 * 24 * 60) {
                    throw error(gm.value().line(), path + ".grant_minutes", "must be between 1 and 10080 (a week)");
                }
                grantMinutes = (int) v;
            }
            budgets.add(new Budget(name, List.copyOf(groups), tables, rows, bytes, lookups, grantMinutes, b.line()));
        }
        return List.copyOf(budgets);
    }

    /** A budget's limit: a whole number of at least 1, or {@link Budget#UNLIMITED} when the key is left out. */
    private long perHour(YamlMap b, String path, String key) throws PolicyException {
        Entry e = b.entries().get(key);
        if (e == null) {
            return Budget.UNLIMITED;
        }
        long v = nonNegative(e.value(), path + "." + key);
        if (v < 1) {
            throw error(e.value().line(), path + "." + key, "must be at least 1 (leave the key out for no limit)");
        }
        return v;
    }

    private RuleMatch match(Node node, String path) throws PolicyException {
        YamlMap m = map(node, path);
        allowKeys(m, path, "statement", "tables", "columns", "functions", "volatile_functions", "no_where",
                "no_limit", "estimated_rows_over");
        Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
        Entry s = m.entries().get("statement");
        if (s != null) {
            StatementKind[] usable = Arrays.stream(StatementKind.values()).filter(k -> !k.alwaysRefused())
                    .toArray(StatementKind[]::new);
            for (Node n : nonEmpty(s.value(), path + ".statement")) {
                kinds.add(named(n, path + ".statement", StatementKind::fromPolicyName, usable,
                        StatementKind::policyName));
            }
        }
        List<NamePattern> tables = patterns(m.entries().get("tables"), path + ".tables", 2);
        List<NamePattern> columns = patterns(m.entries().get("columns"), path + ".columns", 3);
        List<NamePattern> functions = patterns(m.entries().get("functions"), path + ".functions", 2);
        boolean volatileFunctions = bool(m.entries().get("volatile_functions"), path + ".volatile_functions");
        boolean noWhere = bool(m.entries().get("no_where"), path + ".no_where");
        boolean noLimit = bool(m.entries().get("no_limit"), path + ".no_limit");
        long rowsOver = -1;
        Entry e = m.entries().get("estimated_rows_over");
        if (e != null) {
            rowsOver = nonNegative(e.value(), path + ".estimated_rows_over");
        }
        Set<StatementKind> listed = Collections.unmodifiableSet(kinds);
        return new RuleMatch(listed, Collections.unmodifiableSet(StatementKind.matchedBy(listed)), tables, columns,
                functions, volatileFunctions, noWhere, noLimit, rowsOver);
    }

    private List<NamePattern> patterns(Entry entry, String path, int maxParts) throws PolicyException {
        if (entry == null) {
            return List.of();
        }
        List<NamePattern> out = new ArrayList<>();
        for (Node n : nonEmpty(entry.value(), path)) {
            out.add(pattern(n, path, maxParts));
        }
        return List.copyOf(out);
    }

    private NamePattern pattern(Node node, String path, int maxParts) throws PolicyException {
        String text = string(node, path);
        try {
            return NamePattern.parse(text, maxParts);
        } catch (IllegalArgumentException e) {
            throw error(node.line(), path, e.getMessage());
        }
    }

    // ---- typed accessors -------------------------------------------------------------------------------

    private void allowKeys(YamlMap m, String path, String... allowed) throws PolicyException {
        List<String> ok = List.of(allowed);
        for (Entry e : m.entries().values()) {
            if (!ok.contains(e.key())) {
                throw error(e.line(), path.isEmpty() ? e.key() : path + "." + e.key(),
                        "unknown key '" + e.key() + "' (expected one of: " + String.join(", ", ok) + ")");
            }
        }
    }

    private YamlMap map(Node node, String path) throws PolicyException {
        if (node instanceof YamlMap m) {
            return m;
        }
        throw error(node.line(), path, "must be a mapping, found " + node.describe());
    }

    private List<Node> list(Node node, String path) throws PolicyException {
        if (node instanceof YamlList l) {
            return l.items();
        }
        throw error(node.line(), path, "must be a list, found " + node.describe());
    }

    /** A single string is accepted where a list of strings is expected. */
    private List<Node> stringOrList(Node node, String path) throws PolicyException {
        if (node instanceof YamlList l) {
            return l.items();
        }
        if (node instanceof YamlScalar s && s.token() == JsonToken.VALUE_STRING) {
            return List.of(s);
        }
        throw error(node.line(), path, "must be a string or a list of strings, found " + node.describe());
    }

    /** An empty list in a condition would silently mean "any": say so instead. */
    private List<Node> nonEmpty(Node node, String path) throws PolicyException {
        List<Node> items = stringOrList(node, path);
        if (items.isEmpty()) {
            throw error(node.line(), path, "must not be empty (leave the key out to mean any)");
        }
        return items;
    }

    private String string(Node node, String path) throws PolicyException {
        if (node instanceof YamlScalar s && s.token() == JsonToken.VALUE_STRING && !s.text().isBlank()) {
            return s.text();
        }
        throw error(node.line(), path, "must be a non-empty string, found " + node.describe());
    }

    private String requiredString(YamlMap m, String path, String key) throws PolicyException {
        Entry e = m.entries().get(key);
        if (e == null) {
            throw error(m.line(), path, "'" + key + "' is required");
        }
        return string(e.value(), path + "." + key);
    }

    private boolean bool(Entry entry, String path) throws PolicyException {
        if (entry == null) {
            return false;
        }
        if (entry.value() instanceof YamlScalar s
                && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw error(entry.value().line(), path, "must be true or false, found " + entry.value().describe());
    }

    private long nonNegative(Node node, String path) throws PolicyException {
        if (node instanceof YamlScalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                long v = Long.parseLong(s.text().replace("_", ""));
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw error(node.line(), path, "must be a whole number >= 0, found " + node.describe()
                + (node instanceof YamlScalar s ? " '" + s.text() + "'" : ""));
    }

    private <T> T named(Node node, String path, Function<String, Optional<T>> lookup, T[] all,
            Function<T, String> nameOf) throws PolicyException {
        String text = string(node, path);
        Optional<T> value = lookup.apply(text);
        if (value.isEmpty()) {
            throw error(node.line(), path, "unknown value '" + text + "' (expected one of: "
                    + choices(all, nameOf) + ")");
        }
        return value.get();
    }

    private static <T> String choices(T[] all, Function<T, String> nameOf) {
        return String.join(", ", Arrays.stream(all).map(nameOf).toList());
    }

    private PolicyException error(int line, String path, String problem) {
        return new PolicyException(source + ":" + line + ": " + path + ": " + problem);
    }
}
