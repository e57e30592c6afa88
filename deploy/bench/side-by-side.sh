#!/usr/bin/env bash
# GET /variants/{sku} against the plainest pgvector query, on the same synthetic vectors, in one run.
#
#   deploy/bench/side-by-side.sh [--rows 100000] [--dim 512] [--categories 100] [--clusters N]
#       [--db colorvariants_sbs] [--reuse] [--duration 20s] [--clients "1 16"] [--queries 100]
#       [--port 8282] [--no-levers] [--proposed-ef 40] [--out FILE]
#
# 1. Data. --rows products in --categories categories (i % categories), each with one unit
#    vector of --dim dimensions: --clusters random centres (default rows / 100, i.e. about 100
#    products a centre) plus Gaussian noise of the same size per coordinate (cosine to the
#    centre about 0.7), generated once, seeded, into bench_source. The same vectors go into
#      raw_vec   (id, category, embedding vector(D)),  HNSW vector_cosine_ops, defaults
#      raw_half  (id, category, embedding halfvec(D)), HNSW halfvec_cosine_ops, defaults
#      the API's products + embeddings, HNSW with ModelRegistry's statement (partial, on
#      the expression embedding::halfvec(D)).
#    Build time and size of each HNSW index are printed.
# 2. Serving them through the API without re-embedding (the hack, all here): the API is started
#    once on the empty database, so that it migrates it and registers its model (the ONNX
#    file's hash is the model's identity); it is stopped, the synthetic rows are inserted for
#    that model id, the index is built, and the API is started again with the same model: it
#    finds every product embedded for it and the index there, so it re-embeds nothing.
#    Whitening__Enabled=false keeps it from fitting a whitening on the synthetic vectors. For
#    --dim 512 the model is the ImageNet ResNet18 with the plain 512-d descriptor, prepared
#    by deploy/bench/bench-model.cs; for --dim 2304 it is the service's default model. The API
#    runs from its Release build (dotnet build src/ColorVariants.Api -c Release) on --port.
# 3. Load, at each of --clients, --duration per case, unfiltered (U) and same category (C):
#      (a)  raw: SELECT id FROM raw_vec ORDER BY embedding <=> (SELECT embedding FROM raw_vec
#           WHERE id = :i) LIMIT 10 (C: AND category = the product's), HNSW defaults (ef 40)
#      L1.. the levers between (a) and the API's SQL, one at a time (U only; --no-levers skips)
#      (b)  the statement the API serves (CatalogStore.FindVariantsAsync) from pgbench with the
#           search pool's session settings, prepared (as Npgsql's auto-prepare); S1 without its
#           verdict lookups, S2 that with ef_search --proposed-ef, S3 (a) at ef_search 80
#      (c)  GET /variants/{sku}?limit=10&sameCategory=false|true through HTTP with wrk
#    Each line: tps, p50, p99, recall@10 against exact search on --queries random products
#    (the raw query counts the product itself, as it returns it; the API leaves it out), and
#    tps as a ratio of (a)'s at the same clients. The load average is printed per case.
#
# The machine's other load shares the cores: compare the ratios within one run. Connection:
# CV_CONNECTION_STRING's server (default: deploy/local's cluster on CV_PG_PORT). --reuse keeps
# a filled database from an earlier run with the same --rows/--dim/--clusters. The API and the
# database are left as they were found: the API is stopped at the end, the database kept for
# --reuse (drop it with psql -c 'DROP DATABASE colorvariants_sbs').
set -euo pipefail
# shellcheck source=deploy/bench/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() { sed -n '2,43s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
command_line="$0 $*"

rows=100000
dim=512
categories=100
clusters=""
db=colorvariants_sbs
reuse=0
duration=20s
clients="1 16"
queries=100
port=8282
levers=1
proposed_ef=40
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
        --port) port="$2"; shift ;;
        --no-levers) levers=0 ;;
        --proposed-ef) proposed_ef="$2"; shift ;;
        --out) BENCH_OUT="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; cv_die "unknown argument: $1" ;;
    esac
    shift
done
clusters="${clusters:-$(( rows / 100 ))}"
[[ "$rows" =~ ^[0-9]+$ ]] && (( rows >= 1000 )) || cv_die "--rows takes a whole number from 1000"
[[ "$clusters" =~ ^[0-9]+$ ]] && (( clusters >= 1 )) || cv_die "--clusters takes a whole number from 1"
[[ "$dim" == 512 || "$dim" == 2304 ]] || cv_die "--dim is 512 (bench model) or 2304 (the service's default model)"
[[ "$db" != "$CV_DB_NAME" && "$db" != "$CV_TEST_DB_NAME" ]] || cv_die "--db $db is the project's own database; use a separate one"
seconds="$(bench_seconds "$duration")"
command -v pgbench >/dev/null || cv_die "pgbench not found (it comes with postgresql-$CV_PG_VERSION)"
command -v python3 >/dev/null || cv_die "python3 not found (it reads the API's JSON answers for recall)"
cv_install_wrk
cv_install_curl

