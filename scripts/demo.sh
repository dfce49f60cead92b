#!/usr/bin/env bash
# Runs pgwarden locally on a working default: a throwaway PostgreSQL with sample data and the
# gateway's own store database, the gateway, and its built-in DEVELOPMENT token issuer. Prints a
# ready psql line. Ctrl-C stops all.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${PGWARDEN_DEMO_DIR:-$ROOT/.pgwarden/demo}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
PG_PORT="${PG_PORT:-55432}"
GW_PORT="${GW_PORT:-15432}"
ISSUER_PORT="${ISSUER_PORT:-8180}"
HTTP_PORT="${HTTP_PORT:-8080}"

[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  [ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  [ -d "$WORK/pgdata" ] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
# Build when there is no jar, or when the sources changed since it was built (an old jar may not read
# the current example policy).
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" "$ROOT/deploy/policy.example.yaml" -newer "$JAR" -print -quit)" ]; then
  echo "building pgwarden..."
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi

rm -rf "$WORK" && mkdir -p "$WORK"
[ "$(id -u)" = 0 ] && chown postgres "$WORK"
GW_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
SU_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
STORE_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
echo "$SU_PASSWORD" > "$WORK/su.pw"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/su.pw"
echo "$GW_PASSWORD" > "$WORK/upstream.pw"; chmod 600 "$WORK/upstream.pw"
# The console's login: the development issuer and the gateway share this client secret.
CONSOLE_SECRET="$(head -c 36 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"

echo "starting PostgreSQL on 127.0.0.1:$PG_PORT..."
as_pg "$PG_BIN/initdb" -D "$WORK/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$WORK/su.pw" -E UTF8 --locale=C >/dev/null
cat >> "$WORK/pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK'
CONF
sed -i '1i host all pgwarden_md5 127.0.0.1/32 md5' "$WORK/pgdata/pg_hba.conf"
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/postgres.log" -w start >/dev/null
psql_su() { "$PG_BIN/psql" -X -q -h "$WORK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_su -d postgres -c "CREATE DATABASE shop"
sed -e "s/{{GATEWAY_PASSWORD}}/'$GW_PASSWORD'/" -e "s/{{MD5_PASSWORD}}/'$GW_PASSWORD'/" \
  "$ROOT/src/test/resources/fixture/init.sql" | psql_su -d shop >/dev/null
# The gateway's own store (approvals, audit): a database and login of its own, never the served
# database; the gateway's Flyway migrations create the pgwarden schema in it at start.
psql_su -d postgres -v store_password="$STORE_PASSWORD" >/dev/null <<'SQL'
CREATE ROLE pgwarden_store LOGIN PASSWORD :'store_password';
CREATE DATABASE pgwarden_store OWNER pgwarden_store;
REVOKE ALL ON DATABASE pgwarden_store FROM PUBLIC;
SQL

echo "starting pgwarden on 127.0.0.1:$GW_PORT..."
PGWARDEN_LISTEN_HOST=127.0.0.1 PGWARDEN_LISTEN_PORT="$GW_PORT" \
PGWARDEN_UPSTREAM_HOST=127.0.0.1 PGWARDEN_UPSTREAM_PORT="$PG_PORT" PGWARDEN_UPSTREAM_DATABASE=shop \
PGWARDEN_UPSTREAM_USER=pgwarden_gw PGWARDEN_UPSTREAM_PASSWORD_FILE="$WORK/upstream.pw" \
PGWARDEN_POLICY_FILE="$ROOT/deploy/policy.example.yaml" \
PGWARDEN_DEV_ISSUER_ENABLED=true PGWARDEN_DEV_ISSUER_PORT="$ISSUER_PORT" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/pgwarden_store" \
QUARKUS_DATASOURCE_USERNAME=pgwarden_store QUARKUS_DATASOURCE_PASSWORD="$STORE_PASSWORD" \
PGWARDEN_DEV_ISSUER_CLIENT_SECRET="$CONSOLE_SECRET" QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET="$CONSOLE_SECRET" \
QUARKUS_OIDC_AUTH_SERVER_URL="http://127.0.0.1:$ISSUER_PORT" QUARKUS_HTTP_PORT="$HTTP_PORT" \
  java ${JAVA_OPTS:-} -jar "$ROOT/target/quarkus-app/quarkus-run.jar" > "$WORK/pgwarden.log" 2>&1 &
GW_PID=$!

# Up = psql works through the gateway and readiness (upstream, policy, store) says UP.
up=0
for _ in $(seq 1 120); do
  TOKEN="$(curl -fs "http://127.0.0.1:$ISSUER_PORT/token.txt?sub=agent-7&groups=analysts" 2>/dev/null || true)"
  if [ -n "$TOKEN" ] && PGPASSWORD="$TOKEN" "$PG_BIN/psql" -X -q "host=127.0.0.1 port=$GW_PORT user=agent-7 dbname=shop" \
       -c "select 1" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$HTTP_PORT/q/health/ready" >/dev/null 2>&1; then
    up=1
    break
  fi
  kill -0 "$GW_PID" 2>/dev/null || { echo "pgwarden failed to start:" >&2; tail -30 "$WORK/pgwarden.log" >&2; exit 1; }
  sleep 0.5
done
if [ "$up" != 1 ]; then
  echo "pgwarden did not become ready within 60 s:" >&2
  curl -s "http://127.0.0.1:$HTTP_PORT/q/health/ready" >&2 || true
  tail -30 "$WORK/pgwarden.log" >&2
  exit 1
fi

cat <<MSG

pgwarden is running (log: $WORK/pgwarden.log; readiness: http://127.0.0.1:$HTTP_PORT/q/health/ready).
Connect as an analyst with a fresh token:

  PGPASSWORD="\$(curl -s 'http://127.0.0.1:$ISSUER_PORT/token.txt?sub=agent-7&groups=analysts')" \\
    psql "host=127.0.0.1 port=$GW_PORT user=agent-7 dbname=shop"

Try: SELECT current_user, name, email, ssn, card_number FROM customers LIMIT 3;   (masked by the policy)
     INSERT INTO items VALUES (1, 'x');   (refused: agents are read-only)
     SELECT nextval('orders_id_seq');   (refused: a write inside a read)
     COPY customers TO STDOUT;   (held for approval by rule no-bulk-export; the NOTICE names its id)
Approve it in the console (below) as ann, or from another shell; the held COPY then runs, masked:

  curl -s -X POST -H "Authorization: Bearer \$(curl -s 'http://127.0.0.1:$ISSUER_PORT/token.txt?sub=ann&groups=pgwarden-approvers')" \\
    -H 'Content-Type: application/json' -d '{"reason": "ok"}' http://127.0.0.1:$HTTP_PORT/api/approvals/<id>/approve

The console: http://127.0.0.1:$HTTP_PORT/console/  (log in as alice / alice-demo: auditor;
ann / ann-demo: approver; agent / agent-demo: an analyst, whom the console refuses)
Press Ctrl-C to stop everything.
MSG
wait "$GW_PID"
