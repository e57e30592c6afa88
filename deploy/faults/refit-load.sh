#!/usr/bin/env bash
# Issue 22: does a whitening refit hold uploads up? PUT latency during a bulk import, without and
# with a refit running, side by side in one run on one machine.
#
#   deploy/faults/refit-load.sh [--seconds 60] [--refits 1] [--writers 2] [--readers 2] [catalog-folder] [out-folder]
#
# catalog-folder: default ../shared/datasets/hm-colour-variants-dev; out-folder: default
# runs/refit-load. PORT (default 8091). Into a fresh schema of this checkout's database, an API
# (automatic refits off, writes open) gets every other product of the catalog imported and a
# whitening fitted; then load.py's readers read those and its writers upload new products, in two
# phases: (A) for --seconds, nothing else; (B) while --refits refits (POST /models/active/whitening)
# run one after another, from the first's start to the last's end: fit and re-projection. Prints,
# per phase, uploads and reads: sent, statuses, p50 and p99 (ms), and the refits (results.md in out-folder).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"
cd "$CV_REPO"

seconds=60; refits=1; writers=2; readers=2
while (( $# )); do
    case "$1" in
        --seconds) seconds="$2"; shift ;;
        --refits) refits="$2"; shift ;;
        --writers) writers="$2"; shift ;;
        --readers) readers="$2"; shift ;;
        -h|--help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) break ;;
    esac
    shift
done
folder="$(cd "${1:-../shared/datasets/hm-colour-variants-dev}" && pwd -P)"
out="${2:-runs/refit-load}"; mkdir -p "$out"; out="$(cd "$out" && pwd -P)"
[[ -f "$folder/catalog.csv" ]] || cv_die "no catalog.csv in $folder"
PORT="${PORT:-8091}"; api="http://127.0.0.1:$PORT"; schema=refit_load

cv_require_dotnet; cv_install_curl; cv_install_postgres; cv_install_pgvector; cv_start_db; cv_db_url
cv_port_in_use "$PORT" && cv_die "port $PORT is in use (set PORT=...)"
dotnet build src/ColorVariants.Api -c Release -nologo -v quiet
dotnet build src/ColorVariants.Cli -c Release -nologo -v quiet
psql_cv() { PGPASSWORD="$CV_DB_PASSWORD" "$CV_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$CV_PG_PORT" -U "$CV_DB_USER" -d "$CV_DB_NAME" "$@"; }

# The seed (even rows) imported first; of the odd rows, a quarter for phase A and the rest for B (it runs longer).
python3 - "$folder" "$out" <<'PY'
import csv, os, sys
src, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(src, "catalog.csv"), newline="")))
odd = rows[1::2]
parts = {"seed": rows[0::2], "a": odd[0::4], "b": [r for i, r in enumerate(odd) if i % 4]}
for name, part in parts.items():
    d = os.path.join(out, name); os.makedirs(d, exist_ok=True)
    link = os.path.join(d, "images")
    if not os.path.lexists(link): os.symlink(os.path.join(src, "images"), link)
    with open(os.path.join(d, "catalog.csv"), "w", newline="") as f:
        w = csv.writer(f); w.writerow(["sku", "image", "category", "name", "colour"])
        for r in part: w.writerow([r["sku"], r["image"], r["category"], r["name"], r["colour"]])
PY

psql_cv -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;"
ConnectionStrings__Catalog="$CV_CONNECTION_STRING;Search Path=$schema,public" Upload__ApiKey="" Whitening__Enabled=false \
    MALLOC_MMAP_THRESHOLD_=262144 dotnet src/ColorVariants.Api/bin/Release/net10.0/ColorVariants.Api.dll \
    --contentRoot "$CV_REPO/src/ColorVariants.Api" --urls "$api" > "$out/api.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
cv_wait_api_ready "$api" "$pid"
cv_log "importing the seed ($(( $(wc -l < "$out/seed/catalog.csv") - 1 )) products) and fitting its whitening"
dotnet src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll import "$out/seed" --api "$api" > "$out/seed-import.log" 2>&1
curl -fsS -X POST "$api/models/active/whitening" > "$out/seed-refit.json"
psql_cv -c "SELECT sku FROM $schema.products ORDER BY sku" > "$out/skus.txt"

results="$out/results.md"
{ echo "refit-load.sh, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); phase A $seconds s, $refits refit(s) in phase B, $writers writers, $readers readers"
  echo; echo "| phase | requests | sent | by status | no answer | p50 ms | p99 ms |"; echo "| --- | --- | ---: | --- | ---: | ---: | ---: |"; } > "$results"
summarise() {
    local name="$1" label="$2"
    # Uploads of new products only (201): a writer that has gone round its rows repeats them, cheaply.
    python3 "$here/summary.py" "$out/requests-$name.tsv" "$label" upload 201 | sed "s/^| $label |/| $label | new uploads |/" >> "$results"
    python3 "$here/summary.py" "$out/requests-$name.tsv" "$label" variants | sed "s/^| $label |/| $label | variants |/" >> "$results"
}
load() { python3 "$here/load.py" --api "$api" --skus "$out/skus.txt" --uploads "$out/$1/catalog.csv" --writers "$writers" --readers "$readers" --out "$out/requests-$1.tsv" "${@:2}" > /dev/null; }

cv_log "phase A: uploads for $seconds s, no refit"
load a --seconds "$seconds"
summarise a "A: no refit"
cv_log "phase B: uploads while $refits refit(s) run"
rm -f "$out/refits-done" "$out/refits.jsonl"
load b --until "$out/refits-done" &
loader=$!
sleep 2
started=$SECONDS
for (( i = 0; i < refits; i++ )); do curl -sS -X POST "$api/models/active/whitening" >> "$out/refits.jsonl"; echo >> "$out/refits.jsonl"; done
touch "$out/refits-done"; wait "$loader" || true
summarise b "B: during $refits refit(s), $(( SECONDS - started )) s"
{ echo; echo "Refits of phase B:"; grep -o '"detail":"[^"]*"' "$out/refits.jsonl" | sed 's/^"detail":/- /'; } >> "$results"
kill "$pid"; wait "$pid" 2>/dev/null || true
psql_cv -c "DROP SCHEMA $schema CASCADE;"
cat "$results"
