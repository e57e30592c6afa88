#!/usr/bin/env bash
# Load and faults, as figures (issue 9): a bounded run against the real service and database.
#
#   CV_PG_PORT=55442 PORT=8181 deploy/faults/run.sh [--products 400] [--mixed-minutes 30]
#                                                   [--only "pg-stop api-kill disk-full mixed"]
#
# Uses this checkout's own cluster and API (deploy/local/run.sh; .local/ of this checkout), never
# the default port 55432. Cuts catalog subsets from the dev set (../shared/datasets/hm-colour-variants-dev),
# then, each with reads running (load.py):
#   pg-stop    PostgreSQL stopped for 15 s during an import, then started
#   api-kill   the API killed -9 during an import (its pid from .local/api.pid), restarted
#   disk-full  the catalog's tables moved to a small tmpfs tablespace that fills during uploads,
#              then moved back
#   mixed      MINUTES of reads and writes at once, the API's RSS sampled every minute
# After each: products, embeddings, images, stored images whose content matches their SHA-256,
# and products lost or changed since before the fault. Prints Markdown tables (also in
# .local/faults/results.md). Every import is rerun after its fault: the rerun must finish the rows.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"

products=400; minutes=30; only="pg-stop api-kill disk-full mixed"
while (( $# )); do
    case "$1" in
        --products) products="$2"; shift ;;
        --mixed-minutes) minutes="$2"; shift ;;
        --only) only="$2"; shift ;;
        -h|--help) sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) cv_die "unknown argument: $1" ;;
    esac
    shift
done
[[ "$CV_PG_PORT" != 55432 ]] || cv_die "refusing to fault the default cluster on 55432 (shared); set CV_PG_PORT to this checkout's own"
PORT="${PORT:-8181}"; export PORT
api="http://127.0.0.1:$PORT"
dev="$(cd "$CV_REPO/.." && pwd -P)/shared/datasets/hm-colour-variants-dev"
[[ -f "$dev/catalog.csv" ]] || dev=/work/shared/datasets/hm-colour-variants-dev
[[ -f "$dev/catalog.csv" ]] || cv_die "dev set not found (../shared/datasets/hm-colour-variants-dev)"
work="$CV_LOCAL/faults"; mkdir -p "$work"
results="$work/results.md"; : > "$results"
cli=(dotnet "$CV_REPO/src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll")

say() { printf '%s\n' "$*" | tee -a "$results"; }
psql_cv() { PGPASSWORD="$CV_DB_PASSWORD" "$CV_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$CV_PG_PORT" -U "$CV_DB_USER" -d "$CV_DB_NAME" "$@"; }
api_up() { CV_NO_BUILD="${1:-1}" deploy_run --detach >> "$work/run.log" 2>&1; }
deploy_run() { "$CV_REPO/deploy/local/run.sh" "$@"; }

# --- start: cluster and API (built once), the CLI built, subsets cut ---------------------------
cv_log "starting this checkout's cluster (port $CV_PG_PORT) and API ($api)"
# CV_NO_BUILD=1: start the Release builds that are there (API and CLI).
api_up "${CV_NO_BUILD:-0}" || { tail -n 30 "$work/run.log" >&2; cv_die "could not start the API"; }
cv_api_key_setup
key="$Upload__ApiKey"
[[ "${CV_NO_BUILD:-0}" == 1 ]] || dotnet build "$CV_REPO/src/ColorVariants.Cli" -c Release -nologo -v quiet >> "$work/run.log" 2>&1
cv_db_url

