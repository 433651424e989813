#!/usr/bin/env python3
"""Writes the `pem_*` vectors (docs/formats.md, "PEM (all PEM inputs)") from cert_valid.pem and
crl_valid.pem: each is one rule of the strict PEM reader. Run from anywhere:

    python3 tests/vectors/make_pem_vectors.py

An expectation names the place's accepted `labels`, whether exactly `one` block is expected
and whether `der` is accepted, and either the blocks read (`label`, `der_sha256`) or a
`message_contains`. Vectors with `chain_verify: true` are also run through `rootkey chain
verify --root cert_valid.pem --at 2030-01-01 FILE` by the Rust harness (exit 0 or 1).
"""

import base64
import hashlib
import json
import os

DIR = os.path.dirname(os.path.abspath(__file__))


def read(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return f.read()


def der_of(pem):
    lines = pem.decode().strip().split("\n")
    return base64.b64decode("".join(lines[1:-1]))


def pem(label, der, width=64):
    b = base64.b64encode(der).decode()
    body = "".join(b[i:i + width] + "\n" for i in range(0, len(b), width))
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


CERT = der_of(read("cert_valid.pem"))
CRL = der_of(read("crl_valid.pem"))
C = pem("CERTIFICATE", CERT)
CHAIN = {"labels": ["CERTIFICATE"], "one": False, "der": True, "chain_verify": True}
ROOT = {"labels": ["CERTIFICATE"], "one": True, "der": False}
CRLS = {"labels": ["X509 CRL"], "one": True, "der": True}
sha = lambda b: hashlib.sha256(b).hexdigest()
blk = lambda label, der: {"label": label, "der_sha256": sha(der)}
err = lambda msg: {"outcome": "error", "message_contains": msg}
ok = lambda *blocks: {"outcome": "ok", "blocks": list(blocks)}

VECTORS = [
    ("valid-chain", "Two CERTIFICATE blocks with explanatory text around them; the second in "
     "76-column lines with CRLF line ends and trailing spaces: all read.",
     ("Certificate bundle (explanatory text is allowed)\n" + C + "\nsecond one:\n"
      + pem("CERTIFICATE", CERT, 76).replace("\n", "  \r\n")).encode(), CHAIN,
     ok(blk("CERTIFICATE", CERT), blk("CERTIFICATE", CERT))),
    ("der-certificate", "A DER certificate (one SEQUENCE covering the file).", CERT, CHAIN,
     ok(blk("", CERT))),
    ("x509-certificate-label", "The bypass: a second block labelled X509 CERTIFICATE (openssl "
     "reads it) must refuse the file, never be skipped.",
     (C + pem("X509 CERTIFICATE", CERT)).encode(), CHAIN,
     err('PEM block 2 (line 12) is labelled "X509 CERTIFICATE"; only "CERTIFICATE" is accepted here')),
    ("damaged-begin-short", "A second block under -----BEGIN CERTIFICATE---- (four closing "
     "hyphens).", (C + C.replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE----")).encode(),
     CHAIN, err('line 12: "-----BEGIN CERTIFICATE----" looks like a PEM boundary but is not a well-formed')),
    ("damaged-begin-dashes", "A second block under ----BEGIN CERTIFICATE----- (four opening "
     "hyphens).", (C + C.replace("-----BEGIN CERTIFICATE-----", "----BEGIN CERTIFICATE-----")).encode(),
     CHAIN, err('line 12: "----BEGIN CERTIFICATE-----" looks like a PEM boundary but is not a well-formed')),
    ("damaged-begin-first", "The first block under a damaged BEGIN line (the leaf hidden).",
     (C.replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE -----") + C).encode(),
     CHAIN, err("line 1: \"-----BEGIN CERTIFICATE -----\" looks like a PEM boundary")),
    ("indented-begin", "A BEGIN line with a leading space.",
     (C + " " + C).encode(), CHAIN, err("line 12: \" -----BEGIN CERTIFICATE-----\" looks like a PEM boundary")),
    ("stray-end", "Trailing junk: a leftover END line after the block.",
     (C + "-----END CERTIFICATE-----\n").encode(), CHAIN,
     err('line 12: "-----END CERTIFICATE-----" is an END line outside any block')),
    ("junk-in-block", "A line of text inside the block.",
     C.replace("-----END", "not base64!\n-----END").encode(), CHAIN,
     err("line 11: PEM block 1: ' ' is not a base64 character")),
    ("headers", "RFC 1421 encapsulated headers inside the block.",
     C.replace("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n", 1).encode(), CHAIN,
     err("line 2: PEM block 1: encapsulated headers (such as Proc-Type) are not supported")),
    ("empty-line-in-block", "An empty line between base64 lines.",
     C.replace("\n", "\n\n", 2).replace("-----\n\n", "-----\n", 1).encode(), CHAIN,
     err("line 3: empty line inside PEM block 1")),
    ("no-end", "The END line is missing (truncated file).",
     C[:C.index("-----END")].encode(), CHAIN,
     err('PEM block 1 (BEGIN at line 1) has no "-----END CERTIFICATE-----" line')),
    ("end-mismatch", "The END line names another label.",
     C.replace("-----END CERTIFICATE-----", "-----END X509 CERTIFICATE-----").encode(), CHAIN,
     err("END line of block 1 does not match its BEGIN line")),
    ("non-canonical-base64", "The last base64 character carries non-zero unused bits.",
     None, CHAIN, err("the base64 text is not canonical")),
    ("padding-inside", "= padding in the middle of the base64 text.",
     None, CHAIN, err("\"=\" padding inside the base64 text")),
    ("root-two-blocks", "root.pem must hold exactly one block.", (C + C).encode(), ROOT,
     err("holds 2 PEM blocks; exactly one root certificate is expected")),
    ("root-trailing-whitespace", "root.pem with trailing spaces and tabs, CRLF and one-line "
     "base64: read.", pem("CERTIFICATE", CERT, 10000).replace("\n", " \t\r\n").encode(), ROOT,
     ok(blk("CERTIFICATE", CERT))),
    ("crl-one", "The CRL vector as a CRL input.", read("crl_valid.pem"), CRLS,
     ok(blk("X509 CRL", CRL))),
    ("crl-wrong-label", "A certificate where a CRL is expected.", C.encode(), CRLS,
     err('PEM block 1 (line 1) is labelled "CERTIFICATE"; only "X509 CRL" is accepted here')),
]


def non_canonical():
    # The certificate without its last byte ends in one "=": set an unused bit of the
    # character before it (read as PEM before any DER is decoded).
    b = pem("CERTIFICATE", CERT[:-1]).split("\n")
    last = b[-3]
    i = len(last.rstrip("=")) - 1
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    c = alphabet[alphabet.index(last[i]) ^ 1]
    b[-3] = last[:i] + c + last[i + 1:]
    return "\n".join(b).encode()


def padding_inside():
    b = C.split("\n")
    b[1] = b[1][:-4] + "AA=="
    return "\n".join(b).encode()


def main():
    assert pem("CERTIFICATE", CERT[:-1]).split("\n")[-3].endswith("=")
    for cond, desc, data, place, outcome in VECTORS:
        if cond == "non-canonical-base64":
            data = non_canonical()
        if cond == "padding-inside":
            data = padding_inside()
        ext = "der" if cond == "der-certificate" else "pem"
        with open(os.path.join(DIR, f"pem_{cond}.{ext}"), "wb") as f:
            f.write(data)
        exp = {"description": desc, **place, **outcome}
        with open(os.path.join(DIR, f"pem_{cond}.expect.json"), "w") as f:
            f.write(json.dumps(exp, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(VECTORS)} pem vectors")


if __name__ == "__main__":
    main()
