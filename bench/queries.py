"""Prints 400 URL-encoded search queries drawn from street 1 of a shequ database: pinyin initials, ID number
fragments (4-8 digits from random positions), phone tails, name prefixes and estate names."""
import random
import sqlite3
import subprocess
import sys
import urllib.parse

url = sys.argv[1]
sql = ("SELECT name, name_initials, id_number, phone, residence_address FROM persons "
       "WHERE street_id = (SELECT MIN(id) FROM nodes WHERE kind = 'street') ORDER BY id LIMIT 5000")
if url.startswith("postgres"):
    out = subprocess.run(["psql", url, "-AtF", "\t", "-c", sql], capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines() if line]
else:
    rows = sqlite3.connect(url).execute(sql).fetchall()
rng = random.Random(7)
queries = []
for _ in range(80):
    name, initials, idn, phone, address = rng.choice(rows)
    start = rng.randint(0, 12)
    queries += [initials, idn[start:start + rng.randint(4, 8)], (phone or "0000")[-4:], name[:2], (address or "")[:4]]
for q in queries:
    print(urllib.parse.quote(q))
