#!/usr/bin/env bash
# Reproduces docs/RESULTS.md on the H&M dev set: the three baselines, the four trainings and the
# evaluation of every model on the validation styles (EVALUATION.md's split: styles whose SHA-1
# starts with c-f). Trainings resume from their checkpoints, so a rerun continues where it stopped
# and a finished one only re-evaluates.
#
#   deploy/experiments/results.sh [runs-folder]        (default: runs/, git-ignored)
#
# Environment: DATA (catalog folder, default ../shared/datasets/hm-colour-variants-dev),
# EPOCHS_TRIPLET, EPOCHS_SSL, EPOCHS_CVSSL_VAL, THREADS (libtorch threads, 0 = all cores).
# About 2.5 hours on a quiet 2-core machine; the times per run land in <run>/training.json, and
# the table of docs/RESULTS.md in <runs-folder>/results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DATA="${DATA:-../shared/datasets/hm-colour-variants-dev}"
RUNS="${1:-runs}"
EPOCHS_TRIPLET="${EPOCHS_TRIPLET:-10}"
EPOCHS_SSL="${EPOCHS_SSL:-3}"
EPOCHS_CVSSL_VAL="${EPOCHS_CVSSL_VAL:-8}"
THREADS="${THREADS:-0}"
[[ -f "$DATA/catalog.csv" ]] || { echo "No catalog at $DATA (set DATA)" >&2; exit 1; }

dotnet build src/ColorVariants.Cli -c Release -nologo -v quiet
cli() { dotnet src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll "$@"; }
mkdir -p "$RUNS/eval"
evaluate() { # name, then eval's model arguments
    local name=$1; shift
    [[ -f "$RUNS/eval/$name.json" ]] || cli eval "$@" --catalog "$DATA" --split validation --json "$RUNS/eval/$name.json"
}

# Baselines: colour histogram, and the ImageNet ResNet18 on RGB and on grayscale input, at the
# service's 224 px and at the trainings' 128 px.
evaluate colour-hist --baseline colour-hist
for baseline in imagenet-rgb imagenet-gray; do
    evaluate "$baseline" --baseline "$baseline"
    evaluate "$baseline-128px" --baseline "$baseline" --baseline-size 128
done

# Every training: 128 px, grayscale input (as the served default: colour is what variants differ
# in), stem and layer1 frozen, seed 42, on the train styles only unless said otherwise.
common=(--catalog "$DATA" --size 128 --colour gray --frozen-stages 2 --seed 42 --threads "$THREADS")
train() { # run name, then the train command's own arguments
    local name=$1; shift
    cli train "$@" "${common[@]}" --out "$RUNS/$name"
    # The model at the training size (a run re-exported with --export-size also holds ...-at<N>px.onnx).
    evaluate "$name" --model "$(ls "$RUNS/$name"/*.onnx | grep -v -- '-at[0-9]*px\.onnx$' | head -n 1)"
}

train triplet triplet --epochs "$EPOCHS_TRIPLET"
# The same net served at 192 px (fully convolutional): a re-export, no training.
cli train triplet --epochs "$EPOCHS_TRIPLET" "${common[@]}" --out "$RUNS/triplet" --export-size 192
evaluate triplet-at192px --model "$(ls "$RUNS/triplet"/*-at192px.onnx)"
train cvssl ssl --method cvssl --epochs "$EPOCHS_SSL" --queue-size 1024
# What a shop does with its own catalog: cvssl on the validation images themselves, no labels read.
train cvssl-val ssl --method cvssl --split validation --epochs "$EPOCHS_CVSSL_VAL" --queue-size 416
train simclr ssl --method simclr --epochs "$EPOCHS_SSL"
# cvssl served at 256 px (the half-picture parts need a multiple of 64): a re-export, no training.
cli train ssl --method cvssl --epochs "$EPOCHS_SSL" --queue-size 1024 "${common[@]}" --out "$RUNS/cvssl" --export-size 256
evaluate cvssl-at256px --model "$(ls "$RUNS/cvssl"/*-at256px.onnx)"

rows=(colour-hist imagenet-rgb imagenet-gray imagenet-rgb-128px imagenet-gray-128px triplet triplet-at192px simclr cvssl cvssl-at256px cvssl-val)
files=()
for row in "${rows[@]}"; do files+=("$RUNS/eval/$row.json"); done
cli results "${files[@]}" | tee "$RUNS/results.md"
echo "Table: $RUNS/results.md; figures: $RUNS/eval/*.json; training logs: $RUNS/*/training.json"

