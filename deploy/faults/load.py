#!/usr/bin/env python3
"""Bounded mixed load on the API, for deploy/faults/run.sh (stdlib only).

  load.py --api URL --skus FILE [--uploads CATALOG_CSV] [--readers 4] [--writers 0]
          [--seconds 60 | --until FILE] [--key KEY] [--out requests.tsv]

Readers pick a sku from FILE (one a line) and GET /variants/{sku}?limit=10, /products/{sku}
or its image, in turn. Writers PUT the rows of CATALOG_CSV (sku,image,category,name,colour;
image relative to the CSV), round-robin, again and again (a repeat is an 'unchanged' 200).
Runs for --seconds, or until the file --until exists. Every request is one line of --out:
start time, kind, status (0 = no answer: connection refused/reset or timeout), seconds.
Prints a summary line as JSON.
"""
import argparse, csv, http.client, json, os, random, sys, threading, time, urllib.parse, uuid

p = argparse.ArgumentParser()
p.add_argument("--api", required=True)
p.add_argument("--skus", required=True)
p.add_argument("--uploads")
p.add_argument("--readers", type=int, default=4)
p.add_argument("--writers", type=int, default=0)
p.add_argument("--seconds", type=float, default=60)
p.add_argument("--until")
p.add_argument("--key", default=os.environ.get("COLORVARIANTS_API_KEY", ""))
p.add_argument("--out", default="requests.tsv")
p.add_argument("--timeout", type=float, default=30)
a = p.parse_args()

url = urllib.parse.urlsplit(a.api)
skus = [s.strip() for s in open(a.skus) if s.strip()] or ["none-stored"]
rows = []
if a.uploads:
    base = os.path.dirname(os.path.abspath(a.uploads))
    with open(a.uploads, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((r["sku"], open(os.path.join(base, r["image"]), "rb").read(), r.get("category") or "", r.get("name") or "", r.get("colour") or ""))

lock = threading.Lock()
out = open(a.out, "w")
t0 = time.time()
deadline = t0 + a.seconds


def running():
    if a.until:
        return not os.path.exists(a.until)
    return time.time() < deadline


def record(kind, status, started):
    with lock:
        out.write(f"{started - t0:.3f}\t{kind}\t{status}\t{time.time() - started:.4f}\n")


def request(conn_box, method, path, body=None, headers=None):
    """One request on a kept-alive connection; a new one after any failure. Returns the status or 0."""
    try:
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection(url.hostname, url.port, timeout=a.timeout)
        conn_box[0].request(method, path, body=body, headers=headers or {})
        r = conn_box[0].getresponse()
        r.read()
        if r.getheader("Connection", "").lower() == "close":
            conn_box[0].close(); conn_box[0] = None
        return r.status
    except Exception:
        if conn_box[0] is not None:
            conn_box[0].close()
        conn_box[0] = None
        return 0


def reader(seed):
    rnd = random.Random(seed)
    box = [None]
    i = 0
    while running():
        sku = rnd.choice(skus)
        kind, path = [("variants", f"/variants/{sku}?limit=10"), ("product", f"/products/{sku}"), ("image", f"/products/{sku}/image")][i % 3]
        i += 1
        started = time.time()
        record(kind, request(box, "GET", path), started)


def form(row):
    sku, image, category, name, colour = row
    b = uuid.uuid4().hex
    parts = []
    for k, v in (("category", category), ("name", name), ("colour", colour)):
        if v:
            parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{sku}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".encode() + image + b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={b}"


def writer(index):
    box = [None]
    i = index
    while running() and rows:
        row = rows[i % len(rows)]
        i += a.writers
        body, ctype = form(row)
        headers = {"Content-Type": ctype}
        if a.key:
            headers["X-Api-Key"] = a.key
        started = time.time()
        record("upload", request(box, "PUT", f"/products/{urllib.parse.quote(row[0])}", body, headers), started)


threads = [threading.Thread(target=reader, args=(n,)) for n in range(a.readers)]
threads += [threading.Thread(target=writer, args=(n,)) for n in range(a.writers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
out.close()
print(json.dumps({"seconds": round(time.time() - t0, 1)}))
