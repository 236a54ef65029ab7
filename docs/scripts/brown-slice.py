#!/usr/bin/env python3
"""A small slice of the Brown corpus for `grok --task lm --corpus DIR` (docs/INSTABILITY.md, "Spikes that happen"): the
first WORDS tagged words of each of the first SAMPLES sample files (ca01, ca02, ...), each paragraph kept whole up to
that count, written as sample files DIR/caNN that BrownCorpus.Load reads. Small enough that a 1-layer byte-level model
fits its training part within a few hundred steps, as the modular and MLP runs fit theirs.
  python3 docs/scripts/brown-slice.py DIR [SAMPLES=10] [WORDS=60] [SOURCE=~/.cache/phasescope/brown]"""
import os, sys

out = sys.argv[1]
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 10
words = int(sys.argv[3]) if len(sys.argv) > 3 else 60
source = sys.argv[4] if len(sys.argv) > 4 else os.path.expanduser("~/.cache/phasescope/brown")
names = sorted(f for f in os.listdir(source) if len(f) == 4 and f[0] == "c")[:samples]
if len(names) < samples:
    sys.exit(f"brown-slice: {source} holds {len(names)} sample files, fewer than {samples}; run any lm command once to fetch the corpus")
os.makedirs(out, exist_ok=True)
for name in names:
    kept, n = [], 0
    for paragraph in open(os.path.join(source, name), encoding="latin-1").read().split("\n\n"):
        tokens = paragraph.split()
        if not tokens:
            continue
        if n + len(tokens) > words and kept:
            break
        kept.append("\t" + " ".join(tokens[: max(0, words - n)] if n + len(tokens) > words else tokens))
        n += min(len(tokens), words - n)
    with open(os.path.join(out, name), "w", encoding="latin-1") as f:
        f.write("\n\n" + "\n\n\n".join(kept) + "\n")
print(f"{len(names)} samples, ≤ {words} words each, in {out}")
