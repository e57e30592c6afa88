#!/usr/bin/env bash
# shellcheck shell=bash
#
# Shared helpers for the local deployment scripts (deploy/local/*.sh, .ci/run).
# Source it; do not execute it:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It is safe under `set -euo pipefail`. Every cv_install_* / cv_start_db function
# is idempotent: a fast no-op when everything is already installed / running.
#
# The project runs its OWN PostgreSQL 15 cluster (never the Debian system cluster
# on port 5432): data in $CV_REPO/.local/pgdata, log in $CV_REPO/.local/postgres.log,
# listening on 127.0.0.1:${CV_PG_PORT:-55432} only, Unix socket in .local too.
#
# Tunables (environment):
#   CV_PG_PORT                port of the project cluster             (55432)
#   CV_PGVECTOR_VERSION       pgvector version to install             (0.8.0)
#   CV_PGVECTOR_SUITE         Debian suite to take its source from    (trixie)
#   CV_DEBIAN_MIRROR          mirror URI for that suite    (same as the machine's)
#   CV_DEBIAN_KEYRING         Signed-By keyring            (same as the machine's)
#   CV_PGVECTOR_OPTFLAGS      if set, passed as OPTFLAGS= to pgvector's make (Debian's
#                             source patches out upstream's -march=native; set
#                             CV_PGVECTOR_OPTFLAGS=-march=native to get it back)

if [[ -n "${CV__LIB_SOURCED:-}" ]]; then
    return 0
fi
CV__LIB_SOURCED=1