bench_pg_env "$db"
work="$(mktemp -d /tmp/colorvariants-side-by-side.XXXXXX)"
results="$work/results.tsv"
: > "$results"
api_dll="$CV_REPO/src/ColorVariants.Api/bin/Release/net10.0/ColorVariants.Api.dll"
[[ -f "$api_dll" ]] || cv_die "no Release build of the API ($api_dll): run dotnet build src/ColorVariants.Api -c Release"
api_url="http://127.0.0.1:$port"
api_pid_file="$CV_LOCAL/bench-api.pid"
api_log="$CV_LOCAL/bench-api.log"
mkdir -p "$CV_LOCAL"

# ---------------------------------------------------------------------------
# the API process (started and stopped here, by its pid)

if [[ "$dim" == 512 ]]; then
    model_env=(Embedding__ModelPath="$CV_LOCAL/bench-model-512.onnx")
    if [[ ! -f "$CV_LOCAL/bench-model-512.onnx" ]]; then
        cv_log "preparing the 512-d bench model (deploy/bench/bench-model.cs)"
        dotnet run "$CV_REPO/deploy/bench/bench-model.cs" -- "$CV_LOCAL/bench-model-512.onnx" >&2
    fi
else
    model_env=(Embedding__ModelPath= Embedding__ModelDirectory="$CV_LOCAL/models")
fi

