#!/usr/bin/env python3
"""Independent verifier of rootkey's token payloads (docs/formats.md, "Token payload v1").

Written from the specification alone, with the Python standard library and `cryptography`
(Debian: python3-cryptography). For every tests/vectors/token_*.hex it plays the token named in
the expectation (`opener`: serial and private scalar), follows the reading checks in order, and
compares its outcome with the expectation: the envelope and header for valid payloads, the
category for damaged ones.

Usage: independent_token_check.py [VECTOR_DIR]
"""

import hashlib
import json
import os
import sys
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"rootkey token payload v1"
P = 2**256 - 2**224 + 2**192 + 2**96 - 1
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
UNSAFE = set(
    [0x00AD, 0x061C, 0x180E, 0xFEFF]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2065))
    + list(range(0x2066, 0x206A))
)


class Refused(Exception):
    def __init__(self, category, why):
        super().__init__(why)
        self.category = category


def unsafe(ch):
    return unicodedata.category(ch) == "Cc" or ord(ch) in UNSAFE


class Cursor:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, what):
        if len(self.data) - self.pos < n:
            raise Refused("truncated", f"ends inside the {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def counted(self, what):
        n = self.take(1, what + " length")[0]
        if n > 64:
            raise Refused("field", f"{what} length {n}")
        return self.take(n, what)


def check_point(b, what):
    # Step 12: uncompressed, coordinates below p, on y^2 = x^3 - 3x + b.
    if b[0] != 4:
        raise Refused("point", f"{what} not uncompressed")
    x, y = int.from_bytes(b[1:33], "big"), int.from_bytes(b[33:], "big")
    if x >= P or y >= P or (y * y - (x * x * x - 3 * x + B)) % P != 0:
        raise Refused("point", f"{what} not on P-256")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b)


def parse(data):
    """Steps 1-13; returns the header fields and the parts."""
    c = Cursor(data)
    if c.take(4, "magic") != b"RKTP":
        raise Refused("magic", "magic")
    if c.take(1, "version")[0] != 1:
        raise Refused("version", "version")
    backend = c.take(1, "backend")[0]
    if backend not in (1, 2):
        raise Refused("field", "backend")
    h = {"backend": backend}
    h["ceremony_id"] = c.take(16, "ceremony id").hex()
    h["root_fingerprint"] = c.take(32, "root fingerprint").hex()
    h["share_index"] = c.take(1, "share index")[0]
    if not 1 <= h["share_index"] <= 16:
        raise Refused("field", "share index")
    holder = c.counted("holder")
    try:
        text = holder.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("field", "holder not UTF-8")
    if not text or text != text.strip(" ") or any(unsafe(ch) for ch in text):
        raise Refused("field", "holder")
    h["holder"] = text
    serial = c.counted("token serial")
    if not serial or serial[0] == 0x20 or serial[-1] == 0x20 or any(not 0x20 <= x <= 0x7E for x in serial):
        raise Refused("field", "serial")
    h["token_serial"] = serial.decode("ascii")
    key_ref = c.counted("key reference")
    h["key_ref_hex"] = key_ref.hex()
    location = c.take(1, "location")[0]
    if location not in (1, 2):
        raise Refused("field", "location")
    h["location"] = location
    object_id = c.counted("object id")
    h["object_id_hex"] = object_id.hex()
    token_public = c.take(65, "token public key")
    ephemeral = c.take(65, "ephemeral public key")
    nonce = c.take(12, "nonce")
    h["token_public_hex"] = token_public.hex()
    # Step 11: rules across fields.
    piv = backend == 2
    if not key_ref or (piv and len(key_ref) != 1):
        raise Refused("field", "key reference")
    if location == 2 and object_id:
        raise Refused("field", "object id with location 2")
    if location == 1:
        if not object_id:
            raise Refused("field", "empty object id")
        if piv and (len(object_id) != 3 or object_id[0] != 0x5F or object_id.hex() in ("5fc109", "5fff00")):
            raise Refused("field", "PIV object id")
    check_point(token_public, "token public key")
    ephemeral_key = check_point(ephemeral, "ephemeral public key")
    header_len = c.pos
    c.take(89, "ciphertext and tag")
    if c.pos != len(data):
        raise Refused("trailing", "bytes after the tag")
    return h, data[:header_len], ephemeral_key, nonce, data[header_len:]


def open_payload(data, opener):
    h, header, ephemeral, nonce, body = parse(data)
    # Steps 14-15: the token in hand.
    if h["token_serial"] != opener["serial"]:
        raise Refused("other-token", "serial")
    scalar = int(opener["private_key_hex"], 16)
    token_key = ec.derive_private_key(scalar, ec.SECP256R1())
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if token_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint).hex() != h["token_public_hex"]:
        raise Refused("other-token", "key")
    # Step 16: ECDH (x-coordinate), HKDF-SHA256, AES-256-GCM.
    z = token_key.exchange(ec.ECDH(), ephemeral)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=hashlib.sha256(header).digest(), info=INFO).derive(z)
    try:
        env = AESGCM(key).decrypt(nonce, body, header)
    except InvalidTag:
        raise Refused("authentication", "tag")
    # Step 17: the envelope (Share envelope v1) and its agreement with the header.
    if len(env) != 73 or hashlib.sha256(env[:69]).digest()[:4] != env[69:]:
        raise Refused("envelope", "checksum")
    if env[0] != 1 or env[1] & 0xFE:
        raise Refused("envelope", "version/flags")
    k, n, idx = env[34], env[35], env[36]
    if not (2 <= k <= n <= 16 and 1 <= idx <= n):
        raise Refused("envelope", "k/n/index")
    if env[2:18].hex() != h["ceremony_id"] or env[18:34].hex() != h["root_fingerprint"][:32] or idx != h["share_index"]:
        raise Refused("envelope", "header mismatch")
    return h, env


def main():
    vdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    names = sorted(n for n in os.listdir(vdir) if n.startswith("token_") and n.endswith(".hex"))
    failures = []
    for name in names:
        with open(os.path.join(vdir, name)) as f:
            data = bytes.fromhex(f.read().strip())
        with open(os.path.join(vdir, name[: -len(".hex")] + ".expect.json")) as f:
            exp = json.load(f)
        try:
            h, env = open_payload(data, exp["opener"])
            if exp["outcome"] != "ok":
                failures.append(f"{name}: opened, expected {exp['category']}")
            elif env.hex() != exp["envelope_hex"] or h != exp["header"]:
                failures.append(f"{name}: opened to other values: {h} {env.hex()}")
            else:
                print(f"ok      {name}")
        except Refused as r:
            if exp["outcome"] == "error" and exp["category"] == r.category:
                print(f"refused {name}: {r.category} ({r})")
            else:
                failures.append(f"{name}: refused as {r.category} ({r}), expected {exp.get('category', 'ok')}")
    for f in failures:
        print("FAIL " + f)
    agree = len(names) - len(failures)
    print(f"{agree} of {len(names)} token vectors agree")
    return 1 if failures or not names else 0


if __name__ == "__main__":
    sys.exit(main())
