#!/usr/bin/env bash
# Starts the database and the ColorVariants API locally.
#
#   deploy/local/run.sh [--detach] [catalog-folder]
#
#   --detach        run the API in the background (pid .local/api.pid, log
#                   .local/api.log) and return once it is ready (and the
#                   catalog, if given, is imported); stop it with stop.sh.
#                   Without it the API runs in the foreground: Ctrl-C stops
#                   the API (the database keeps running).
#   catalog-folder  imported with `ColorVariants.Cli import <folder>` once the
#                   API answers /readyz.
#
# Environment: PORT (API port, default 8080), CV_PG_PORT (default 55432), CV_NO_BUILD=1
# (start the Release build already there),
# CV_API_READY_TIMEOUT (seconds to wait for /readyz, default 600),
# Upload__ApiKey (the writes' key; default: .local/api-key, made and printed on
# the first start; Upload__ApiKey= (empty) runs with writes open).
# The log .local/api.log is appended to (rotated to api.log.1 past 20 MB).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

detach=0
folder=""
while (( $# )); do
    case "$1" in
        -d|--detach) detach=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift
            if (( $# )); then
                [[ -z "$folder" ]] || cv_die "only one catalog folder may be given"
                folder="$1"; shift
            fi
            break ;;
        -*) usage >&2; cv_die "unknown option: $1" ;;
        *) [[ -z "$folder" ]] || cv_die "only one catalog folder may be given"
           folder="$1" ;;
    esac
    shift
done
(( $# == 0 )) || cv_die "unexpected arguments: $*"
if [[ -n "$folder" ]]; then
    [[ -d "$folder" ]] || cv_die "catalog folder not found: $folder"
    folder="$(cd "$folder" && pwd -P)"
fi

PORT="${PORT:-8080}"
api_url="http://127.0.0.1:$PORT"
api_project="$CV_REPO/src/ColorVariants.Api"
cli_project="$CV_REPO/src/ColorVariants.Cli"

import_catalog() {
    [[ -n "$folder" ]] || return 0
    cv_log "importing catalog $folder"
    # The API key (run.sh's, from .local/api-key) travels in COLORVARIANTS_API_KEY.
    dotnet run --project "$cli_project" -c Release --no-build -- import "$folder" --api "$api_url"
    cv_log "catalog imported"
}

cv_require_dotnet
[[ -d "$api_project" ]] || cv_die "API project not found: $api_project"
if [[ -n "$folder" ]]; then
    [[ -d "$cli_project" ]] || cv_die "CLI project not found: $cli_project"
fi
cv_install_curl
cv_install_postgres
cv_install_pgvector
cv_start_db
cv_db_url

if pid="$(cv_api_pid)"; then
    (( detach )) || cv_die "the API is already running in the background (pid $pid); stop it with deploy/local/stop.sh"
    cv_log "API already running (pid $pid, log ${CV_API_LOG#"$CV_REPO"/})"
    if [[ -n "$folder" ]]; then
        cv_log "building ColorVariants.Cli"
        dotnet build "$cli_project" -c Release -nologo -v quiet
    fi
    cv_wait_api_ready "$api_url" "$pid"
    cv_api_key_setup
    import_catalog
    exit 0
fi
rm -f "$CV_API_PID_FILE"
cv_port_in_use "$PORT" && cv_die "port $PORT on 127.0.0.1 is already in use (set PORT=... to use another)"

# Build first so compile errors fail fast (and the CLI is ready for the import).
# CV_NO_BUILD=1 starts what is built already (deploy/faults restarts the API so).
if [[ "${CV_NO_BUILD:-0}" == 1 ]]; then
    cv_log "CV_NO_BUILD=1: starting the build that is there"
else
    cv_log "building ColorVariants.Api (Release)"
    dotnet build "$api_project" -c Release -nologo -v quiet
fi
if [[ -n "$folder" && "${CV_NO_BUILD:-0}" != 1 ]]; then
    cv_log "building ColorVariants.Cli (Release)"
    dotnet build "$cli_project" -c Release -nologo -v quiet
fi

export ConnectionStrings__Catalog="$CV_CONNECTION_STRING"
# glibc hands blocks of 256 KB and more straight back to the kernel when freed (README, Memory):
# without it, the heap keeps a burst of large decodes' buffers (a fixed threshold also stops
# glibc from raising it after the first large free).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-262144}"
cv_api_key_setup
# The built server itself, not `dotnet run` (which would spawn it as a child): the pid in
# .local/api.pid is then the process that holds the port, whoever stops or kills it.
api_dll="$api_project/bin/Release/net10.0/ColorVariants.Api.dll"
[[ -f "$api_dll" ]] || cv_die "build output not found: $api_dll"
api_cmd=(dotnet "$api_dll" --contentRoot "$api_project" --urls "$api_url")
mkdir -p "$CV_LOCAL"

if (( detach )); then
    cv_log "starting API in the background on $api_url (log: ${CV_API_LOG#"$CV_REPO"/})"
    # setsid: own process group (and session), so stop.sh can stop it and anything it spawned.
    cv_api_log_start
    nohup setsid "${api_cmd[@]}" >> "$CV_API_LOG" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$CV_API_PID_FILE"
    if ! cv_wait_api_ready "$api_url" "$pid"; then
        tail -n 40 "$CV_API_LOG" >&2 || true
        cv_stop_api
        cv_die "the API did not become ready (full log: $CV_API_LOG)"
    fi
    import_catalog || cv_die "catalog import failed (the API is still running; stop it with deploy/local/stop.sh)"
    cv_log "API running at $api_url (pid $pid); stop it (and the database) with: $CV_REPO/deploy/local/stop.sh"
    exit 0
fi

# Foreground. A background job of a non-interactive shell ignores SIGINT, and
# the API has its own process group, so forward Ctrl-C / TERM ourselves.
cv_log "starting API on $api_url (Ctrl-C stops it; the database keeps running; log also in ${CV_API_LOG#"$CV_REPO"/})"
cv_api_log_start
# The log goes to the terminal and to .local/api.log, as in the background (tee in its own group survives the API's).
setsid "${api_cmd[@]}" < /dev/null > >(tee -a "$CV_API_LOG") 2>&1 &
pid=$!
echo "$pid" > "$CV_API_PID_FILE"
trap 'cv_stop_api' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

cv_wait_api_ready "$api_url" "$pid" || cv_die "the API did not become ready"
import_catalog
cv_log "API ready at $api_url; press Ctrl-C to stop it"
rc=0
wait "$pid" || rc=$?
cv_log "API exited (status $rc)"
exit "$rc"