python3 - "$dev" "$work" "$products" <<'PY'
import csv, os, sys
dev, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(os.path.join(dev, "catalog.csv"), newline="")))
rows = rows[::max(1, len(rows) // (2 * n))][: 2 * n]       # spread over the catalog, fixed
parts = {"pg-stop": rows[0::4], "api-kill": rows[1::4], "disk-full": rows[2::4], "mixed": rows[3::4]}
for name, part in parts.items():
    d = os.path.join(work, name); os.makedirs(os.path.join(d, "images"), exist_ok=True)
    with open(os.path.join(d, "catalog.csv"), "w", newline="") as f:
        w = csv.writer(f); w.writerow(["sku", "image", "category", "name", "colour"])
        for r in part:
            img = os.path.join(d, r["image"])
            if not os.path.lexists(img): os.symlink(os.path.join(dev, r["image"]), img)
            w.writerow([r["sku"], r["image"], r["category"], r["name"], r["colour"]])
# expected image hash per sku, for "changed"
import hashlib
with open(os.path.join(work, "expected.tsv"), "w") as f:
    for r in rows:
        f.write(r["sku"] + "\t" + hashlib.sha256(open(os.path.join(dev, r["image"]), "rb").read()).hexdigest() + "\n")
PY

# Something to read from the start: the mixed subset's first half, imported before any fault.
head -n $(( products / 4 + 1 )) "$work/mixed/catalog.csv" > "$work/seed.csv"; ln -sfn "$work/mixed/images" "$work/seed-images"
mkdir -p "$work/seed"; mv -f "$work/seed.csv" "$work/seed/catalog.csv"; ln -sfn "$work/mixed/images" "$work/seed/images"
cv_log "seeding $(( $(wc -l < "$work/seed/catalog.csv") - 1 )) products"
COLORVARIANTS_API_KEY="$key" "${cli[@]}" import "$work/seed" --api "$api" > "$work/seed-import.log" 2>&1 || true

snapshot() { psql_cv -F $'\t' -c "SELECT sku, encode(image_sha256, 'hex') FROM products ORDER BY sku" > "$1"; }
skus_file() { psql_cv -c "SELECT sku FROM products ORDER BY sku" > "$work/skus.txt"; }

# integrity LABEL BEFORE_SNAPSHOT: one row of the integrity table.
integrity() {
    local label="$1" before="$2" now="$work/after.tsv" counts lost changed wrong
    snapshot "$now"
    counts="$(psql_cv -F ' | ' -c "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM embeddings),
        (SELECT count(*) FROM images), (SELECT count(*) FROM images WHERE sha256 = sha256(content)),
        (SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.sku = p.sku))")"
    lost="$(join -t $'\t' -v1 <(sort "$before") <(sort "$now") | wc -l)"
    changed="$(join -t $'\t' <(sort "$before") <(sort "$now") | awk -F'\t' '$2 != $3' | wc -l)"
    # every stored product's image is the dev set's file for that sku
    wrong="$(join -t $'\t' <(sort "$now") <(sort "$work/expected.tsv") | awk -F'\t' '$2 != $3' | wc -l)"
    say "| $label | $counts | $lost | $changed | $wrong |"
}

# import_during LABEL FOLDER FAULT_FN: import with reads running, FAULT_FN fired 8 s in; then a rerun.
import_during() {
    local label="$1" folder="$2" fault="$3" rc=0
    skus_file; snapshot "$work/before-$label.tsv"
    rm -f "$work/stop"
    python3 "$here/load.py" --api "$api" --skus "$work/skus.txt" --readers 4 --until "$work/stop" --out "$work/requests-$label.tsv" > /dev/null &
    local load=$!
    local t0=$SECONDS
    COLORVARIANTS_API_KEY="$key" "${cli[@]}" import "$folder" --api "$api" > "$work/import-$label.log" 2>&1 &
    local import=$!
    sleep 8
    "$fault"
    wait "$import" || rc=$?
    local took=$(( SECONDS - t0 ))
    touch "$work/stop"; wait "$load" || true
    local first rerun
    first="$(grep -a -o 'Created [0-9]*, replaced [0-9]*, unchanged [0-9]*, failed [0-9]*' "$work/import-$label.log" | tail -n1 || true)"
    COLORVARIANTS_API_KEY="$key" "${cli[@]}" import "$folder" --api "$api" > "$work/reimport-$label.log" 2>&1 || true
    rerun="$(grep -a -o 'Created [0-9]*, replaced [0-9]*, unchanged [0-9]*, failed [0-9]*' "$work/reimport-$label.log" | tail -n1 || true)"
    printf '%s\t%s\t%s\t%s\n' "$label" "${first:-import aborted (exit $rc)}" "$rerun" "$took" >> "$work/imports.tsv"
}

fault_pg_stop() {
    cv_log "fault: stopping PostgreSQL for 15 s"
    "$CV_PG_BIN/pg_ctl" --version >/dev/null
    (cd / && runuser -u postgres -- "$CV_PG_BIN/pg_ctl" stop -D "$CV_PGDATA" -m fast -w -s)
    sleep 15
    cv_start_db >> "$work/run.log" 2>&1
}

fault_api_kill() {
    local pid; pid="$(cv_api_pid)"
    cv_log "fault: kill -9 of the API (pid $pid)"
    kill -9 "$pid"
    sleep 1
    if cv_port_in_use "$PORT"; then say "**port $PORT still in use after kill -9 of the pid in .local/api.pid (bug 6)**"; fi
    sleep 4
    api_up 1 || cv_die "the API did not restart"
}

tmpfs_dir="/tmp/colorvariants-faults-$CV_PG_PORT"
disk_cleanup() {
    psql_cv -c "ALTER TABLE images SET TABLESPACE pg_default; ALTER TABLE products SET TABLESPACE pg_default; ALTER TABLE embeddings SET TABLESPACE pg_default" 2>/dev/null || true
    cv__psql_admin "$CV_DB_NAME" -c "DROP TABLESPACE IF EXISTS faults_small" 2>/dev/null || true
    mountpoint -q "$tmpfs_dir" && umount "$tmpfs_dir" || true
}
fault_disk_full() { :; } # the disk fills by itself: see the disk-full step

