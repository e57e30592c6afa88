#!/usr/bin/env bash
# RSS of the running API under a burst of large uploads (issue 9, bug 7), scripted.
#
#   deploy/faults/memory.sh [--api URL] [--pid PID] [--uploads 32] [--size 6300] [--settle 90]
#
# Makes a SIZE x SIZE JPEG (about 300 KB: smooth shapes compress well, the decoded picture is
# SIZE² x 3 bytes), sends UPLOADS of them at once (PUT /products/mem-N, each a distinct image),
# and samples the API process's VmRSS every 0.5 s during the burst and for SETTLE seconds after.
# Prints RSS before, peak, at the end of the burst and after settling, with the statuses.
# --api defaults to http://127.0.0.1:${PORT:-8080}; --pid to .local/api.pid (deploy/local/run.sh);
# the key to .local/api-key. The products it uploads are deleted at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/local/lib.sh
source "$here/../local/lib.sh"

api="http://127.0.0.1:${PORT:-8080}"; pid=""; uploads=32; size=6300; settle=90
while (( $# )); do
    case "$1" in
        --api) api="${2%/}"; shift ;;
        --pid) pid="$2"; shift ;;
        --uploads) uploads="$2"; shift ;;
        --size) size="$2"; shift ;;
        --settle) settle="$2"; shift ;;
        -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) cv_die "unknown argument: $1" ;;
    esac
    shift
done
[[ -n "$pid" ]] || pid="$(cv_api_pid)" || cv_die "no API running from .local/api.pid; give --pid"
key="${COLORVARIANTS_API_KEY:-$(cat "$CV_API_KEY_FILE" 2>/dev/null || true)}"
command -v cjpeg >/dev/null || cv_apt_install libjpeg-turbo-progs

work="$CV_LOCAL/faults/memory"; mkdir -p "$work"
rss_mb() { awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }

# Distinct images (the service skips an unchanged one): shapes in a colour per upload.
for (( i = 0; i < uploads; i++ )); do
    [[ -s "$work/big-$size-$i.jpg" ]] && continue
    python3 - "$size" "$i" <<'PY' | cjpeg -quality 85 > "$work/big-$size-$i.jpg"
import sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
out.write(b"P6\n%d %d\n255\n" % (n, n))
bg = bytes((245, 245, 245))
fg = bytes(((37 * seed) % 200 + 20, (91 * seed) % 200 + 20, (53 * seed) % 200 + 20))
for y in range(n):
    v = (y - n / 2) / n
    half = int(n * (0.3 + 0.05 * (seed % 3))) if abs(v) < 0.35 else 0
    lo, hi = n // 2 - half, n // 2 + half
    out.write(bg * lo + fg * (hi - lo) + bg * (n - hi))
PY
done
printf 'images: %d x %dx%d JPEG, %s bytes each (first)\n' "$uploads" "$size" "$size" "$(stat -c %s "$work/big-$size-0.jpg")"

samples="$work/rss.tsv"; : > "$samples"
before="$(rss_mb)"
( start=$SECONDS; while kill -0 "$pid" 2>/dev/null; do printf '%s\t%s\n' "$(( SECONDS - start ))" "$(rss_mb)" >> "$samples"; sleep 0.5; done ) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

t0=$SECONDS
for (( i = 0; i < uploads; i++ )); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 600 -X PUT ${key:+-H "X-Api-Key: $key"} \
        -F "image=@$work/big-$size-$i.jpg;type=image/jpeg" -F category=Memory "$api/products/mem-$i" > "$work/status-$i" &
done
wait $(jobs -rp | grep -vx "$sampler") 2>/dev/null || true
burst=$(( SECONDS - t0 ))
at_end="$(rss_mb)"
peak="$(cut -f2 "$samples" | sort -n | tail -n1)"
sleep "$settle"
settled="$(rss_mb)"
kill "$sampler" 2>/dev/null || true
statuses="$(cat "$work"/status-* | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')"
for (( i = 0; i < uploads; i++ )); do
    curl -s -o /dev/null -X DELETE ${key:+-H "X-Api-Key: $key"} "$api/products/mem-$i" || true
done
rm -f "$work"/status-*
printf '| uploads at once | image | burst s | RSS before MB | peak MB | end of burst MB | after %s s MB | statuses | load avg |\n' "$settle"
printf '|---|---|---|---|---|---|---|---|---|\n'
printf '| %d | %dx%d JPEG | %d | %s | %s | %s | %s | %s| %s |\n' "$uploads" "$size" "$size" "$burst" "$before" "$peak" "$at_end" "$settled" "$statuses" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
