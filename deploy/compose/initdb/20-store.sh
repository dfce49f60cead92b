#!/usr/bin/env bash
# Runs once, on an empty data directory, from the postgres image's /docker-entrypoint-initdb.d
# (as the postgres user, after 10-shop.sh).
# The gateway's own store (approval requests, audit trail): database pgwarden_store owned by the
# login role pgwarden_store, which holds nothing in the served database "shop". The gateway's
# Flyway migrations create and fill the pgwarden schema at start. No one else may connect to it:
# the roles agents act as (analyst_ro, support_ro, pgwarden_gw) never see the audit trail.
# The password from the environment is a psql variable, quoted by psql, never pasted into SQL.
set -euo pipefail
: "${STORE_DB_PASSWORD:?STORE_DB_PASSWORD is not set}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
    -v store_password="$STORE_DB_PASSWORD" <<'SQL'
CREATE ROLE pgwarden_store LOGIN PASSWORD :'store_password';
CREATE DATABASE pgwarden_store OWNER pgwarden_store;
REVOKE ALL ON DATABASE pgwarden_store FROM PUBLIC;
SQL
echo "pgwarden store created (database pgwarden_store, role pgwarden_store)"
