# Sourced by the experiment scripts (levers.sh, structure.sh): from the repository root, the dev
# catalog in $DATA (default ../shared/datasets/hm-colour-variants-dev), the runs folder in $RUNS
# (the script's first argument, default runs/), the CLI built once and called as `cli`.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DATA="${DATA:-../shared/datasets/hm-colour-variants-dev}"
RUNS="${1:-runs}"
[[ -f "$DATA/catalog.csv" ]] || { echo "No catalog at $DATA (set DATA)" >&2; exit 1; }

dotnet build src/ColorVariants.Cli -c Release -nologo -v quiet
cli() { dotnet src/ColorVariants.Cli/bin/Release/net10.0/colorvariants.dll "$@"; }
mkdir -p "$RUNS/eval"
