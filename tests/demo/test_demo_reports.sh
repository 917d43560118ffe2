#!/usr/bin/env bash
# The demo clinic's reports, checked as a reader would with poppler-utils:
# page counts, metric names and session dates in the text, the photos
# embedded, sizes, and the one-pair comparison PDF. Usage: BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1/skintrack
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cp -r "$src/samples/clinic" "$tmp/clinic"
"$bin" batch "$tmp/clinic" --plain --jobs 2 >"$tmp/batch.log" 2>&1 || fail "batch: $(tail -3 "$tmp/batch.log")"
grep -q "28 scored, 0 unchanged, 0 failed" "$tmp/batch.log" || fail "batch summary: $(tail -1 "$tmp/batch.log")"
"$bin" report "$tmp/clinic" --all --out-dir "$tmp/reports" >/dev/null

for p in P001 P002 P003; do
  pdf=$tmp/reports/skintrack-report-$p.pdf
  [[ -s $pdf ]] || fail "$p: no report"
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  views=$(ls "$tmp/clinic/$p/2026-01-12" | grep -c '\.jpg$')
  # cover + 2 pages per view + method page
  [[ $pages -eq $((2 + 2 * views)) ]] || fail "$p: $pages pages for $views views"
  size=$(stat -c %s "$pdf")
  [[ $size -lt $((10 * 1024 * 1024)) ]] || fail "$p: $size bytes"
  pdftotext -layout "$pdf" "$tmp/$p.txt"
  for t in "Skin progress report" "2026-01-12" "2026-02-16" "2026-03-23" "2026-04-27" \
           "Pores (count)" "Wrinkle total length" "Pigmented spot area" "Red area" \
           "Roughness Rq" "Scar severity" "aligned to the baseline" "noise" \
           "Method and limits" "not a" "diagnosis" "proxy"; do
    grep -q -- "$t" "$tmp/$p.txt" || fail "$p: '$t' missing from the report text"
  done
  # per view: baseline, aligned latest and two overlay panels, all JPEG
  imgs=$(pdfimages -list "$pdf" | tail -n +3 | grep -c jpeg || true)
  [[ $imgs -ge $((4 * views)) ]] || fail "$p: $imgs JPEG images for $views views"
  echo "$p: $pages pages, $imgs photos, $size bytes"
done
# the treated phantom patient shows changes beyond noise
grep -q "beyond noise" "$tmp/P001.txt" || fail "P001: no change beyond noise"

pdf=$tmp/pair.pdf
"$bin" compare --mm-per-px 0.04 --pdf "$pdf" "$tmp/clinic/P001/2026-01-12/cheek-left.jpg" \
  "$tmp/clinic/P001/2026-04-27/cheek-left.jpg" >"$tmp/pair.txt"
[[ $(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}') -eq 2 ]] || fail "compare PDF pages"
pdftotext "$pdf" - | grep -q "Skin comparison" || fail "compare PDF title"
grep -q "BETTER, beyond noise" "$tmp/pair.txt" || fail "compare: no improvement beyond noise"
echo "demo reports: ok"
