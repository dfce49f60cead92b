package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.lineage.Expression.Item;
import dev.pgwarden.lineage.Expression.ItemType;
import dev.pgwarden.lineage.Token.Kind;

/**
 * Computes, bottom-up and memoised, the lineage of every output entry of every plan node.
 *
 * <p>How PostgreSQL prints a plan (ruleutils.c, EXPLAIN VERBOSE) and what this relies on:
 * <ul>
 *   <li>Range-table names are unique across the whole plan (view and subquery contents get
 *       {@code customers_1}, ...), so an alias identifies one scan node. With a single
 *       range-table entry no prefix is printed at all ({@code ssn} instead of
 *       {@code customers.ssn}).</li>
 *   <li>An upper node's reference to a child output is printed as that output's own text:
 *       verbatim if it is a plain column, else wrapped in parentheses. So a parent expression
 *       is matched against its children's output texts; what matches inherits the child's
 *       lineage. What does not match is resolved item by item.</li>
 *   <li>Append/MergeAppend/RecursiveUnion print no output list, and parents refer to them
 *       through the texts of their <em>first</em> child; their lineage is the positional union
 *       of all children's ("widened").</li>
 *   <li>Subquery/CTE/WorkTable scans print their columns under their own alias and column
 *       names, which EXPLAIN does not relate to positions in the child plan.</li>
 * </ul>
 */
final class LineageAnalyzer {

    /**
     * One output of a node. {@code identity}: the base columns of which this output is the raw value
     * (one of them, when the analysis cannot tell which), or null when it may be computed.
     */
    record Entry(Expression expr, boolean var, OutputLineage lineage, boolean widened, Set<BaseColumn> identity) {
    }

    /**
     * A part of an expression that carries data: a column reference, a child's output the
     * expression refers to, a SubPlan/InitPlan reference or a {@code $n}; tokens {@code [start, end)}.
     *
     * @param item     the item, or null for a child's output matched by its text
     * @param identity as {@link Entry#identity()}
     */
    record Leaf(int start, int end, OutputLineage lineage, Set<BaseColumn> identity, Item item) {
    }

    private record Rendering(List<Token> tokens, Entry entry) {
    }

    private record ParamSource(PlanNode node, int index) {
    }

    private record RefKey(String alias, String column, boolean wholeRow) {
        @Override
        public String toString() {
            return alias + "." + (wholeRow ? "*" : column);
        }
    }

    private static final Pattern SUBPLAN = Pattern.compile("SubPlan ([0-9]+)");
    private static final Pattern INITPLAN = Pattern.compile("InitPlan ([0-9]+)(?: \\(returns (.*)\\))?");
    private static final Pattern CTE = Pattern.compile("CTE (.*)");
    private static final Set<String> SYSTEM_COLUMNS = Set.of("ctid", "tableoid", "xmin", "xmax", "cmin", "cmax");
    private static final Token LPAREN = new Token(Kind.LPAREN, "(", "(");
    private static final Token RPAREN = new Token(Kind.RPAREN, ")", ")");

    private final PlanNode root;
    private final FunctionPolicy policy;
    private final Map<String, List<PlanNode>> ownersByAlias = new HashMap<>();
    private final Map<Integer, PlanNode> subPlans = new HashMap<>();
    private final Map<Integer, PlanNode> initPlans = new HashMap<>();
    private final Map<Integer, ParamSource> params = new HashMap<>();
    private final Map<String, List<PlanNode>> ctes = new HashMap<>();
    private final SortedSet<BaseTable> scanned = new TreeSet<>();
    private final String singleAlias;

    private final Map<PlanNode, List<Entry>> memo = new IdentityHashMap<>();
    private final Map<PlanNode, Map<String, List<Rendering>>> renderings = new IdentityHashMap<>();
    private final Set<PlanNode> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<PlanNode, OutputLineage> worktables = new IdentityHashMap<>();
    private final Set<PlanNode> callsInProgress = Collections.newSetFromMap(new IdentityHashMap<>());

    LineageAnalyzer(PlanNode root, FunctionPolicy policy) {
        this.root = root;
        this.policy = policy;
        root.forEach(this::register);
        this.singleAlias = ownersByAlias.size() == 1 ? ownersByAlias.keySet().iterator().next() : null;
    }