row_load() { python3 "$here/summary.py" "$work/requests-$1.tsv" "$1" | tee -a "$results"; }

: > "$work/imports.tsv"
integrity_header() { say ""; say "| after | products | embeddings | images | images matching their SHA-256 | products without a vector | lost | changed | not the dev set's image |"; say "|---|---|---|---|---|---|---|---|---|"; }
load_header() { say ""; say "| reads during | sent | answered, by status | no answer | p50 ms | p99 ms |"; say "|---|---|---|---|---|---|"; }

say "Load and faults, $(date -u +%FT%TZ), $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $products products; \`CV_PG_PORT=$CV_PG_PORT PORT=$PORT deploy/faults/run.sh --products $products --mixed-minutes $minutes --only \"$only\"\`"
integrity_header
snapshot "$work/start.tsv"; integrity "start (seeded)" "$work/start.tsv"

for step in $only; do
    case "$step" in
        pg-stop) import_during pg-stop "$work/pg-stop" fault_pg_stop
                 integrity "PostgreSQL stopped 15 s during an import" "$work/before-pg-stop.tsv" ;;
        api-kill) import_during api-kill "$work/api-kill" fault_api_kill
                  integrity "API killed -9 during an import, restarted" "$work/before-api-kill.tsv" ;;
        disk-full)
            disk_cleanup # what an interrupted run left
            trap disk_cleanup EXIT
            # ALTER TABLE ... SET TABLESPACE moves a table and its TOAST data, not its indexes:
            # room for the tables and half a megabyte more (about 50 products' images and vectors).
            used_kb="$(psql_cv -c "SELECT (pg_table_size('images') + pg_table_size('products') + pg_table_size('embeddings')) / 1024")"
            size_kb=$(( used_kb + 512 ))
            mkdir -p "$tmpfs_dir"; mountpoint -q "$tmpfs_dir" || mount -t tmpfs -o "size=${size_kb}k,mode=0700" tmpfs "$tmpfs_dir"
            chown postgres:postgres "$tmpfs_dir"
            cv__psql_admin "$CV_DB_NAME" -c "CREATE TABLESPACE faults_small OWNER $CV_DB_USER LOCATION '$tmpfs_dir'"
            psql_cv -c "ALTER TABLE images SET TABLESPACE faults_small; ALTER TABLE products SET TABLESPACE faults_small; ALTER TABLE embeddings SET TABLESPACE faults_small"
            cv_log "catalog tables on a ${size_kb} kB tmpfs ($(df -k --output=avail "$tmpfs_dir" | tail -n1) kB free)"
            import_during disk-full "$work/disk-full" fault_disk_full
            say "" ; say "disk-full: tmpfs of ${size_kb} kB, $(df -k --output=avail "$tmpfs_dir" | tail -n1 | tr -d ' ') kB free at the end of the import"
            disk_cleanup; trap - EXIT
            # the rerun above ran on the full disk; run once more with room again
            COLORVARIANTS_API_KEY="$key" "${cli[@]}" import "$work/disk-full" --api "$api" > "$work/reimport2-disk-full.log" 2>&1 || true
            printf 'disk-full (room again)\t-\t%s\t-\n' "$(grep -a -o 'Created [0-9]*, replaced [0-9]*, unchanged [0-9]*, failed [0-9]*' "$work/reimport2-disk-full.log" | tail -n1 || true)" >> "$work/imports.tsv"
            integrity_header
            integrity "database disk full during uploads, then room again" "$work/before-disk-full.tsv" ;;
        mixed)
            skus_file; snapshot "$work/before-mixed.tsv"
            pid="$(cv_api_pid)"
            rss() { awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }
            say ""; say "| minute | API RSS MB | load average |"; say "|---|---|---|"
            say "| 0 | $(rss) | $(cut -d' ' -f1-3 /proc/loadavg) |"
            python3 "$here/load.py" --api "$api" --skus "$work/skus.txt" --uploads "$work/mixed/catalog.csv" \
                --readers 4 --writers 2 --seconds $(( minutes * 60 )) --out "$work/requests-mixed.tsv" > /dev/null &
            load=$!
            for (( m = 1; m <= minutes; m++ )); do sleep 60; say "| $m | $(rss) | $(cut -d' ' -f1-3 /proc/loadavg) |"; done
            wait "$load" || true
            integrity_header
            integrity "$minutes min of mixed reads and writes" "$work/before-mixed.tsv" ;;
        *) cv_die "unknown step: $step" ;;
    esac
done

load_header
for step in $only; do row_load "$step"; done
say ""; say "| import | first run (during the fault) | rerun | first run s |"; say "|---|---|---|---|"
while IFS=$'\t' read -r l f r t; do say "| $l | $f | $r | $t |"; done < "$work/imports.tsv"
say ""; say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
cv_log "results in ${results#"$CV_REPO"/}"
