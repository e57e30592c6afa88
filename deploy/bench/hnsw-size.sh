#!/usr/bin/env bash
# HNSW index size and build time per vector, for docs/SCALING.md.
#
#   deploy/bench/hnsw-size.sh [--rows 20000] [--dims "512 2304"] [--db colorvariants_hnsw]
#
# In a scratch database (recreated; never colorvariants or colorvariants_test) of the local
# cluster (CV_PG_PORT), per dimension D: ROWS random unit vectors stored as halfvec(D), then the
# index the API builds (hnsw, halfvec_cosine_ops, pgvector's defaults m = 16, ef_construction = 64),
# timed, with the cluster's maintenance_work_mem (deploy/local/lib.sh: 1 GB) and parallel
# maintenance workers. Prints rows, table and index size, index bytes per vector, GB per million
# vectors and build seconds, with the load average. The size is linear in rows (every vector
# is one element with its neighbour lists); the build time is not quite (about n log n), and
# once the graph outgrows maintenance_work_mem the build slows down several times.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

rows=20000; dims="512 2304"; db=colorvariants_hnsw
while (( $# )); do
    case "$1" in
        --rows) rows="$2"; shift ;;
        --dims) dims="$2"; shift ;;
        --db) db="$2"; shift ;;
        -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) cv_die "unknown argument: $1" ;;
    esac
    shift
done
[[ "$db" != "$CV_DB_NAME" && "$db" != "$CV_TEST_DB_NAME" ]] || cv_die "refusing to recreate $db"
cv__psql_admin postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER $CV_DB_USER"
cv__psql_admin "$db" -c "CREATE EXTENSION vector"
q() { cv__psql_admin "$db" -At "$@"; }

printf '| dims | rows | table MB | index MB | index bytes/vector | GB per million (index) | build s | build s per 100k | load average |\n|---|---|---|---|---|---|---|---|---|\n'
for d in $dims; do
    q -c "DROP TABLE IF EXISTS v$d" -c "CREATE TABLE v$d (id int PRIMARY KEY, embedding halfvec($d) NOT NULL)"
    # Gaussian coordinates, normalised: uniform on the sphere (the hard case for HNSW, the same size as any)
    q -c "INSERT INTO v$d SELECT i, (SELECT l2_normalize(array_agg(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::vector)::halfvec($d)
                                      FROM generate_series(1, $d) WHERE i > 0) FROM generate_series(1, $rows) i" -c "VACUUM ANALYZE v$d"
    start=$(date +%s.%N)
    q -c "CREATE INDEX v${d}_hnsw ON v$d USING hnsw (embedding halfvec_cosine_ops)"
    took=$(echo "$(date +%s.%N) - $start" | bc)
    read -r table index < <(q -F ' ' -c "SELECT pg_table_size('v$d'), pg_relation_size('v${d}_hnsw')")
    awk -v d="$d" -v n="$rows" -v t="$table" -v i="$index" -v s="$took" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
        printf "| %d | %d | %.1f | %.1f | %.0f | %.2f | %.1f | %.1f | %s |\n", d, n, t / 1048576, i / 1048576, i / n, i / n * 1e6 / 1e9, s, s / n * 1e5, l }'
done
cv__psql_admin postgres -c "DROP DATABASE $db"