    private void register(PlanNode n) {
        if (n.alias != null) {
            ownersByAlias.computeIfAbsent(n.alias, k -> new ArrayList<>(1)).add(n);
        }
        if (n.relationName != null && n.schema != null) {
            scanned.add(new BaseTable(n.schema, n.relationName));
        }
        if (n.subplanName == null) {
            return;
        }
        Matcher m = SUBPLAN.matcher(n.subplanName);
        if (m.matches()) {
            subPlans.put(Integer.parseInt(m.group(1)), n);
            return;
        }
        m = INITPLAN.matcher(n.subplanName);
        if (m.matches()) {
            initPlans.put(Integer.parseInt(m.group(1)), n);
            if (m.group(2) != null) {
                String[] names = m.group(2).split(",");
                for (int i = 0; i < names.length; i++) {
                    String p = names[i].trim();
                    if (p.startsWith("$")) {
                        try {
                            params.put(Integer.parseInt(p.substring(1)), new ParamSource(n, i));
                        } catch (NumberFormatException ignored) {
                            // not a parameter we can trace; references to it stay opaque
                        }
                    }
                }
            }
            return;
        }
        m = CTE.matcher(n.subplanName);
        if (m.matches()) {
            ctes.computeIfAbsent(m.group(1), k -> new ArrayList<>(1)).add(n);
        }
    }

    Lineage run() {
        List<Entry> top = entries(root);
        List<OutputLineage> outputs = new ArrayList<>(top.size());
        for (Entry e : top) {
            outputs.add(e.lineage());
        }
        return new Lineage(outputs, scanned);
    }

    // ---------------------------------------------------------------- node outputs

    private List<Entry> entries(PlanNode node) {
        List<Entry> done = memo.get(node);
        if (done != null) {
            return done;
        }
        if (!inProgress.add(node)) {
            throw new LineageException("plan refers to itself at " + node);
        }
        List<Entry> result;
        try {
            if ("Recursive Union".equals(node.type) && node.dataChildren.size() == 2) {
                result = recursiveUnion(node);
            } else if (node.isSetOperation()) {
                result = positionalUnion(entriesOf(node.dataChildren));
            } else if (node.output != null) {
                result = new ArrayList<>(node.output.size());
                for (Expression expr : node.output) {
                    Acc acc = new Acc();
                    resolve(node, expr, acc);
                    result.add(new Entry(expr, expr.soleReference() != null, acc.build(), false,
                            identity(node, expr)));
                }
            } else {
                result = List.of();
            }
        } finally {
            inProgress.remove(node);
        }
        memo.put(node, result);
        return result;
    }

    private List<List<Entry>> entriesOf(List<PlanNode> nodes) {
        List<List<Entry>> out = new ArrayList<>(nodes.size());
        for (PlanNode n : nodes) {
            out.add(entries(n));
        }
        return out;
    }

    /** Output m of a set operation = union of output m of every branch, printed as branch 0's. */
    private static List<Entry> positionalUnion(List<List<Entry>> branches) {
        int width = 0;
        for (List<Entry> b : branches) {
            width = Math.max(width, b.size());
        }
        boolean widened = branches.size() > 1;
        List<Entry> out = new ArrayList<>(width);
        for (int m = 0; m < width; m++) {
            Acc acc = new Acc();
            List<Entry> column = new ArrayList<>(branches.size());
            for (List<Entry> b : branches) {
                if (m < b.size()) {
                    acc.add(b.get(m).lineage());
                    column.add(b.get(m));
                }
            }
            Entry first = branches.get(0).size() > m ? branches.get(0).get(m) : null;
            out.add(new Entry(first == null ? null : first.expr(), first != null && first.var(), acc.build(), widened,
                    unionIdentity(column)));
        }
        return out;
    }

    /**
     * WITH RECURSIVE: the recursive term reads the work table, whose columns we cannot tell
     * apart, so every work-table reference gets the union of all columns of both terms. Two
     * passes reach the fixpoint because lineage only ever flows by union.
     */
    private List<Entry> recursiveUnion(PlanNode node) {
        PlanNode base = node.dataChildren.get(0);
        PlanNode recursive = node.dataChildren.get(1);
        List<Entry> baseEntries = entries(base);
        Acc wt = new Acc();
        unionAsColumn(baseEntries, false, wt);
        worktables.put(node, wt.build());
        List<Entry> firstPass = entries(recursive);
        unionAsColumn(firstPass, false, wt);
        Set<OutputLineage> distinct = new HashSet<>();
        for (Entry e : baseEntries) {
            addIfNotConstant(distinct, e.lineage());
        }
        for (Entry e : firstPass) {
            addIfNotConstant(distinct, e.lineage());
        }
        if (distinct.size() > 1) {
            wt.approximate = true;
        }
        worktables.put(node, wt.build());
        recursive.forEach(n -> {
            memo.remove(n);
            renderings.remove(n);
        });
        return positionalUnion(List.of(baseEntries, entries(recursive)));
    }

