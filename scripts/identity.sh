#!/usr/bin/env bash
# Run every citata command on the demo study and on rusdracor, writing each output to OUT.
# Compare two runs with `diff -r OUT1 OUT2` (office packages are unzipped; their timestamps
# are not compared). Usage: scripts/identity.sh BIN OUT [CORPUS_NAME=PATH ...]
# Run from the repository root: paths in outputs are printed as given.
set -u
BIN=$(realpath "$1"); OUT=$2; shift 2
mkdir -p "$OUT"
if [ $# -eq 0 ]; then set -- demo=corpora/demo rusdracor=../shared/data/rusdracor; fi
run() { # name, command...
  local name=$1; shift
  "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo "rc=$?" >>"$OUT/$name.out"
  # progress bars and timings are not part of the output
  sed -i -E 's/[0-9]+(\.[0-9]+)? ?(ms|s|µs)\b/T/g' "$OUT/$name.err"
}
unz() { # zip -> dir, dropping timestamped parts
  local z=$1 d=$2; rm -rf "$d"; mkdir -p "$d"
  [ -f "$z" ] && (cd "$d" && unzip -qo "$z" && rm -f docProps/core.xml docProps/app.xml) && rm -f "$z"
  find "$d" -type f -name '*.xml' -exec sed -i -E 's/(creationDateTime|modifiedDateTime|dcterms:created|dcterms:modified)[^ >]*["<][^"<]*/\1=T/g' {} +
}
TMP=$(mktemp -d)
for spec in "$@"; do
  n=${spec%%=*}; p=${spec#*=}
  run $n-ingest $BIN ingest "$p"
  run $n-ingest-ndjson $BIN ingest "$p" --format ndjson
  run $n-ingest-check $BIN ingest "$p" --check
  for f in table ndjson csv; do run $n-tag-$f $BIN tag "$p" --format $f -q; done
  for f in md ndjson table; do run $n-quotes-$f $BIN quotes "$p" --format $f -q; done
  run $n-quotes-neg $BIN quotes "$p" --polarity negative --param delivery_time -q
  for f in table ndjson csv; do run $n-ratings-$f $BIN ratings "$p" --format $f; done
  for f in md html json; do run $n-report-$f $BIN report "$p" --out "$OUT/$n-report.$f"; done
  for f in docx xlsx; do run $n-report-$f $BIN report "$p" --out "$TMP/$n-report.$f"; unz "$TMP/$n-report.$f" "$OUT/$n-report-$f"; done
  run $n-export $BIN export qdpx "$p" --out "$TMP/$n.qdpx" -q; unz "$TMP/$n.qdpx" "$OUT/$n-qdpx"
  rm -rf "$TMP/idx-$n"
  run $n-index-add $BIN index add "$p" --index "$TMP/idx-$n" -q -j 1
  run $n-index-stats $BIN index stats --index "$TMP/idx-$n"
  run $n-search1 $BIN search "оплата" --index "$TMP/idx-$n" --kwic --facets --color never --limit 100000
  run $n-search2 $BIN search --code delivery_time --polarity negative --index "$TMP/idx-$n" --format ndjson --limit 100000
done
# equal scores come back in the order of tantivy's segments, which background merges vary
for f in "$OUT"/*-search*.out; do sort -o "$f" "$f"; done
# index stats prints a size on disk that depends on tantivy's merges: keep only the counts
sed -i -E 's/[0-9.]+ ?(B|KB|MB|KiB|MiB)\b/SIZE/g' "$OUT"/*-index-stats.out
find "$OUT" -maxdepth 1 -type f \( -name "*.out" -o -name "*.err" \) -exec sed -i -e "s#$TMP#TMP#g" -e "s#$OUT#OUT#g" {} +
rm -rf "$TMP"
