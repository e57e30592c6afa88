#!/usr/bin/env python3
"""Summarises load.py's requests.tsv: sent, answered by status, no answer, p50/p99 (ms) of answered requests.

  summary.py requests.tsv [label] [kind] [status]   -> one Markdown table row:
  | label | sent | by status | no answer | p50 ms | p99 ms |
kind: only requests of that kind (load.py's upload, variants, product, image); status: only those answered so
(201: uploads of new products, not the cheap 'unchanged' repeats once a writer has gone round its rows).
"""
import collections, sys

lat, statuses, sent = [], collections.Counter(), 0
for line in open(sys.argv[1]):
    _, kind, status, seconds = line.rstrip("\n").split("\t")
    if len(sys.argv) > 3 and kind != sys.argv[3]:
        continue
    if len(sys.argv) > 4 and status != sys.argv[4]:
        continue
    sent += 1
    statuses[status] += 1
    if status != "0":
        lat.append(float(seconds) * 1000)
lat.sort()
q = lambda f: f"{lat[min(len(lat) - 1, int(f * len(lat)))]:.0f}" if lat else "-"
by = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()) if s != "0")
label = sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
print(f"| {label} | {sent} | {by or '-'} | {statuses.get('0', 0)} | {q(0.5)} | {q(0.99)} |")