api_stop() {
    local pid
    [[ -f "$api_pid_file" ]] || return 0
    pid="$(tr -dc '0-9' < "$api_pid_file")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        cv_log "stopping the bench API (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$api_pid_file"
}

# api_start [ENV=VALUE...]: the API on $db, from its Release build, with the bench's settings.
api_start() {
    api_stop
    cv_port_in_use "$port" && cv_die "port $port is in use (--port takes another)"
    local base="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=$db"
    (
        cd "$(dirname "$api_dll")"
        exec env ConnectionStrings__Catalog="$base;Maximum Pool Size=${BENCH_API_POOL:-64}" \
            ASPNETCORE_URLS="$api_url" Whitening__Enabled=false Embedding__Device=Cpu \
            "${model_env[@]}" "$@" dotnet "$api_dll" < /dev/null >> "$api_log" 2>&1
    ) &
    echo $! > "$api_pid_file"
    cv_wait_api_ready "$api_url" "$(cat "$api_pid_file")" || { tail -n 30 "$api_log" >&2; cv_die "the API did not become ready ($api_log)"; }
    # Warm-up (JIT, tiered compilation, the pool's connections, the thread pool), not measured.
    [[ -z "${BENCH_NO_WARMUP:-}" ]] || return 0
    cat > "$work/warm.lua" <<LUA
local n = 0
function request() n = n + 1; return wrk.format("GET", string.format("/variants/%010d?limit=10&sameCategory=%s", math.random($rows), n % 2 == 0)) end
LUA
    wrk -t 2 -c 16 -d "${BENCH_WARMUP:-10}s" -s "$work/warm.lua" "$api_url" > "$work/warm.out" 2>&1 || true
    # After its first load the runtime goes on compiling (tiered JIT) for some seconds: let it.
    sleep 10
}

cleanup() {
    api_stop
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# data

model_row() { bench_psql -F ' ' -c 'SELECT id, dimensions FROM models WHERE active'; }

fill() {
    cv_log "recreating database $db"
    PGDATABASE=postgres bench_psql -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db"
    bench_ensure_database "$db"
    cv_log "starting the API once on the empty database: it migrates it and registers its model"
    BENCH_NO_WARMUP=1 api_start
    api_stop
    read -r BENCH_MODEL_ID BENCH_MODEL_DIM <<< "$(model_row)"
    [[ "$BENCH_MODEL_DIM" == "$dim" ]] || cv_die "the API registered a model of $BENCH_MODEL_DIM dimensions, not $dim"
    m="$BENCH_MODEL_ID"

    cv_log "generating $rows vectors ($dim-d, $clusters clusters)"
    local start=$SECONDS
    bench_psql <<SQL
SET client_min_messages = warning;
SELECT setseed(0.42) \\g /dev/null
CREATE TEMP TABLE centres AS
SELECT k, ARRAY(SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                FROM generate_series(1, $dim) WHERE k IS NOT NULL)::vector AS centre
FROM generate_series(0, $clusters - 1) AS k;
-- The reference to the outer row in the ARRAY subquery makes it run per row instead of once.
CREATE UNLOGGED TABLE bench_source AS
SELECT s.i, 'cat-' || lpad((s.i % $categories)::text, 4, '0') AS category,
       l2_normalize(ARRAY(SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                          FROM generate_series(1, $dim) WHERE s.i IS NOT NULL)::vector + c.centre)::halfvec($dim) AS v
FROM (SELECT i, floor(random() * $clusters)::int AS k FROM generate_series(1, $rows) AS i) s
JOIN centres c USING (k);
ALTER TABLE bench_source ADD PRIMARY KEY (i);

INSERT INTO images (sha256, media_type, width, height, content)
VALUES (sha256('synthetic'::bytea), 'image/png', 1, 1, '\\x00'::bytea);
INSERT INTO products (sku, category, name, image_sha256)
SELECT lpad(i::text, 10, '0'), category, 'synthetic product ' || i, sha256('synthetic'::bytea) FROM bench_source ORDER BY i;
-- The API's index is dropped for the load (built below, after it, as ModelRegistry builds it).
DROP INDEX IF EXISTS embeddings_hnsw_model_$m;
INSERT INTO embeddings (model_id, sku, image_sha256, category, embedding, raw)
SELECT $m, lpad(i::text, 10, '0'), sha256('synthetic'::bytea), category, v, v FROM bench_source ORDER BY i;

CREATE TABLE raw_vec (id integer PRIMARY KEY, category text NOT NULL, embedding vector($dim) NOT NULL);
INSERT INTO raw_vec SELECT i, category, v::vector($dim) FROM bench_source ORDER BY i;
CREATE INDEX raw_vec_category ON raw_vec (category);
CREATE TABLE raw_half (id integer PRIMARY KEY, category text NOT NULL, embedding halfvec($dim) NOT NULL);
INSERT INTO raw_half SELECT i, category, v FROM bench_source ORDER BY i;
CREATE INDEX raw_half_category ON raw_half (category);
SQL
    local loaded=$(( SECONDS - start ))
    build raw_vec_hnsw "CREATE INDEX raw_vec_hnsw ON raw_vec USING hnsw (embedding vector_cosine_ops)"
    build raw_half_hnsw "CREATE INDEX raw_half_hnsw ON raw_half USING hnsw (embedding halfvec_cosine_ops)"
    build "embeddings_hnsw_model_$m" "CREATE INDEX embeddings_hnsw_model_$m ON embeddings
        USING hnsw ((embedding::halfvec($dim)) halfvec_cosine_ops) WHERE model_id = $m"
    bench_psql -c 'VACUUM ANALYZE images, products, models, embeddings, raw_vec, raw_half, bench_source'
    bench_psql -c "COMMENT ON TABLE bench_source IS 'side-by-side.sh rows=$rows dim=$dim clusters=$clusters categories=$categories'"
    FILL_NOTE="generated and loaded in ${loaded}s"
}

# build NAME STATEMENT: builds one HNSW index, timed; time and size go to table bench_builds.
build() {
    local name="$1" statement="$2" t0 t1
    cv_log "building $name"
    t0="$(date +%s.%N)"
    bench_psql -c "$statement"
    t1="$(date +%s.%N)"
    bench_psql -c "CREATE TABLE IF NOT EXISTS bench_builds (name text PRIMARY KEY, seconds numeric, bytes bigint)" \
        -c "INSERT INTO bench_builds VALUES ('$name', $t1 - $t0, pg_relation_size('$name'))"
}

if (( reuse )) && [[ -n "$(PGDATABASE=postgres bench_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]] \
   && [[ "$(bench_psql -c "SELECT obj_description('bench_source'::regclass)" 2>/dev/null)" == "side-by-side.sh rows=$rows dim=$dim clusters=$clusters categories=$categories" ]]; then
    read -r BENCH_MODEL_ID BENCH_MODEL_DIM <<< "$(model_row)"
    m="$BENCH_MODEL_ID"
    FILL_NOTE="reused (index builds as measured when it was filled)"
else
    (( reuse )) && cv_log "no reusable database $db for these options; filling it"
    fill
fi
export BENCH_MODEL_ID BENCH_MODEL_DIM
d="$dim"

# Query products and their exact neighbours (the source table has no vector index: a sequential
# scan and a sort, i.e. exact search). incl: the product itself counts (the raw query returns it).
cv_log "exact top 10 of $queries random products (unfiltered and same category)"
bench_psql <<SQL
SET client_min_messages = warning;
SELECT setseed(0.17) \\g /dev/null
DROP TABLE IF EXISTS bench_q, bench_truth;
CREATE TABLE bench_q AS SELECT i, lpad(i::text, 10, '0') AS sku, category, v FROM bench_source ORDER BY random() LIMIT $queries;
CREATE TABLE bench_truth (i integer, kind text, incl boolean, sku text);
SET enable_indexscan = off;
INSERT INTO bench_truth SELECT q.i, 'U', true, n.sku FROM bench_q q,
    LATERAL (SELECT lpad(s.i::text, 10, '0') AS sku FROM bench_source s ORDER BY s.v <=> q.v LIMIT 10) n;
INSERT INTO bench_truth SELECT q.i, 'U', false, n.sku FROM bench_q q,
    LATERAL (SELECT lpad(s.i::text, 10, '0') AS sku FROM bench_source s WHERE s.i <> q.i ORDER BY s.v <=> q.v LIMIT 10) n;
INSERT INTO bench_truth SELECT q.i, 'C', true, n.sku FROM bench_q q,
    LATERAL (SELECT lpad(s.i::text, 10, '0') AS sku FROM bench_source s WHERE s.category = q.category ORDER BY s.v <=> q.v LIMIT 10) n;
INSERT INTO bench_truth SELECT q.i, 'C', false, n.sku FROM bench_q q,
    LATERAL (SELECT lpad(s.i::text, 10, '0') AS sku FROM bench_source s WHERE s.category = q.category AND s.i <> q.i ORDER BY s.v <=> q.v LIMIT 10) n;
SQL

# ---------------------------------------------------------------------------
# the cases: SQL with @I (the product's number, an integer parameter) and @SKU (its sku)

sku_expr() { printf "lpad(%s::text, 10, '0')" "$1"; }

# raw_sql TABLE U|C
raw_sql() {
    local t="$1" filter=""
    [[ "$2" == C ]] && filter="WHERE category = (SELECT category FROM $t WHERE id = @I) "
    printf 'SELECT id FROM %s %sORDER BY embedding <=> (SELECT embedding FROM %s WHERE id = @I) LIMIT 10' "$t" "$filter" "$t"
}

# The API's table, its partial index and expression, the vector by subquery; optional self-exclusion.
api_plain_sql() {
    local exclude="${1:-}"
    printf 'SELECT e.sku FROM embeddings e WHERE e.model_id = %s%s ORDER BY e.embedding::halfvec(%s) <=> (SELECT embedding FROM embeddings WHERE model_id = %s AND sku = @SKU)::halfvec(%s) LIMIT 10' \
        "$m" "${exclude:+ AND e.sku <> @SKU}" "$d" "$m" "$d"
}

# NearestAsync (bench-lib's copy of VariantStore's SQL) with the output join, for U or C, the
# vector and category given as SQL expressions.
nearest_full_sql() {
    local kind="$1" vector="$2" category="$3"
    local same=false
    [[ "$kind" == C ]] && same=true
    printf 'SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256 FROM (%s) n JOIN products p ON p.sku = n.sku ORDER BY n.distance, n.sku' \
        "$(bench_nearest_sql "$same" "$vector" "$category" @SKU)"
}

# NearestAsync with FindAsync folded in: the vector (of the product's current image, as FindAsync
# reads it) and the category come from subqueries, so the vector never leaves the server.
one_statement_sql() {
    nearest_full_sql "$1" \
        "(SELECT e.embedding FROM products p JOIN embeddings e ON e.model_id = $m AND e.sku = p.sku AND e.image_sha256 = p.image_sha256 WHERE p.sku = @SKU)" \
        "(SELECT category FROM products WHERE sku = @SKU)"
}

api_options() { printf -- '-c hnsw.ef_search=%s -c hnsw.iterative_scan=strict_order -c plan_cache_mode=force_custom_plan' "${1:-80}"; }

# served_sql KIND [VERDICTS]: the statement the API sends for GET /variants/{sku} (a copy of
# CatalogStore.FindVariantsAsync for a product query, limit 10): the query product's vector and
# category from a CTE, the exact/HNSW choice for a category, and with VERDICTS=1 (as served)
# the review verdicts: rejected pairs counted into the limit, each hit's verdict looked up.
served_sql() {
    local kind="$1" verdicts="${2:-1}" category="" limit=10 verdict="NULL::text" with nearest candidates
    with="q AS MATERIALIZED (SELECT p.category, e.embedding FROM products p JOIN embeddings e ON e.model_id = $m AND e.sku = p.sku AND e.image_sha256 = p.image_sha256 WHERE p.sku = @SKU)"
    [[ "$kind" == C ]] && category="(SELECT category FROM q)"
    if (( verdicts )); then
        with+=", rejected AS (SELECT count(*) AS n FROM reviews WHERE verdict = 'rejected' AND (sku_a = @SKU OR sku_b = @SKU))"
        limit="10 + (SELECT n FROM rejected)"
        verdict="(SELECT r.verdict FROM reviews r WHERE r.sku_a = least(@SKU::text COLLATE \"C\", n.sku) AND r.sku_b = greatest(@SKU::text COLLATE \"C\", n.sku))"
    fi
    candidates="SELECT e.sku, e.embedding::halfvec($d) <=> (SELECT embedding FROM q)::halfvec($d) AS distance FROM embeddings e WHERE e.model_id = $m${category:+ AND e.category = $category} AND e.sku <> @SKU AND (SELECT embedding FROM q) IS NOT NULL"
    if [[ -z "$category" ]]; then
        nearest="SELECT c.sku, c.distance, false AS exact FROM ($candidates) c ORDER BY distance LIMIT $limit"
    else
        with+=", small AS (SELECT (SELECT count(*) FROM (SELECT FROM embeddings k WHERE k.model_id = $m AND k.category = $category LIMIT ${BENCH_EXACT_MAX:-5000} + 1) k) <= ${BENCH_EXACT_MAX:-5000} AS exact)"
        nearest="(SELECT c.sku, c.distance, true AS exact FROM ($candidates OFFSET 0) c WHERE (SELECT exact FROM small) ORDER BY distance LIMIT $limit) UNION ALL (SELECT c.sku, c.distance, false AS exact FROM ($candidates) c WHERE NOT (SELECT exact FROM small) ORDER BY distance LIMIT $limit)"
    fi
    printf 'WITH %s SELECT n.sku, 1 - n.distance, p.category, p.name, p.colour, p.image_sha256, n.exact, (SELECT category FROM q), %s FROM (%s) n JOIN products p ON p.sku = n.sku ORDER BY n.distance, n.sku' \
        "$with" "$verdict" "$nearest"
}

# The API's search pool (ServiceRegistration): its session settings, plan_cache_mode left at auto.
served_options() { printf -- '-c jit=off -c hnsw.ef_search=%s -c hnsw.iterative_scan=strict_order -c enable_sort=off' "${1:-80}"; }

# pgbench_script FILE SQL...: one transaction = the statements, @I a random product.
pgbench_script() {
    local file="$1"; shift
    {
        printf '\\set i random(1, %s)\n' "$rows"
        local s
        for s in "$@"; do
            s="${s//@SKU/$(sku_expr :i)}"
            printf '%s;\n' "${s//@I/:i}"
        done
    } > "$file"
}

# recall CASE KIND INCL PGOPTIONS SQL: mean recall@10 of SQL (its first column, skus or ids)
# over bench_q against bench_truth, with the case's settings. The query is a prepared statement
# (PREPARE / EXECUTE), so plan_cache_mode applies as it does to pgbench's and the API's.
recall() {
    local kind="$2" incl="$3" options="$4" sql="$5"
    sql="${sql//@SKU/$(sku_expr '$1')}"
    sql="${sql//@I/\$1}"
    PGOPTIONS="$options" bench_psql <<SQL | tail -n1
SET client_min_messages = warning;
CREATE TEMP TABLE answers (i integer, sku text);
PREPARE s(integer) AS INSERT INTO answers SELECT \$1, lpad(x::text, 10, '0') FROM ($sql) AS r(x);
SELECT format('EXECUTE s(%s)', i) FROM bench_q \\gexec
SELECT round(avg(found / 10.0), 4) FROM (
    SELECT t.i, count(a.sku) AS found FROM bench_truth t LEFT JOIN answers a ON a.i = t.i AND a.sku = t.sku
    WHERE t.kind = '$kind' AND t.incl = $incl GROUP BY t.i) per_query;
SQL
}

# cpu_now: "LOADGEN API PG" CPU seconds so far. PG: the postmaster, its live children and the
# children it has reaped (cutime/cstime); API: the bench API's process. The load generator's
# time is measured by bash's `time` around it (LOADGEN_CPU).
cpu_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0; }
cpu_now() {
    local tck pm api=0 pg
    tck="$(getconf CLK_TCK)"
    pm="$(head -n1 "$CV_PGDATA/postmaster.pid")"
    pg="$(sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }')"
    local child
    for child in $(ps -o pid= --ppid "$pm"); do pg=$(( pg + $(cpu_of "$child") )); done
    if [[ -f "$api_pid_file" ]] && kill -0 "$(cat "$api_pid_file")" 2>/dev/null; then api="$(cpu_of "$(cat "$api_pid_file")")"; fi
    awk -v a="$api" -v p="$pg" -v t="$tck" 'BEGIN { printf "%.2f %.2f\n", a / t, p / t }'
}

# cpu_per_request BEFORE AFTER LOADGEN_SECONDS REQUESTS: "loadgen api pg total" CPU ms a request.
cpu_per_request() {
    awk -v b="$1" -v a="$2" -v l="$3" -v n="$4" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        api = (y[1] - x[1]) * 1000 / n; pg = (y[2] - x[2]) * 1000 / n; lg = l * 1000 / n
        printf "%.2f %.2f %.2f %.2f\n", lg, api, pg, lg + api + pg }'
}

say_row() {
    # say_row KIND CASE CLIENTS TPS P50 P99 RECALL LOAD CPU(loadgen api pg total, ms a request)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"
    bench_say "$(printf '   %s %-46s c%-2s tps %8.1f  p50 %7.2f ms  p99 %7.2f ms  recall@10 %-6s  load %-5s  cpu ms/req gen/api/pg/all %s' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${9// //}")"
}

# timed_loadgen OUTFILE COMMAND...: runs the load generator, its CPU seconds into LOADGEN_CPU.
timed_loadgen() {
    local out="$1" tfile="$work/time.$$"; shift
    local TIMEFORMAT='%3U %3S'
    { time "$@" > "$out" 2>&1; } 2> "$tfile" || { tail -n 20 "$out" >&2; cv_die "$1 failed ($out)"; }
    LOADGEN_CPU="$(tail -n1 "$tfile" | awk '{ print $1 + $2 }')"
}

# pgbench_case KIND LABEL MODE PGOPTIONS SCRIPT RECALL
pgbench_case() {
    local kind="$1" label="$2" mode="$3" options="$4" script="$5" rec="$6" c threads raw tps p50 p99 load
    for c in $clients; do
        threads=1; (( c > 1 )) && threads=2
        BENCH_RUNS=$(( ${BENCH_RUNS:-0} + 1 ))
        raw="$work/run$BENCH_RUNS"
        mkdir -p "$raw"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        before="$(cpu_now)"
        PGOPTIONS="$options" timed_loadgen "$raw/pgbench.out" pgbench -n -M "$mode" -c "$c" -j "$threads" -T "$seconds" -r \
            --log --log-prefix="$raw/tx" -f "$script"
        sleep 0.5  # pgbench's backends exit; the postmaster reaps them (their CPU moves to its cutime)
        after="$(cpu_now)"
        tps="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$raw/pgbench.out" | head -n1)"
        n="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$raw/pgbench.out")"
        read -r p50 p99 < <(bench_percentiles "$raw"/tx.*)
        rm -f "$raw"/tx.*
        say_row "$kind" "$label" "$c" "$tps" "$p50" "$p99" "$rec" "$load" "$(cpu_per_request "$before" "$after" "$LOADGEN_CPU" "$n")"
    done
}

