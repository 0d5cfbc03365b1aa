#!/usr/bin/env python3
"""Build data/bigrams.bin, the character statistics of the mojibake check (crate clean::mojibake::model).

Sources: the word list of jieba (its dict.txt, MIT, shipped inside the jieba-rs crate: every word counts its
characters and adjacent character pairs with the word's frequency) and one corpus document
(../shared/corpus/community-reports-a.txt: running text, so pairs across words count too). The other corpus
documents are kept out: the tests measure repair rates on them.

Format (little-endian): 0x5200 bytes, one per code point U+4E00..U+A1FF: q = round(log2(1 + count) * 8), capped
at 255; then u32 N; then N u32 keys (first - 0x4E00) << 16 | (second - 0x4E00), sorted; then N bytes q.
Run: python3 tools/bigrams.py PATH/TO/jieba-rs-x/src/data/dict.txt ../../../shared/corpus/community-reports-a.txt
"""
import math
import struct
import sys
from collections import Counter

BASE, SIZE = 0x4E00, 0x5200
CORPUS_WEIGHT = 100
KEEP = 150_000


def han(c):
    return BASE <= ord(c) < BASE + SIZE


def main(dict_path, corpus_path):
    uni, bi = Counter(), Counter()
    for line in open(dict_path, encoding="utf-8"):
        parts = line.split()
        if len(parts) < 2:
            continue
        word, freq = parts[0], int(parts[1])
        for c in word:
            if han(c):
                uni[c] += freq
        for a, b in zip(word, word[1:]):
            if han(a) and han(b):
                bi[a + b] += freq
    text = open(corpus_path, encoding="utf-8").read()
    for c in text:
        if han(c):
            uni[c] += CORPUS_WEIGHT
    for a, b in zip(text, text[1:]):
        if han(a) and han(b):
            bi[a + b] += CORPUS_WEIGHT
    q = lambda n: min(255, round(math.log2(1 + n) * 8))
    table = bytearray(SIZE)
    for c, n in uni.items():
        table[ord(c) - BASE] = q(n)
    top = sorted(bi.items(), key=lambda kv: -kv[1])[:KEEP]
    keys = sorted(((ord(p[0]) - BASE) << 16 | (ord(p[1]) - BASE), n) for p, n in top)
    out = bytearray(table)
    out += struct.pack("<I", len(keys))
    out += b"".join(struct.pack("<I", k) for k, _ in keys)
    out += bytes(q(n) for _, n in keys)
    open("data/bigrams.bin", "wb").write(out)
    print(f"{len(uni)} characters, {len(bi)} pairs, kept {len(keys)} (min count {top[-1][1]}), {len(out)} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
