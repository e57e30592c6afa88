#!/usr/bin/env bash
# Issue 22, part 2: one catalog imported twice, side by side in one script on one machine, through
# the API as a shop imports it (`colorvariants import`): once with automatic whitening refits off,
# once with them on (the default schedule), each into a fresh schema of this checkout's database.
#
#   deploy/experiments/import-side-by-side.sh [catalog-folder] [out-folder]
#
# catalog-folder: default ../shared/datasets/hm-colour-variants-dev (7,135 products); out-folder:
# default runs/import-side-by-side (API logs, import logs, results.md). PORT (default 8090) is the
# API's port. Needs nothing else running on the box to be fair to either mode. Prints, per mode, the
# import's seconds and images/s and the refits during it, and with refits on the seconds from the
# import's end until the whitening is fitted on the whole catalog (the refit after the import).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"
cd "$CV_REPO"

folder="$(cd "${1:-../shared/datasets/hm-colour-variants-dev}" && pwd -P)"
out="${2:-runs/import-side-by-side}"; mkdir -p "$out"; out="$(cd "$out" && pwd -P)"
[[ -f "$folder/catalog.csv" ]] || cv_die "no catalog.csv in $folder"
PORT="${PORT:-8090}"; api="http://127.0.0.1:$PORT"
products=$(( $(wc -l < "$folder/catalog.csv") - 1 ))

cv_require_dotnet; cv_install_curl; cv_install_postgres; cv_install_pgvector; cv_start_db; cv_db_url
cv_port_in_use "$PORT" && cv_die "port $PORT is in use (set PORT=...)"
dotnet build src/ColorVariants.Api -c Release -nologo -v quiet
dotnet build src/ColorVariants.Cli -c Release -nologo -v quiet
psql_cv() { PGPASSWORD="$CV_DB_PASSWORD" "$CV_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$CV_PG_PORT" -U "$CV_DB_USER" -d "$CV_DB_NAME" "$@"; }
fitted_on() { curl -fsS "$api/models/active" | python3 -c 'import json,sys; print(json.load(sys.stdin)["whitening"].get("fittedOn") or 0)'; }
results="$out/results.md"
printf '| whitening refits | products | import s | images/s | refits during the import | s after the import until fitted on all |\n| --- | ---: | ---: | ---: | ---: | ---: |\n' > "$results"

run() {
    local mode="$1" enabled="$2" schema="import_side_by_side_$1" pid t0 t1 refits settle="" log="$out/api-$1.log"
    psql_cv -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;"
    ConnectionStrings__Catalog="$CV_CONNECTION_STRING;Search Path=$schema,public" Upload__ApiKey="" Whitening__Enabled="$enabled" \
        MALLOC_MMAP_THRESHOLD_=262144 dotnet src/ColorVariants.Api/bin/Release/net10.0/ColorVariants.Api.dll \
        --contentRoot "$CV_REPO/src/ColorVariants.Api" --urls "$api" > "$log" 2>&1 &
    pid=$!
    cv_wait_api_ready "$api" "$pid"
    cv_log "whitening $mode: importing $products products from $folder"
    t0=$(date +%s.%N)
    dotnet src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll import "$folder" --api "$api" > "$out/import-$mode.log" 2>&1
    t1=$(date +%s.%N)
    refits=$(grep -c "Whitening version [0-9]*: " "$log" || true)
    if [[ "$enabled" == true ]]; then
        # The refit after the import: at the first check that finds the count unchanged (a fit made
        # while products arrived is redone then). Bounded: a policy that never gets there ends the run.
        local waited=0
        until [[ "$(fitted_on)" -ge "$products" ]]; do
            (( waited += 5 )); (( waited <= 1800 )) || { kill "$pid"; cv_die "whitening $mode: not fitted on all $products products 30 min after the import"; }
            sleep 5
        done
        settle=$(python3 -c "import time; print(f'{time.time() - $t1:.0f}')")
    fi
    kill "$pid"; wait "$pid" || true
    python3 -c "s = $t1 - $t0; print(f'| $mode | $products | {s:.0f} | {$products / s:.1f} | $refits | ${settle:--} |')" >> "$results"
    psql_cv -c "DROP SCHEMA $schema CASCADE;"
}

run off false
run on true
cat "$results"
