#!/usr/bin/env bash
# Load on PostgreSQL alone: the SQL that GET /variants/{sku} runs, from pgbench.
#
#   deploy/bench/pgvector-load.sh [--db NAME] [--duration 30s] [--same-category true|false|both]
#                                 [--clients "1 16"] [--queries 100] [--out FILE]
#
# Per transaction: a random sku (from a helper table bench_skus it creates in the database
# and drops at the end), then FindAsync's and NearestAsync's SQL from
# src/ColorVariants.Api/Storage/VariantStore.cs with limit 10, the model id and dimension
# of the `models` table's active row as literals, and the API's session settings
# (hnsw.ef_search=80, hnsw.iterative_scan=strict_order, via PGOPTIONS). Runs at 1 and 16
# clients; prints tps, average latency and p50/p99 from pgbench --log, then EXPLAIN ANALYZE
# of one query of each kind and its recall@10 against exact search on --queries products.
#
# Connection: CV_CONNECTION_STRING (the API's, Npgsql format; default: the local cluster's
# colorvariants database); --db replaces its database. --out appends the results to FILE.
set -euo pipefail
# shellcheck source=deploy/bench/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() { sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
command_line="$0 $*"

db=""
duration=30s
same_category=both
clients="1 16"
queries=100
while (( $# )); do
    case "$1" in
        --db) db="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --same-category) same_category="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --queries) queries="$2"; shift ;;
        --out) BENCH_OUT="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; cv_die "unknown argument: $1" ;;
    esac
    shift
done
case "$same_category" in
    true) kinds=(true) ;;
    false) kinds=(false) ;;
    both) kinds=(false true) ;;
    *) cv_die "--same-category is true, false or both" ;;
esac
seconds="$(bench_seconds "$duration")"
command -v pgbench >/dev/null || cv_die "pgbench not found (it comes with postgresql-$CV_PG_VERSION)"

bench_pg_env "$db"
bench_active_model
work="$(mktemp -d /tmp/colorvariants-pgvector-load.XXXXXX)"
trap 'bench_drop_skus' EXIT

products="$(bench_psql -c "SELECT count(*) FROM embeddings WHERE model_id = $BENCH_MODEL_ID")"
bench_header "pgvector load: GET /variants/{sku} SQL from pgbench" "$command_line"
bench_say "   data     database $PGDATABASE on $PGHOST:$PGPORT, $products vectors of model $BENCH_MODEL_ID ($BENCH_MODEL_DIM dimensions)"
bench_say "   settings $(bench_pgoptions), pgbench -M extended, ${seconds}s per run, limit 10"
bench_say "   raw      $work (pgbench output with per-statement latencies, transaction logs)"

for kind in "${kinds[@]}"; do
    # Same-category queries need a category to filter on; without, every answering product counts.
    if [[ "$kind" == true ]]; then
        nskus="$(bench_make_skus 'p.category IS NOT NULL')"
        label="same category"
    else
        nskus="$(bench_make_skus)"
        label="all categories"
    fi
    (( nskus > 0 )) || cv_die "no product with a vector of model $BENCH_MODEL_ID to query"
    script="$work/variants-samecategory-$kind.sql"
    bench_variants_script "$script" "$kind"
    for c in $clients; do
        bench_pgbench "$label ($nskus skus)" "$c" "$seconds" "$script" "$nskus" "$work"
    done
done

for kind in "${kinds[@]}"; do
    bench_say "-- EXPLAIN ANALYZE, same category $kind:"
    bench_explain "$kind" | while IFS= read -r line; do bench_say "   $line"; done
done

bench_say "   recall@10 vs exact search (enable_indexscan off), up to $queries random query products each:"
for kind in "${kinds[@]}"; do
    condition=true
    [[ "$kind" == true ]] && condition='e.category IS NOT NULL'
    read -r recall n short < <(bench_recall "$condition" "$kind" "$queries")
    bench_say "     same category $kind: $recall over $n queries, $short answered with fewer rows than exact search"
done
