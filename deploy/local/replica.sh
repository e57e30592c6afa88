#!/usr/bin/env bash
# Starts a streaming standby (hot, read-only) of the project's cluster on this machine.
#
#   deploy/local/replica.sh [--rebuild]
#
# Data directory .local/pgdata-standby, port CV_STANDBY_PORT (default CV_PG_PORT + 1), log
# .local/postgres-standby.log; deploy/local/stop.sh stops it. The first run takes a base backup
# of the primary (pg_basebackup -R: standby.signal and primary_conninfo, streaming as postgres
# over the Unix socket, no replication slot: a standby left stopped for long may need
# --rebuild, a primary never keeps WAL for it). --rebuild discards the standby and takes a new
# backup. The primary (deploy/local/run.sh's cluster) is started if it is not running.
# Prints the replication state as the primary sees it, and the connection strings that send
# reads to the standby (Npgsql multi-host: Target Session Attributes, Load Balance Hosts).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rebuild=0
case "${1:-}" in
    --rebuild) rebuild=1 ;;
    -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    "") ;;
    *) cv_die "unknown argument: $1" ;;
esac
[[ "$CV_STANDBY_PORT" != "$CV_PG_PORT" ]] || cv_die "the standby needs a port of its own (CV_STANDBY_PORT)"

cv_install_postgres
cv_install_pgvector
cv_start_db >/dev/null
# An older cluster's pg_hba.conf (written before replica.sh) lacks the replication line.
if ! grep -q '^local[[:space:]]\+replication' "$CV_PGDATA/pg_hba.conf"; then
    printf 'local   replication postgres           peer\n' >> "$CV_PGDATA/pg_hba.conf"
    cv__psql_admin postgres -c 'SELECT pg_reload_conf()' >/dev/null
fi

if (( rebuild )); then
    cv_stop_standby
    rm -rf "$CV_STANDBY_DATA"
fi
if cv__standby_running; then
    cv_log "the standby is running already (port $(sed -n 4p "$CV_STANDBY_DATA/postmaster.pid"))"
else
    if [[ ! -f "$CV_STANDBY_DATA/PG_VERSION" ]]; then
        cv_log "base backup of 127.0.0.1:$CV_PG_PORT into ${CV_STANDBY_DATA#"$CV_REPO"/}"
        rm -rf "$CV_STANDBY_DATA"
        mkdir -p "$CV_STANDBY_DATA"; chown postgres:postgres "$CV_STANDBY_DATA"; chmod 700 "$CV_STANDBY_DATA"
        cv__as_postgres "$CV_PG_BIN/pg_basebackup" -D "$CV_STANDBY_DATA" -h "$CV_PG_SOCKET_DIR" -p "$CV_PG_PORT" \
            -U postgres -X stream -R -c fast --no-sync
    fi
    # The backup copied the primary's settings; the standby listens on its own port.
    sed -i "s/^port = .*/port = $CV_STANDBY_PORT/" "$CV_STANDBY_DATA/colorvariants.conf"
    grep -q '^hot_standby_feedback' "$CV_STANDBY_DATA/colorvariants.conf" \
        || printf 'hot_standby = on\nhot_standby_feedback = on\n' >> "$CV_STANDBY_DATA/colorvariants.conf"
    touch "$CV_STANDBY_DATA/standby.signal"
    chown postgres:postgres "$CV_STANDBY_DATA/colorvariants.conf" "$CV_STANDBY_DATA/standby.signal"
    touch "$CV_STANDBY_LOG"; chown postgres:postgres "$CV_STANDBY_LOG"
    cv_log "starting the standby on 127.0.0.1:$CV_STANDBY_PORT (log: ${CV_STANDBY_LOG#"$CV_REPO"/})"
    cv__as_postgres "$CV_PG_BIN/pg_ctl" start -D "$CV_STANDBY_DATA" -l "$CV_STANDBY_LOG" -w -t 120 -s \
        || { tail -n 30 "$CV_STANDBY_LOG" >&2; cv_die "the standby did not start"; }
fi
for (( i = 0; i < 60; i++ )); do
    "$CV_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$CV_STANDBY_PORT" && break
    sleep 0.5
done
[[ "$(cv__psql_admin postgres -At -h "$CV_PG_SOCKET_DIR" -p "$CV_STANDBY_PORT" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" == t ]] \
    || cv_die "127.0.0.1:$CV_STANDBY_PORT is not a standby"
for (( i = 0; i < 60; i++ )); do
    state="$(cv__psql_admin postgres -At -c "SELECT state FROM pg_stat_replication LIMIT 1")"
    [[ "$state" == streaming ]] && break
    sleep 0.5
done
cv_log "replication as the primary sees it:"
cv__psql_admin postgres -c "SELECT application_name, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_bytes_behind, replay_lag FROM pg_stat_replication" >&2
base="Username=$CV_DB_USER;Password=$CV_DB_PASSWORD;Database=$CV_DB_NAME"
cv_log "writes: ConnectionStrings__Catalog='Host=127.0.0.1:$CV_PG_PORT,127.0.0.1:$CV_STANDBY_PORT;Target Session Attributes=primary;$base'"
cv_log "reads:  ConnectionStrings__CatalogRead='Host=127.0.0.1:$CV_PG_PORT,127.0.0.1:$CV_STANDBY_PORT;Target Session Attributes=prefer-standby;Load Balance Hosts=true;$base'"
