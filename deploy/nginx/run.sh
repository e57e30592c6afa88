#!/usr/bin/env bash
# Two API instances behind nginx, one killed -9 mid-load: are requests lost?
#
#   CV_PG_PORT=55442 PORT=8181 deploy/nginx/run.sh [--seconds 60] [--kill-at 20] [--second-port 8182] [--listen 8190]
#
# Starts (or reuses) deploy/local/run.sh's API on PORT, a second instance of the same build on
# --second-port against the same database, and nginx (Debian's package) on --listen with
# deploy/nginx/colorvariants.conf (prefix .local/nginx). Runs load.py through nginx: 4 readers and
# 1 writer (re-uploads of products already stored) for --seconds; at --kill-at s the second
# instance is killed -9. Prints the requests by status, the ones that got no answer, and those
# around the kill; then stops nginx and the second instance (the first keeps running).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"

seconds=60; kill_at=20; second=8182; listen=8190
while (( $# )); do
    case "$1" in
        --seconds) seconds="$2"; shift ;;
        --kill-at) kill_at="$2"; shift ;;
        --second-port) second="$2"; shift ;;
        --listen) listen="$2"; shift ;;
        -h|--help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) cv_die "unknown argument: $1" ;;
    esac
    shift
done
PORT="${PORT:-8080}"
command -v nginx >/dev/null || cv_apt_install nginx-light
prefix="$CV_LOCAL/nginx"; mkdir -p "$prefix/logs" "$prefix/tmp"
work="$CV_LOCAL/nginx-run"; mkdir -p "$work"

CV_NO_BUILD="${CV_NO_BUILD:-0}" "$CV_REPO/deploy/local/run.sh" --detach >> "$work/run.log" 2>&1 || cv_die "the first API did not start (see $work/run.log)"
cv_db_url; cv_api_key_setup
export ConnectionStrings__Catalog="$CV_CONNECTION_STRING" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-262144}"
cv_port_in_use "$second" && cv_die "port $second is in use"
api_dll="$CV_REPO/src/ColorVariants.Api/bin/Release/net10.0/ColorVariants.Api.dll"
nohup setsid dotnet "$api_dll" --contentRoot "$CV_REPO/src/ColorVariants.Api" --urls "http://127.0.0.1:$second" >> "$work/api-$second.log" 2>&1 < /dev/null &
second_pid=$!
echo "$second_pid" > "$CV_LOCAL/api-$second.pid"
cleanup() {
    [[ -f "$prefix/nginx.pid" ]] && kill "$(cat "$prefix/nginx.pid")" 2>/dev/null || true
    kill -0 "$second_pid" 2>/dev/null && kill "$second_pid" 2>/dev/null || true
    rm -f "$CV_LOCAL/api-$second.pid"
}
trap cleanup EXIT
cv_wait_api_ready "http://127.0.0.1:$second" "$second_pid" || cv_die "the second API did not start (see $work/api-$second.log)"

sed -e "s/@API1@/$PORT/" -e "s/@API2@/$second/" -e "s/@LISTEN@/$listen/" "$here/colorvariants.conf" > "$prefix/colorvariants.conf"
cat > "$prefix/nginx.conf" <<CONF
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log $prefix/logs/access.log;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    include $prefix/colorvariants.conf;
}
CONF
nginx -t -q -p "$prefix" -c "$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf"
for (( i = 0; i < 20; i++ )); do cv_port_in_use "$listen" && break; sleep 0.25; done

PGPASSWORD="$CV_DB_PASSWORD" "$CV_PG_BIN/psql" -X -At -h 127.0.0.1 -p "$CV_PG_PORT" -U "$CV_DB_USER" -d "$CV_DB_NAME" \
    -c "SELECT sku FROM products ORDER BY sku" > "$work/skus.txt"
(( $(wc -l < "$work/skus.txt") > 0 )) || cv_die "the catalog is empty: import some products first"
# The writer re-uploads stored products from the dev set, when they are there (else reads only).
dev="$(cd "$CV_REPO/.." && pwd -P)/shared/datasets/hm-colour-variants-dev"; [[ -d "$dev" ]] || dev=/work/shared/datasets/hm-colour-variants-dev
writers=0; uploads=()
if [[ -f "$dev/catalog.csv" ]]; then
    python3 - "$dev" "$work" <<'PY'
import csv, os, sys
dev, work = sys.argv[1:]
stored = set(open(os.path.join(work, "skus.txt")).read().split())
rows = [r for r in csv.DictReader(open(os.path.join(dev, "catalog.csv"), newline="")) if r["sku"] in stored][:200]
with open(os.path.join(work, "uploads.csv"), "w", newline="") as f:
    w = csv.writer(f); w.writerow(["sku", "image", "category", "name", "colour"])
    for r in rows: w.writerow([r["sku"], os.path.join(dev, r["image"]), r["category"], r["name"], r["colour"]])
PY
    writers=1; uploads=(--uploads "$work/uploads.csv")
fi
cv_log "load through nginx (127.0.0.1:$listen -> $PORT, $second) for ${seconds}s; kill -9 of $second (pid $second_pid) at ${kill_at}s"
python3 "$here/../faults/load.py" --api "http://127.0.0.1:$listen" --skus "$work/skus.txt" --readers 4 --writers "$writers" \
    "${uploads[@]}" --key "$Upload__ApiKey" --seconds "$seconds" --out "$work/requests.tsv" > /dev/null &
load=$!
sleep "$kill_at"
kill -9 "$second_pid"
killed_at=$kill_at
wait "$load" || true

printf '\nnginx on %s, instances %s and %s (killed -9 at %ss of %ss); %s, load average %s\n\n' "$listen" "$PORT" "$second" "$killed_at" "$seconds" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| run | sent | answered, by status | no answer | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n'
python3 "$here/../faults/summary.py" "$work/requests.tsv" "through nginx, one instance killed"
awk -F'\t' -v k="$killed_at" '$3 == 0 || $3 >= 500 { bad++; if ($1 > k - 2 && $1 < k + 2) near++ }
    END { printf "\nfailed (no answer or 5xx): %d, of which started within 2 s of the kill: %d\n", bad, near }' "$work/requests.tsv"
grep -c 'upstream prematurely closed\|Connection refused\|Connection reset' "$prefix/logs/error.log" 2>/dev/null \
    | xargs printf 'nginx error-log lines about the dead instance (each a request it retried on the other): %s\n'