    // ---------------------------------------------------------------- expressions

    private void resolve(PlanNode node, Expression expr, Acc acc) {
        if (expr.syntaxError != null) {
            acc.opaque("unparseable expression at " + node.type + ": " + expr.syntaxError);
            return;
        }
        boolean[] covered = new boolean[expr.tokens.size()];
        // Scan nodes (and ModifyTable) compute from their relation, not from child outputs: an
        // UPDATE's child prints the same alias with old-row meaning.
        if (node.alias == null && !node.referencedChildren().isEmpty()) {
            matchChildOutputs(node, expr, covered, acc, null);
        }
        for (Item item : expr.items) {
            if (!covered[item.start()]) {
                resolveItem(node, item, acc);
            }
        }
    }

    /**
     * The parts of an expression of {@code node} that carry data, each with its lineage, in token
     * order: what {@link #resolve} adds up, kept apart. A child's output matched by its text is one
     * leaf (its computation was the child's); items inside it are not listed.
     */
    List<Leaf> leaves(PlanNode node, Expression expr) {
        List<Leaf> out = new ArrayList<>();
        if (expr.syntaxError != null) {
            return out;
        }
        boolean[] covered = new boolean[expr.tokens.size()];
        if (node.alias == null && !node.referencedChildren().isEmpty()) {
            matchChildOutputs(node, expr, covered, new Acc(), out);
        }
        for (Item item : expr.items) {
            if (covered[item.start()] || item.type() == ItemType.FUNC) {
                continue;
            }
            Acc acc = new Acc();
            resolveItem(node, item, acc);
            out.add(new Leaf(item.start(), item.end(), acc.build(), itemIdentity(node, item), item));
        }
        out.sort(java.util.Comparator.comparingInt(Leaf::start));
        // A name of three parts is read both ways (two items at one place): one leaf with both lineages.
        for (int k = out.size() - 1; k > 0; k--) {
            Leaf a = out.get(k - 1);
            Leaf b = out.get(k);
            if (a.start() == b.start()) {
                Acc both = new Acc();
                both.add(a.lineage());
                both.add(b.lineage());
                out.set(k - 1, new Leaf(a.start(), Math.max(a.end(), b.end()), both.build(), null, a.item()));
                out.remove(k);
            }
        }
        return out;
    }

    /** The outputs of a node, as {@link #entries} computes them. */
    List<Entry> outputs(PlanNode node) {
        return entries(node);
    }

    /** Whether {@code $n} is an InitPlan's output (PostgreSQL 15 prints those as {@code $n} too). */
    boolean isExecParam(int n) {
        return params.containsKey(n);
    }

