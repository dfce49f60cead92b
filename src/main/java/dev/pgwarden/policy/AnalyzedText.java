package dev.pgwarden.policy;

import java.util.List;

import dev.pgwarden.sql.Fingerprint;

/**
 * One text a client sent (a simple Query's string, or the statement of a Parse), read once by
 * {@link StatementAnalyzer#analyzeText}: lexed once, split once, each statement analysed once, the
 * fingerprint taken once. The gate, the policy engine, the lineage resolver and the approval
 * request read this value; none of them lexes, splits or fingerprints the text again (the gate's
 * cache lookup scans for the fingerprint itself, before any analysis, so that a hit needs none).
 * Immutable, cached by text.
 *
 * <p>Everything here belongs to this text, literals included ({@link #parts} is what an approver
 * is shown and what a stream limit names). Only {@link #fingerprint} is shared with other texts:
 * those that differ in numeric literals alone, which share one cached verdict.
 *
 * @param text        the text as the client sent it
 * @param fingerprint {@link Fingerprint#of} the text: the key of the decisions texts like it share
 * @param parts       its statements' texts, in order, as the client wrote them (split on top-level
 *                    semicolons; none for an empty or comment-only text)
 * @param statements  what each part touches and how ({@link StatementAnalysis}), in the same order
 */
public record AnalyzedText(String text, String fingerprint, List<String> parts, List<StatementAnalysis> statements) {

    public AnalyzedText {
        parts = List.copyOf(parts);
        statements = List.copyOf(statements);
        if (parts.size() != statements.size()) {
            throw new IllegalArgumentException(parts.size() + " parts but " + statements.size() + " analyses");
        }
    }

    /** How many statements the text holds. */
    public int size() {
        return parts.size();
    }
}
