#!/usr/bin/env python3
"""A catalog folder of the dev set's validation styles (EVALUATION.md: style SHA-1 starting c-f), for
importing into a running service as a shop would: sku, name, category, colour and image only (no
style, so the service keeps its default decision; no labels reach it). Images are symbolic links.

    deploy/experiments/validation-catalog.py [--all] [dev-folder] [out-folder]
    deploy/local/run.sh --detach runs/val-catalog            # then import it (1,726 products)

--all takes every style (7,135 products, default folder runs/dev-catalog): the whole dev set as a
shop without labels would import it.
"""
import csv, hashlib, os, sys
args = [a for a in sys.argv[1:] if a != '--all']
every = '--all' in sys.argv[1:]
src = os.path.abspath(args[0] if len(args) > 0 else '../shared/datasets/hm-colour-variants-dev')
dst = os.path.abspath(args[1] if len(args) > 1 else ('runs/dev-catalog' if every else 'runs/val-catalog'))
os.makedirs(dst + '/images', exist_ok=True)
rows = [r for r in csv.DictReader(open(src + '/catalog.csv')) if every or hashlib.sha1(r['style'].encode()).hexdigest()[0] in 'cdef']
with open(dst + '/catalog.csv', 'w', newline='') as f:
    out = csv.writer(f)
    out.writerow(['sku', 'name', 'category', 'colour', 'image'])
    for r in rows:
        name = os.path.basename(r['image'])
        link = dst + '/images/' + name
        if not os.path.lexists(link):
            os.symlink(src + '/' + r['image'], link)
        out.writerow([r['sku'], r['name'], r['category'], r['colour'], 'images/' + name])
print(f"{len(rows)} products of {'all' if every else 'the validation'} styles in {dst}")
