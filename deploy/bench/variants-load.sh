#!/usr/bin/env bash
# HTTP load on the running API: GET /variants/{sku}?limit=10&sameCategory=... with wrk.
#
#   deploy/bench/variants-load.sh [--api URL] [--duration 30s] [--same-category true|false]
#                                 [--db NAME] [--connections "1 16"] [--out FILE]
#
# Takes the skus the API can answer for (products with a vector of the active model) from
# its database, writes a wrk Lua script that requests them in random order (each wrk thread
# seeded differently), and runs wrk at 1 connection (1 thread) and 16 connections (2 threads).
# Prints requests/s and latency mean/p50/p99 (from the Lua `done` hook), and non-2xx answers.
#
# --api defaults to http://127.0.0.1:${PORT:-8080} (deploy/local/run.sh's API). The database
# is CV_CONNECTION_STRING's (the API's; default: the local cluster's colorvariants), --db
# replaces its name; it must be the one the API serves. --out appends the results to FILE.
# The machine's other load shares the cores with wrk, the API and PostgreSQL alike.
set -euo pipefail
# shellcheck source=deploy/bench/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() { sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
command_line="$0 $*"

api="http://127.0.0.1:${PORT:-8080}"
duration=30s
same_category=true
db=""
connections="1 16"
while (( $# )); do
    case "$1" in
        --api) api="${2%/}"; shift ;;
        --duration) duration="$2"; shift ;;
        --same-category) same_category="$2"; shift ;;
        --db) db="$2"; shift ;;
        --connections) connections="$2"; shift ;;
        --out) BENCH_OUT="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; cv_die "unknown argument: $1" ;;
    esac
    shift
done
[[ "$same_category" == true || "$same_category" == false ]] || cv_die "--same-category is true or false"
bench_seconds "$duration" >/dev/null

cv_install_wrk
cv_install_curl
bench_pg_env "$db"
bench_active_model
work="$(mktemp -d /tmp/colorvariants-variants-load.XXXXXX)"

bench_psql -o "$work/skus.txt" -c "
    SELECT p.sku FROM products p
    JOIN embeddings e ON e.model_id = $BENCH_MODEL_ID AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
    ORDER BY p.sku"
nskus="$(wc -l < "$work/skus.txt")"
(( nskus > 0 )) || cv_die "no product in $PGDATABASE has a vector of model $BENCH_MODEL_ID; import a catalog first"

query="?limit=10&sameCategory=$same_category"
first="$(head -n1 "$work/skus.txt")"
code="$(curl -s -o "$work/first.json" -w '%{http_code}' --max-time 30 "$api/variants/$first$query")" || true
[[ "$code" == 200 ]] || cv_die "GET $api/variants/$first$query answered ${code:-nothing}, not 200: is the API up and serving $PGDATABASE?"

# Skus are [A-Za-z0-9._-] (Sku.IsValid), so they go into Lua strings and URLs as they are.
{
    printf -- '-- Written by deploy/bench/variants-load.sh: GET /variants/{sku}%s, random skus.\n' "$query"
    printf 'local skus = {\n'
    sed 's/.*/  "&",/' "$work/skus.txt"
    printf '}\n'
    cat <<LUA
local query = "$query"
local threads = 0

-- setup runs in wrk's main state; each thread then gets its own seed.
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(seed or 1)
end

function request()
  return wrk.format("GET", "/variants/" .. skus[math.random(#skus)] .. query)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.1f %.2f %.2f %.2f %d %d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
LUA
} > "$work/variants.lua"

bench_header "HTTP load: GET /variants/{sku} with wrk" "$command_line"
bench_say "   data     $api serving database $PGDATABASE: $nskus skus with a vector of model $BENCH_MODEL_ID, requested at random"
bench_say "   request  GET /variants/{sku}$query, $duration per run"
bench_say "   raw      $work (wrk output, the Lua script)"
for c in $connections; do
    threads=1
    (( c > 1 )) && threads=2
    wrk -t "$threads" -c "$c" -d "$duration" --timeout 10s -s "$work/variants.lua" "$api" > "$work/wrk-c$c.out" 2>&1 \
        || { cat "$work/wrk-c$c.out" >&2; cv_die "wrk failed"; }
    read -r _ requests _ rps mean p50 p99 non2xx socket < <(grep '^RESULT ' "$work/wrk-c$c.out")
    bench_say "$(printf '   connections %2d (threads %d)  requests %7d  req/s %8.1f  latency mean %7.2f ms  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  socket errors %d' \
        "$c" "$threads" "$requests" "$rps" "$mean" "$p50" "$p99" "$non2xx" "$socket")"
done
