#!/usr/bin/env python3
"""The Python peer of `citata tag` for benches/whole.sh: a plain PyStemmer tagger.

Usage: peer.py CODEBOOK.toml FILE_OR_DIR...  (JSON lines on stdout)
Splits each turn into sentences, stems every word (Snowball Russian), and codes a sentence
for a parameter when the stems of one of its terms all occur in it (regexes are skipped).
"""
import json, os, re, sys, tomllib
import Stemmer

WORD = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)*")
SENT = re.compile(r"[^.!?…\n]+[.!?…]*")
stem = Stemmer.Stemmer("russian").stemWords

def main():
    book = tomllib.load(open(sys.argv[1], "rb"))
    terms = []  # (param id, term, frozenset of stems)
    for p in book["parameters"]:
        for t in p.get("terms", []):
            t = t["term"] if isinstance(t, dict) else t
            if t.startswith("/") or " NEAR/" in t:
                continue
            words = WORD.findall(t.lower().replace("ё", "е").strip("=~*"))
            if words:
                terms.append((p["id"], t, frozenset(stem(words))))
    by_stem = {}
    for i, (_, _, stems) in enumerate(terms):
        for s in stems:
            by_stem.setdefault(s, []).append(i)
    paths = []
    for a in sys.argv[2:]:
        if os.path.isdir(a):
            paths += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith(".txt"))
        else:
            paths.append(a)
    out = sys.stdout
    for path in paths:
        text = open(path, encoding="utf-8").read()
        doc = os.path.basename(path)
        for m in SENT.finditer(text):
            sentence = m.group().strip()
            stems = set(stem(WORD.findall(sentence.lower().replace("ё", "е"))))
            found = {}
            for s in stems:
                for i in by_stem.get(s, ()):
                    param, term, need = terms[i]
                    if need <= stems:
                        found.setdefault(param, set()).add(term)
            for param, ts in sorted(found.items()):
                out.write(json.dumps({"doc": doc, "start": m.start(), "end": m.end(),
                                      "text": sentence, "param": param, "terms": sorted(ts)},
                                     ensure_ascii=False) + "\n")

main()