# wrk_case KIND LABEL PATH-AND-QUERY RECALL
wrk_case() {
    local kind="$1" label="$2" query="$3" rec="$4" c threads out load
    cat > "$work/wrk.lua" <<LUA
-- Written by deploy/bench/side-by-side.sh: GET /variants/{random sku}$query
local threads = 0
function setup(thread) threads = threads + 1; thread:set("seed", threads) end
function init(args) math.randomseed(seed or 1) end
function request() return wrk.format("GET", string.format("/variants/%010d$query", math.random($rows))) end
function done(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
end
LUA
    for c in $clients; do
        threads=1; (( c > 1 )) && threads=2
        out="$work/wrk-$kind-$c-$RANDOM.out"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        # 2 s at this concurrency first (not measured): the pool's connections, the JIT's tier 1.
        wrk -t "$threads" -c "$c" -d 2s -s "$work/wrk.lua" "$api_url" > /dev/null 2>&1 || true
        sleep 0.5
        before="$(cpu_now)"
        timed_loadgen "$out" wrk -t "$threads" -c "$c" -d "${seconds}s" --timeout 10s -s "$work/wrk.lua" "$api_url"
        after="$(cpu_now)"
        read -r _ tps p50 p99 non2xx errors n < <(grep '^RESULT ' "$out")
        (( non2xx == 0 && errors == 0 )) || cv_log "wrk: $non2xx non-2xx answers, $errors socket errors ($out)"
        say_row "$kind" "$label" "$c" "$tps" "$p50" "$p99" "$rec" "$load" "$(cpu_per_request "$before" "$after" "$LOADGEN_CPU" "$n")"
    done
}

# http_recall KIND: recall@10 of GET /variants/{sku}?sameCategory=... for bench_q's products.
http_recall() {
    local kind="$1" same=false
    [[ "$kind" == C ]] && same=true
    bench_psql -c 'SELECT i FROM bench_q' > "$work/q.txt"
    python3 - "$api_url" "$same" "$work/q.txt" > "$work/http-answers-$kind.tsv" <<'PY'
import json, sys, urllib.request
url, same, path = sys.argv[1:4]
for line in open(path):
    i = int(line)
    with urllib.request.urlopen(f"{url}/variants/{i:010d}?limit=10&sameCategory={same}", timeout=30) as r:
        for v in json.load(r)["variants"]:
            print(f"{i}\t{v['sku']}")
PY
    bench_psql <<SQL
CREATE TEMP TABLE answers (i integer, sku text);
\\copy answers FROM '$work/http-answers-$kind.tsv'
SELECT round(avg(found / 10.0), 4) FROM (
    SELECT t.i, count(a.sku) AS found FROM bench_truth t LEFT JOIN answers a ON a.i = t.i AND a.sku = t.sku
    WHERE t.kind = '$kind' AND NOT t.incl GROUP BY t.i) per_query;
SQL
}

# ---------------------------------------------------------------------------
# run

bench_header "side by side: raw pgvector, the API's SQL, GET /variants through HTTP" "$command_line"
bench_say "   system   $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)), $(free -g | awk '/^Mem:/ { print $2 }') GB; PostgreSQL $(bench_psql -c 'SHOW server_version'), pgvector $(bench_psql -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'"); the API, PostgreSQL and the load generator share the cores"
bench_say "   data     database $db: $rows products, $dim-d unit vectors in $clusters clusters, $categories categories; model $m; $FILL_NOTE"
bench_psql -F ' ' -c "SELECT name, round(seconds, 1), round(bytes / 1048576.0, 1), round(seconds * 1e6 / $rows, 0), round(bytes / 1048576.0 * 1e6 / $rows, 0) FROM bench_builds ORDER BY name" |
while read -r name secs mb spm mbpm; do
    bench_say "$(printf '   index    %-28s built in %7s s, %7s MB  (scaled linearly: %s s and %s MB per million vectors)' "$name" "$secs" "$mb" "$spm" "$mbpm")"
