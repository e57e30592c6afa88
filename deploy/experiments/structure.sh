#!/usr/bin/env bash
# The structure descriptor (issue 20): histograms of gradient orientations beside the network's
# descriptor. Each structure variant is embedded once for all 7,135 images (about 15 s: no network),
# the served network's raw vectors once (about 3-7 min), and every row is evaluated on the train
# styles (where the grid and the weight are chosen) and on the validation styles (reported),
# each split whitened on itself, labels unread, block by block as the service does.
#
#   deploy/experiments/structure.sh [runs-folder]     (default: runs/, git-ignored)
#
# Environment: DATA (catalog folder, default ../shared/datasets/hm-colour-variants-dev).
# Rows already evaluated (<runs>/eval/structure-*.json) are not run again; the table lands in
# <runs>/structure.md.
set -euo pipefail
# shellcheck source=deploy/experiments/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$RUNS/vectors"

network="$RUNS/vectors/network-raw-all.csv"   # the network part of the served descriptor, unwhitened
[[ -f "$network" ]] || cli eval --catalog "$DATA" --baseline imagenet-gray --baseline-size 320 \
    --descriptor "gem=3 layers=3+4 parts=whole=0:1,top=0:0.5,bottom=0.5:1 flip=no structure=none" --split all --embeddings-out "$network"

structure() { # grid (cells x bins): the descriptor alone, unwhitened
    local file="$RUNS/vectors/structure-$1-all.csv"
    [[ -f "$file" ]] || cli eval --catalog "$DATA" --baseline structure --structure "hog:$1:0.5" --split all --embeddings-out "$file" >/dev/null
    echo "$file"
}
evaluate() { # row name, split, then eval's arguments
    local name=$1 split=$2; shift 2
    [[ -f "$RUNS/eval/structure-$name-$split.json" ]] || cli eval --catalog "$DATA" --split "$split" --json "$RUNS/eval/structure-$name-$split.json" "$@"
}
fused() { # grid, weight, split
    local grid=$1 weight=$2 split=$3 file="$RUNS/vectors/fused-$1-all.csv"
    local length=$(( ${grid%x*} * ${grid%x*} * ${grid#*x} ))
    [[ -f "$file" ]] || paste -d, "$network" <(cut -d, -f2- "$(structure "$grid")") > "$file"
    evaluate "fused-$grid-w$weight" "$split" --vectors "$file" --whiten \
        --blocks "cnn=2304:$(awk "BEGIN { print 1 - $weight }"),structure=$length:$weight"
}

for split in train validation; do
    evaluate network "$split" --vectors "$network" --whiten
    for grid in 8x9 10x9 10x12 10x16; do
        evaluate "alone-$grid" "$split" --vectors "$(structure "$grid")" --whiten
    done
    for weight in 0.2 0.3 0.4 0.5; do fused 10x9 "$weight" "$split"; done
    for grid in 8x9 10x12 10x16; do fused "$grid" 0.4 "$split"; done
done
cli results "$RUNS"/eval/structure-*.json > "$RUNS/structure.md"
echo "Table in $RUNS/structure.md"
