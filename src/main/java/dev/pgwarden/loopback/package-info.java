/**
 * A PostgreSQL client of the gateway's own listener, for front ends that speak another protocol
 * (the MCP endpoint): each of their sessions logs in over loopback like any other client, with the
 * caller's token as password, so policy, masking, approvals, ceilings, budgets and audit apply to
 * it unchanged, by construction. Protocol code only: Vert.x sockets and the {@code wire} codecs,
 * no Quarkus.
 */
package dev.pgwarden.loopback;