    /**
     * Finds children's output texts inside the expression, longest first; marks them covered.
     * With {@code leaves}, each match is also listed as one leaf (ambiguous matches too: their
     * inside is then this node's own computation over the same outputs, and the leaf covers both).
     */
    private void matchChildOutputs(PlanNode node, Expression expr, boolean[] covered, Acc acc, List<Leaf> leaves) {
        Map<String, List<Rendering>> index = renderingIndex(node);
        if (index.isEmpty()) {
            return;
        }
        List<Token> t = expr.tokens;
        Map<Integer, Item> refsByStart = new HashMap<>();
        for (Item it : expr.items) {
            if (it.type() == ItemType.REF) {
                refsByStart.putIfAbsent(it.start(), it);
            }
        }
        for (int i = 0; i < t.size(); i++) {
            if (covered[i]) {
                continue;
            }
            List<Rendering> candidates = index.get(t.get(i).raw());
            if (candidates == null) {
                continue;
            }
            int best = 0;
            List<Rendering> matches = null;
            for (Rendering r : candidates) {
                int len = r.tokens().size();
                if (len < best || i + len > t.size() || !t.subList(i, i + len).equals(r.tokens())) {
                    continue;
                }
                if (r.entry().var()) {
                    Item ref = refsByStart.get(i);
                    if (ref == null || ref.end() != i + len) {
                        continue; // e.g. a name that is really a function or a longer chain
                    }
                }
                if (len > best) {
                    best = len;
                    matches = new ArrayList<>(2);
                }
                matches.add(r);
            }
            if (matches == null) {
                continue;
            }
            // A widened (set operation) output's text is only its first branch's. If the match is
            // followed by "::", "." or "[", the parentheses may instead be this node's own cast,
            // field selection or subscript around its own computation over other outputs (the
            // only places the deparser parenthesizes a function call): keep both readings.
            Token after = i + best < t.size() ? t.get(i + best) : null;
            boolean ambiguousParentheses = after != null
                    && (after.is(Kind.CAST) || after.is(Kind.DOT) || after.is(Kind.LBRACKET));
            boolean alsoResolveInside = false;
            List<Entry> matched = new ArrayList<>(matches.size());
            for (Rendering r : matches) {
                acc.add(r.entry().lineage());
                matched.add(r.entry());
                alsoResolveInside |= ambiguousParentheses && r.entry().widened() && !r.entry().var();
            }
            if (leaves != null) {
                Acc leaf = new Acc();
                matched.forEach(e -> leaf.add(e.lineage()));
                Set<BaseColumn> identity = unionIdentity(matched);
                if (alsoResolveInside) {
                    for (Item it : expr.items) {
                        if (it.start() >= i && it.end() <= i + best && it.type() != ItemType.FUNC) {
                            resolveItem(node, it, leaf);
                        }
                    }
                    identity = null;
                }
                leaves.add(new Leaf(i, i + best, leaf.build(), identity, null));
                for (int k = i; k < i + best; k++) {
                    covered[k] = true;
                }
                i += best - 1;
                continue;
            }
            if (!alsoResolveInside) {
                for (int k = i; k < i + best; k++) {
                    covered[k] = true;
                }
                i += best - 1;
            }
        }
    }

    private Map<String, List<Rendering>> renderingIndex(PlanNode node) {
        Map<String, List<Rendering>> index = renderings.get(node);
        if (index != null) {
            return index;
        }
        index = new HashMap<>();
        for (PlanNode child : node.referencedChildren()) {
            for (Entry e : entries(child)) {
                if (e.expr() == null || e.expr().syntaxError != null || e.expr().tokens.isEmpty()) {
                    continue;
                }
                List<Token> own = e.expr().tokens;
                if (e.var()) {
                    addRendering(index, own, e);
                    continue;
                }
                // A computed output is referenced as "(" + text + ")". An output that is itself
                // a reference to a computed output further down already prints as "(...)" and
                // is referenced verbatim.
                List<Token> wrapped = new ArrayList<>(own.size() + 2);
                wrapped.add(LPAREN);
                wrapped.addAll(own);
                wrapped.add(RPAREN);
                addRendering(index, wrapped, e);
                if (isParenthesized(own)) {
                    addRendering(index, own, e);
                }
            }
        }
        renderings.put(node, index);
        return index;
    }

    private static void addRendering(Map<String, List<Rendering>> index, List<Token> tokens, Entry e) {
        index.computeIfAbsent(tokens.get(0).raw(), k -> new ArrayList<>(2)).add(new Rendering(tokens, e));
    }

    /** True if the first token is "(" and its matching ")" is the last token. */
    private static boolean isParenthesized(List<Token> t) {
        if (t.size() < 2 || !t.get(0).is(Kind.LPAREN) || !t.get(t.size() - 1).is(Kind.RPAREN)) {
            return false;
        }
        int depth = 0;
        for (int i = 0; i < t.size(); i++) {
            if (t.get(i).is(Kind.LPAREN)) {
                depth++;
            } else if (t.get(i).is(Kind.RPAREN) && --depth == 0) {
                return i == t.size() - 1;
            }
        }
        return false;
    }

    private void resolveItem(PlanNode node, Item item, Acc acc) {
        switch (item.type()) {
            case REF -> resolveRef(node, item, acc);
            case FUNC -> {
                if (!policy.isTransparent(item.qualifier(), item.name())) {
                    acc.opaque("function " + (item.qualifier() == null ? "" : item.qualifier() + ".") + item.name()
                            + " is not known to be transparent");
                }
            }
            case SUBPLAN -> {
                PlanNode sp = subPlans.get(item.number());
                if (sp == null) {
                    acc.opaque("SubPlan " + item.number() + " not found");
                } else {
                    for (Entry e : entries(sp)) {
                        acc.add(e.lineage());
                    }
                }
            }
            case INITPLAN -> {
                PlanNode ip = initPlans.get(item.number());
                if (ip == null) {
                    acc.opaque("InitPlan " + item.number() + " not found");
                } else {
                    List<Entry> es = entries(ip);
                    if (item.column() >= 0 && item.column() < es.size()) {
                        acc.add(es.get(item.column()).lineage());
                    } else {
                        for (Entry e : es) {
                            acc.add(e.lineage());
                        }
                    }
                }
            }
            case PARAM -> {
                ParamSource src = params.get(item.number());
                List<Entry> es = src == null ? List.of() : entries(src.node());
                if (src == null || src.index() >= es.size()) {
                    acc.opaque("parameter $" + item.number() + " cannot be traced");
                } else {
                    acc.add(es.get(src.index()).lineage());
                }
            }
        }
    }

