#!/usr/bin/env bash
# Stops the API started by deploy/local/run.sh (pid file .local/api.pid), the
# standby of deploy/local/replica.sh, then the project's PostgreSQL cluster. Safe
# to run when nothing is running.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cv_stop_api
cv_stop_standby
cv_stop_db
