#!/usr/bin/env bash
# shellcheck shell=bash
#
# Helpers shared by the load scripts in deploy/bench/. Source it; do not execute it:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
#
# It sources deploy/local/lib.sh (cv_* helpers, CV_CONNECTION_STRING) and adds:
#   bench_pg_env [DB]          PG* variables for psql/pgbench from CV_CONNECTION_STRING
#   bench_psql ARGS...         psql, unaligned, stops on the first error
#   bench_ensure_database DB   creates DB with the vector extension unless it exists
#   bench_seconds 30s|2m|45    a duration in seconds (pgbench -T wants them)
#   bench_percentiles FILE...  "p50_ms p99_ms" of the latencies in pgbench --log files
#   bench_say TEXT             prints to stdout and appends to $BENCH_OUT if set

if [[ -n "${CV__BENCH_LIB_SOURCED:-}" ]]; then
    return 0
fi
CV__BENCH_LIB_SOURCED=1

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

BENCH_OUT="${BENCH_OUT:-}"

bench_say() {
    printf '%s\n' "$*"
    if [[ -n "$BENCH_OUT" ]]; then
        printf '%s\n' "$*" >> "$BENCH_OUT"
    fi
}

# What every result block starts with: when, where, on what load, with which command.
bench_header() {
    local title="$1" command="$2"
    bench_say "== $title"
    bench_say "   date     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    bench_say "   machine  $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
    bench_say "   command  $command"
}

# bench_pg_env [DB]: exports PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE from the Npgsql
# connection string in CV_CONNECTION_STRING (the one the API gets; cv_db_url's default
# when unset). DB, when given, replaces the database.
bench_pg_env() {
    [[ -n "${CV_CONNECTION_STRING:-}" ]] || cv_db_url
    local pair key value
    local -a pairs
    IFS=';' read -r -a pairs <<< "$CV_CONNECTION_STRING"
    for pair in "${pairs[@]}"; do
        [[ "$pair" == *=* ]] || continue
        key="$(printf '%s' "${pair%%=*}" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
        value="${pair#*=}"
        case "$key" in
            host|server) export PGHOST="$value" ;;
            port) export PGPORT="$value" ;;
            username|userid|user) export PGUSER="$value" ;;
            password) export PGPASSWORD="$value" ;;
            database|db) export PGDATABASE="$value" ;;
        esac
    done
    if [[ -n "${1:-}" ]]; then
        export PGDATABASE="$1"
    fi
    [[ -n "${PGDATABASE:-}" ]] || cv_die "CV_CONNECTION_STRING names no database"
}

bench_psql() {
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# Runs psql as the postgres superuser over the cluster's Unix socket. The socket lives in the
# .local of whichever checkout started the cluster, so it is looked up among the machine's
# listening sockets (/proc/net/unix) when this checkout's CV_PG_SOCKET_DIR does not have it.
bench__psql_superuser() {
    local name=".s.PGSQL.$PGPORT" socket
    if [[ -S "$CV_PG_SOCKET_DIR/$name" ]]; then
        socket="$CV_PG_SOCKET_DIR"
    else
        socket="$(awk -v name="/$name" 'substr($NF, length($NF) - length(name) + 1) == name { print $NF; exit }' /proc/net/unix)"
        socket="${socket%/*}"
    fi
    [[ -n "$socket" ]] || cv_die "no Unix socket of a PostgreSQL on port $PGPORT found (needed to create the vector extension as postgres)"
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$PGPORT" -U postgres "$@")
}

# bench_ensure_database DB: creates DB owned by the connecting role (which has CREATEDB)
# and the vector extension in it (not a trusted extension: that takes the superuser).
bench_ensure_database() {
    local db="$1"
    [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || cv_die "database name '$db': use lower-case letters, digits and _"
    if [[ -z "$(bench_psql -d postgres <<< "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
        cv_log "creating database $db"
        bench_psql -d postgres -c "CREATE DATABASE $db"
    fi
    if [[ -z "$(bench_psql -d "$db" -c "SELECT 1 FROM pg_extension WHERE extname = 'vector'")" ]]; then
        cv_log "creating extension vector in $db (as postgres)"
        bench__psql_superuser -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS vector'
    fi
}

# bench_seconds 30s | 2m | 45 -> 30 | 120 | 45
bench_seconds() {
    case "$1" in
        *[0-9]s) printf '%s\n' "${1%s}" ;;
        *[0-9]m) printf '%s\n' "$(( ${1%m} * 60 ))" ;;
        *[0-9]) printf '%s\n' "$1" ;;
        *) cv_die "not a duration: $1 (use 30s, 2m or 45)" ;;
    esac
}

# bench_percentiles LOG...: p50 and p99 (nearest rank) of pgbench --log files, in ms. The
# third field of each line is the transaction's latency in microseconds.
bench_percentiles() {
    awk '{ print $3 }' "$@" | sort -n | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n/a n/a"; exit }
            i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
            i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
            printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000
        }'
}

# ---------------------------------------------------------------------------
# GET /variants/{sku} as SQL (src/ColorVariants.Api/Storage/VariantStore.cs)