    private void resolveRef(PlanNode node, Item item, Acc acc) {
        String alias = item.qualifier() != null ? item.qualifier() : singleAlias;
        if (alias == null) {
            if (ownersByAlias.isEmpty()) {
                acc.opaque("column reference \"" + item.name() + "\" without a scanned relation");
            }
            // Several range-table entries: PostgreSQL prefixes every column, so a bare word is
            // a keyword-like word of the deparser (EXTRACT field, XML name), not a column.
            return;
        }
        RefKey key = new RefKey(alias, item.name(), item.wholeRow());
        if (alias.equals(node.alias)) {
            acc.add(own(node, key));
            return;
        }
        if (fromChildren(node.referencedChildren(), null, key, acc)) {
            return;
        }
        List<PlanNode> owners = ownersByAlias.get(alias);
        if (owners == null) {
            if (!fromInheritanceParent(node, key, acc)) {
                acc.opaque("unknown relation alias \"" + alias + "\"");
            }
            return;
        }
        for (PlanNode owner : owners) {
            int rel = descent(owner, node);
            if (rel == DESCENDANT) {
                // Our children print it differently than we do (e.g. implicit casts): take the
                // owner's reading, which is right unless a set operation sits in between.
                acc.add(own(owner, key));
                acc.approximate = true;
                return;
            }
            if (rel == THROUGH_SET_OPERATION) {
                acc.opaque("reference " + key + " through a set operation could not be matched");
                return;
            }
        }
        resolveOutward(node, key, acc);
    }

    /**
     * Above an Append over partitions or inheritance children, PostgreSQL prints child columns
     * as columns of the parent table ({@code events.secret}), a range-table entry that no node
     * scans. Children share the parent's column names, so take every output of every member of
     * the Appends below that mentions a column of that name (or a whole row). Appends are not
     * told apart by alias naming, which crafted aliases could skew: several contributing
     * Appends make the result approximate.
     */
    private boolean fromInheritanceParent(PlanNode node, RefKey key, Acc acc) {
        List<PlanNode> appends = new ArrayList<>(1);
        collectSetOperations(node, appends);
        int contributing = 0;
        for (PlanNode append : appends) {
            boolean any = false;
            for (PlanNode member : append.dataChildren) {
                for (Entry e : entries(member)) {
                    if (e.expr() != null && mentionsColumnOfAnyScan(e.expr(), key)) {
                        acc.add(e.lineage());
                        any = true;
                    }
                }
            }
            if (any) {
                contributing++;
            }
        }
        if (contributing > 1) {
            acc.approximate = true;
        }
        return contributing > 0;
    }

    private static void collectSetOperations(PlanNode node, List<PlanNode> out) {
        for (PlanNode child : node.referencedChildren()) {
            if (child.isSetOperation()) {
                out.add(child);
            } else {
                collectSetOperations(child, out);
            }
        }
    }

