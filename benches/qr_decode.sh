#!/usr/bin/env bash
# Photo decode benchmark (issue 16, item 5): the time to read one paper shard from a photo, as
# whole processes on tmpfs (/dev/shm), medians of RUNS, rootkey side by side with zbarimg and
# zxing-cpp:
#   photo-12mp.jpg  a 4000x3000 JPEG (quality 85), like a phone photo: the shard page (rendered
#                   at 300 dpi by pdftoppm, 2100x2970) on a table, turned 3 deg, keystone 3 %,
#                   uneven light, blur 1, noise 0.3 (ImageMagick, fixed seed);
#   photo-1000.jpg  the same page, distorted the same way, 1000 px wide (1000x1414), quality 85.
# rootkey: `share verify --qr-image PHOTO --manifest M --root R` (also checks the share against
# the root-signed manifest: a few ms); zbarimg: `zbarimg -q --raw PHOTO`; zxing-cpp (only if
# the python given by ZXING_PYTHON, default python3, imports zxingcpp): the decode call alone,
# timed inside one python process on the photo's pixels already in memory (no image library is
# needed, and python's start-up would be timed otherwise) — a lower bound, not a whole process.
# Each line says whether the decoder read the expected share.
#
#   bash benches/qr_decode.sh [RUNS]            (default 11)
#
# ROOTKEY_BIN=PATH times that binary (e.g. a build before and after a decoder change) instead of
# target/release/rootkey, which is otherwise built first with scripts/release-env.sh.
# Needs: pdftoppm (poppler-utils), /usr/bin/convert (imagemagick), zbarimg (zbar-tools).
set -euo pipefail
runs=${1:-11}
repo=$(cd "$(dirname "$0")/.." && pwd)
convert=/usr/bin/convert
for tool in pdftoppm "$convert" zbarimg; do
  command -v "$tool" >/dev/null || { echo "qr_decode: $tool not found; next step: apt-get install -y poppler-utils imagemagick zbar-tools" >&2; exit 1; }
done
if [ -z "${ROOTKEY_BIN:-}" ]; then
  (cd "$repo" && . scripts/release-env.sh && cargo build --release --locked --quiet)
  ROOTKEY_BIN="$repo/target/release/rootkey"
fi
bin=$(realpath "$ROOTKEY_BIN")
shards="$repo/tests/fixtures/qr-photos/shards"
work=$(mktemp -d /dev/shm/rootkey-qr-decode.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export MAGICK_THREAD_LIMIT=1

# The shard: rehearsal r1, share 3 (its expected payload from expected.tsv).
pdf="$shards/r1/share-03-carol-rehearsal.pdf"
expected=$(awk -F'\t' '$1 == "r1-share-03" { print $2 }' "$shards/expected.tsv")
pdftoppm -r 300 -png -singlefile "$pdf" page
# Turned 3 deg, keystone 3 % (top corners inward), uneven light (a gradient to 60 %), blur 1,
# noise 0.3; W x H is the size of the distorted page.
distort() {  # W H OUT
  local w=$1 h=$2 k=$(($1 * 3 / 100))
  "$convert" page.png -resize "${w}x${h}!" -virtual-pixel white -distort Perspective \
    "0,0 $k,0  $w,0 $((w - k)),0  0,$h 0,$h  $w,$h $w,$h" \
    -background white -rotate 3 -gravity center -extent "${w}x${h}" +gravity \
    \( +clone -sparse-color Barycentric "0,0 white $((w - 1)),$((h - 1)) gray60" \) \
    -compose Multiply -composite -blur 0x1 -seed 16 -attenuate 0.3 +noise Gaussian "$3"
}
distort 2100 2970 page-12mp.png
"$convert" -size 4000x3000 xc:'#8a7560' page-12mp.png -gravity center -composite \
  -quality 85 photo-12mp.jpg
distort 1000 1414 page-1000.png
"$convert" page-1000.png -quality 85 photo-1000.jpg

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds, no fork
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rootkey_read() {
  "$bin" share verify --qr-image "$1" --manifest "$shards/r1/manifest.json" --root "$shards/r1/root.pem" </dev/null 2>/dev/null | grep -q "OK: share 3 of "
}
zbarimg_read() { zbarimg -q --raw "$1" 2>/dev/null | grep -qxF "$expected"; }
# Median wall time in ms of RUNS runs of "$@", and whether the last run read the share.
timed() {
  local t0 ok=no f="$work/times"
  : >"$f"
  for _ in $(seq "$runs"); do
    t0=$(now)
    if "$@"; then ok=yes; else ok=no; fi
    echo $(($(now) - t0)) >>"$f"
  done
  awk -v us="$(median "$f")" -v ok="$ok" 'BEGIN { printf "%10.1f ms  read: %s\n", us / 1000, ok }'
}
zxing_python=${ZXING_PYTHON:-python3}
zxing() {  # PHOTO: median ms of the decode call alone, and whether it read the share
  "$convert" "$1" -colorspace Gray -depth 8 gray.pgm
  "$zxing_python" - "$runs" "$expected" <<'PY'
import sys, time, zxingcpp
runs, expected = int(sys.argv[1]), sys.argv[2]
data = open("gray.pgm", "rb").read()
magic, w, h, maxval, rest = data.split(maxsplit=4)
w, h = int(w), int(h)
pixels = memoryview(rest[:w * h]).cast("B", (h, w))
times, ok = [], False
for _ in range(runs):
    t0 = time.perf_counter()
    found = zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode)
    times.append(time.perf_counter() - t0)
    ok = any(b.text == expected for b in found)
print(f"{sorted(times)[(runs - 1) // 2] * 1000:10.1f} ms  read: {'yes' if ok else 'no'}  (decode call only)")
PY
}
have_zxing=no
"$zxing_python" -c "import zxingcpp" 2>/dev/null && have_zxing=yes

echo "rootkey: $bin"
echo "medians of $runs runs (ms, wall)"
for photo in photo-12mp.jpg photo-1000.jpg; do
  echo "$photo ($("$convert" "$photo" -format '%wx%h' info:), $(($(stat -c %s "$photo") / 1024)) KiB)"
  printf '  %-10s' rootkey; timed rootkey_read "$photo"
  printf '  %-10s' zbarimg; timed zbarimg_read "$photo"
  if [ "$have_zxing" = yes ]; then printf '  %-10s' zxing-cpp; zxing "$photo"
  else echo "  zxing-cpp  not measured ($zxing_python cannot import zxingcpp; pip install zxing-cpp, or ZXING_PYTHON=...)"; fi
done
