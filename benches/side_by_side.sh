#!/usr/bin/env bash
# Side-by-side benchmark (issue 15, item 5), whole processes on tmpfs (/dev/shm), medians:
#   1. scripted `rootkey combine` of 3 text shares (3-of-5 rehearsal root: read, verify, rebuild,
#      check against root.pem, sealed transcript) vs an `ssss-split | ssss-combine` round trip of
#      a 32-byte secret (3-of-5). Target: rootkey no slower.
#   2. `rootkey intermediate sign` (3 shares, CSR checked, --confirm x2) vs `openssl x509 -req`
#      signing the same CSR with the same extensions. Target: rootkey's time <= 0.25 x openssl's.
#   3. `rootkey combine` of an 8-of-16 root given all 16 shares, share 1 disagreeing and listed
#      first (6435 subsets tried before the quorum; exit 3 by design), with its mlock calls
#      counted by `strace -f -c -e trace=mlock`.
#
#   bash benches/side_by_side.sh [RUNS]            (default 30)
#
# ROOTKEY_BIN=PATH times that binary (e.g. an older build) instead of target/release/rootkey,
# which is otherwise built first with scripts/release-env.sh. The 8-of-16 ceremony is written by
# the ignored test tests/combine_search.rs::write_bench_fixture (a debug test build).
# Needs: ssss (apt package ssss), openssl, strace.
set -euo pipefail
runs=${1:-30}
repo=$(cd "$(dirname "$0")/.." && pwd)
for tool in ssss-split ssss-combine openssl strace; do
  command -v "$tool" >/dev/null || { echo "side_by_side: $tool not found; next step: apt-get install -y ssss openssl strace" >&2; exit 1; }
done
if [ -z "${ROOTKEY_BIN:-}" ]; then
  (cd "$repo" && . scripts/release-env.sh && cargo build --release --locked --quiet)
  ROOTKEY_BIN="$repo/target/release/rootkey"
fi
bin=$(realpath "$ROOTKEY_BIN")
work=$(mktemp -d /dev/shm/rootkey-side-by-side.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && ROOTKEY_BENCH_FIXTURE="$work/search" cargo test --quiet --locked --test combine_search -- --ignored write_bench_fixture >"$work/fixture.log" 2>&1) || {
  cat "$work/fixture.log" >&2; echo "side_by_side: could not write the 8-of-16 ceremony" >&2; exit 1; }

cd "$work"
sed 's/medium = "paper"/medium = "text"/' "$repo/ceremony-scripts/rehearsal.toml" > plan.toml
"$bin" generate --plan plan.toml --out root >/dev/null
shares=(root/share-01-*.txt root/share-02-*.txt root/share-03-*.txt)
search=(search/share-*.txt)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out inter.key 2>/dev/null
openssl req -new -key inter.key -subj '/CN=Example Corp Intermediate CA prod\/2026' -out inter.csr
hash=$(openssl req -in inter.csr -outform DER | sha256sum | cut -d' ' -f1)
openssl genpkey -algorithm ED25519 -out ca.key
openssl req -x509 -new -key ca.key -subj '/CN=Bench Root' -days 3650 -out ca.pem
cat > ext.cnf <<'X'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=URI:http://pki.example.com/root.crl
authorityInfoAccess=caIssuers;URI:http://pki.example.com/root.crt
certificatePolicies=2.5.29.32.0
X

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds, no fork
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

combine() { "$bin" combine --out "c-$1" --manifest root/manifest.json --root root/root.pem "${shares[@]}" >/dev/null; }
# The secret (64 hex digits) is drawn before the clock starts; the check after the round trip
# is inside it (one comparison).
ssss_round_trip() {
  [ "$(echo -n "$1" | ssss-split -t 3 -n 5 -x -q -s 256 | head -n 3 | ssss-combine -t 3 -x -q 2>&1)" = "$1" ]
}
sign() {
  "$bin" intermediate sign --csr inter.csr --csr-sha256 "$hash" \
    --profile "$repo/templates/intermediate.toml" --root root/root.pem --manifest root/manifest.json \
    --out "s-$1" --confirm "Ann Officer" --confirm "Bob Witness" \
    --share "${shares[0]}" --share "${shares[1]}" --share "${shares[2]}" >/dev/null
}
openssl_sign() {
  openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 455 -extfile ext.cnf -out "o-$1.pem" 2>/dev/null
}
search() {
  local rc=0
  "$bin" combine --out "q-$1" --manifest search/manifest.json --root search/root.pem "${search[@]}" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 3 ] || { echo "side_by_side: 8-of-16 combine exited $rc, not 3 (share 1 disagrees)" >&2; return 1; }
}

: > combine.us; : > ssss.us; : > sign.us; : > openssl.us; : > search.us
for i in $(seq "$runs"); do
  t=$(now); combine "$i"; echo $(( $(now) - t )) >> combine.us
  secret=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
  t=$(now); ssss_round_trip "$secret"; echo $(( $(now) - t )) >> ssss.us
  t=$(now); sign "$i"; echo $(( $(now) - t )) >> sign.us
  t=$(now); openssl_sign "$i"; echo $(( $(now) - t )) >> openssl.us
  t=$(now); search "$i"; echo $(( $(now) - t )) >> search.us
  rm -rf "c-$i" "s-$i" "q-$i" "o-$i.pem"
done
sign check
openssl verify -CAfile root/root.pem s-check/intermediate.pem >/dev/null
mlocks() { strace -f -c -e trace=mlock -o "$work/strace.txt" "$@" >/dev/null 2>&1 || true; awk '$NF == "mlock" {print $4}' "$work/strace.txt"; }
combine_mlock=$(mlocks "$bin" combine --out m-1 --manifest root/manifest.json --root root/root.pem "${shares[@]}")
search_mlock=$(mlocks "$bin" combine --out m-2 --manifest search/manifest.json --root search/root.pem "${search[@]}")

ms() { awk -v u="$1" 'BEGIN {printf "%.1f ms", u / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
c=$(median combine.us); r=$(median ssss.us); s=$(median sign.us); o=$(median openssl.us); q=$(median search.us)
echo "binary: $bin ($(stat -c %s "$bin") bytes, sha256 $(sha256sum "$bin" | cut -c1-16)…)"
echo "tmpfs: $work; $runs runs each, interleaved; medians; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s\n' "rootkey combine (3 of 5)" "$(ms "$c")"
printf '%-44s %10s   rootkey/ssss = %s (target <= 1)\n' "ssss-split | ssss-combine (32 bytes, 3 of 5)" "$(ms "$r")" "$(ratio "$c" "$r")"
printf '%-44s %10s\n' "rootkey intermediate sign" "$(ms "$s")"
printf '%-44s %10s   rootkey/openssl = %s (target <= 0.25)\n' "openssl x509 -req" "$(ms "$o")" "$(ratio "$s" "$o")"
printf '%-44s %10s   mlock calls: %s (3 of 5 combine: %s)\n' "rootkey combine 8 of 16, share 1 disagreeing" "$(ms "$q")" "${search_mlock:-0}" "${combine_mlock:-0}"