    private boolean mentionsColumnOfAnyScan(Expression expr, RefKey key) {
        for (Item it : expr.items) {
            if (it.type() == ItemType.REF && it.wholeRow() == key.wholeRow()
                    && (key.wholeRow() || it.name().equals(key.column()))) {
                RefKey k = keyOf(it);
                if (k != null && ownersByAlias.containsKey(k.alias())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A reference to something outside this node's subtree: a correlated SubPlan's outer
     * column, a LATERAL function's argument, a nested-loop parameter. PostgreSQL prints such a
     * parameter as the expression it stands for in the context of an ancestor; find the nearest
     * ancestor that owns or receives it.
     */
    private void resolveOutward(PlanNode node, RefKey key, Acc acc) {
        PlanNode from = node;
        for (PlanNode q = node.parent; q != null; from = q, q = q.parent) {
            if (key.alias().equals(q.alias)) {
                acc.add(own(q, key));
                return;
            }
            if (fromChildren(q.referencedChildren(), from, key, acc)) {
                return;
            }
        }
        acc.opaque("unresolved reference " + key);
    }

    /** Children's outputs that are exactly the reference, else those that mention it (approximate). */
    private boolean fromChildren(List<PlanNode> children, PlanNode exclude, RefKey key, Acc acc) {
        ChildOutputs found = childOutputs(children, exclude, key);
        List<Entry> exact = found.exact();
        List<Entry> mentioning = found.mentioning();
        if (exact != null) {
            for (Entry e : exact) {
                acc.add(e.lineage());
            }
            return true;
        }
        if (mentioning != null) {
            for (Entry e : mentioning) {
                acc.add(e.lineage());
            }
            acc.approximate = true;
            return true;
        }
        return false;
    }

    private boolean mentions(Expression expr, RefKey key) {
        for (Item it : expr.items) {
            if (it.type() == ItemType.REF && key.equals(keyOf(it))) {
                return true;
            }
        }
        return false;
    }

    private RefKey keyOf(Item ref) {
        String alias = ref.qualifier() != null ? ref.qualifier() : singleAlias;
        return alias == null ? null : new RefKey(alias, ref.name(), ref.wholeRow());
    }

    private static final int UNRELATED = 0;
    private static final int DESCENDANT = 1;
    private static final int THROUGH_SET_OPERATION = 2;

    /** Whether rows of {@code owner} flow up into {@code node} through data edges only. */
    private static int descent(PlanNode owner, PlanNode node) {
        boolean setOp = false;
        for (PlanNode p = owner; p.parent != null; ) {
            if (p.isSubplan()) {
                return UNRELATED;
            }
            p = p.parent;
            if (p == node) {
                return setOp ? THROUGH_SET_OPERATION : DESCENDANT;
            }
            setOp |= p.isSetOperation();
        }
        return UNRELATED;
    }

    // ---------------------------------------------------------------- identities

    /** Sentinel of {@link #childIdentity}: no child output is that reference. */
    private static final Set<BaseColumn> NOT_FOUND = Collections.unmodifiableSet(new HashSet<>());
    /** Casts that keep a value's text as it is (no length limit), so equality on them is equality on the value. */
    private static final Set<String> IDENTITY_CASTS = Set.of("text", "character varying", "bpchar");

    /** An output is the raw value of a column when it is a plain reference, or one cast to a text type. */
    private Set<BaseColumn> identity(PlanNode node, Expression expr) {
        if (expr.syntaxError != null) {
            return null;
        }
        Item sole = expr.soleReference();
        if (sole != null) {
            return refIdentity(node, sole);
        }
        // (ref)::text, (ref)::character varying, (ref)::bpchar
        List<Token> t = expr.tokens;
        if (expr.items.size() != 1 || expr.items.get(0).type() != ItemType.REF || expr.items.get(0).start() != 1
                || !t.get(0).is(Kind.LPAREN)) {
            return null;
        }
        Item ref = expr.items.get(0);
        int close = ref.end();
        if (close + 2 >= t.size() || !t.get(close).is(Kind.RPAREN) || !t.get(close + 1).is(Kind.CAST)) {
            return null;
        }
        StringBuilder type = new StringBuilder();
        for (int k = close + 2; k < t.size(); k++) {
            if (!t.get(k).is(Kind.IDENT)) {
                return null;
            }
            type.append(k > close + 2 ? " " : "").append(t.get(k).raw());
        }
        return IDENTITY_CASTS.contains(type.toString()) ? refIdentity(node, ref) : null;
    }

    private Set<BaseColumn> itemIdentity(PlanNode node, Item item) {
        switch (item.type()) {
            case REF -> {
                return refIdentity(node, item);
            }
            case INITPLAN -> {
                PlanNode ip = initPlans.get(item.number());
                List<Entry> es = ip == null ? List.of() : entries(ip);
                return item.column() >= 0 && item.column() < es.size() ? es.get(item.column()).identity() : null;
            }
            case PARAM -> {
                ParamSource src = params.get(item.number());
                List<Entry> es = src == null ? List.of() : entries(src.node());
                return src != null && src.index() < es.size() ? es.get(src.index()).identity() : null;
            }
            default -> {
                return null;
            }
        }
    }

    /** As {@link #resolveRef}, for identity: which base column's raw value the reference is, or null. */
    private Set<BaseColumn> refIdentity(PlanNode node, Item item) {
        String alias = item.qualifier() != null ? item.qualifier() : singleAlias;
        if (alias == null || item.wholeRow()) {
            return null;
        }
        RefKey key = new RefKey(alias, item.name(), false);
        if (alias.equals(node.alias)) {
            return ownIdentity(node, key);
        }
        Set<BaseColumn> fromChildren = childIdentity(node.referencedChildren(), null, key);
        if (fromChildren != NOT_FOUND) {
            return fromChildren;
        }
        List<PlanNode> owners = ownersByAlias.get(alias);
        if (owners == null) {
            return null;
        }
        for (PlanNode owner : owners) {
            int rel = descent(owner, node);
            if (rel == DESCENDANT) {
                return ownIdentity(owner, key);
            }
            if (rel == THROUGH_SET_OPERATION) {
                return null;
            }
        }
        PlanNode from = node;
        for (PlanNode q = node.parent; q != null; from = q, q = q.parent) {
            if (key.alias().equals(q.alias)) {
                return ownIdentity(q, key);
            }
            Set<BaseColumn> s = childIdentity(q.referencedChildren(), from, key);
            if (s != NOT_FOUND) {
                return s;
            }
        }
        return null;
    }

    private Set<BaseColumn> childIdentity(List<PlanNode> children, PlanNode exclude, RefKey key) {
        ChildOutputs found = childOutputs(children, exclude, key);
        if (found.exact() != null) {
            return unionIdentity(found.exact());
        }
        return found.mentioning() != null ? null : NOT_FOUND;
    }

    /** Children's outputs that are exactly the reference, and those that only mention it; null lists when none. */
    private record ChildOutputs(List<Entry> exact, List<Entry> mentioning) {
    }

    private ChildOutputs childOutputs(List<PlanNode> children, PlanNode exclude, RefKey key) {
        List<Entry> exact = null;
        List<Entry> mentioning = null;
        for (PlanNode child : children) {
            if (child == exclude) {
                continue;
            }
            for (Entry e : entries(child)) {
                if (e.expr() == null) {
                    continue;
                }
                Item sole = e.expr().soleReference();
                if (sole != null && key.equals(keyOf(sole))) {
                    (exact == null ? exact = new ArrayList<>(1) : exact).add(e);
                } else if (mentions(e.expr(), key)) {
                    (mentioning == null ? mentioning = new ArrayList<>(1) : mentioning).add(e);
                }
            }
        }
        return new ChildOutputs(exact, mentioning);
    }

    private Set<BaseColumn> ownIdentity(PlanNode node, RefKey key) {
        if (node.relationName != null) {
            return "ModifyTable".equals(node.type) || node.schema == null ? null
                    : Set.of(new BaseColumn(node.schema, node.relationName, key.column()));
        }
        switch (node.type == null ? "" : node.type) {
            case "Subquery Scan" -> {
                PlanNode child = node.subqueryChild();
                return child == null ? null : unionIdentity(entries(child));
            }
            case "CTE Scan" -> {
                List<PlanNode> plans = node.cteName == null ? null : ctes.get(node.cteName);
                if (plans == null) {
                    return null;
                }
                List<Entry> all = new ArrayList<>();
                plans.forEach(p -> all.addAll(entries(p)));
                return unionIdentity(all);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * The value is one of these outputs (which one is not known): an identity if every one that
     * carries data is; outputs that carry nothing (constants, NULL placeholders) do not count.
     */
    private static Set<BaseColumn> unionIdentity(List<Entry> entries) {
        Set<BaseColumn> out = new HashSet<>();
        for (Entry e : entries) {
            if (e.lineage().isConstant()) {
                continue;
            }
            if (e.identity() == null) {
                return null;
            }
            out.addAll(e.identity());
        }
        return out;
    }

    // ---------------------------------------------------------------- a node's own columns

    /** Lineage of column {@code key.column} (or the whole row) of the relation a scan node reads. */
    private OutputLineage own(PlanNode node, RefKey key) {
        Acc acc = new Acc();
        if (node.relationName != null) {
            if (node.schema == null) {
                acc.opaque("relation " + node.relationName + " reported without a schema (EXPLAIN without VERBOSE?)");
            }
            if (key.wholeRow()) {
                acc.wholeRows.add(new BaseTable(node.schema, node.relationName));
            } else {
                acc.columns.add(new BaseColumn(node.schema, node.relationName, key.column()));
            }
            if ("ModifyTable".equals(node.type) && !"Delete".equals(node.operation)) {
                // RETURNING of INSERT/UPDATE/MERGE: new values come from the child plan, in
                // target-column positions EXPLAIN does not show.
                for (PlanNode child : node.dataChildren) {
                    for (Entry e : entries(child)) {
                        if (!isRowIdentity(e)) {
                            acc.add(e.lineage());
                        }
                    }
                }
                acc.approximate = true;
            }
            return acc.build();
        }
        switch (node.type == null ? "" : node.type) {
            case "Subquery Scan" -> {
                PlanNode child = node.subqueryChild();
                if (child == null) {
                    acc.opaque("Subquery Scan \"" + node.alias + "\" has no subquery plan");
                } else {
                    unionAsColumn(entries(child), key.wholeRow(), acc);
                }
            }
            case "CTE Scan" -> {
                List<PlanNode> plans = node.cteName == null ? null : ctes.get(node.cteName);
                if (plans == null) {
                    acc.opaque("plan of CTE \"" + node.cteName + "\" not found");
                } else {
                    for (PlanNode p : plans) {
                        unionAsColumn(entries(p), key.wholeRow(), acc);
                    }
                    if (plans.size() > 1) {
                        acc.approximate = true;
                    }
                }
            }
            case "WorkTable Scan" -> {
                OutputLineage wt = null;
                for (PlanNode p : ctes.getOrDefault(node.cteName == null ? "" : node.cteName, List.of())) {
                    OutputLineage w = worktables.get(p);
                    if (w != null) {
                        acc.add(w);
                        wt = w;
                    }
                }
                if (wt == null) {
                    acc.opaque("work table of recursive CTE \"" + node.cteName + "\" not found");
                }
            }
            case "Function Scan", "Table Function Scan" -> {
                if (node.call == null) {
                    acc.opaque(node.type + " \"" + node.alias + "\" shows no call");
                } else if (!callsInProgress.add(node)) {
                    // The call text names the scan's own alias (a column definition list read
                    // as bare words): a call cannot take its own output.
                    return OutputLineage.EMPTY;
                } else {
                    try {
                        resolve(node, node.call, acc);
                    } finally {
                        callsInProgress.remove(node);
                    }
                }
                if (node.functionName != null && node.schema != null && !"pg_catalog".equals(node.schema)
                        && !policy.isTransparent(node.schema, node.functionName)) {
                    acc.opaque("function " + node.schema + "." + node.functionName + " is not known to be transparent");
                }
            }
            case "Values Scan" -> acc.opaque("VALUES lists are not shown by EXPLAIN (alias \"" + node.alias + "\")");
            default -> acc.opaque("cannot resolve columns of " + node.type + " \"" + node.alias + "\"");
        }
        return acc.build();
    }

    /** The child's row-locating junk column (ctid, tableoid): no user column may have such a name. */
    private static boolean isRowIdentity(Entry e) {
        Item sole = e.expr() == null ? null : e.expr().soleReference();
        return sole != null && !sole.wholeRow() && SYSTEM_COLUMNS.contains(sole.name());
    }

    /**
     * A column of a subquery, CTE or work table: EXPLAIN names it but does not say which child
     * output it is (renaming makes names useless: {@code SELECT ssn AS name, name AS ssn}), so
     * take all child outputs. Exact when only one of them carries lineage, or for a whole row.
     */
    private static void unionAsColumn(List<Entry> entries, boolean wholeRow, Acc acc) {
        Set<OutputLineage> distinct = new HashSet<>();
        for (Entry e : entries) {
            acc.add(e.lineage());
            addIfNotConstant(distinct, e.lineage());
        }
        if (!wholeRow && distinct.size() > 1) {
            acc.approximate = true;
        }
    }

    private static void addIfNotConstant(Set<OutputLineage> set, OutputLineage l) {
        if (!l.isConstant()) {
            set.add(l);
        }
    }

    // ---------------------------------------------------------------- accumulator

    static final class Acc {
        final Set<BaseColumn> columns = new HashSet<>();
        final Set<BaseTable> wholeRows = new HashSet<>();
        final Set<String> reasons = new HashSet<>();
        boolean approximate;

        void add(OutputLineage o) {
            columns.addAll(o.columns());
            wholeRows.addAll(o.wholeRows());
            reasons.addAll(o.opaqueReasons());
            approximate |= o.approximate();
        }

        void opaque(String reason) {
            reasons.add(reason);
        }

        OutputLineage build() {
            if (columns.isEmpty() && wholeRows.isEmpty() && reasons.isEmpty() && !approximate) {
                return OutputLineage.EMPTY;
            }
            return new OutputLineage(columns, wholeRows, reasons, approximate);
        }
    }
}
