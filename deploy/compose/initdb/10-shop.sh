#!/usr/bin/env bash
# Runs once, on an empty data directory, from the postgres image's /docker-entrypoint-initdb.d
# (as the postgres user, database "shop" already created from POSTGRES_DB).
# Loads the test fixture's schema and sample data (src/test/resources/fixture/init.sql, mounted at
# /fixture/init.sql). Its {{GATEWAY_PASSWORD}} / {{MD5_PASSWORD}} placeholders become psql
# variables, so the password from the environment is quoted by psql, never pasted into SQL.
set -euo pipefail
: "${GATEWAY_DB_PASSWORD:?GATEWAY_DB_PASSWORD is not set}"

sed -e "s/{{GATEWAY_PASSWORD}}/:'gateway_password'/g" \
    -e "s/{{MD5_PASSWORD}}/:'gateway_password'/g" /fixture/init.sql \
  | psql -v ON_ERROR_STOP=1 --single-transaction --no-psqlrc \
      --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
      -v gateway_password="$GATEWAY_DB_PASSWORD"
echo "pgwarden sample data loaded into $POSTGRES_DB (roles analyst_ro, support_ro, pgwarden_gw)"
