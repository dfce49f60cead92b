#!/usr/bin/env bash
# The MCP endpoint next to the wire listener of the same gateway (dev.pgwarden.bench.McpBench):
# one-row query latency p50/p99 and rows/s of a result capped at 10,000 rows.
# Starts its own throwaway PostgreSQL cluster, development issuer and packaged gateway process.
#   BENCH_MCP_CALLS (2000)  one-row calls per path, after BENCH_MCP_WARMUP (500)
#   BENCH_MCP_LARGE_RUNS (20)  runs of the capped result per path (median)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f target/quarkus-app/quarkus-run.jar || "${BENCH_REBUILD:-0}" == 1 ]]; then
  ./mvnw -B -q -DskipTests package
fi
./mvnw -B -q -o test-compile
./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
mkdir -p bench/results
out="bench/results/mcp-$(date +%Y%m%d-%H%M%S).md"
java -Xmx512m -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbench.calls="${BENCH_MCP_CALLS:-2000}" -Dbench.warmup="${BENCH_MCP_WARMUP:-500}" \
  -Dbench.large-runs="${BENCH_MCP_LARGE_RUNS:-20}" \
  dev.pgwarden.bench.McpBench | tee "$out"
echo "written to $out"
