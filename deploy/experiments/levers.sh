#!/usr/bin/env bash
# The served default, lever by lever, with no training and no labels (issue: "variants, not
# lookalikes"): each row adds one change to the plain ImageNet ResNet18 on grayscale input and is
# evaluated on the validation styles (EVALUATION.md, exact search). Whitening is fitted on the
# evaluated catalog itself, labels unread, as the service fits it on the catalog it serves.
#
#   deploy/experiments/levers.sh [runs-folder]        (default: runs/, git-ignored)
#
# Environment: DATA (catalog folder, default ../shared/datasets/hm-colour-variants-dev).
# Rows already evaluated (runs/eval/<row>.json) are not run again. About an hour on a quiet
# 2-core machine; the table lands in <runs-folder>/levers.md.
set -euo pipefail
# shellcheck source=deploy/experiments/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
evaluate() { # row name, then eval's model arguments
    local name=$1; shift
    [[ -f "$RUNS/eval/$name.json" ]] || cli eval "$@" --catalog "$DATA" --split validation --json "$RUNS/eval/$name.json"
}
whole="parts=whole=0:1"
paper="parts=whole=0:1,top=0:0.5,bottom=0.5:1"

evaluate imagenet-gray                 --baseline imagenet-gray
evaluate gray-whitened                 --baseline imagenet-gray --whiten
evaluate gray-gem                      --baseline imagenet-gray --descriptor "gem=3 layers=4 $whole flip=no"
evaluate gray-gem-whitened             --baseline imagenet-gray --descriptor "gem=3 layers=4 $whole flip=no" --whiten
evaluate gray-gem-l34-whitened         --baseline imagenet-gray --descriptor "gem=3 layers=3+4 $whole flip=no" --whiten
evaluate gray-gem-l34-parts-whitened   --baseline imagenet-gray --descriptor "gem=3 layers=3+4 $paper flip=no" --whiten
evaluate gray-gem-l34-parts-flip-whitened --baseline imagenet-gray --descriptor "gem=3 layers=3+4 $paper flip=yes" --whiten
evaluate gray-gem-l34-parts-320px-whitened --baseline imagenet-gray --baseline-size 320 --descriptor "gem=3 layers=3+4 $paper flip=no" --whiten
evaluate gray-gem-l34-parts-flip-320px-whitened --baseline imagenet-gray --baseline-size 320 --descriptor "gem=3 layers=3+4 $paper flip=yes" --whiten
evaluate default-unwhitened            --baseline default --no-whiten
evaluate default                       --baseline default
evaluate gray-gem-l34-parts-384px-whitened --baseline imagenet-gray --baseline-size 384 --descriptor "gem=3 layers=3+4 $paper flip=no" --whiten
evaluate default-luma-equalise         --baseline default --luma equalise
evaluate default-luma-stretch          --baseline default --luma stretch

rows=(imagenet-gray gray-whitened gray-gem gray-gem-whitened gray-gem-l34-whitened gray-gem-l34-parts-whitened
      gray-gem-l34-parts-flip-whitened gray-gem-l34-parts-320px-whitened gray-gem-l34-parts-flip-320px-whitened gray-gem-l34-parts-384px-whitened
      default-unwhitened default default-luma-equalise default-luma-stretch)
files=()
for row in "${rows[@]}"; do files+=("$RUNS/eval/$row.json"); done
cli results "${files[@]}" | tee "$RUNS/levers.md"
