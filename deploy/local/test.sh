#!/usr/bin/env bash
# Runs the test suite against the project's local PostgreSQL + pgvector.
#
#   deploy/local/test.sh [extra dotnet test args...]
#
# Installs PostgreSQL 15 / pgvector if missing, starts the project cluster
# (.local/pgdata, 127.0.0.1:${CV_PG_PORT:-55432}) if needed, then runs
# `dotnet test ColorVariants.sln -c Release` with
# ConnectionStrings__Catalog pointing at the colorvariants_test database.
# The database is left running afterwards (stop it with deploy/local/stop.sh).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cv_require_dotnet
cv_install_postgres
cv_install_pgvector
cv_install_browser
cv_start_db
cv_db_url

export ConnectionStrings__Catalog="$CV_TEST_CONNECTION_STRING"
export CV_TEST_CONNECTION_STRING CV_CONNECTION_STRING

solution="$(cv_solution)"
cv_log "dotnet test ${solution#"$CV_REPO"/} -c Release $*"
rc=0
dotnet test "$solution" -c Release "$@" || rc=$?

cv_log "PostgreSQL is still running on 127.0.0.1:$CV_PG_PORT; stop it with: $CV_REPO/deploy/local/stop.sh"
if (( rc != 0 )); then
    cv_log "dotnet test failed (exit $rc)"
fi
exit "$rc"
