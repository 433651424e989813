#!/usr/bin/env bash
# Benchmark (issue 5): a scripted `rootkey intermediate sign` as a whole process — read 3 share
# files, check the CSR, confirm (--confirm ×2), rebuild the key, sign, verify, write the
# certificate, bundle, input copies and a sealed transcript — side by side with
# `openssl x509 -req -CA …` signing the same CSR. Target: under 100 ms per run.
#
#   bash benches/intermediate_sign.sh [RUNS] [WORKDIR]
#
# WORKDIR defaults to a fresh directory under $TMPDIR (a disk); pass /dev/shm/… for tmpfs.
# Every transcript entry is fdatasync'ed, so the disk's sync latency shows in the numbers.
# benches/side_by_side.sh runs the same comparison on tmpfs, next to combine vs ssss.
set -euo pipefail
runs=${1:-20}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
repo=$(cd "$(dirname "$0")/.." && pwd)
(cd "$repo" && . scripts/release-env.sh && cargo build --release --locked --quiet)
bin="$repo/target/release/rootkey"

cd "$work"
sed 's/medium = "paper"/medium = "text"/' "$repo/ceremony-scripts/rehearsal.toml" > plan.toml
"$bin" generate --plan plan.toml --out root >/dev/null
shares=(root/share-01-*.txt root/share-02-*.txt root/share-03-*.txt)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out inter.key 2>/dev/null
openssl req -new -key inter.key -subj '/CN=Example Corp Intermediate CA prod\/2026' -out inter.csr
hash=$(openssl req -in inter.csr -outform DER | sha256sum | cut -d' ' -f1)
# OpenSSL's side: an Ed25519 CA of its own, the same extensions as the profile.
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

ms() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
stats() { sort -n | awk '{a[NR]=$1; s+=$1} END {printf "median %.1f ms  mean %.1f ms  min %.1f ms  max %.1f ms  (%d runs)\n", a[int((NR+1)/2)]/1000, s/NR/1000, a[1]/1000, a[NR]/1000, NR}'; }

: > rootkey.us; : > openssl.us
for i in $(seq "$runs"); do
  t=$(date +%s%N)
  "$bin" intermediate sign --csr inter.csr --csr-sha256 "$hash" \
    --profile "$repo/templates/intermediate.toml" --root root/root.pem --manifest root/manifest.json \
    --out "out-$i" --confirm "Ann Officer" --confirm "Bob Witness" \
    --share "${shares[0]}" --share "${shares[1]}" --share "${shares[2]}" >/dev/null
  ms "$t" >> rootkey.us
  t=$(date +%s%N)
  openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 455 -extfile ext.cnf -out "openssl-$i.pem" 2>/dev/null
  ms "$t" >> openssl.us
done
openssl verify -CAfile root/root.pem out-1/intermediate.pem >/dev/null
echo "work directory: $work ($(df --output=fstype "$work" | tail -1))"
echo -n "rootkey intermediate sign: "; stats < rootkey.us
echo -n "openssl x509 -req -CA:     "; stats < openssl.us
