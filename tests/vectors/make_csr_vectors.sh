#!/usr/bin/env bash
# Makes the `csr_*` test vectors (PKCS#10 certificate requests, docs/formats.md "Certificate
# signing request (input)") with real `openssl req`, and their `csr_*.expect.json`.
#
# Run ONCE by hand (`bash tests/vectors/make_csr_vectors.sh`, OpenSSL 3); the output is
# committed and the tests only read it. Running it again makes new keys, so every hash changes.
# The keys are throwaway: they live in a temporary directory that is deleted at the end and are
# never committed. Needs openssl 3 and python3 (byte edits and JSON only).
#
# Expectations come from openssl where it can say: `sha256` is `openssl req -outform DER |
# sha256sum`, `spki_sha256` is the SHA-256 of `openssl req -pubkey | openssl pkey -pubin
# -outform DER`, `subject` is `openssl req -subject -nameopt RFC2253`. Error expectations name
# the fault (`input` or `verification`) and a substring of rootkey's message.
set -euo pipefail
cd "$(dirname "$0")"
# Keys stay in the mktemp directory (mode 0700) and are deleted on exit.
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
export OPENSSL_CONF=/dev/null # no site defaults (req_extensions, string_mask, digests)

VAULT_CN='Example Corp Intermediate CA prod/2026'

# config FILE DN [extra lines...]: a request config without prompts. DN is the [dn] section's
# lines, most general first; CN only is what Vault's pki/intermediate/generate/internal writes.
config() {
    local f="$1" dn="$2"
    shift 2
    {
        printf '[req]\ndistinguished_name = dn\nprompt = no\nutf8 = yes\nstring_mask = utf8only\n'
        printf '%s\n' "$@"
        printf '[dn]\n%s\n' "$dn"
    } >"$f"
}

# key NAME ALGORITHM [pkeyopt...]: a throwaway private key in $T.
key() {
    local name="$1" alg="$2"
    shift 2
    local opts=()
    for o in "$@"; do opts+=(-pkeyopt "$o"); done
    openssl genpkey -algorithm "$alg" "${opts[@]}" -out "$T/$name.key" 2>/dev/null
}

# req OUT KEY CONFIG [openssl req options...]: a PEM request signed by KEY.
req() {
    local out="$1" k="$2" cfg="$3"
    shift 3
    openssl req -new -key "$T/$k.key" -config "$cfg" "$@" -out "$out"
}

