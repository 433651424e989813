#!/usr/bin/env python3
"""Builds the seed corpus of the fuzz targets (README, "Fuzzing") from the repository's real
test vectors and files: tests/vectors/, tests/fixtures/, ceremony-scripts/, templates/.

    python3 fuzz/make_corpus.py            # writes fuzz/corpus/<target>/
    cargo +nightly fuzz cmin TARGET        # then keep only the seeds that add coverage

Targets whose input starts with a selector byte (share_text, certificate, profile) get it
prefixed here, as the target's comment describes. Stdlib only."""
import base64
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
VEC = ROOT / "tests" / "vectors"
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "corpus"
ALPHABET = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def glob(pattern):
    return sorted(VEC.glob(pattern))


# share_text: 0/1 envelope (as is / body with its checksum recomputed), 2 one typed row,
# 3 (and 4) share text in file or compact form.
for p in glob("envelope_*.hex"):
    env = bytes.fromhex(p.read_text().strip())
    put("share_text", "env-" + p.stem, b"\x00" + env)
    if len(env) >= 69:
        put("share_text", "body-" + p.stem, b"\x01" + env[:69])
for p in glob("rowcode_*.json"):
    v = json.loads(p.read_text())
    syms = v.get("printed") or v.get("symbols") or v.get("typed")
    if isinstance(v.get("row"), int) and isinstance(syms, list):
        typed = bytes(ALPHABET[s % 32] for s in syms)
        put("share_text", "row-" + p.stem, b"\x02" + bytes([v["row"] % 256]) + typed)
for p in glob("share_*.txt"):
    put("share_text", "text-" + p.stem, b"\x03" + p.read_bytes())

for p in glob("manifest_*.json"):
    put("manifest", p.stem, p.read_bytes())

# transcript: the transcript, or the transcript, the separator line and its attestations.
for p in glob("transcript_*.jsonl"):
    data = p.read_bytes()
    att = p.with_suffix(".attestations")
    if att.exists():
        data = data.rstrip(b"\n") + b"\n#attestations\n" + att.read_bytes()
    put("transcript", p.stem, data)

for p in glob("csr_*.pem") + glob("csr_*.der"):
    put("csr", p.name, p.read_bytes())

for p in glob("crl_*.pem") + glob("pem_crl-*.pem"):
    put("crl", p.name, p.read_bytes())

# certificate: 0 root, 1 previous intermediate, 2 chain bundle, 3 witness key, 4+ PEM reader
# (bit 0x80: exactly one block, 0x40: DER accepted).
for p in glob("cert_*.pem"):
    put("certificate", "root-" + p.name, b"\x00" + p.read_bytes())
for p in glob("pem_*.pem") + glob("pem_*.der"):
    data = p.read_bytes()
    put("certificate", "bundle-" + p.name, b"\x02" + data)
    put("certificate", "pem-" + p.name, b"\xc4" + data)
chain = (VEC / "pem_valid-chain.pem").read_bytes()
blocks = chain.split(b"-----END CERTIFICATE-----")
if len(blocks) > 1:
    put("certificate", "previous-intermediate.pem", b"\x01" + blocks[0] + b"-----END CERTIFICATE-----\n")
spki = bytes.fromhex("302a300506032b6570032100") + hashlib.sha256(b"rootkey fuzz witness").digest()
witness = b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki) + b"\n-----END PUBLIC KEY-----\n"
put("certificate", "witness.pem", b"\x03" + witness)

plans = glob("plan_*.toml") + glob("planv2_*.toml")
plans += sorted((ROOT / "ceremony-scripts").glob("*.toml")) + sorted((ROOT / "tests" / "fixtures").glob("*.toml"))
for p in plans:
    if p.name != "rehearsal-answers.toml":
        put("plan", p.parent.name + "-" + p.name, p.read_bytes())

# profile: 0 root profile, 1 intermediate profile, 2 paper layout.
for p in glob("profile_*.toml"):
    put("profile", "root-" + p.name, b"\x00" + p.read_bytes())
for i, name in enumerate(["root.toml", "intermediate.toml", "paper.toml"]):
    put("profile", "template-" + name, bytes([i]) + (ROOT / "templates" / name).read_bytes())

for p in glob("token_*.hex"):
    put("token_payload", p.stem, bytes.fromhex(p.read_text().strip()))

for p in glob("answers_*.toml"):
    put("answers", p.name, p.read_bytes())
put("answers", "rehearsal-answers.toml", (ROOT / "ceremony-scripts" / "rehearsal-answers.toml").read_bytes())