# bench_active_model: BENCH_MODEL_ID and BENCH_MODEL_DIM of the models table's active row,
# written into the SQL as literals as the API's ActiveModel does (so the partial index matches).
bench_active_model() {
    local row
    row="$(bench_psql -F ' ' -c 'SELECT id, dimensions FROM models WHERE active')"
    [[ -n "$row" ]] || cv_die "no active model in $PGDATABASE (start the API on it once, or run synthetic-vectors.sh)"
    read -r BENCH_MODEL_ID BENCH_MODEL_DIM <<< "$row"
    export BENCH_MODEL_ID BENCH_MODEL_DIM
}

# bench_make_skus [CONDITION]: (re)creates the helper table bench_skus(i, sku) with the products
# the API can answer for (those with a vector of the active model), in random order, optionally
# only those matching CONDITION on p (products) and e (embeddings). Prints how many.
bench_make_skus() {
    local condition="${1:-true}"
    bench_psql <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_skus;
CREATE TABLE bench_skus (i serial PRIMARY KEY, sku text COLLATE "C" NOT NULL);
INSERT INTO bench_skus (sku)
SELECT p.sku FROM products p
JOIN embeddings e ON e.model_id = $BENCH_MODEL_ID AND e.sku = p.sku AND e.image_sha256 = p.image_sha256
WHERE $condition
ORDER BY random();
ANALYZE bench_skus;
SELECT count(*) FROM bench_skus;
SQL
}

bench_drop_skus() {
    bench_psql -c 'DROP TABLE IF EXISTS bench_skus' || true
}

# bench_variants_script FILE true|false: a pgbench script doing what GET
# /variants/{sku}?limit=10&sameCategory=... does: FindAsync, then NearestAsync with the
# product's category (true) or without (false), the product itself left out. A random
# row of bench_skus picks the sku (one extra primary-key lookup per transaction).
bench_variants_script() {
    local file="$1" same_category="$2" m="$BENCH_MODEL_ID"
    cat > "$file" <<SQL
\\set i random(1, :nskus)
SELECT sku AS qsku FROM bench_skus WHERE i = :i \\gset
SELECT p.category AS qcategory, e.embedding AS qvector FROM products p LEFT JOIN embeddings e ON e.model_id = $m AND e.sku = p.sku AND e.image_sha256 = p.image_sha256 WHERE p.sku = :qsku \\gset
SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256 FROM ($(bench_nearest_sql "$same_category" :qvector :qcategory :qsku)) n JOIN products p ON p.sku = n.sku ORDER BY n.distance, n.sku;
SQL
}

# bench_nearest_sql true|false VECTOR CATEGORY SKU: VariantStore.NearestAsync's inner query (sku,
# distance; limit 10) with the given parameter references. With a category, one of at most
# Search:ExactSearchMaxRows (BENCH_EXACT_MAX, default 5000) vectors is scanned exactly.
bench_nearest_sql() {
    local same_category="$1" vector="$2" category="$3" sku="$4" m="$BENCH_MODEL_ID" d="$BENCH_MODEL_DIM" exact_max="${BENCH_EXACT_MAX:-5000}"
    local candidates="SELECT e.sku, e.embedding::halfvec($d) <=> $vector::halfvec($d) AS distance FROM embeddings e WHERE e.model_id = $m"
    if [[ "$same_category" != true ]]; then
        printf '%s AND e.sku <> %s ORDER BY distance LIMIT 10' "$candidates" "$sku"
        return
    fi
    candidates+=" AND e.category = $category AND e.sku <> $sku"
    printf '%s' "WITH small AS (SELECT count(*) <= $exact_max AS exact FROM (SELECT FROM embeddings k WHERE k.model_id = $m AND k.category = $category LIMIT $exact_max + 1) k) " \
        "(SELECT * FROM ($candidates OFFSET 0) c WHERE (SELECT exact FROM small) ORDER BY distance LIMIT 10) UNION ALL " \
        "(SELECT * FROM ($candidates) c WHERE NOT (SELECT exact FROM small) ORDER BY distance LIMIT 10)"
}

# The API's session settings (ServiceRegistration.CreateDataSource), as start-up options.
bench_pgoptions() {
    printf -- '-c hnsw.ef_search=%s -c hnsw.iterative_scan=strict_order' "${BENCH_EF_SEARCH:-80}"
}