# json FILE key=value...: writes an expectation (values starting with '[' are JSON arrays).
json() {
    python3 - "$@" <<'EOF'
import json, sys
out, members = sys.argv[1], {}
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    members[k] = json.loads(v) if v.startswith("[") else v
with open(out, "w") as f:
    f.write(json.dumps(members, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
EOF
}

# expect_ok NAME DESCRIPTION KEY_TYPE SIG_ALG_OID [EXT_OIDS [EXT [OTHER_ATTR_OIDS]]]: the
# outcome of a request openssl verifies, with openssl's own view of hash, key and subject.
expect_ok() {
    local name="$1" f="csr_$1.${6:-pem}"
    local inform=PEM
    [[ "$f" == *.der ]] && inform=DER
    openssl req -in "$f" -inform "$inform" -noout -verify 2>/dev/null
    local sha spki subject
    sha="$(openssl req -in "$f" -inform "$inform" -outform DER | sha256sum | cut -d' ' -f1)"
    spki="$(openssl req -in "$f" -inform "$inform" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)"
    subject="$(openssl req -in "$f" -inform "$inform" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')"
    json "csr_$name.expect.json" outcome=ok "description=$2" "key_type=$3" \
        "signature_algorithm=$4" "extensions=${5:-[]}" "other_attributes=${7:-[]}" \
        "sha256=$sha" "spki_sha256=$spki" "subject=$subject"
}

# expect_error NAME DESCRIPTION FAULT MESSAGE_SUBSTRING
expect_error() {
    json "csr_$1.expect.json" outcome=error "description=$2" "fault=$3" "message_contains=$4"
}

# edit IN OUT PYTHON: rewrites the DER of PEM request IN with a python expression over `d`
# (a bytearray) and writes OUT as PEM.
edit() {
    openssl req -in "$1" -outform DER -out "$T/edit.der"
    python3 - "$T/edit.der" "$3" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
exec(sys.argv[2])
open(sys.argv[1], "wb").write(d)
EOF
    # Not `openssl req` (it would re-encode); plain base64 armour.
    {
        echo "-----BEGIN CERTIFICATE REQUEST-----"
        base64 -w 64 "$T/edit.der"
        echo "-----END CERTIFICATE REQUEST-----"
    } >"$2"
}

ED25519=1.3.101.112
ECDSA_SHA256=1.2.840.10045.4.3.2
ECDSA_SHA384=1.2.840.10045.4.3.3
RSA_SHA256=1.2.840.113549.1.1.11
RSA_SHA512=1.2.840.113549.1.1.13

config "$T/vault.cnf" "CN = $VAULT_CN"

# --- accepted -------------------------------------------------------------------------------
key rsa2048 RSA rsa_keygen_bits:2048
req csr_rsa2048.pem rsa2048 "$T/vault.cnf" -sha256
expect_ok rsa2048 "Vault-like request (pki/intermediate/generate/internal: RSA 2048, CN only, no attributes), made with openssl req -sha256." \
    "RSA 2048" "$RSA_SHA256"

key p256 EC ec_paramgen_curve:P-256 ec_param_enc:named_curve
req csr_p256.pem p256 "$T/vault.cnf"
expect_ok p256 "ECDSA P-256 key, openssl's default digest (SHA-256)." "ECDSA P-256" "$ECDSA_SHA256"

key p384 EC ec_paramgen_curve:P-384 ec_param_enc:named_curve
req csr_p384.pem p384 "$T/vault.cnf"
expect_ok p384 "ECDSA P-384 key signed with openssl's default digest, SHA-256 (not SHA-384)." \
    "ECDSA P-384" "$ECDSA_SHA256"

key ed25519 ED25519
req csr_ed25519.pem ed25519 "$T/vault.cnf"
expect_ok ed25519 "Ed25519 key (RFC 8410), PureEdDSA signature." "Ed25519" "$ED25519"

req csr_p256-sha384.pem p256 "$T/vault.cnf" -sha384
expect_ok p256-sha384 "P-256 key signed with ecdsa-with-SHA384 (the hash is truncated to 256 bits)." \
    "ECDSA P-256" "$ECDSA_SHA384"

key rsa4096 RSA rsa_keygen_bits:4096
req csr_rsa4096-sha512.pem rsa4096 "$T/vault.cnf" -sha512
expect_ok rsa4096-sha512 "RSA 4096 key, sha512WithRSAEncryption." "RSA 4096" "$RSA_SHA512"

openssl req -in csr_p256.pem -outform DER -out csr_der-p256.der
expect_ok der-p256 "csr_p256.pem as raw DER: same request, same hash." "ECDSA P-256" "$ECDSA_SHA256" "[]" der

config "$T/ext.cnf" "CN = $VAULT_CN" "req_extensions = ext" \
    "[ext]" "basicConstraints = critical, CA:TRUE, pathlen:0" \
    "keyUsage = critical, keyCertSign, cRLSign" "subjectAltName = DNS:ca.example.com"
req csr_with-extensions.pem p256 "$T/ext.cnf"
expect_ok with-extensions "P-256 request with an extensionRequest attribute (basicConstraints, keyUsage, subjectAltName); rootkey reports the OIDs in request order." \
    "ECDSA P-256" "$ECDSA_SHA256" '["2.5.29.19", "2.5.29.15", "2.5.29.17"]'

config "$T/pw.cnf" "CN = $VAULT_CN" "attributes = attrs" "[attrs]" "challengePassword = not-a-secret"
req csr_challenge-password.pem p256 "$T/pw.cnf"
expect_ok challenge-password "P-256 request with a PKCS#9 challengePassword attribute: accepted, reported as another attribute." \
    "ECDSA P-256" "$ECDSA_SHA256" "[]" pem '["1.2.840.113549.1.9.7"]'

config "$T/dn.cnf" "$(printf 'C = US\nO = Example Corp\nCN = %s' "$VAULT_CN")"
req csr_with-text.pem ed25519 "$T/dn.cnf"
openssl req -in csr_with-text.pem -noout -text >"$T/text"
{ cat "$T/text"; cat csr_with-text.pem; echo "trailing notes are ignored too"; } >"$T/both"
mv "$T/both" csr_with-text.pem
expect_ok with-text "Ed25519 request with C, O and CN, preceded by openssl req -text output and followed by a line of text: text around the one PEM block is ignored." \
    "Ed25519" "$ED25519"

# --- refused --------------------------------------------------------------------------------
key rsa1024 RSA rsa_keygen_bits:1024
req csr_rsa1024.pem rsa1024 "$T/vault.cnf" -sha256
expect_error rsa1024 "RSA 1024 key: too weak." input "RSA 1024 is too weak: at least 2048 bits are required"

req csr_rsa-pss.pem rsa2048 "$T/vault.cnf" -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
expect_error rsa-pss "RSA key, RSASSA-PSS signature (openssl req -sigopt rsa_padding_mode:pss)." input \
    "RSASSA-PSS signatures are not supported"

req csr_p256-sha1.pem p256 "$T/vault.cnf" -sha1
expect_error p256-sha1 "P-256 request signed with ecdsa-with-SHA1." input "SHA-1 is not accepted"

key p521 EC ec_paramgen_curve:P-521 ec_param_enc:named_curve
req csr_p521.pem p521 "$T/vault.cnf"
expect_error p521 "ECDSA P-521 key: not an accepted curve." input "secp521r1"

# The last byte of the file is the last byte of the RSA signature.
edit csr_rsa2048.pem csr_bad-signature.pem 'd[-1] ^= 0x01'
expect_error bad-signature "csr_rsa2048.pem with the last signature byte flipped." verification \
    "the self-signature does not verify"

edit csr_p256.pem csr_modified-subject.pem 'i = d.index(b"prod/2026"); d[i + 1] = ord("l")'
expect_error modified-subject "csr_p256.pem with \"prod/2026\" changed to \"plod/2026\" in the subject (same length, valid DER)." \
    verification "the self-signature does not verify"

# Outer SEQUENCE length in the long form with one more byte than needed (BER, not DER).
edit csr_ed25519.pem csr_non-canonical.pem 'assert d[1] == 0x81; d[1:2] = b"\x82\x00"'
expect_error non-canonical "csr_ed25519.pem with the outer length written in 2 bytes instead of 1 (BER, not DER)." \
    input "DER"

printf 'This is not a certificate request.\n\x00\x01\x02 binary noise\n' >csr_garbage.pem
expect_error garbage "Text that is neither PEM nor DER." input 'no PEM "CERTIFICATE REQUEST" block and not DER'

cat csr_p256.pem csr_p384.pem >csr_two-blocks.pem
expect_error two-blocks "Two PEM requests in one file." input "exactly one"

sed 's/CERTIFICATE REQUEST/CERTIFICATE/' csr_p256.pem >csr_wrong-label.pem
expect_error wrong-label "csr_p256.pem under the PEM label CERTIFICATE." input 'is labelled "CERTIFICATE"'

echo "wrote $(ls csr_* | wc -l) files"
