#!/usr/bin/env bash
# pgwarden benchmark: PostgreSQL direct vs PgBouncer (session) vs HAProxy (TCP relay) vs pgwarden as
# deployed (pgwarden-example: the example policy, a row-estimate rule, audit on and fail closed) and
# the gateway with one thing at a time: pass-through (pgwarden), the estimate rule (pgwarden-rule),
# the audit trail (pgwarden-audit), masking (pgwarden-masked), and on request a per-identity budget on
# top of masking (pgwarden-budget); all on this machine, in one run, at every client count of
# BENCH_CLIENTS, with each proxy's CPU time per transaction next to its TPS. See bench/README.md.
#
#   bench/run.sh                      # full run (30 s per measurement)
#   BENCH_SECONDS=5 bench/run.sh      # quick run
#   BENCH_TARGETS=direct,pgbouncer,haproxy bench/run.sh   # without pgwarden
#   BENCH_TARGETS=direct,pgwarden,pgwarden-masked bench/run.sh   # only the masking comparison
#   BENCH_TARGETS=direct,pgwarden,pgwarden-audit bench/run.sh    # only the recording comparison
#   BENCH_TARGETS=pgbouncer,pgwarden,pgwarden-example BENCH_CLIENTS=8 bench/run.sh   # the headline only
#   BENCH_TARGETS=direct,pgwarden-masked,pgwarden-budget bench/run.sh   # what budgets cost
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
LIB="$BENCH_DIR/benchlib.py"
export PATH="$PATH:/usr/sbin:/sbin"

# ------------------------------------------------------------------------------------------------
# parameters (environment)
BENCH_SECONDS="${BENCH_SECONDS:-30}"          # duration of each measured pgbench run
BENCH_CLIENTS="${BENCH_CLIENTS:-8,64}"        # pgbench -c; a comma-separated list runs every target at each
BENCH_JOBS="${BENCH_JOBS:-2}"                 # pgbench -j
BENCH_SCALE="${BENCH_SCALE:-10}"              # pgbench -i -s
BENCH_ROWS="${BENCH_ROWS:-1000000}"           # rows of the large-result tests
BENCH_WARMUP="${BENCH_WARMUP:-15}"            # seconds of pgbench before each measurement (0 = none), then up to 5 s more
BENCH_SKIP="${BENCH_SKIP:-10}"                # seconds the measured run's clients run before its window opens (0 = none)
BENCH_ROUNDS="${BENCH_ROUNDS:-1}"             # repeat the interleaved pgbench matrix, TPS averaged
BENCH_MODES="${BENCH_MODES:-simple,prepared,literals}"  # literals: a new statement text every time (below);
                                              # connect (only when named): a new connection per statement
ALL_TARGETS="direct,pgbouncer,haproxy,pgwarden,pgwarden-rule,pgwarden-audit,pgwarden-example,pgwarden-masked"
KNOWN_TARGETS="$ALL_TARGETS,pgwarden-budget"   # pgwarden-budget runs only when BENCH_TARGETS names it
BENCH_TARGETS="${BENCH_TARGETS:-$ALL_TARGETS}"
BENCH_LARGE="${BENCH_LARGE:-1}"               # 0 = skip the large-result tests
BENCH_SAMPLES="${BENCH_SAMPLES:-5}"           # customers rows whose raw values are looked for in the output
BENCH_GRACE="${BENCH_GRACE:-30}"              # a pgbench run still going this long after its -T is hung: killed
BENCH_LARGE_TIMEOUT="${BENCH_LARGE_TIMEOUT:-300}"  # seconds before one large-result psql run counts as hung
BENCH_LARGE_REPEAT="${BENCH_LARGE_REPEAT:-3}" # timed runs per large-result test (median reported)
BENCH_KEEP_TMP="${BENCH_KEEP_TMP:-0}"         # 1 = keep the temp dir (cluster, configs, logs)
BENCH_REBUILD="${BENCH_REBUILD:-0}"           # 1 = rebuild the pgwarden jar even if present
BENCH_RESULTS_DIR="${BENCH_RESULTS_DIR:-$BENCH_DIR/results}"
BENCH_STORE_FSYNC="${BENCH_STORE_FSYNC:-on}"   # the gateways' store cluster: on = durable commits (as in production)
BENCH_STORE_DELAY_MS="${BENCH_STORE_DELAY_MS:-0}"  # > 0: the gateways reach their store through bench/delayrelay.py, this many ms each way (a store a network hop away)
BENCH_AUDIT_FAIL_CLOSED="${BENCH_AUDIT_FAIL_CLOSED:-true}"  # pgwarden-audit: pgwarden.audit.fail-closed
BENCH_RULE_ROWS="${BENCH_RULE_ROWS:-10000}"    # estimated_rows_over of the rule in pgwarden-rule and pgwarden-example
BENCH_LATENCY_SAMPLING="${BENCH_LATENCY_SAMPLING:-0.1}"  # pgbench -l --sampling-rate of measured runs (p50/p99)
BENCH_INGEST_SECONDS="${BENCH_INGEST_SECONDS:-10}"  # audit store ingest at saturation (AuditStoreBench); 0 = skip
JAVA_OPTS="${JAVA_OPTS:--Xmx512m -XX:+UseParallelGC}"
BENCH_PROFILE="${BENCH_PROFILE:-}"            # gateways to CPU-profile (comma list, e.g. pgwarden-example): an
                                              # async-profiler flame graph per measured run in BENCH_RESULTS_DIR
BENCH_PROFILE_OPTS="${BENCH_PROFILE_OPTS:-}"  # more async-profiler options for those (e.g. features=comptask)
PGWARDEN_JAR="${PGWARDEN_JAR:-$REPO_ROOT/target/quarkus-app/quarkus-run.jar}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

for v in BENCH_SECONDS BENCH_JOBS BENCH_SCALE BENCH_ROWS BENCH_ROUNDS BENCH_LARGE_REPEAT BENCH_SAMPLES \
  BENCH_GRACE BENCH_LARGE_TIMEOUT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ "$BENCH_WARMUP" =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer"