# bench_pgbench LABEL CLIENTS SECONDS SCRIPT NSKUS WORKDIR: runs pgbench like the API talks to
# PostgreSQL (extended protocol, unnamed statements, so each query gets a custom plan) and
# prints one result line. pgbench's own output (per-statement latencies, -r) and its transaction
# logs stay in WORKDIR/runN-cC.
bench_pgbench() {
    local label="$1" clients="$2" seconds="$3" script="$4" nskus="$5" work="$6" threads=1 raw tps avg p50 p99 failed pick find nearest
    (( clients > 1 )) && threads=2
    BENCH_RUNS=$(( ${BENCH_RUNS:-0} + 1 ))
    raw="$work/run$BENCH_RUNS-c$clients"
    mkdir -p "$raw"
    PGOPTIONS="$(bench_pgoptions)" pgbench -n -M extended -c "$clients" -j "$threads" -T "$seconds" -r \
        --log --log-prefix="$raw/tx" -D nskus="$nskus" -f "$script" > "$raw/pgbench.out" 2>&1 \
        || { tail -n 20 "$raw/pgbench.out" >&2; cv_die "pgbench failed ($raw/pgbench.out)"; }
    tps="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$raw/pgbench.out" | head -n1)"
    avg="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$raw/pgbench.out")"
    failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$raw/pgbench.out")"
    read -r p50 p99 < <(bench_percentiles "$raw"/tx.*)
    bench_say "$(printf '   %-28s clients %2d  tps %8.1f  latency avg %7.2f ms  p50 %7.2f ms  p99 %7.2f ms  failed %s' \
        "$label" "$clients" "$tps" "$avg" "$p50" "$p99" "${failed:-0}")"
    # pgbench -r: average per statement, in script order (\set, sku pick, FindAsync, NearestAsync).
    read -r pick find nearest < <(awk '/^statement latencies/ { on = 1; next } on && NF { n++; if (n >= 2 && n <= 4) printf "%s ", $1 } END { print "" }' "$raw/pgbench.out")
    bench_say "   $(printf '%-28s per statement: sku pick %s ms, FindAsync %s ms, NearestAsync %s ms' "" "$pick" "$find" "$nearest")"
}

# bench_explain true|false: EXPLAIN ANALYZE of the NearestAsync query for one random sku of
# bench_skus, with the API's settings. The query vector is sent as a literal, as a custom plan
# of the API's parameter would show it; it is shortened to '[vector]' in the output.
bench_explain() {
    local same_category="$1" m="$BENCH_MODEL_ID"
    PGOPTIONS="$(bench_pgoptions)" psql -X -q -A -t -v ON_ERROR_STOP=1 <<SQL | sed -E "s/'\\[[^]]*\\]'/'[vector]'/g"
SELECT sku AS qsku FROM bench_skus ORDER BY random() LIMIT 1 \\gset
SELECT p.category AS qcategory, e.embedding AS qvector FROM products p JOIN embeddings e ON e.model_id = $m AND e.sku = p.sku AND e.image_sha256 = p.image_sha256 WHERE p.sku = :'qsku' \\gset
\\echo query sku :qsku, category :qcategory
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256 FROM ($(bench_nearest_sql "$same_category" ":'qvector'" ":'qcategory'" ":'qsku'")) n JOIN products p ON p.sku = n.sku ORDER BY n.distance, n.sku;
SQL
}

# bench_recall CONDITION true|false QUERIES: recall@10 of the NearestAsync answer with the
# API's settings against exact search (the same query with enable_indexscan off, so no HNSW),
# over QUERIES random query products matching CONDITION (on e, the embeddings); true adds the
# query's category as filter, as sameCategory does. EXECUTE ... USING plans each query with its
# values, like the API's unnamed statements. Prints "mean-recall queries short-answers".
bench_recall() {
    local condition="$1" queries="$3" m="$BENCH_MODEL_ID"
    PGOPTIONS="$(bench_pgoptions)" bench_psql -F ' ' <<SQL
SET client_min_messages = warning;
CREATE TEMP TABLE q AS
    SELECT e.sku, e.category, e.embedding FROM embeddings e
    WHERE e.model_id = $m AND $condition ORDER BY random() LIMIT $queries;
CREATE TEMP TABLE answers (kind text, qsku text, sku text);
DO \$\$
DECLARE
    q record;
    nearest constant text := 'SELECT n.sku FROM ($(bench_nearest_sql "$2" '$1' '$2' '$3')) n';
BEGIN
    FOR q IN SELECT * FROM q LOOP
        EXECUTE 'INSERT INTO answers SELECT ''index'', \$3, sku FROM (' || nearest || ') n' USING q.embedding, q.category, q.sku;
    END LOOP;
    PERFORM set_config('enable_indexscan', 'off', true);
    FOR q IN SELECT * FROM q LOOP
        EXECUTE 'INSERT INTO answers SELECT ''exact'', \$3, sku FROM (' || nearest || ') n' USING q.embedding, q.category, q.sku;
    END LOOP;
END
\$\$;
-- Per query: exact rows also in the index answer / exact rows; and how many queries got fewer
-- rows than exact search (a filtered index scan that gave up early). Queries with no exact row
-- (alone in their category) are left out.
SELECT round(avg(found::numeric / total), 4), count(*), count(*) FILTER (WHERE answered < total)
FROM (
    SELECT x.qsku,
           count(*) AS total,
           count(a.sku) AS found,
           (SELECT count(*) FROM answers i WHERE i.kind = 'index' AND i.qsku = x.qsku) AS answered
    FROM answers x
    LEFT JOIN answers a ON a.kind = 'index' AND a.qsku = x.qsku AND a.sku = x.sku
    WHERE x.kind = 'exact'
    GROUP BY x.qsku
) per_query;
SQL
}
