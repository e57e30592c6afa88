#!/usr/bin/env bash
# pgvector at catalog sizes the dev dataset does not reach: synthetic products and vectors.
#
#   deploy/bench/synthetic-vectors.sh [--rows 100000] [--dim 512] [--categories 100]
#       [--clusters 0] [--db colorvariants_synth] [--reuse] [--duration 30s] [--clients "1 16"]
#       [--queries 100] [--out FILE]
#
# 1. (Re)creates the database --db (never the project's colorvariants or colorvariants_test)
#    with the API's schema: src/ColorVariants.Api/Storage/Migrations/*.sql, applied and
#    recorded as the API's DatabaseMigrator does, so the API could also be started on it.
# 2. Fills it in SQL: --rows products (one shared placeholder image), category 'rare-1pct'
#    on exactly 1 % of them and the other --categories - 1 sharing the rest evenly; one
#    random unit vector each (Gaussian coordinates, normalised, stored as halfvec), seeded.
#    With --clusters N > 0 the vectors are N random centres plus Gaussian noise of the same
#    size per coordinate (cosine to their centre about 0.7), like styles holding variants.
# 3. Registers an active model row and creates its partial HNSW index with the statement of
#    src/ColorVariants.Api/Models/ModelRegistry.cs (after the load: building on a full table
#    is much faster than the API's insert-by-insert, and gives the same kind of graph).
# 4. Runs the GET /variants/{sku} SQL with pgbench (as pgvector-load.sh): unfiltered, then
#    filtered on 'rare-1pct' (query products from that category), at 1 and 16 clients.
# 5. Recall@10 of the answer with the API's settings (hnsw.ef_search=80, iterative scans in
#    strict order) against exact search (the same query with enable_indexscan off) on
#    --queries random query products, unfiltered and filtered; EXPLAIN ANALYZE of each kind.
#
# --reuse keeps an existing database with an active model and skips 1-3. Connection:
# CV_CONNECTION_STRING's server and role (default: the local cluster). --out appends the
# results to FILE. Uniform random vectors have no neighbourhood structure, the hard case for
# HNSW recall; real embeddings, and --clusters, have one.
set -euo pipefail
# shellcheck source=deploy/bench/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() { sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
command_line="$0 $*"

rows=100000
dim=512
categories=100
clusters=0
db=colorvariants_synth
reuse=0
duration=30s
clients="1 16"
queries=100
while (( $# )); do
    case "$1" in
        --rows) rows="$2"; shift ;;
        --dim) dim="$2"; shift ;;
        --categories) categories="$2"; shift ;;
        --clusters) clusters="$2"; shift ;;
        --db) db="$2"; shift ;;
        --reuse) reuse=1 ;;
        --duration) duration="$2"; shift ;;
        --clients) clients="$2"; shift ;;
        --queries) queries="$2"; shift ;;
        --out) BENCH_OUT="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; cv_die "unknown argument: $1" ;;
    esac
    shift
done
for n in "$rows" "$dim" "$categories" "$queries"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || cv_die "--rows, --dim, --categories and --queries take positive whole numbers"
done
(( rows >= 100 )) || cv_die "--rows must be at least 100 (1 % of them form the rare category)"
(( categories >= 2 )) || cv_die "--categories must be at least 2"
[[ "$clusters" =~ ^[0-9]+$ ]] || cv_die "--clusters takes a whole number (0: uniform vectors)"
(( dim <= 4000 )) || cv_die "--dim is at most 4000 (the models table's check; HNSW on halfvec takes up to 4,000)"
[[ "$db" != "$CV_DB_NAME" && "$db" != "$CV_TEST_DB_NAME" ]] || cv_die "--db $db is the project's own database; use a separate one"
seconds="$(bench_seconds "$duration")"
command -v pgbench >/dev/null || cv_die "pgbench not found (it comes with postgresql-$CV_PG_VERSION)"
migrations="$CV_REPO/src/ColorVariants.Api/Storage/Migrations"

bench_pg_env "$db"
work="$(mktemp -d /tmp/colorvariants-synthetic.XXXXXX)"
trap 'bench_drop_skus' EXIT

