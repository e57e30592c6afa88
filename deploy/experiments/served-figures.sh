#!/usr/bin/env bash
# Issue 20: the served ranking and decision through the service's own code (HNSW, half-precision
# vectors, the model file's verifier), as a shop gets them. Imports a catalog folder without a style
# column (deploy/experiments/validation-catalog.py writes one) into a fresh schema of this checkout's
# database through the API, fits the whitening once (POST /models/active/whitening), then asks every
# product GET /variants/{sku}?limit=10 twice (deploy/experiments/served-variants.py; the second pass
# is the warm one) and prints the threshold the service decided at.
#
#   deploy/experiments/served-figures.sh [--all] [catalog-folder] [out-folder]
#
# catalog-folder: default runs/val-catalog (the validation styles); with --all, runs/dev-catalog and
# every product is scored (validation-catalog.py --all). out-folder: default runs/served-figures
# (API log, import log, figures.txt). PORT (default 8092) is the API's port; extra settings go in
# the environment as for the service (e.g. Variants__UseVerifier=false). GALLERY_SKUS="sku ...":
# for each, the ranks of its variants in GET /variants/{sku}?limit=50 (labels read only to score)
# and a picture of /gallery/{sku}?limit=8 by headless Chromium (gallery-<sku>.png).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"
cd "$CV_REPO"

all=""; default=runs/val-catalog
if [[ "${1:-}" == "--all" ]]; then all="--all"; default=runs/dev-catalog; shift; fi
folder="$(cd "${1:-$default}" && pwd -P)"
out="${2:-runs/served-figures}"; mkdir -p "$out"; out="$(cd "$out" && pwd -P)"
[[ -f "$folder/catalog.csv" ]] || cv_die "no catalog.csv in $folder (deploy/experiments/validation-catalog.py ${all} writes one)"
head -1 "$folder/catalog.csv" | grep -q '\bstyle\b' && cv_die "$folder/catalog.csv has a style column: the service would calibrate on it"
PORT="${PORT:-8092}"; api="http://127.0.0.1:$PORT"

cv_require_dotnet; cv_install_curl; cv_install_postgres; cv_install_pgvector; cv_start_db; cv_db_url
cv_port_in_use "$PORT" && cv_die "port $PORT is in use (set PORT=...)"
dotnet build src/ColorVariants.Api -c Release -nologo -v quiet
dotnet build src/ColorVariants.Cli -c Release -nologo -v quiet
psql_cv() { PGPASSWORD="$CV_DB_PASSWORD" "$CV_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$CV_PG_PORT" -U "$CV_DB_USER" -d "$CV_DB_NAME" "$@"; }

schema="served_figures_$$"
psql_cv -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;"
ConnectionStrings__Catalog="$CV_CONNECTION_STRING;Search Path=$schema,public" Upload__ApiKey="" Whitening__Enabled=false \
    dotnet src/ColorVariants.Api/bin/Release/net10.0/ColorVariants.Api.dll \
    --contentRoot "$CV_REPO/src/ColorVariants.Api" --urls "$api" > "$out/api.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; psql_cv -c "DROP SCHEMA IF EXISTS $schema CASCADE;"' EXIT
cv_wait_api_ready "$api" "$pid"

cv_log "importing $folder"
dotnet src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll import "$folder" --api "$api" > "$out/import.log" 2>&1
cv_log "fitting the whitening"
curl -fsS -X POST "$api/models/active/whitening" | python3 -c 'import json,sys; print(json.load(sys.stdin)["detail"])' | tee "$out/figures.txt"
for pass in 1 2; do
    cv_log "pass $pass of GET /variants/{sku}"
    python3 deploy/experiments/served-variants.py $all ../shared/datasets/hm-colour-variants-dev "$api" | tee -a "$out/figures.txt"
done
curl -fsS "$api/models/active" | python3 -c 'import json,sys; print("variantThreshold:", json.dumps(json.load(sys.stdin)["variantThreshold"]))' | tee -a "$out/figures.txt"
for sku in ${GALLERY_SKUS:-}; do
    curl -fsS "$api/variants/$sku?limit=50" | python3 -c "
import csv, json, sys
rows = {r['sku']: r for r in csv.DictReader(open('../shared/datasets/hm-colour-variants-dev/catalog.csv'))}
answer, query = json.load(sys.stdin), rows['$sku']
same = lambda v: rows[v['sku']]['style'] == query['style']
print('$sku', query['colour_master'], query['category'] + ':', 'variant ranks', [i + 1 for i, v in enumerate(answer['variants']) if same(v)],
      'of', sum(r['style'] == query['style'] for r in rows.values()) - 1, '| called variants (right?)', [(v['sku'], same(v)) for v in answer['variants'] if v['isVariant']])
print('   top 8:', ' '.join(('*' if same(v) else '') + v['sku'] + ('(V)' if v['isVariant'] else '') for v in answer['variants'][:8]), '(* a variant, (V) called one)')
" | tee -a "$out/figures.txt"
    chromium --headless=new --no-sandbox --hide-scrollbars --window-size=1280,900 --screenshot="$out/gallery-$sku.png" "$api/gallery/$sku?limit=8" 2>/dev/null \
        || cv_log "no picture of $sku's gallery (is chromium installed? apt-get install chromium)"
done