done
bench_say "   runs     ${seconds}s per case, clients: $clients; pgbench threads 1 (1 client) or 2; wrk likewise"
bench_say "   raw      $work"

cv_log "starting the API on $db"
api_start Search__EfSearch=80

for kind in U C; do
    if [[ "$kind" == U ]]; then bench_say "-- unfiltered (sameCategory=false)"; else bench_say "-- same category (sameCategory=true; $(( rows / categories )) products a category)"; fi
    bench_say "   load average $(cut -d' ' -f1-3 /proc/loadavg)"

    # (a) on the halfvec column (the API's storage type): the plainest query on the same rows.
    sql="$(raw_sql raw_half "$kind")"
    pgbench_script "$work/a-$kind.sql" "$sql"
    pgbench_case "$kind" "(a) raw: halfvec($d) column, HNSW defaults" extended "" "$work/a-$kind.sql" "$(recall a "$kind" true "" "$sql")"
    if [[ "$kind" == C ]]; then
        # The raw filtered query at equal recall: with iterative scans HNSW goes on until 10 pass.
        opt="-c hnsw.iterative_scan=strict_order"
        pgbench_case C "A2 (a) with iterative_scan strict_order" extended "$opt" "$work/a-C.sql" "$(recall A2 C true "$opt" "$sql")"
    fi
    if (( levers )); then
        sql="$(raw_sql raw_vec "$kind")"
        pgbench_script "$work/a0-$kind.sql" "$sql"
        pgbench_case "$kind" "A0 raw on a vector($d) column instead" extended "" "$work/a0-$kind.sql" "$(recall A0 "$kind" true "" "$sql")"
    fi

    if (( levers )) && [[ "$kind" == U ]]; then
        sql="$(raw_sql raw_half U)"
        pgbench_case U "A1 (a) with ef_search 80" extended "-c hnsw.ef_search=80" "$work/a-U.sql" "$(recall A1 U true "-c hnsw.ef_search=80" "$sql")"
        sql="$(api_plain_sql)"
        pgbench_script "$work/l1.sql" "$sql"
        pgbench_case U "L1 API table, partial index on ::halfvec($d)" extended "" "$work/l1.sql" "$(recall L1 U true "" "$sql")"
        opt="-c hnsw.ef_search=80"
        pgbench_case U "L2 + ef_search 80" extended "$opt" "$work/l1.sql" "$(recall L2 U true "$opt" "$sql")"
        opt="$opt -c hnsw.iterative_scan=strict_order"
        pgbench_case U "L3 + iterative_scan strict_order" extended "$opt" "$work/l1.sql" "$(recall L3 U true "$opt" "$sql")"
        sql="$(api_plain_sql exclude)"
        pgbench_script "$work/l4.sql" "$sql"
        pgbench_case U "L4 + sku <> self" extended "$opt" "$work/l4.sql" "$(recall L4 U false "$opt" "$sql")"
        sql="$(one_statement_sql U)"
        pgbench_script "$work/l5.sql" "$sql"
        opt="$(api_options 80)"
        pgbench_case U "L5 + join products (1 statement), custom plans" extended "$opt" "$work/l5.sql" "$(recall L5 U false "$opt" "$sql")"
    fi

    # (b) the served statement from pgbench, with the search pool's settings, prepared (Npgsql's
    # auto-prepare), generic plans after five executions (plan_cache_mode auto); then what it
    # costs beyond (a), one lever at a time.
    opt="$(served_options 80)"
    rsql="$(served_sql "$kind" 1)"
    pgbench_script "$work/b-$kind.sql" "$rsql"
    pgbench_case "$kind" "(b) served statement (verdicts, ef_search 80, sorts off, jit off)" prepared "$opt" "$work/b-$kind.sql" "$(recall b "$kind" false "$opt" "$rsql")"
    if [[ "$kind" == U ]]; then
        pgbench_case U "S0 (b) with JIT on (the server's default)" prepared "${opt/-c jit=off /}" "$work/b-U.sql" "$(recall S0 U false "${opt/-c jit=off /}" "$rsql")"
    fi
    rsql="$(served_sql "$kind" 0)"
    pgbench_script "$work/s1-$kind.sql" "$rsql"
    pgbench_case "$kind" "S1 (b) without the verdict lookups" prepared "$opt" "$work/s1-$kind.sql" "$(recall S1 "$kind" false "$opt" "$rsql")"
    opt="$(served_options "$proposed_ef")"
    pgbench_case "$kind" "S2 S1 with ef_search $proposed_ef" prepared "$opt" "$work/s1-$kind.sql" "$(recall S2 "$kind" false "$opt" "$rsql")"
    if [[ "$kind" == U ]]; then
        rsql="$(raw_sql raw_half U)"
        opt="-c hnsw.ef_search=80"
        pgbench_script "$work/s3.sql" "$rsql"
        pgbench_case U "S3 (a) prepared with ef_search 80 (the raw query at the served recall setting)" prepared "$opt" "$work/s3.sql" "$(recall S3 U true "$opt" "$rsql")"
    fi

    same=false; [[ "$kind" == C ]] && same=true
    rec="$(http_recall "$kind")"
    wrk_case "$kind" "(c) GET /variants through HTTP, ef_search 80" "?limit=10&sameCategory=$same" "$rec"
