package dev.pgwarden.policy;

import dev.pgwarden.masking.MaskFunction;

/** One {@code masking.columns} entry: columns matching {@code column} are rewritten {@code with} a function. */
public record MaskedColumn(NamePattern column, MaskFunction with, int line) {
}
