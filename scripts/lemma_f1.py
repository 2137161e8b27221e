#!/usr/bin/env python3
"""Lemma precision, recall and F1 of citata's analyzer on a treebank (CoNLL-U).

    cargo build --release --example lemmas
    python3 scripts/lemma_f1.py path/to/ru_gsd-ud-test.conllu [more.conllu ...]

Every token whose form is a Cyrillic word (letters, inner hyphens, stress marks) is read by
`target/release/examples/lemmas` (the analyzer tagging and search use). Its lemmas are the
prediction (the normalized form itself when the dictionary does not know the word); the gold
lemma is the treebank's, normalized the same way (lower case, ё as е, no stress marks).
Precision: predicted lemmas that are the gold one, over all predicted lemmas. Recall: tokens
whose gold lemma is among the predicted ones. Printed for all tokens, tokens the dictionary
knows, and tokens that are not proper names; `-v` adds the commonest misses.

Treebanks are not shipped (Universal Dependencies' Russian treebanks are CC BY-SA): give the
path of one you have. docs/PERFORMANCE.md ("Lemma precision") has the figures measured.
"""
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEMMAS = os.environ.get("CITATA_LEMMAS", os.path.join(ROOT, "target/release/examples/lemmas"))
WORD = re.compile(r"^[А-Яа-яЁё\u0301-]*[А-Яа-яЁё][А-Яа-яЁё\u0301-]*$")


def norm(s):
    return s.lower().replace("ё", "е").replace("\u0301", "")


def tokens(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or line.startswith("#") or not cols[0].isdigit():
                    continue  # comments, multiword ranges (1-2), empty nodes (1.1)
                if WORD.match(cols[1]):
                    yield cols[1], cols[2], cols[3]


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    if not args:
        sys.exit(__doc__)
    rows = list(tokens(args))
    out = subprocess.run(
        [LEMMAS], input="".join(r[0] + "\n" for r in rows), capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if len(out) != len(rows):
        sys.exit(f"{LEMMAS} printed {len(out)} lines for {len(rows)} words")
    stats = collections.defaultdict(lambda: [0, 0, 0, 0])  # tokens, predicted, correct, found
    misses = collections.Counter()
    for (form, lemma, upos), line in zip(rows, out):
        parts = line.split("\t||\t")
        cols = parts[0].split("\t")
        if len(parts) != 1 or len(cols) < 5:
            continue  # the analyzer splits it into several words
        lemmas = [l for l in cols[2].split("|") if l]
        pred = lemmas or [cols[1]]
        gold = norm(lemma)
        groups = ["all", "known" if lemmas else "unknown"] + (["not PROPN"] if upos != "PROPN" else [])
        for g in groups:
            s = stats[g]
            s[0] += 1
            s[1] += len(pred)
            s[2] += pred.count(gold)
            s[3] += gold in pred
        if gold not in pred:
            misses[(form.lower(), gold, "|".join(pred))] += 1
    for g in ("all", "known", "not PROPN", "unknown"):
        n, p, c, h = stats[g]
        if n == 0:
            continue
        prec, rec = c / p, h / n
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"{g:10s} {n:7d} tokens  precision {prec:.4f}  recall {rec:.4f}  F1 {f1:.4f}  "
              f"lemmas a token {p / n:.3f}")
    if "-v" in sys.argv[1:]:
        for (form, gold, pred), k in misses.most_common(40):
            print(f"{k:4d}  {form}: gold {gold}, citata {pred}")


if __name__ == "__main__":
    main()
