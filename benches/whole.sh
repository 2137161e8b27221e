#!/usr/bin/env bash
# Whole-process speed of `citata tag` and `citata index add` on real text, against a plain
# Python PyStemmer tagger (benches/peer.py, `pip install PyStemmer`) run in the same
# invocation: MB/s, peak RSS, and the ratio peer time / citata time.
#
#   benches/whole.sh            # builds release, measures rusdracor and the big corpus
#   COPIES=5 RUNS=3 benches/whole.sh
#   CITATA=/path/to/other/citata benches/whole.sh   # another binary (no build)
#
# Corpora: ../shared/data/rusdracor beside the checkout (11.2 MB of plays), and the
# big-vocabulary corpus made from it (`gen_corpus --big-vocabulary`: every line's words
# shuffled, one word in eight joined to a random other one; COPIES × 12.4 MB, default 5,
# about 62 MB), the same as 16 files of prose without labels (about 55 MB), and that prose
# with the colons inside its lines kept ("colons", about 55 MB). Also a
# stress file: one 15 MB transcript of 1.2 M distinct made-up words,
# tagged with -j1 (issue 16: it used to panic), its exit code and peak RSS.
# Each figure is the fastest of RUNS runs (default 3), citata and the peer alternating.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
copies="${COPIES:-5}"
runs="${RUNS:-3}"
real="$root/../shared/data/rusdracor"
[ -d "$real" ] || { echo "missing $real" >&2; exit 2; }
python3 -c "import Stemmer" 2>/dev/null || { echo "pip install PyStemmer" >&2; exit 2; }
if [ -z "${CITATA:-}" ]; then
  cargo build --release --quiet
  CITATA="$root/target/release/citata"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo run --release --quiet --example gen_corpus -- --big-vocabulary "$tmp/big" "$copies" 2>/dev/null
# prose: the big corpus as 16 long files without speaker labels (the shape of the issue's
# 62 MB of real prose cut into 16 transcript-like files): each line's label taken off and
# colons made commas, so the reader finds no labels and reads paragraphs by alternation.
# colons: the same prose with the colons inside lines kept, as real prose keeps them
# («Он сказал: …»): some lines then begin like a label («Вопрос: …», «Мифическую Итак: …»);
# under one line in 100, so the reader takes the file as one without labels
# (`ingest::labels`) and reads it as the prose above.
mkdir -p "$tmp/prose" "$tmp/colons"
i=0
for f in "$tmp"/big/*.txt; do
  sed -E 's/^[^:]{1,40}: //; s/:/,/g' "$f" >> "$tmp/prose/p$((i % 16)).txt"
  sed -E 's/^[^:]{1,40}: //' "$f" >> "$tmp/colons/p$((i % 16)).txt"
  i=$((i + 1))
done
python3 - "$tmp/stress/stress.txt" <<'PY'
import sys, os
# 1,200,000 distinct five-letter words (the numbers 0.. in base 32 over а..я), 12 a line.
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
letters = [chr(c) for c in range(ord("а"), ord("я") + 1)]
def word(n):
    return "".join(letters[(n >> (5 * k)) & 31] for k in range(5))
lines = []
for start in range(0, 1_200_000, 12):
    lines.append("Респондент: " + " ".join(word(n * 7919 % 1_200_000) for n in range(start, start + 12)) + ".\n")
open(sys.argv[1], "w", encoding="utf-8").write("".join(lines))
PY

# measure NAME CMD...: runs CMD, records "seconds maxrss_kb" of the fastest run in $tmp/NAME
measure() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || {
    echo "$name failed ($?):" >&2; cat "$tmp/err" >&2; return 1; }
  local now; now="$(tail -1 "$tmp/t")"
  if [ ! -f "$tmp/$name" ] || awk -v a="$now" -v b="$(cat "$tmp/$name")" \
       'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
    echo "$now" > "$tmp/$name"
  fi
}

mb() { du -sb --apparent-size "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
# The machine, as figures mean nothing without it: cores, CPU, load before the runs.
printf 'machine: %s cores, %s; load average %s; %s (checkout %s)\n' "$(nproc)" \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$CITATA" \
  "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf '%-16s %8s | %-22s | %-22s | %-10s | %-22s\n' corpus MB "citata tag" "python peer" ratio "citata index add"
for corpus in rusdracor big prose colons; do
  dir="$real"; [ "$corpus" = rusdracor ] || dir="$tmp/$corpus"
  size="$(mb "$dir")"
  rm -f "$tmp/tag.$corpus" "$tmp/peer.$corpus" "$tmp/index.$corpus"
  for _ in $(seq "$runs"); do
    measure "tag.$corpus" "$CITATA" tag "$dir" --format ndjson -q
    measure "peer.$corpus" python3 "$root/benches/peer.py" "$root/dictionaries/b2b-cx.ru.toml" "$dir"
    rm -rf "$tmp/index"
    measure "index.$corpus" "$CITATA" index add "$dir" --index "$tmp/index" -q
  done
  read -r ts tr < "$tmp/tag.$corpus"
  read -r ps pr < "$tmp/peer.$corpus"
  read -r is ir < "$tmp/index.$corpus"
  awk -v c="$corpus" -v s="$size" -v ts="$ts" -v tr="$tr" -v ps="$ps" -v pr="$pr" \
      -v is="$is" -v ir="$ir" 'BEGIN {
    printf "%-16s %8s | %5.1f MB/s %5.0f MB RSS | %5.1f MB/s %5.0f MB RSS | %8.1f× | %5.1f MB/s %5.0f MB RSS\n",
      c, s, s / ts, tr / 1024, s / ps, pr / 1024, ps / ts, s / is, ir / 1024 }'
done
rm -f "$tmp/stress.t"
if /usr/bin/time -f "%e %M" -o "$tmp/st" "$CITATA" tag "$tmp/stress" -j1 --format ndjson -q >/dev/null 2>"$tmp/err"; then
  code=0; else code=$?; fi
read -r ss sr < <(tail -1 "$tmp/st")
printf 'stress: 15 MB, 1.2 M distinct words, tag -j1: exit %s, %.1f s, %.0f MB RSS\n' "$code" "$ss" "$((sr / 1024))"