CV_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
CV_LOCAL="$CV_REPO/.local"
CV_PG_VERSION=15
CV_PG_BIN="/usr/lib/postgresql/$CV_PG_VERSION/bin"
CV_PG_CONFIG="$CV_PG_BIN/pg_config"
CV_PG_PORT="${CV_PG_PORT:-55432}"
CV_PGDATA="$CV_LOCAL/pgdata"
CV_PG_LOG="$CV_LOCAL/postgres.log"
CV_PG_SOCKET_DIR="$CV_LOCAL/pgsocket"
# A Unix socket path must fit in sun_path (107 bytes + NUL); fall back to /tmp
# for very deep checkouts.
if (( ${#CV_PG_SOCKET_DIR} + ${#CV_PG_PORT} + 12 > 100 )); then
    CV_PG_SOCKET_DIR="/tmp/colorvariants-pg-$(printf '%s' "$CV_REPO" | md5sum | cut -c1-12)"
fi
CV_DB_USER=colorvariants
CV_DB_PASSWORD=colorvariants
CV_DB_NAME=colorvariants
CV_TEST_DB_NAME=colorvariants_test
CV_PGVECTOR_VERSION="${CV_PGVECTOR_VERSION:-0.8.0}"
CV_PGVECTOR_SUITE="${CV_PGVECTOR_SUITE:-trixie}"
CV_API_PID_FILE="$CV_LOCAL/api.pid"
CV_API_LOG="$CV_LOCAL/api.log"
CV_API_KEY_FILE="$CV_LOCAL/api-key"
export CV_API_PID_FILE CV_API_LOG CV_API_KEY_FILE
export CV_REPO CV_PG_PORT

# Keep the .NET CLI quiet and offline-friendly in scripts (caller can override).
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE="${DOTNET_SKIP_FIRST_TIME_EXPERIENCE:-1}"

# ---------------------------------------------------------------------------
# messages

cv_log() { printf '[colorvariants] %s\n' "$*" >&2; }
cv_die() { printf '[colorvariants] ERROR: %s\n' "$*" >&2; exit 1; }

cv__require_root() {
    [[ $(id -u) -eq 0 ]] || cv_die "this needs root (apt-get, runuser -u postgres); run it as root"
}

# ---------------------------------------------------------------------------
# apt

CV__APT_UPDATED=
cv__pkg_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

cv__apt_update() {
    cv_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    CV__APT_UPDATED=1
}

# cv_apt_install PKG... : install the packages that are missing (no-op otherwise).
cv_apt_install() {
    local missing=() p
    for p in "$@"; do
        cv__pkg_installed "$p" || missing+=("$p")
    done
    (( ${#missing[@]} )) || return 0
    cv__require_root
    # The package lists may be empty on a fresh machine / container image.
    if [[ -z "$CV__APT_UPDATED" ]] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        cv__apt_update
    fi
    cv_log "installing ${missing[*]}"
    local -a cmd=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
    if ! DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >&2; then
        [[ -z "$CV__APT_UPDATED" ]] || cv_die "apt-get install ${missing[*]} failed"
        cv_log "install failed; retrying after apt-get update"
        cv__apt_update
        DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >&2 || cv_die "apt-get install ${missing[*]} failed"
    fi
}

# ---------------------------------------------------------------------------
# installation

cv_install_postgres() {
    cv_apt_install "postgresql-$CV_PG_VERSION" "postgresql-server-dev-$CV_PG_VERSION" \
        build-essential dpkg-dev
    [[ -x "$CV_PG_BIN/postgres" && -x "$CV_PG_CONFIG" ]] \
        || cv_die "PostgreSQL $CV_PG_VERSION binaries not found under $CV_PG_BIN"
    id -u postgres >/dev/null 2>&1 || cv_die "the 'postgres' system user does not exist"
}

# Debian's headless Chromium and its WebDriver: the page tests drive them (Selenium).
cv_install_browser() {
    cv_apt_install chromium chromium-driver
}

cv_install_wrk() {
    cv_apt_install wrk
}

cv_install_curl() {
    cv_apt_install curl
}

# Prints the installed pgvector version (default_version of vector.control), or nothing.
cv_pgvector_installed_version() {
    local sharedir pkglibdir control
    sharedir="$("$CV_PG_CONFIG" --sharedir 2>/dev/null)" || return 0
    pkglibdir="$("$CV_PG_CONFIG" --pkglibdir 2>/dev/null)" || return 0
    control="$sharedir/extension/vector.control"
    [[ -f "$control" && -f "$pkglibdir/vector.so" ]] || return 0
    sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$control"
}

# Mirror URI and Signed-By keyring of the machine's main Debian apt source
# (deb822 /etc/apt/sources.list.d/debian.sources or one-line sources.list).
cv__debian_mirror() {
    local uri="" keyring="" f
    f=/etc/apt/sources.list.d/debian.sources
    if [[ -r $f ]]; then
        read -r uri keyring < <(awk '
            function flush() {
                if (!found && uris != "" && suites ~ /(^| )[a-z]+( |$)/) {
                    split(uris, u, " "); print u[1], (signed == "" ? "-" : signed); found = 1
                }
                uris = ""; suites = ""; signed = ""
            }
            /^[[:space:]]*$/ { flush(); next }
            /^[[:space:]]*#/ { next }
            tolower($1) == "uris:"      { $1 = ""; sub(/^ +/, ""); uris = $0 }
            tolower($1) == "suites:"    { $1 = ""; sub(/^ +/, ""); suites = $0 }
            tolower($1) == "signed-by:" { $1 = ""; sub(/^ +/, ""); signed = $0 }
            END { flush() }' "$f") || true
    fi
    if [[ -z "$uri" && -r /etc/apt/sources.list ]]; then
        uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file|mirror[+a-z]*):/) { print $i; exit } }' \
            /etc/apt/sources.list)" || true
    fi
    [[ "$keyring" == "-" ]] && keyring=""
    # Only the machine's own apt sources (or CV_DEBIAN_MIRROR) name a mirror: no host is assumed.
    uri="${CV_DEBIAN_MIRROR:-$uri}"
    [[ -n "$uri" ]] || cv_die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; set CV_DEBIAN_MIRROR to the mirror URI pgvector's source package is fetched from"
    keyring="${CV_DEBIAN_KEYRING:-${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}}"
    printf '%s %s\n' "$uri" "$keyring"
}

# Builds pgvector from Debian's source package (suite $CV_PGVECTOR_SUITE) using a
# private apt configuration, so the system's apt sources/lists/caches are untouched.
# Runs in a subshell; every step is checked explicitly (`set -e` is not relied on,
# since it is ignored when the caller uses `||`).
cv__build_pgvector() (
    local tmp mirror keyring
    tmp="$(mktemp -d /tmp/colorvariants-pgvector.XXXXXX)" || cv_die "mktemp failed"
    trap 'rm -rf "$tmp"' EXIT
    read -r mirror keyring < <(cv__debian_mirror) || true
    [[ -n "$mirror" ]] || cv_die "no Debian mirror to fetch pgvector's source from (see the message above)"
    mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src" || cv_die "mkdir in $tmp failed"
    printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$CV_PGVECTOR_SUITE" \
        > "$tmp/sources.list" || cv_die "cannot write $tmp/sources.list"
    local -a aptopts=(
        -o "Dir::Etc::SourceList=$tmp/sources.list"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$tmp/lists"
        -o "Dir::Cache=$tmp/cache"
        -o "Dir::Cache::pkgcache="
        -o "Dir::Cache::srcpkgcache="
        -o "APT::Sandbox::User=root"
    )
    cv_log "fetching pgvector source from Debian $CV_PGVECTOR_SUITE ($mirror)"
    apt-get "${aptopts[@]}" update -qq >&2 \
        || cv_die "apt-get update for $CV_PGVECTOR_SUITE deb-src failed"
    cd "$tmp/src" || cv_die "cd $tmp/src failed"
    # Prefer the Debian revision of the wanted upstream version; fall back to
    # whatever the suite has and check the version below.
    local v
    v="$(apt-cache "${aptopts[@]}" showsrc pgvector 2>/dev/null \
        | sed -n 's/^Version: //p' | grep -E "^(1:)?${CV_PGVECTOR_VERSION//./\\.}-" | head -n1)" || true
    apt-get "${aptopts[@]}" source -qq "pgvector${v:+=$v}" >&2 \
        || cv_die "apt-get source pgvector${v:+=$v} failed"
    local dir
    dir="$(find . -maxdepth 1 -mindepth 1 -type d -name 'pgvector-*' | head -n1)"
    [[ -n "$dir" ]] || cv_die "apt-get source pgvector produced no source tree"
    cd "$dir" || cv_die "cd $dir failed"
    local built
    built="$(sed -n "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" vector.control)"
    [[ "$built" == "$CV_PGVECTOR_VERSION" ]] \
        || cv_die "Debian $CV_PGVECTOR_SUITE has pgvector '$built', wanted $CV_PGVECTOR_VERSION (set CV_PGVECTOR_VERSION=$built to build that one)"
    local -a makeargs=("PG_CONFIG=$CV_PG_CONFIG")
    if [[ -n "${CV_PGVECTOR_OPTFLAGS+set}" ]]; then
        makeargs+=("OPTFLAGS=$CV_PGVECTOR_OPTFLAGS")
    fi
    cv_log "building pgvector $built"
    make -s -j"$(nproc)" "${makeargs[@]}" >&2 || cv_die "pgvector build failed"
    make -s "${makeargs[@]}" install >&2 || cv_die "pgvector make install failed"
)

cv_install_pgvector() {
    local have
    have="$(cv_pgvector_installed_version)"
    if [[ "$have" == "$CV_PGVECTOR_VERSION" ]]; then
        return 0
    fi
    cv__require_root
    cv_install_postgres
    if [[ -n "$have" ]]; then
        cv_log "pgvector $have is installed; replacing it with $CV_PGVECTOR_VERSION"
    fi
    cv__build_pgvector || cv_die "could not build pgvector $CV_PGVECTOR_VERSION"
    have="$(cv_pgvector_installed_version)"
    [[ "$have" == "$CV_PGVECTOR_VERSION" ]] \
        || cv_die "pgvector install failed (found '${have:-nothing}' after make install)"
    cv_log "pgvector $have installed"
}

# ---------------------------------------------------------------------------
# database cluster

# Run a command as the postgres user (from /, which it can always enter).
cv__as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

cv__psql_admin() {
    # $1 = database; remaining args to psql
    local db="$1"; shift
    cv__as_postgres "$CV_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$CV_PG_SOCKET_DIR" -p "$CV_PG_PORT" -U postgres -d "$db" "$@"
}

# The postgres user must be able to traverse every ancestor of .local (it gets no
# read access, only search/x). Add o+x where it is missing (e.g. a checkout under /root).
cv__ensure_traversable() {
    local path="$1" d
    if cv__as_postgres test -x "$path"; then
        return 0
    fi
    d="$path"
    local -a fix=()
    while [[ "$d" != "/" && -n "$d" ]]; do
        fix=("$d" "${fix[@]}")
        d="$(dirname "$d")"
    done
    for d in "${fix[@]}"; do
        if ! cv__as_postgres test -x "$d"; then
            cv_log "granting o+x on $d so the postgres user can reach $path"
            chmod o+x "$d"
        fi
    done
    cv__as_postgres test -x "$path" || cv_die "the postgres user cannot traverse $path"
}

cv__db_running() {
    [[ -f "$CV_PGDATA/PG_VERSION" ]] || return 1
    cv__as_postgres "$CV_PG_BIN/pg_ctl" status -D "$CV_PGDATA" >/dev/null 2>&1
}

cv__write_pg_config() {
    local dsm=posix shm_kb
    # Parallel index builds (HNSW) put maintenance_work_mem into /dev/shm;
    # small container /dev/shm (often 64 MB) makes them fail, so use files instead.
    shm_kb="$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $2 }')" || true
    if [[ -z "$shm_kb" ]] || (( shm_kb < 2 * 1024 * 1024 )); then
        dsm=mmap
    fi
    cat > "$CV_PGDATA/colorvariants.conf" <<CONF
# Written by deploy/local/lib.sh on every start; edit there, not here.
listen_addresses = '127.0.0.1'
port = $CV_PG_PORT
unix_socket_directories = '$CV_PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 1GB
maintenance_work_mem = 1GB
work_mem = 16MB
effective_cache_size = 8GB
max_wal_size = 4GB
dynamic_shared_memory_type = $dsm
password_encryption = 'scram-sha-256'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
CONF
    cat > "$CV_PGDATA/pg_hba.conf" <<'HBA'
# Written by deploy/local/lib.sh on every start; edit there, not here.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  peer
host    all       all   127.0.0.1/32   scram-sha-256
# deploy/local/replica.sh: a standby streams as postgres over the Unix socket
local   replication postgres           peer
HBA
    chown postgres:postgres "$CV_PGDATA/colorvariants.conf" "$CV_PGDATA/pg_hba.conf"
    chmod 600 "$CV_PGDATA/colorvariants.conf" "$CV_PGDATA/pg_hba.conf"
    if ! grep -qxF "include 'colorvariants.conf'" "$CV_PGDATA/postgresql.conf"; then
        printf "\ninclude 'colorvariants.conf'\n" >> "$CV_PGDATA/postgresql.conf"
    fi
}

cv__provision_db() {
    cv__psql_admin postgres \
        -v user="$CV_DB_USER" -v pass="$CV_DB_PASSWORD" \
        -v db="$CV_DB_NAME" -v testdb="$CV_TEST_DB_NAME" <<'SQL'
SET client_min_messages = warning;
SET password_encryption = 'scram-sha-256';
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
-- (re)set every time: cheap, and repairs a changed password
ALTER ROLE :"user" LOGIN CREATEDB PASSWORD :'pass';
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', d, :'user')
  FROM unnest(ARRAY[:'db', :'testdb']) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
SQL
    local db
    for db in "$CV_DB_NAME" "$CV_TEST_DB_NAME"; do
        cv__psql_admin "$db" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
ALTER EXTENSION vector UPDATE;
SQL
    done
}

# Initialise (first time), start (if not running), wait until ready, and create the
# role, databases and extension (idempotent). Needs cv_install_postgres first.
cv_start_db() {
    cv__require_root
    [[ -x "$CV_PG_BIN/postgres" ]] || cv_die "PostgreSQL $CV_PG_VERSION is not installed (run cv_install_postgres)"

    mkdir -p "$CV_LOCAL"
    chmod 755 "$CV_LOCAL"
    cv__ensure_traversable "$CV_LOCAL"
    mkdir -p "$CV_PG_SOCKET_DIR"
    chown postgres:postgres "$CV_PG_SOCKET_DIR"
    chmod 755 "$CV_PG_SOCKET_DIR"

    if cv__db_running; then
        local running_port
        running_port="$(sed -n 4p "$CV_PGDATA/postmaster.pid" 2>/dev/null || true)"
        if [[ -n "$running_port" && "$running_port" != "$CV_PG_PORT" ]]; then
            cv_die "the cluster in $CV_PGDATA is running on port $running_port, not $CV_PG_PORT; stop it first (deploy/local/stop.sh)"
        fi
    else
        if [[ ! -f "$CV_PGDATA/PG_VERSION" ]]; then
            if [[ -d "$CV_PGDATA" ]] && [[ -n "$(ls -A "$CV_PGDATA")" ]]; then
                cv_die "$CV_PGDATA exists but is not a PostgreSQL data directory; remove it"
            fi
            cv_log "initialising PostgreSQL $CV_PG_VERSION cluster in $CV_PGDATA"
            mkdir -p "$CV_PGDATA"
            chown postgres:postgres "$CV_PGDATA"
            chmod 700 "$CV_PGDATA"
            cv__as_postgres "$CV_PG_BIN/initdb" -D "$CV_PGDATA" -U postgres \
                --encoding=UTF8 --locale=C.UTF-8 \
                --auth-local=peer --auth-host=scram-sha-256 >/dev/null
        fi
        if [[ "$(stat -c %U "$CV_PGDATA")" != postgres ]]; then
            chown -R postgres:postgres "$CV_PGDATA"
        fi
        cv__write_pg_config
        touch "$CV_PG_LOG"
        chown postgres:postgres "$CV_PG_LOG"
        cv_log "starting PostgreSQL on 127.0.0.1:$CV_PG_PORT (log: ${CV_PG_LOG#"$CV_REPO"/})"
        if ! cv__as_postgres "$CV_PG_BIN/pg_ctl" start -D "$CV_PGDATA" -l "$CV_PG_LOG" \
                -w -t 120 -s; then
            tail -n 30 "$CV_PG_LOG" >&2 || true
            cv_die "PostgreSQL failed to start (see $CV_PG_LOG)"
        fi
    fi

    local i
    for (( i = 0; i < 120; i++ )); do
        if "$CV_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$CV_PG_PORT"; then
            break
        fi
        sleep 0.5
    done
    "$CV_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$CV_PG_PORT" \
        || cv_die "PostgreSQL is not accepting connections on 127.0.0.1:$CV_PG_PORT (see $CV_PG_LOG)"

    cv__provision_db
    cv_db_url
    cv_log "database ready: 127.0.0.1:$CV_PG_PORT ($CV_DB_NAME, $CV_TEST_DB_NAME)"
}

# A streaming standby of the project cluster (deploy/local/replica.sh): its own data directory
# and port; cv_stop_standby stops it (stop.sh does, before the primary).
CV_STANDBY_PORT="${CV_STANDBY_PORT:-$(( CV_PG_PORT + 1 ))}"
CV_STANDBY_DATA="$CV_LOCAL/pgdata-standby"
CV_STANDBY_LOG="$CV_LOCAL/postgres-standby.log"

cv__standby_running() {
    [[ -f "$CV_STANDBY_DATA/PG_VERSION" ]] || return 1
    cv__as_postgres "$CV_PG_BIN/pg_ctl" status -D "$CV_STANDBY_DATA" >/dev/null 2>&1
}

cv_stop_standby() {
    cv__standby_running || return 0
    cv__require_root
    cv_log "stopping the standby ($CV_STANDBY_DATA)"
    cv__as_postgres "$CV_PG_BIN/pg_ctl" stop -D "$CV_STANDBY_DATA" -m fast -w -t 60 -s
}

cv_stop_db() {
    if ! cv__db_running; then
        cv_log "database is not running"
        return 0
    fi
    cv__require_root
    cv_log "stopping PostgreSQL ($CV_PGDATA)"
    cv__as_postgres "$CV_PG_BIN/pg_ctl" stop -D "$CV_PGDATA" -m fast -w -t 60 -s
}

# Install everything the database needs and start it.
cv_setup_db() {
    cv_install_postgres
    cv_install_pgvector
    cv_start_db
}

# ---------------------------------------------------------------------------
# connection strings

# cv_db_url: exports CV_CONNECTION_STRING / CV_TEST_CONNECTION_STRING (Npgsql format)
# and CV_DATABASE_URL / CV_TEST_DATABASE_URL (libpq URIs, e.g. for psql).
cv_db_url() {
    local base="Host=127.0.0.1;Port=$CV_PG_PORT;Username=$CV_DB_USER;Password=$CV_DB_PASSWORD"
    export CV_CONNECTION_STRING="$base;Database=$CV_DB_NAME"
    export CV_TEST_CONNECTION_STRING="$base;Database=$CV_TEST_DB_NAME"
    export CV_DATABASE_URL="postgresql://$CV_DB_USER:$CV_DB_PASSWORD@127.0.0.1:$CV_PG_PORT/$CV_DB_NAME"
    export CV_TEST_DATABASE_URL="postgresql://$CV_DB_USER:$CV_DB_PASSWORD@127.0.0.1:$CV_PG_PORT/$CV_TEST_DB_NAME"
}

# ---------------------------------------------------------------------------
# .NET helpers

# Prints the solution file (ColorVariants.sln, or the .slnx that .NET 10 creates by default).
cv_solution() {
    local f
    for f in "$CV_REPO/ColorVariants.sln" "$CV_REPO/ColorVariants.slnx"; do
        if [[ -f "$f" ]]; then
            printf '%s\n' "$f"
            return 0
        fi
    done
    cv_die "no ColorVariants.sln (or .slnx) in $CV_REPO"
}

cv_require_dotnet() {
    command -v dotnet >/dev/null 2>&1 \
        || cv_die "'dotnet' not found on PATH; install the .NET 10 SDK (https://dot.net) first"
}

# ---------------------------------------------------------------------------
# API process (deploy/local/run.sh)

# Prints the pid of the API recorded in .local/api.pid if that process is alive
# and really is our server (`dotnet .../ColorVariants.Api.dll`); fails otherwise.
cv_api_pid() {
    local pid
    [[ -f "$CV_API_PID_FILE" ]] || return 1
    pid="$(tr -dc '0-9' < "$CV_API_PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'ColorVariants\.Api' || return 1
    printf '%s\n' "$pid"
}

# Stops the API recorded in .local/api.pid (its whole process group: the server and
# anything it spawned), TERM first, KILL after ${CV_API_STOP_TIMEOUT:-30} s. A pid file
# whose process is gone but whose process group lives on (an older run.sh recorded
# `dotnet run`, whose child is the server) gets that group stopped.
cv_stop_api() {
    local pid target i
    if ! pid="$(cv_api_pid)"; then
        local old survivors
        old="$( [[ -f "$CV_API_PID_FILE" ]] && tr -dc '0-9' < "$CV_API_PID_FILE" || true)"
        if [[ -n "$old" ]] && survivors="$(pgrep -g "$old" 2>/dev/null)" \
                && tr '\0' ' ' < "/proc/${survivors%%$'\n'*}/cmdline" 2>/dev/null | grep -q 'ColorVariants\.Api'; then
            cv_log "API process group $old outlived its leader; stopping it"
            kill -TERM -- "-$old" 2>/dev/null || true
            for (( i = 0; i < ${CV_API_STOP_TIMEOUT:-30} * 4; i++ )); do
                pgrep -g "$old" >/dev/null 2>&1 || break
                sleep 0.25
            done
            kill -KILL -- "-$old" 2>/dev/null || true
            rm -f "$CV_API_PID_FILE"
            return 0
        fi
        rm -f "$CV_API_PID_FILE"
        cv_log "API is not running"
        return 0
    fi
    # run.sh starts it with setsid, so normally pid == process group id.
    if [[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" == "$pid" ]]; then
        target="-$pid"
    else
        target="$pid"
    fi
    cv_log "stopping API (pid $pid)"
    kill -TERM -- "$target" 2>/dev/null || true
    for (( i = 0; i < ${CV_API_STOP_TIMEOUT:-30} * 4; i++ )); do
        kill -0 -- "$target" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 -- "$target" 2>/dev/null; then
        cv_log "API did not stop in time; killing it"
        kill -KILL -- "$target" 2>/dev/null || true
    fi
    rm -f "$CV_API_PID_FILE"
}

# cv_wait_api_ready URL PID : waits until URL/readyz answers 200, printing a dot
# every 5 s; fails if PID exits or after ${CV_API_READY_TIMEOUT:-600} s.
cv_wait_api_ready() {
    local url="$1" pid="$2" timeout="${CV_API_READY_TIMEOUT:-600}" start code dots=0
    start=$SECONDS
    cv_log "waiting for $url/readyz (up to ${timeout}s; the first start prepares the model)"
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/readyz" 2>/dev/null)" || true
        if [[ "$code" == 200 ]]; then
            (( dots )) && printf '\n' >&2
            cv_log "API ready after $(( SECONDS - start ))s"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            (( dots )) && printf '\n' >&2
            cv_log "API process $pid exited before becoming ready"
            return 1
        fi
        if (( SECONDS - start >= timeout )); then
            (( dots )) && printf '\n' >&2
            cv_log "API not ready after ${timeout}s (last /readyz status: ${code:-none})"
            return 1
        fi
        if (( (SECONDS - start) / 5 > dots )); then
            printf '.' >&2
            dots=$(( dots + 1 ))
        fi
        sleep 1
    done
}

# cv_api_log_start : the API log is appended to, never overwritten (earlier stack traces
# stay); past ${CV_API_LOG_MAX_BYTES:-20 MB} it is rotated to api.log.1 (one generation).
cv_api_log_start() {
    local max="${CV_API_LOG_MAX_BYTES:-20971520}"
    mkdir -p "$CV_LOCAL"
    if [[ -f "$CV_API_LOG" ]] && (( $(stat -c %s "$CV_API_LOG") > max )); then
        mv -f "$CV_API_LOG" "$CV_API_LOG.1"
    fi
    printf '\n===== %s deploy/local/run.sh: starting the API =====\n' "$(date -u +%FT%TZ)" >> "$CV_API_LOG"
}

# cv_api_key_setup : exports Upload__ApiKey (the key the API wants for writes) and
# COLORVARIANTS_API_KEY (what the import CLI sends). A key already in the environment
# wins (Upload__ApiKey= empty: writes stay open, and the API warns). Otherwise the key in
# .local/api-key is used; on the first start it is made (192 random bits), kept there
# (mode 600) and printed once.
cv_api_key_setup() {
    if [[ -n "${Upload__ApiKey+set}" ]]; then
        export Upload__ApiKey
        export COLORVARIANTS_API_KEY="${COLORVARIANTS_API_KEY:-$Upload__ApiKey}"
        return 0
    fi
    if [[ ! -s "$CV_API_KEY_FILE" ]]; then
        mkdir -p "$CV_LOCAL"
        (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$CV_API_KEY_FILE")
        chmod 600 "$CV_API_KEY_FILE"
        cv_log "created an API key for catalog writes (kept in ${CV_API_KEY_FILE#"$CV_REPO"/}; send it as X-Api-Key):"
        printf '%s\n' "$(cat "$CV_API_KEY_FILE")" >&2
    fi
    Upload__ApiKey="$(cat "$CV_API_KEY_FILE")"
    export Upload__ApiKey
    export COLORVARIANTS_API_KEY="$Upload__ApiKey"
}

# cv_port_in_use PORT : true if something listens on 127.0.0.1:PORT.
cv_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
