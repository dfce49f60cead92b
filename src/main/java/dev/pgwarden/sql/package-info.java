/**
 * The SQL vocabulary every later stage shares: PostgreSQL's lexical rules ({@link dev.pgwarden.sql.SqlLexer},
 * {@link dev.pgwarden.sql.SqlToken}, {@link dev.pgwarden.sql.Tokens}), the split of a simple-query string
 * into statements ({@link dev.pgwarden.sql.StatementSplitter}), the names a statement touches
 * ({@link dev.pgwarden.sql.TableName}, {@link dev.pgwarden.sql.ColumnRef}, {@link dev.pgwarden.sql.FunctionName},
 * {@link dev.pgwarden.sql.StatementKind}), and a statement's {@link dev.pgwarden.sql.Fingerprint} (its text with
 * numeric literals taken out, what cached decisions are shared by). Depends on nothing else in pgwarden.
 */
package dev.pgwarden.sql;