[[ "$BENCH_SKIP" =~ ^[0-9]+$ ]] || die "BENCH_SKIP must be a non-negative integer"
[[ "$BENCH_INGEST_SECONDS" =~ ^[0-9]+$ ]] || die "BENCH_INGEST_SECONDS must be a non-negative integer"
[[ "$BENCH_RULE_ROWS" =~ ^[0-9]+$ ]] || die "BENCH_RULE_ROWS must be a non-negative integer"
[[ "$BENCH_LATENCY_SAMPLING" =~ ^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$ ]] || die "BENCH_LATENCY_SAMPLING must be in (0, 1]"
IFS=',' read -ra CLIENTS <<<"$BENCH_CLIENTS"
((${#CLIENTS[@]} > 0)) || die "BENCH_CLIENTS is empty"
MAX_CLIENTS=0
for c in "${CLIENTS[@]}"; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "BENCH_CLIENTS must list positive integers (got '$c')"
  (( BENCH_JOBS <= c )) || die "BENCH_JOBS ($BENCH_JOBS) must not exceed any client count (got $c)"
  (( c > MAX_CLIENTS )) && MAX_CLIENTS=$c
done

IFS=',' read -ra TARGETS <<<"$BENCH_TARGETS"
IFS=',' read -ra MODES <<<"$BENCH_MODES"
((${#TARGETS[@]} > 0)) || die "BENCH_TARGETS is empty"
for t in "${TARGETS[@]}"; do
  case "$t" in direct|pgbouncer|haproxy|pgwarden|pgwarden-rule|pgwarden-audit|pgwarden-example|pgwarden-masked) ;;
    pgwarden-budget) ;;  # not in the default list
    *) die "unknown target '$t' (known: $KNOWN_TARGETS)";; esac
done
[[ "$(printf '%s\n' "${TARGETS[@]}" | sort | uniq -d)" == "" ]] || die "BENCH_TARGETS lists a target twice"
[[ "$BENCH_STORE_FSYNC" == on || "$BENCH_STORE_FSYNC" == off ]] || die "BENCH_STORE_FSYNC must be on or off"
[[ "$BENCH_STORE_DELAY_MS" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_STORE_DELAY_MS must be a number of milliseconds"
[[ "$BENCH_AUDIT_FAIL_CLOSED" == true || "$BENCH_AUDIT_FAIL_CLOSED" == false ]] \
  || die "BENCH_AUDIT_FAIL_CLOSED must be true or false"
for m in "${MODES[@]}"; do
  case "$m" in simple|extended|prepared|literals|connect) ;; *) die "unknown pgbench mode '$m'";; esac
done
has_target() { local t; for t in "${TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done; return 1; }
# the gateways, each its own JVM with its own ports, dev issuer and store database
GATEWAYS=(pgwarden pgwarden-rule pgwarden-audit pgwarden-example pgwarden-masked pgwarden-budget)
is_gateway() { [[ "$1" == pgwarden* ]]; }
has_gateway() { local g; for g in "${GATEWAYS[@]}"; do has_target "$g" && return 0; done; return 1; }
records_audit() { [[ "$1" == pgwarden-audit || "$1" == pgwarden-example ]]; }

# ------------------------------------------------------------------------------------------------
# tools: install what is missing (Debian packages)
APT_UPDATED=0
apt_install() {
  [[ "$(id -u)" == 0 ]] || die "missing $*; install it (apt-get install -y $*) or run as root"
  command -v apt-get >/dev/null || die "missing $* and no apt-get to install it"
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

pkgs=()
command -v python3 >/dev/null || pkgs+=(python3)
command -v psql >/dev/null && command -v pgbench >/dev/null || pkgs+=(postgresql-client)
has_target pgbouncer && ! command -v pgbouncer >/dev/null && pkgs+=(pgbouncer)
has_target haproxy && ! command -v haproxy >/dev/null && pkgs+=(haproxy)
if has_gateway; then
  command -v curl >/dev/null || pkgs+=(curl)
  command -v java >/dev/null || [[ -n "${JAVA_HOME:-}" ]] || pkgs+=(openjdk-17-jdk-headless)
fi

find_pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  echo ""
}
PG_BIN="$(find_pg_bin)"
[[ -n "$PG_BIN" ]] || pkgs+=(postgresql)
((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"
PG_BIN="$(find_pg_bin)"
[[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL server binaries not found (set PG_BIN)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [[ "$(id -u)" == 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the OS user 'postgres' (PostgreSQL and PgBouncer refuse root)"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi

# ------------------------------------------------------------------------------------------------
# scratch space and cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pgwarden-bench.XXXXXX")"
chmod 755 "$WORK"
mkdir -p "$WORK/sock" "$WORK/pgbouncer"
[[ ${#AS_PG[@]} -eq 0 ]] || chown postgres: "$WORK" "$WORK/sock" "$WORK/pgbouncer"
PGDATA="$WORK/data"
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
PG_STARTED=0
GW_BUILT=""
GW_STALE=""
declare -A GW_PORT GW_ISSUER_PORT GW_HTTP_PORT GW_PID
STORE_STARTED=0
STORE_DATA=""
HAP_PID=""
PGB_PID=""

show_tail() { # file label
  [[ -s "$1" ]] || return 0
  printf '\n----- last lines of %s (%s) -----\n' "$2" "$1" >&2
  tail -n "${3:-40}" "$1" >&2
}

stop_pid() { # pid name
  local pid="$1" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "[bench] $2 (pid $pid) did not stop on SIGTERM, killing" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ $rc -ne 0 ]]; then
    echo "[bench] FAILED (exit $rc); logs follow" >&2
    for g in "${GATEWAYS[@]}"; do show_tail "$WORK/$g.log" "$g stdout/stderr" 60; done
    show_tail "$WORK/ingest.log" "audit store ingest" 30
    show_tail "$WORK/store.log" "store postgres log"
    show_tail "$WORK/pgbouncer/pgbouncer.log" "pgbouncer log"
    show_tail "$WORK/haproxy.log" "haproxy log"
    show_tail "$WORK/postgres.log" "postgres log"
    show_tail "$WORK/pgbench.log" "pgbench output" 30
  fi
  for g in "${!GW_PID[@]}"; do stop_pid "${GW_PID[$g]}" "$g"; done
  stop_pid "${STORE_RELAY_PID:-}" "store relay"
  stop_pid "$HAP_PID" haproxy
  stop_pid "$PGB_PID" pgbouncer
  if [[ $PG_STARTED == 1 ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  if [[ $STORE_STARTED == 1 ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$STORE_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$STORE_DATA" -m immediate -w stop >/dev/null 2>&1
  fi
  if [[ "$BENCH_KEEP_TMP" == 1 || ( $rc -ne 0 && "${BENCH_KEEP_TMP_ON_FAIL:-0}" == 1 ) ]]; then
    echo "[bench] temp dir kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a clean, predictable libpq environment for every client we start
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGSERVICEFILE PGOPTIONS \
  PGREQUIRESSL PGSSLMODE PGTARGETSESSIONATTRS PGAPPNAME PGCLIENTENCODING PGDATESTYLE PGTZ 2>/dev/null || true
export PGSSLMODE=disable PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10 PGPASSFILE="$WORK/no-pgpass"

read -ra PORTS < <(python3 "$LIB" ports $((5 + 3 * ${#GATEWAYS[@]})))
((${#PORTS[@]} == 5 + 3 * ${#GATEWAYS[@]})) || die "could not pick free ports"
PG_PORT=${PORTS[0]} PGB_PORT=${PORTS[1]} HAP_PORT=${PORTS[2]} STORE_PORT=${PORTS[3]} STORE_RELAY_PORT=${PORTS[4]}
i=5
for g in "${GATEWAYS[@]}"; do
  GW_PORT[$g]=${PORTS[$i]} GW_ISSUER_PORT[$g]=${PORTS[$((i + 1))]} GW_HTTP_PORT[$g]=${PORTS[$((i + 2))]}
  i=$((i + 3))
done
rand_pw() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
BENCH_USER=bench_user
BENCH_USER_PW="$(rand_pw)"
GW_DB_PW="$(rand_pw)"
STORE_PW="$(rand_pw)"

est=$(( ${#CLIENTS[@]} * ${#MODES[@]} * ${#TARGETS[@]} * (BENCH_SECONDS + BENCH_SKIP + BENCH_WARMUP + (BENCH_WARMUP < 5 ? BENCH_WARMUP : 5)) * BENCH_ROUNDS ))
log "targets: ${TARGETS[*]}; modes: ${MODES[*]}; ${BENCH_SECONDS}s x ${BENCH_ROUNDS} round(s); clients ${BENCH_CLIENTS} ($BENCH_JOBS threads); scale ${BENCH_SCALE}; pgbench phase ~${est}s"
gw_ports_txt=""
for g in "${GATEWAYS[@]}"; do
  gw_ports_txt+=" $g=${GW_PORT[$g]} (dev issuer ${GW_ISSUER_PORT[$g]}, http ${GW_HTTP_PORT[$g]})"
done
log "work dir $WORK; ports pg=$PG_PORT pgbouncer=$PGB_PORT haproxy=$HAP_PORT store=$STORE_PORT$gw_ports_txt"

# ------------------------------------------------------------------------------------------------
# PostgreSQL
log "initdb ($PG_BIN)"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C \
  --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
cat >>"$PGDATA/postgresql.conf" <<EOF

# --- pgwarden bench (throwaway cluster) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/sock'
max_connections = $((3 * MAX_CLIENTS + 100))   # PgBouncer's pool stays open while the others run
synchronize_seqscans = off   # SELECT * FROM customers returns rows in the same order every run
shared_buffers = 256MB
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
"${AS_PG[@]}" touch "$WORK/postgres.log"
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w -t 60 start >/dev/null \
  || die "PostgreSQL did not start"
PG_STARTED=1

admin_psql() { psql -X -q -v ON_ERROR_STOP=1 -h "$WORK/sock" -p "$PG_PORT" -U postgres "$@"; }
admin_psql -d postgres -c "CREATE DATABASE bench" >/dev/null
log "pgbench -i -s $BENCH_SCALE"
pgbench -i -s "$BENCH_SCALE" -q -h "$WORK/sock" -p "$PG_PORT" -U postgres bench >"$WORK/pgbench-init.log" 2>&1 \
  || { cat "$WORK/pgbench-init.log" >&2; die "pgbench -i failed"; }
admin_psql -d bench >/dev/null <<EOF
CREATE ROLE bench_rw NOLOGIN;
GRANT SELECT, UPDATE, INSERT ON pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history TO bench_rw;
CREATE ROLE pgwarden_gw LOGIN NOINHERIT PASSWORD '$GW_DB_PW';
GRANT bench_rw TO pgwarden_gw;
CREATE ROLE $BENCH_USER LOGIN PASSWORD '$BENCH_USER_PW';
GRANT bench_rw TO $BENCH_USER;
-- the roles of deploy/policy.example.yaml, for pgwarden-example (token group analysts)
CREATE ROLE analyst_ro NOLOGIN;
CREATE ROLE support_ro NOLOGIN;
GRANT SELECT ON pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history TO analyst_ro;
GRANT analyst_ro, support_ro TO pgwarden_gw;
EOF
PG_VERSION="$(admin_psql -d bench -At -c 'SHOW server_version' | awk '{print $1}')"

# the gateways' own store (approvals, audit trail): a cluster of its own, durable unless
# BENCH_STORE_FSYNC=off, with one database per gateway
if has_gateway; then
  STORE_DATA="$WORK/store-data"
  log "initdb of the gateways' store cluster (fsync $BENCH_STORE_FSYNC)"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$STORE_DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb-store.log" 2>&1 \
    || { cat "$WORK/initdb-store.log" >&2; die "initdb of the store failed"; }
  cat >>"$STORE_DATA/postgresql.conf" <<EOF

# --- pgwarden bench: the gateways' store ---
listen_addresses = '127.0.0.1'
port = $STORE_PORT
unix_socket_directories = '$WORK/sock'
max_connections = 300
fsync = $BENCH_STORE_FSYNC
synchronous_commit = $BENCH_STORE_FSYNC
log_min_messages = warning
EOF
  "${AS_PG[@]}" touch "$WORK/store.log"
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$STORE_DATA" -l "$WORK/store.log" -w -t 60 start >/dev/null \
    || die "the store cluster did not start"
  STORE_STARTED=1
  psql -X -q -v ON_ERROR_STOP=1 -h "$WORK/sock" -p "$STORE_PORT" -U postgres -d postgres >/dev/null <<EOF
CREATE ROLE pgwarden_store LOGIN PASSWORD '$STORE_PW';
$(for g in "${GATEWAYS[@]}"; do echo "CREATE DATABASE store_${g//-/_} OWNER pgwarden_store;"; done)
CREATE DATABASE store_ingest OWNER pgwarden_store;
EOF
fi
# where the gateways reach their store: directly, or a network hop away through the delaying relay
GW_STORE_PORT="$STORE_PORT"
if [[ "$BENCH_STORE_DELAY_MS" != 0 ]] && has_gateway; then
  python3 "$BENCH_DIR/delayrelay.py" --listen "$STORE_RELAY_PORT" --to "127.0.0.1:$STORE_PORT" \
    --delay-ms "$BENCH_STORE_DELAY_MS" >"$WORK/store-relay.log" 2>&1 &
  STORE_RELAY_PID=$!
  GW_STORE_PORT="$STORE_RELAY_PORT"
  log "the gateways reach their store through a relay adding $BENCH_STORE_DELAY_MS ms each way"
fi

# the masked table: fake personal data, BENCH_ROWS rows (only needed by the large-result tests)
CUSTOMERS_TARGETS=()
if [[ "$BENCH_LARGE" == 1 ]]; then
  for t in direct pgwarden pgwarden-masked; do if has_target "$t"; then CUSTOMERS_TARGETS+=("$t"); fi; done
fi
CUSTOMER_NEEDLES=()
if ((${#CUSTOMERS_TARGETS[@]} > 0)); then
  log "creating customers ($BENCH_ROWS rows of fake data)"
  admin_psql -d bench >/dev/null <<EOF
CREATE TABLE customers (id int, name text, email text, ssn text, card_number text);
INSERT INTO customers
SELECT g,
       'Customer ' || g,
       'user' || g || '@example.com',
       substr(s, 1, 3) || '-' || substr(s, 4, 2) || '-' || substr(s, 6, 4),
       '4' || lpad(((g::bigint * 982451653) % 1000000000000000)::text, 15, '0')
FROM generate_series(1, $BENCH_ROWS) g,
     LATERAL (SELECT lpad(((g::bigint * 7919 + 123456789) % 1000000000)::text, 9, '0') AS s) x;
ALTER TABLE customers ADD PRIMARY KEY (id);
VACUUM (ANALYZE) customers;
GRANT SELECT ON customers TO bench_rw, analyst_ro;
EOF
  # raw values of a few rows spread over the table: looked for in every target's output
  while IFS='|' read -r c_ssn c_card c_email; do
    [[ -n "$c_ssn" ]] || continue
    CUSTOMER_NEEDLES+=(--needle "ssn=$c_ssn" --needle "card=$c_card" --needle "email=$c_email")
  done < <(admin_psql -d bench -At -c "SELECT ssn, card_number, email FROM customers
      WHERE id IN (SELECT DISTINCT greatest(1, i * $BENCH_ROWS::bigint / $BENCH_SAMPLES)
                   FROM generate_series(1, $BENCH_SAMPLES) i) ORDER BY id")
  ((${#CUSTOMER_NEEDLES[@]} > 0)) || die "could not read sample rows from customers"
fi

# ------------------------------------------------------------------------------------------------
# helpers for the targets
wait_ready() { # label port user password seconds [pid]
  local label="$1" port="$2" user="$3" pw="$4" secs="$5" pid="${6:-}" deadline=$((SECONDS + $5))
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      cat "$WORK/$label.ready.err" >&2 2>/dev/null || true
      die "$label (pid $pid) exited during start-up"
    fi
    if PGPASSWORD="$pw" psql -X -At -h 127.0.0.1 -p "$port" -U "$user" -d bench -c 'select 1' \
      >/dev/null 2>"$WORK/$label.ready.err"; then
      return 0
    fi
    sleep 0.5
  done
  cat "$WORK/$label.ready.err" >&2 || true
  die "$label did not accept 'select 1' on 127.0.0.1:$port within ${secs}s"
}

start_pgbouncer() {
  local dir="$WORK/pgbouncer" secret
  secret="$(admin_psql -d bench -At -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$BENCH_USER'")"
  [[ "$secret" == SCRAM-SHA-256* ]] || die "no SCRAM secret for $BENCH_USER"
  printf '"%s" "%s"\n' "$BENCH_USER" "$secret" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = session
max_client_conn = $((MAX_CLIENTS + 100))
; session pooling: one server connection per client, or clients wait for one
default_pool_size = $((MAX_CLIENTS + 10))
server_tls_sslmode = disable
client_tls_sslmode = disable
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
log_stats = 0
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  chmod 600 "$dir/userlist.txt"
  [[ ${#AS_PG[@]} -eq 0 ]] || chown postgres: "$dir/userlist.txt" "$dir/pgbouncer.ini"
  "${AS_PG[@]}" pgbouncer -d -q "$dir/pgbouncer.ini" >"$dir/start.out" 2>&1 \
    || { cat "$dir/start.out" >&2; die "pgbouncer failed to start"; }
  local i
  for ((i = 0; i < 100; i++)); do [[ -s "$dir/pgbouncer.pid" ]] && break; sleep 0.1; done
  PGB_PID="$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)"
  [[ -n "$PGB_PID" ]] || die "pgbouncer wrote no pid file"
  wait_ready pgbouncer "$PGB_PORT" "$BENCH_USER" "$BENCH_USER_PW" 30 "$PGB_PID"
  log "pgbouncer ready on 127.0.0.1:$PGB_PORT (pid $PGB_PID, session pooling)"
}

start_haproxy() {
  cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 1000

defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend pg_in
    bind 127.0.0.1:$HAP_PORT
    default_backend pg_out

backend pg_out
    server pg 127.0.0.1:$PG_PORT
EOF
  haproxy -c -q -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 || { cat "$WORK/haproxy.log" >&2; die "bad haproxy config"; }
  haproxy -db -f "$WORK/haproxy.cfg" >>"$WORK/haproxy.log" 2>&1 &
  HAP_PID=$!
  wait_ready haproxy "$HAP_PORT" "$BENCH_USER" "$BENCH_USER_PW" 30 "$HAP_PID"
  log "haproxy ready on 127.0.0.1:$HAP_PORT (pid $HAP_PID, mode tcp)"
}

# per gateway: listen port, dev-issuer port, http port (GW_* arrays above), pid, token group
gw_port() { echo "${GW_PORT[$1]}"; }
gw_issuer_port() { echo "${GW_ISSUER_PORT[$1]}"; }
gw_http_port() { echo "${GW_HTTP_PORT[$1]}"; }
gw_pid() { echo "${GW_PID[$1]:-}"; }
gw_group() { if [[ "$1" == pgwarden-example ]]; then echo analysts; else echo bench; fi; }

GW_TOKEN=""
fetch_token() { # gateway seconds -> GW_TOKEN; waits for that gateway's dev issuer (each has its own key)
  local gw="$1" secs="${2:-60}" port pid tok deadline
  port="$(gw_issuer_port "$gw")"
  pid="$(gw_pid "$gw")"
  deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null && die "$gw (pid $pid) exited (see $WORK/$gw.log above)"
    tok="$(curl -sf --max-time 5 "http://127.0.0.1:$port/token.txt?sub=bench&groups=$(gw_group "$gw")" 2>/dev/null || true)"
    tok="$(printf '%s' "$tok" | tr -d '\r\n ')"
    if [[ "$tok" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]]; then
      GW_TOKEN="$tok"
      return 0
    fi
    sleep 0.5
  done
  die "no token from $gw's dev issuer at http://127.0.0.1:$port/token.txt within ${secs}s"
}

RUN_JAR=""
prepare_pgwarden() { # build if needed, then run from a snapshot so a rebuild in the repo cannot pull classes away
  if [[ ! -f "$PGWARDEN_JAR" || "$BENCH_REBUILD" == 1 ]]; then
    log "building pgwarden (./mvnw -q -DskipTests package in $REPO_ROOT)"
    (cd "$REPO_ROOT" && ./mvnw -q -DskipTests package) || die "pgwarden build failed"
    [[ -f "$PGWARDEN_JAR" ]] || die "build finished but $PGWARDEN_JAR is missing"
  fi
  command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME)"
  local dir app newer
  dir="$(dirname "$PGWARDEN_JAR")"
  app="$(ls -t "$dir"/app/*.jar 2>/dev/null | head -n1 || true)"
  [[ -n "$app" ]] || app="$PGWARDEN_JAR"
  GW_BUILT="$(date -r "$app" '+%Y-%m-%d %H:%M:%S %Z')"
  if [[ -d "$REPO_ROOT/src/main" && "$PGWARDEN_JAR" == "$REPO_ROOT"/* ]]; then
    newer="$(find "$REPO_ROOT/src/main" -type f -newer "$app" 2>/dev/null | wc -l)"
    if ((newer > 0)); then
      GW_STALE="$newer files under src/main are newer than the jar"
      log "NOTE: $GW_STALE (built $GW_BUILT); the run measures that build (BENCH_REBUILD=1 rebuilds)"
    fi
  fi
  if [[ -d "$dir/lib" && -d "$dir/app" && -d "$dir/quarkus" ]]; then
    cp -a "$dir" "$WORK/quarkus-app" || die "cannot copy $dir to $WORK"
    RUN_JAR="$WORK/quarkus-app/$(basename "$PGWARDEN_JAR")"
  else
    RUN_JAR="$PGWARDEN_JAR"
  fi
}

# the rule that makes every SELECT wait for the planner's row estimate before it runs
BIG_READS_RULE="  - name: big-reads
    match: { statement: [select], estimated_rows_over: $BENCH_RULE_ROWS }
    action: require_approval
    message: \"reads this large need an approver\""
write_policy() { # gateway file
  case "$1" in
    pgwarden|pgwarden-audit)
      cat >"$2" <<EOF
# generated by bench/run.sh: map group 'bench' to role bench_rw, allow everything
roles:
  - group: bench
    role: bench_rw
default: allow
EOF
      ;;
    pgwarden-rule)
      cat >"$2" <<EOF
# generated by bench/run.sh: the pass-through policy plus one rule with estimated_rows_over
roles:
  - group: bench
    role: bench_rw
rules:
$BIG_READS_RULE
default: allow
EOF
      ;;
    pgwarden-example)
      # deploy/policy.example.yaml as shipped, with the estimate rule first among its rules (for analysts)
      python3 - "$REPO_ROOT/deploy/policy.example.yaml" "$2" "$BIG_READS_RULE" <<'PY'
import sys
src, dst, rule = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(src).read().splitlines(keepends=True)
out, done = [], False
for line in lines:
    out.append(line)
    if line.rstrip() == "rules:" and not done:
        out.append(rule.replace("  - name: big-reads\n", "  - name: big-reads\n    groups: [analysts]\n", 1) + "\n")
        done = True
if not done:
    sys.exit("no 'rules:' in " + src)
open(dst, "w").write("# generated by bench/run.sh from deploy/policy.example.yaml plus the rule big-reads\n" + "".join(out))
PY
      ;;
    pgwarden-masked|pgwarden-budget)
      cat >"$2" <<EOF
# generated by bench/run.sh: the roles of the pass-through policy plus masking, detectors and a rule
roles:
  - group: bench
    role: bench_rw
masking:
  columns:
    - column: public.customers.ssn
      with: redact
    - column: "*.card_number"
      with: last4
    - column: public.customers.email
      with: email
  detectors: [ssn, card, email]
  on_derived: mask
rules:
  - name: no-ddl
    match: { statement: [ddl, call, do] }
    action: block
    message: "read-only"
default: allow
EOF
      if [[ "$1" == pgwarden-budget ]]; then
        # every pgbench statement is checked against the budget at the gate and metered on the stream;
        # its usage is flushed to the store every second (limits far out of reach: nothing is held)
        cat >>"$2" <<EOF
budgets:
  - name: bench-accounts
    groups: [bench]
    tables: [public.pgbench_accounts]
    rows_per_hour: 1000000000000
    bytes_per_hour: 1000000000000000
EOF
      fi
      ;;
  esac
}

# async-profiler (tools.profiler:async-profiler from Maven Central) for BENCH_PROFILE: the agent's path
profiler_agent() {
  local jar="$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar"
  if [[ ! -f "$jar" ]]; then
    "$REPO_ROOT/mvnw" -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.1 >/dev/null \
      || die "BENCH_PROFILE: could not fetch tools.profiler:async-profiler:4.1 from Maven Central"
  fi
  mkdir -p "$WORK/async-profiler"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("linux-x64/libasyncProfiler.so", sys.argv[2])' \
    "$jar" "$WORK/async-profiler" || die "BENCH_PROFILE: could not unpack $jar"
  echo "$WORK/async-profiler/linux-x64/libasyncProfiler.so"
}
profiled() { [[ ",$BENCH_PROFILE," == *",$1,"* ]]; }
PROFILER_AGENT=""
JCMD="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
if [[ -n "$BENCH_PROFILE" ]]; then
  PROFILER_AGENT="$(profiler_agent)"
  [[ -f "$PROFILER_AGENT" ]] || die "BENCH_PROFILE: no async-profiler agent"
fi

# Starts profiling a gateway now (the agent was loaded idle at start-up, so start-up and JIT stay out).
# jcmd reads name=value pairs: the agent's options go in quotes of their own.
profile_start() { # gateway
  profiled "$1" || return 0
  "$JCMD" "$(gw_pid "$1")" JVMTI.agent_load "$PROFILER_AGENT" "\"start,event=cpu,interval=1ms${BENCH_PROFILE_OPTS:+,$BENCH_PROFILE_OPTS}\"" >/dev/null 2>&1 \
    || log "BENCH_PROFILE: could not start the profiler in $1"
}
profile_stop() { # gateway what
  profiled "$1" || return 0
  mkdir -p "$BENCH_RESULTS_DIR"
  local out="$BENCH_RESULTS_DIR/$(date +%Y%m%d-%H%M%S)-$1-$2-cpu.html"
  # the same samples as collapsed stacks too (one line per stack: grep and sort them)
  "$JCMD" "$(gw_pid "$1")" JVMTI.agent_load "$PROFILER_AGENT" "\"dump,file=${out%.html}.collapsed\"" >/dev/null 2>&1
  "$JCMD" "$(gw_pid "$1")" JVMTI.agent_load "$PROFILER_AGENT" "\"stop,file=$out\"" >/dev/null 2>&1 \
    && log "flame graph of $1 ($2, CPU): $out" || log "BENCH_PROFILE: could not stop the profiler in $1"
}

start_gateway() { # one of GATEWAYS
  local gw="$1" port issuer http pid recording=false
  if records_audit "$gw"; then recording=true; fi
  port="$(gw_port "$gw")"; issuer="$(gw_issuer_port "$gw")"; http="$(gw_http_port "$gw")"
  mkdir -p "$WORK/$gw"
  write_policy "$gw" "$WORK/$gw/policy.yaml"
  local -a jopts
  read -ra jopts <<<"$JAVA_OPTS"
  if profiled "$gw"; then jopts+=("-agentpath:$PROFILER_AGENT"); fi  # loaded idle; see profile_start
  log "starting $gw: $JAVA ${JAVA_OPTS} -jar $RUN_JAR (policy $WORK/$gw/policy.yaml, audit $recording)"
  (
    cd "$WORK/$gw"
    exec env \
      PGWARDEN_LISTEN_HOST=127.0.0.1 PGWARDEN_LISTEN_PORT="$port" \
      PGWARDEN_UPSTREAM_HOST=127.0.0.1 PGWARDEN_UPSTREAM_PORT="$PG_PORT" \
      PGWARDEN_UPSTREAM_DATABASE=bench PGWARDEN_UPSTREAM_USER=pgwarden_gw \
      PGWARDEN_UPSTREAM_PASSWORD="$GW_DB_PW" PGWARDEN_UPSTREAM_SSL_MODE=disable \
      PGWARDEN_POLICY_FILE="$WORK/$gw/policy.yaml" \
      PGWARDEN_DEV_ISSUER_ENABLED=true PGWARDEN_DEV_ISSUER_PORT="$issuer" \
      QUARKUS_OIDC_AUTH_SERVER_URL="http://127.0.0.1:$issuer" \
      QUARKUS_HTTP_PORT="$http" \
      QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$GW_STORE_PORT/store_${gw//-/_}" \
      QUARKUS_DATASOURCE_USERNAME=pgwarden_store QUARKUS_DATASOURCE_PASSWORD="$STORE_PW" \
      PGWARDEN_AUDIT_ENABLED="$recording" \
      PGWARDEN_AUDIT_FAIL_CLOSED="$([[ "$gw" == pgwarden-example ]] && echo true || echo "$BENCH_AUDIT_FAIL_CLOSED")" \
      "$JAVA" "${jopts[@]}" -jar "$RUN_JAR"
  ) >"$WORK/$gw.log" 2>&1 &
  pid=$!
  GW_PID[$gw]=$pid
  fetch_token "$gw" 60
  log "got a token from $gw's dev issuer on port $issuer; waiting for 'select 1' through the gateway"
  wait_ready "$gw" "$port" bench "$GW_TOKEN" 60 "$pid"
  log "$gw ready on 127.0.0.1:$port (pid $pid)"
}

target_port() {
  case "$1" in direct) echo "$PG_PORT";; pgbouncer) echo "$PGB_PORT";; haproxy) echo "$HAP_PORT";;
    pgwarden*) gw_port "$1";; esac
}
target_user() { if is_gateway "$1"; then echo bench; else echo "$BENCH_USER"; fi; }
target_pid() {
  case "$1" in pgbouncer) echo "$PGB_PID";; haproxy) echo "$HAP_PID";; pgwarden*) gw_pid "$1";;
    *) echo "";; esac
}
target_password() { # the token is fetched again for every client run, so expiry cannot bite
  if is_gateway "$1"; then fetch_token "$1" 30; echo "$GW_TOKEN"; else echo "$BENCH_USER_PW"; fi
}
# does a gateway run its policy? (warns; the report shows the verdicts too)
# pgwarden-masked: SSN masked, DDL blocked by no-ddl; pgwarden-example: SSN masked, INSERT blocked by agents-read-only
SMOKE=()
smoke_check() { # gateway probe-sql refusal-text rule-name
  local gw="$1" probe="$2" refusal="$3" rule="$4" pw out raw verdicts=() port
  pw="$(target_password "$gw")"
  port="$(gw_port "$gw")"
  if ((${#CUSTOMER_NEEDLES[@]} > 0)); then
    raw="$(admin_psql -d bench -At -c "SELECT ssn FROM customers ORDER BY id LIMIT 1")"
    out="$(PGPASSWORD="$pw" psql -X -At -h 127.0.0.1 -p "$port" -U bench -d bench \
      -c "SELECT ssn FROM customers ORDER BY id LIMIT 1" 2>&1 || true)"
    if [[ -z "$out" || "$out" == *ERROR* ]]; then
      verdicts+=("SELECT ssn failed: $(printf '%s' "$out" | head -n1)")
    elif [[ "$out" == "$raw" ]]; then
      verdicts+=("ssn NOT masked ($out)")
    else
      verdicts+=("ssn masked ($raw -> $out)")
    fi
  fi
  out="$(PGPASSWORD="$pw" psql -X -At -h 127.0.0.1 -p "$port" -U bench -d bench -c "$probe" 2>&1 || true)"
  if [[ "$out" == *"$refusal"* ]]; then
    verdicts+=("'$probe' blocked by rule $rule")
  else
    verdicts+=("'$probe' NOT blocked ($(printf '%s' "$out" | head -n1))")
  fi
  local v
  v="$(IFS=';'; echo "${verdicts[*]}" | sed 's/;/; /g')"
  SMOKE+=("$gw: $v")
  if [[ "$v" == *NOT* || "$v" == *failed* ]]; then
    log "WARNING: $gw does not behave as its policy says: $v"
  else
    log "$gw policy check: $v"
  fi
}

check_alive() {
  local pid; pid="$(target_pid "$1")"
  [[ -z "$pid" ]] || kill -0 "$pid" 2>/dev/null || die "$1 (pid $pid) is no longer running"
}

# A run that fails or hangs (killed after its timeout) is recorded, reported and skipped: the other
# measurements go on, the report marks the gap, and the script exits 3 at the end.
FAILURES=()
record_failure() { # target what
  FAILURES+=("$1: $2")
  log "ERROR: $2 against $1 failed or hung (see above); continuing, the report marks it"
  {
    echo "### $(date +%T) server sessions after the failure of $2 against $1"
    admin_psql -d bench -c "SELECT pid, usename, state, wait_event, date_trunc('second', now() - state_change) AS for,
        left(query, 60) AS last_query FROM pg_stat_activity
        WHERE datname = 'bench' AND pid <> pg_backend_pid() ORDER BY usename, state_change" 2>&1
  } | tee -a "$WORK/activity.log" | sed 's/^/    /' >&2 || true
}

# records written and dropped so far by a gateway with the audit trail on (its /q/metrics)
audit_counters() { # gateway -> "written dropped"
  local metrics
  metrics="$(curl -sf --max-time 5 "http://127.0.0.1:$(gw_http_port "$1")/q/metrics" || true)"
  printf '%s\n' "$metrics" | awk '/^pgwarden_audit_records_written_total/ {w = $2}
    /^pgwarden_audit_records_dropped_total/ {d = $2} END {printf "%d %d", w, d}'
}

run_pgbench() { # target mode round kind seconds clients; returns 1 (after recording it) when the run failed
  local t="$1" m="$2" r="$3" kind="$4" secs="$5" c="$6" pw before="" after started latency=() store_pid=""
  local skip=0 progress=()
  check_alive "$t"
  pw="$(target_password "$t")" || die "no password/token for $t"
  local -a statement=(-S -M "$m")
  if [[ "$m" == literals ]]; then
    # pgbench -S's query with a string literal that changes every time, as psycopg2 and psql send
    # parameters inline: no two texts share a cached analysis or decision (numbers alone would)
    statement=(-M simple -f "$WORK/literals.sql")
  elif [[ "$m" == connect ]]; then
    # a client that connects for each task: the login (for pgwarden: token check, upstream SCRAM) every time
    statement=(-S -M simple -C)
  fi
  if [[ "$kind" == measure ]]; then
    # per-statement latency: pgbench's transaction log (pgbench -S runs one statement per transaction)
    mkdir -p "$WORK/latency"
    latency=(-l --log-prefix="$WORK/latency/$t-$m-$c-$r" --sampling-rate="$BENCH_LATENCY_SAMPLING")
    # The window opens BENCH_SKIP s into the run: its clients' logins (OIDC, upstream SCRAM) and the JIT
    # work they set off (a quarter of a recording gateway's CPU in the 10 s after them, on two busy
    # cores) stay out of the figures, as they do for a gateway whose clients stay connected.
    skip="$BENCH_SKIP"; progress=(-P 1)
    if records_audit "$t"; then
      before="$(audit_counters "$t")"
      store_pid="$(head -1 "$STORE_DATA/postmaster.pid" 2>/dev/null || true)"  # its CPU per transaction too
    fi
  fi
  started=$SECONDS
  if PGPASSWORD="$pw" python3 "$LIB" pgbench --target "$t" --mode "$m" --round "$r" --kind "$kind" \
    --clients "$c" --latency-log-prefix "${latency:+$WORK/latency/$t-$m-$c-$r}" \
    --skip "$skip" --out "$RESULTS" --log "$WORK/pgbench.log" --timeout $((secs + skip + BENCH_GRACE)) --pid "$(target_pid "$t")" --store-pid "$store_pid" \
    --db-pid "$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null || true)" -- \
    pgbench -n "${statement[@]}" -c "$c" -j "$BENCH_JOBS" -T "$((secs + skip))" "${progress[@]}" "${latency[@]}" \
    -h 127.0.0.1 -p "$(target_port "$t")" -U "$(target_user "$t")" bench; then
    if [[ -n "$before" ]]; then
      after="$(audit_counters "$t")"
      python3 "$LIB" audit --target "$t" --mode "$m" --round "$r" --clients "$c" --before "$before" \
        --after "$after" --seconds "$((SECONDS - started))" --out "$RESULTS"
    fi
    return 0
  fi
  check_alive "$t"
  record_failure "$t" "pgbench -S -M $m -c $c ($kind, round $r)"
  return 1
}

# ------------------------------------------------------------------------------------------------
# start the proxies
# (plain `if`s: a function called as part of an && list would run with `set -e` suspended)
if has_target pgbouncer; then start_pgbouncer; fi
if has_target haproxy; then start_haproxy; fi
if has_gateway; then prepare_pgwarden; fi
for g in "${GATEWAYS[@]}"; do
  if has_target "$g"; then start_gateway "$g"; fi
done
if has_target pgwarden-masked; then smoke_check pgwarden-masked "CREATE TEMP TABLE bench_ddl_probe (x int)" read-only no-ddl; fi
if has_target pgwarden-budget; then smoke_check pgwarden-budget "CREATE TEMP TABLE bench_ddl_probe (x int)" read-only no-ddl; fi
if has_target pgwarden-example; then
  smoke_check pgwarden-example "INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 1)" \
    "agents are read-only" agents-read-only
fi
if has_target direct; then wait_ready direct "$PG_PORT" "$BENCH_USER" "$BENCH_USER_PW" 10; fi

# ------------------------------------------------------------------------------------------------
# pgbench -S, targets interleaved (order rotated each round)
cat >"$WORK/literals.sql" <<EOF
\\set aid random(1, 100000 * $BENCH_SCALE)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid AND filler <> 'not :aid';
EOF
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
n=${#TARGETS[@]}
for c in "${CLIENTS[@]}"; do
  for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    for m in "${MODES[@]}"; do
      log "pgbench -S -M $m -c $c (round $round/$BENCH_ROUNDS)"
      for ((i = 0; i < n; i++)); do
        t="${TARGETS[$(((i + round - 1) % n))]}"
        # Two warm-ups: the JIT compiles the steady state during the first, and its clients' new
        # connections at the start of the second send it back to recompiling hot code for seconds
        # (class-check deoptimizations), which would otherwise land in the measured run.
        if ((BENCH_WARMUP > 0)) && ! { run_pgbench "$t" "$m" "$round" warmup "$BENCH_WARMUP" "$c" \
            && run_pgbench "$t" "$m" "$round" warmup "$(( BENCH_WARMUP < 5 ? BENCH_WARMUP : 5 ))" "$c"; }; then
          log "skipping the measured run of $t ($m, $c clients): its warm-up failed"
          continue
        fi
        (sleep "$BENCH_SKIP"; profile_start "$t") &  # the profile covers the window
        starter=$!
        run_pgbench "$t" "$m" "$round" measure "$BENCH_SECONDS" "$c" || true
        wait "$starter"
        profile_stop "$t" "$m-c$c-r$round"
      done
    done
  done
done

# ------------------------------------------------------------------------------------------------
# the audit store at saturation: the gateway's own writer fed as fast as the store commits
INGEST=""
COMMIT_LATENCY=""
if has_gateway && ((BENCH_INGEST_SECONDS > 0)); then
  log "audit store ingest at saturation (AuditStoreBench, ${BENCH_INGEST_SECONDS}s, store fsync $BENCH_STORE_FSYNC)"
  printf '%s' "$STORE_PW" >"$WORK/store.pw"
  app="$(dirname "$RUN_JAR")"
  read -ra jopts <<<"$JAVA_OPTS"
  if "$JAVA" "${jopts[@]}" -cp "$app/app/*:$app/lib/main/*:$app/lib/boot/*" dev.pgwarden.audit.AuditStoreBench \
    --url "jdbc:postgresql://127.0.0.1:$STORE_PORT/store_ingest" --user pgwarden_store \
    --password-file "$WORK/store.pw" --seconds "$BENCH_INGEST_SECONDS" --waiting "${CLIENTS[0]}" \
    >"$WORK/ingest.log" 2>&1; then
    INGEST="$(grep '^audit store ingest:' "$WORK/ingest.log" | sed 's/^audit store ingest: //')"
    COMMIT_LATENCY="$(grep '^audit commit latency:' "$WORK/ingest.log" | sed 's/^audit commit latency: //')"
    log "audit store ingest: $INGEST"
    log "audit commit latency: $COMMIT_LATENCY"
  else
    FAILURES+=("audit store ingest: AuditStoreBench failed (see $WORK/ingest.log)")
    show_tail "$WORK/ingest.log" "audit store ingest" 30
  fi
fi

# ------------------------------------------------------------------------------------------------
# large results through psql
if [[ "$BENCH_LARGE" == 1 ]]; then
  declare -A LARGE_SQL=(
    [copy]="COPY (SELECT g, md5(g::text) FROM generate_series(1,$BENCH_ROWS) g) TO STDOUT"
    [select]="SELECT g, md5(g::text) FROM generate_series(1,$BENCH_ROWS) g"
  )
  run_large() { # test target [extra benchlib args...]
    local test="$1" t="$2" pw pid
    shift 2
    check_alive "$t"
    pw="$(target_password "$t")" || die "no password/token for $t"
    pid="$(target_pid "$t")"
    if ! PGPASSWORD="$pw" python3 "$LIB" large --target "$t" --test "$test" --pid "${pid:-0}" \
      --repeat "$BENCH_LARGE_REPEAT" --timeout "$BENCH_LARGE_TIMEOUT" --out "$RESULTS" "$@" -- \
      psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(target_port "$t")" -U "$(target_user "$t")" -d bench \
      -c "${LARGE_SQL[$test]}"; then
      check_alive "$t"
      record_failure "$t" "large result $test"
    fi
  }
  for test in copy select; do
    log "large result: $test of $BENCH_ROWS rows (1 counted run + $BENCH_LARGE_REPEAT timed runs per target)"
    for t in "${TARGETS[@]}"; do
      # their rules hold such reads for an approver (COPY out, an estimate over BENCH_RULE_ROWS)
      [[ "$t" == pgwarden-rule || "$t" == pgwarden-example ]] || run_large "$test" "$t"
    done
  done
  if ((${#CUSTOMERS_TARGETS[@]} > 0)); then
    LARGE_SQL[customers]="SELECT * FROM customers"
    log "large result: SELECT * FROM customers, $BENCH_ROWS rows, masked columns (1 counted run + $BENCH_LARGE_REPEAT timed runs per target)"
    for t in "${CUSTOMERS_TARGETS[@]}"; do run_large customers "$t" "${CUSTOMER_NEEDLES[@]}"; done
  fi
fi

# ------------------------------------------------------------------------------------------------
# proxy memory after all runs
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
log "proxy memory after the runs"
for t in "${TARGETS[@]}"; do
  pid="$(target_pid "$t")"
  [[ -z "$pid" ]] || python3 "$LIB" mem --target "$t" --pid "$pid" --out "$RESULTS" || die "cannot read memory of $t"
done
AUDIT_RECORDS=()
for g in pgwarden-audit pgwarden-example; do
  if has_target "$g"; then
    read -r written dropped <<<"$(audit_counters "$g")"
    fc="$BENCH_AUDIT_FAIL_CLOSED"
    [[ "$g" != pgwarden-example ]] || fc=true
    AUDIT_RECORDS+=("$g: ${written:-?} records written, ${dropped:-?} dropped (fail-closed $fc)")
    log "${AUDIT_RECORDS[-1]}"
  fi
done
BUDGET_ROWS=""
if has_target pgwarden-budget; then
  metrics="$(curl -sf --max-time 5 "http://127.0.0.1:$(gw_http_port pgwarden-budget)/q/metrics" || true)"
  rows="$(printf '%s\n' "$metrics" | awk '/^pgwarden_budget_rows_total\{budget="bench-accounts"/ {printf "%d", $2}')"
  BUDGET_ROWS="${rows:-?}"
  log "pgwarden-budget: budget bench-accounts counted $BUDGET_ROWS rows"
fi

# ------------------------------------------------------------------------------------------------
# report
TS="$(date +%Y%m%d-%H%M%S)"
PGB_VER=""; HAP_VER=""; JAVA_VER=""; GW_DESC=""
has_target pgbouncer && PGB_VER="$( (pgbouncer -V 2>/dev/null || true) | head -n1)"
has_target haproxy && HAP_VER="$( (haproxy -v 2>/dev/null || true) | head -n1 | awk '{print "HAProxy " $3}')"
if has_gateway; then
  JAVA_VER="$( ("$JAVA" -version 2>&1 || true) | head -n1)"
  GW_DESC="$(basename "$(dirname "$(dirname "$PGWARDEN_JAR")")")/$(basename "$(dirname "$PGWARDEN_JAR")")/$(basename "$PGWARDEN_JAR")"
  GW_DESC+=" (built $GW_BUILT${GW_STALE:+; $GW_STALE})"
fi
python3 "$LIB" meta --out "$WORK/meta.json" --repo "$REPO_ROOT" \
  "timestamp=$(date '+%Y-%m-%d %H:%M:%S %Z')" "targets=$BENCH_TARGETS" "modes=$BENCH_MODES" \
  "seconds=$BENCH_SECONDS" "clients=$BENCH_CLIENTS" "jobs=$BENCH_JOBS" "scale=$BENCH_SCALE" \
  "warmup=$BENCH_WARMUP" "skip=$BENCH_SKIP" "rounds=$BENCH_ROUNDS" "rows=$BENCH_ROWS" "large_repeat=$BENCH_LARGE_REPEAT" \
  "pg_version=PostgreSQL $PG_VERSION" "pgbouncer_version=$PGB_VER" "haproxy_version=$HAP_VER" \
  "java_version=$JAVA_VER" "java_opts=$JAVA_OPTS" "pgwarden=$GW_DESC" \
  "smoke=$(IFS='|'; echo "${SMOKE[*]}")" "audit_records=$(IFS='|'; echo "${AUDIT_RECORDS[*]}")" \
  "store_fsync=$BENCH_STORE_FSYNC" "store_delay_ms=$BENCH_STORE_DELAY_MS" "ingest=$INGEST" "commit_latency=$COMMIT_LATENCY" "rule_rows=$BENCH_RULE_ROWS" \
  "latency_sampling=$BENCH_LATENCY_SAMPLING" "budget_rows=$BUDGET_ROWS" \
  "loadavg_start=$LOAD_START" "loadavg_end=$LOAD_END"
mkdir -p "$BENCH_RESULTS_DIR"
OUT="$BENCH_RESULTS_DIR/$TS.md"
echo
python3 "$LIB" report --results "$RESULTS" --meta "$WORK/meta.json" --output "$OUT"
cp "$RESULTS" "$BENCH_RESULTS_DIR/$TS.tsv"
echo
log "summary written to $OUT (raw records: $BENCH_RESULTS_DIR/$TS.tsv)"
if ((${#FAILURES[@]} > 0)); then
  printf '[bench] %d run(s) failed or hung:\n' "${#FAILURES[@]}" >&2
  printf '[bench]   %s\n' "${FAILURES[@]}" >&2
  [[ ! -s "$WORK/activity.log" ]] || show_tail "$WORK/activity.log" "server sessions after each failure" 80
  exit 3
fi
