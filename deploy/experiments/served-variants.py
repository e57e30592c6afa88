#!/usr/bin/env python3
"""The served decision and ranking, through a running service's own API (issue 20).

    deploy/experiments/served-variants.py [--all] [catalog-folder] [base-url]

For every product of the catalog's validation styles (EVALUATION.md's SHA-1 rule), GET
/variants/{sku}?limit=10 (same category, the default): the share of queries whose first item is a
colour variant (same-category R@1), and the pairs called variants (isVariant) with their precision and
recall against every pair of products sharing a style. Requests go one after another; the time
each took is printed. Import the validation styles first, without the style column (so the service
keeps its default decision), e.g. as docs/RESULTS.md says. Reads the labels only to score.
--all: every product of the catalog (import validation-catalog.py --all's folder first).
"""
import csv,hashlib,json,urllib.request,time,sys
every='--all' in sys.argv[1:]
args=[a for a in sys.argv[1:] if a!='--all']
folder=args[0] if len(args)>0 else '../shared/datasets/hm-colour-variants-dev'
base=args[1] if len(args)>1 else 'http://127.0.0.1:8080'
rows=list(csv.DictReader(open(folder+'/catalog.csv')))
val=[r for r in rows if every or hashlib.sha1(r['style'].encode()).hexdigest()[0] in 'cdef']
style={r['sku']:r['style'] for r in val}
from collections import Counter
c=Counter((r['style'],r['category']) for r in val)
pos=sum(n*(n-1)//2 for n in Counter(r['style'] for r in val).values())
called=set(); correct=set(); r1=0; q=0; t=time.time(); probs=0
for r in val:
    d=json.load(urllib.request.urlopen(f"{base}/variants/{r['sku']}?limit=10"))
    v=d['variants']
    if v and v[0]['probability'] is not None: probs+=1
    if c[(r['style'],r['category'])]>1:
        q+=1; r1+= style[v[0]['sku']]==r['style']
    for x in v:
        if x['isVariant']:
            key=tuple(sorted((r['sku'],x['sku']))); called.add(key)
            if style[x['sku']]==r['style']: correct.add(key)
n=len(val); el=time.time()-t
print(f"{n} requests in {el:.1f} s ({1000*el/n:.1f} ms each, sequential); with probabilities: {probs}")
print(f"same-category R@1 {r1/q:.3f} over {q} queries; pairs called variants {len(called)}, precision {len(correct)/max(1,len(called)):.3f}, recall {len(correct)/pos:.3f} (of {pos} variant pairs)")