done

if (( levers )); then
    bench_say "-- the API's own levers (configuration only)"
    api_start Search__EfSearch="$proposed_ef"
    rec="$(http_recall U)"
    wrk_case U "(c') HTTP, Search__EfSearch=$proposed_ef" "?limit=10&sameCategory=false" "$rec"
    rec="$(http_recall C)"
    wrk_case C "(c') HTTP, Search__EfSearch=$proposed_ef" "?limit=10&sameCategory=true" "$rec"
    rec="$(http_recall U)"
    BENCH_API_POOL=4 api_start Search__EfSearch="$proposed_ef"
    wrk_case U "(c') + Maximum Pool Size=4" "?limit=10&sameCategory=false" "$rec"
    cat > "$work/health.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
end
LUA
    for c in $clients; do
        threads=1; (( c > 1 )) && threads=2
        load="$(cut -d' ' -f1 /proc/loadavg)"
        before="$(cpu_now)"
        timed_loadgen "$work/health-$c.out" wrk -t "$threads" -c "$c" -d "${seconds}s" -s "$work/health.lua" "$api_url/healthz"
        after="$(cpu_now)"
        read -r _ tps p50 p99 _ _ n < <(grep '^RESULT ' "$work/health-$c.out")
        say_row U "HTTP floor: GET /healthz (no database)" "$c" "$tps" "$p50" "$p99" "-" "$load" "$(cpu_per_request "$before" "$after" "$LOADGEN_CPU" "$n")"
    done
fi
api_stop

bench_say "-- ratios: tps / tps of (a) at the same clients and kind; C/U: same-category tps / unfiltered tps of the same case"
awk -F'\t' '
    { key = $1 SUBSEP $3; if ($2 ~ /^\(a\)/) base[key] = $4; row[NR] = $0 }
    $1 == "U" { u[$2 SUBSEP $3] = $4 }
    END {
        for (n = 1; n <= NR; n++) {
            split(row[n], f, "\t")
            cu = (f[1] == "C" && ((f[2] SUBSEP f[3]) in u)) ? sprintf("  C/U %.2f", f[4] / u[f[2] SUBSEP f[3]]) : ""
            printf "   %s %-46s c%-2s tps %8.1f  x%.2f of (a)  p99 %7.2f ms  recall %-6s  cpu ms/req %s%s\n", f[1], f[2], f[3], f[4], f[4] / base[f[1] SUBSEP f[3]], f[6], f[7], f[9], cu
        }
    }' "$results" | while IFS= read -r line; do bench_say "$line"; done
bench_say "   load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