fill() {
    cv_log "recreating database $db"
    PGDATABASE=postgres bench_psql -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db"
    bench_ensure_database "$db"

    # As DatabaseMigrator: each file once, in order, in its own transaction, recorded.
    bench_psql -c 'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())'
    local file name
    for file in "$migrations"/[0-9]*_*.sql; do
        name="$(basename "$file" .sql)"
        cv_log "applying migration $name"
        { printf 'SET client_min_messages = warning;\n'; cat "$file"
          printf "\nINSERT INTO schema_migrations (version, name) VALUES (%d, '%s');\n" "$((10#${name%%_*}))" "$name"
        } | bench_psql -1 -f -
    done

    BENCH_MODEL_ID="$(bench_psql -c "
        INSERT INTO models (name, sha256, dimensions, metadata, active)
        VALUES ('synthetic-random-$dim', 'synthetic-random-$dim', $dim, '{\"source\": \"deploy/bench/synthetic-vectors.sh\"}', true)
        RETURNING id")"
    BENCH_MODEL_DIM="$dim"

    local centre_term="" centre_join=""
    if (( clusters > 0 )); then centre_term="+ c.centre"; centre_join="JOIN centres c USING (k)"; fi
    cv_log "inserting $rows products and vectors"
    local start=$SECONDS
    bench_psql <<SQL
SELECT setseed(0.42) \\g /dev/null
INSERT INTO images (sha256, media_type, width, height, content)
VALUES (sha256('synthetic'::bytea), 'image/png', 1, 1, '\\x00'::bytea);
INSERT INTO products (sku, category, name, image_sha256)
SELECT lpad(i::text, 10, '0'),
       CASE WHEN i % 100 = 0 THEN 'rare-1pct'
            ELSE 'cat-' || lpad((1 + floor(random() * ($categories - 1)))::int::text, 4, '0') END,
       'synthetic product ' || i,
       sha256('synthetic'::bytea)
FROM generate_series(1, $rows) AS i;
-- Gaussian coordinates (Box-Muller) make the normalised vectors uniform on the sphere. The
-- reference to the outer row in a subquery makes it run per row instead of once.
CREATE TEMP TABLE centres AS
SELECT k, ARRAY(SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                FROM generate_series(1, $dim) WHERE k IS NOT NULL)::vector AS centre
FROM generate_series(0, $clusters - 1) AS k;
-- raw = embedding: the synthetic vectors are served unwhitened, as a model without a whitening is.
INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
SELECT model_id, sku, image_sha256, category, v, v FROM (
SELECT $BENCH_MODEL_ID AS model_id, p.sku, p.image_sha256, p.category,
       l2_normalize(ARRAY(
           SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
           FROM generate_series(1, $dim) WHERE p.sku IS NOT NULL)::vector $centre_term)::halfvec AS v
FROM (SELECT *, floor(random() * $clusters)::int AS k FROM products OFFSET 0) AS p
$centre_join OFFSET 0) AS r;
SQL
    local loaded=$(( SECONDS - start ))
    cv_log "creating the HNSW index (ModelRegistry's statement)"
    start=$SECONDS
    bench_psql -c "CREATE INDEX IF NOT EXISTS embeddings_hnsw_model_$BENCH_MODEL_ID ON embeddings
        USING hnsw ((embedding::halfvec($dim)) halfvec_cosine_ops) WHERE model_id = $BENCH_MODEL_ID"
    bench_psql -c 'ANALYZE images, products, models, embeddings'
    FILL_NOTE="filled in ${loaded}s, HNSW index built in $(( SECONDS - start ))s"
}

FILL_NOTE="reused"
if (( reuse )) && [[ -n "$(PGDATABASE=postgres bench_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
    bench_active_model
else
    fill
fi
export BENCH_MODEL_ID BENCH_MODEL_DIM

rare="$(bench_psql -c "SELECT count(*) FROM embeddings WHERE model_id = $BENCH_MODEL_ID AND category = 'rare-1pct'")"
total="$(bench_psql -c "SELECT count(*) FROM embeddings WHERE model_id = $BENCH_MODEL_ID")"
ncat="$(bench_psql -c "SELECT count(DISTINCT category) FROM embeddings WHERE model_id = $BENCH_MODEL_ID")"
bench_header "pgvector on synthetic vectors: GET /variants/{sku} SQL and HNSW recall" "$command_line"
shape="uniform random unit vectors"
(( clusters > 0 )) && shape="unit vectors in $clusters random clusters"
bench_say "   data     database $PGDATABASE: $total $shape of model $BENCH_MODEL_ID ($BENCH_MODEL_DIM dimensions, halfvec), $ncat categories, 'rare-1pct' holds $rare; $FILL_NOTE"
bench_say "   settings $(bench_pgoptions), pgbench -M extended, ${seconds}s per run, limit 10"
bench_say "   raw      $work"

nskus="$(bench_make_skus)"
bench_variants_script "$work/unfiltered.sql" false
for c in $clients; do
    bench_pgbench "all categories ($nskus skus)" "$c" "$seconds" "$work/unfiltered.sql" "$nskus" "$work"
done
read -r open_recall open_n open_short < <(bench_recall true false "$queries")
bench_say "-- EXPLAIN ANALYZE, all categories:"
bench_explain false | while IFS= read -r line; do bench_say "   $line"; done

nskus="$(bench_make_skus "p.category = 'rare-1pct'")"
bench_variants_script "$work/rare.sql" true
for c in $clients; do
    bench_pgbench "rare-1pct ($nskus skus)" "$c" "$seconds" "$work/rare.sql" "$nskus" "$work"
done
read -r rare_recall rare_n rare_short < <(bench_recall "e.category = 'rare-1pct'" true "$queries")
bench_say "-- EXPLAIN ANALYZE, same category 'rare-1pct':"
bench_explain true | while IFS= read -r line; do bench_say "   $line"; done

bench_say "   recall@10 vs exact search (enable_indexscan off), $queries random query products each:"
bench_say "     all categories:            $open_recall over $open_n queries, $open_short answered with fewer rows than exact search"
bench_say "     same category 'rare-1pct': $rare_recall over $rare_n queries, $rare_short answered with fewer rows than exact search"
