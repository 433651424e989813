#!/usr/bin/env python3
"""Independent verifier for rootkey's test vectors, written from docs/formats.md alone.

It shares no code with rootkey: SHA-256 comes from hashlib, TOML from tomllib, and
everything else (Ed25519 per RFC 8032, GF(2^8) Shamir, the GF(32) row code, the base-32
text form, RFC 8785 canonical JSON, a minimal DER reader) is implemented below.

Usage: python3 independent_check.py [VECTOR_DIR]     (default: the directory of this file)
Exit status 0 when every vector's outcome agrees with its expectation.
Standard library only; Python >= 3.11 (tomllib).
"""

import base64
import hashlib
import itertools
import json
import os
import sys
import tomllib

DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
FAILURES = []
CHECKED = {}


class Reject(Exception):
    """A reader must refuse the input; the message carries a short reason. `code` is the exit
    code of `share verify` / `combine` (formats.md): 1 malformed input or operator mistake."""
    code = 1


class Mismatch(Reject):
    """Well-formed input that does not verify (possible tampering): exit 3."""
    code = 3


def sha256(b):
    return hashlib.sha256(b).digest()


def read(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return f.read()


def read_json(name):
    return json.loads(read(name))


def expectation(name):
    if name.split("_")[0] in ("rowcode", "shamir", "seed", "filename", "shareverify", "combine"):
        return read_json(name)["expect"]
    return read_json(name.rsplit(".", 1)[0] + ".expect.json")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def agree(name, fn):
    """Runs fn(expectation); fn raises Reject for a refused input. Compares with the expectation."""
    exp = expectation(name)
    area = name.split("_")[0]
    CHECKED[area] = CHECKED.get(area, 0) + 1
    try:
        fn(exp)
        if exp["outcome"] not in ("ok", "valid", "corrected", "other_row", "uncorrectable"):
            FAILURES.append(f"{name}: accepted, but expected {exp['outcome']}: {exp.get('message_contains')}")
    except Reject as e:
        if "exit_code" in exp and exp["exit_code"] != e.code:
            FAILURES.append(f"{name}: exit code {e.code}, expected {exp['exit_code']} ({e})")
        if exp["outcome"] != "error":
            FAILURES.append(f"{name}: refused ({e}), but expected {exp['outcome']}")
        elif str(e) not in exp["message_contains"] and exp["message_contains"] not in str(e):
            FAILURES.append(f"{name}: refused for {str(e)!r}, expected a reason like {exp['message_contains']!r}")
    except AssertionError as e:
        FAILURES.append(f"{name}: {e}")


# --------------------------------------------------------------------------------------------
# Ed25519 (RFC 8032 section 5.1, reference arithmetic)
# --------------------------------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    if x2 % P == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    Dd = 2 * a[2] * b[2] % P
    E, F, Gg, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, Gg * H % P, F * Gg % P, E * H % P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _compress(pt):
    zi = pow(pt[2], P - 2, P)
    x, y = pt[0] * zi % P, pt[1] * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decompress(b):
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def _hint(b):
    return int.from_bytes(hashlib.sha512(b).digest(), "little") % L


def _expand(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def ed25519_public(seed):
    return _compress(_mul(_expand(seed)[0], G))


def ed25519_sign(seed, msg):
    a, prefix = _expand(seed)
    pub = _compress(_mul(a, G))
    r = _hint(prefix + msg)
    R = _compress(_mul(r, G))
    s = (r + _hint(R + pub + msg) * a) % L
    return R + s.to_bytes(32, "little")


def ed25519_verify(pub, msg, sig):
    A = _decompress(pub)
    R = _decompress(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if A is None or R is None or s >= L:
        return False
    lhs = _mul(s, G)
    rhs = _add(R, _mul(_hint(sig[:32] + pub + msg), A))
    return (lhs[0] * rhs[2] - rhs[0] * lhs[2]) % P == 0 and (lhs[1] * rhs[2] - rhs[1] * lhs[2]) % P == 0


SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def fingerprint(pub):
    return sha256(SPKI_PREFIX + pub)


def fingerprint_display(fp):
    h = fp.hex()
    return "SHA256:" + " ".join(h[i:i + 4] for i in range(0, 64, 4))


# --------------------------------------------------------------------------------------------
# GF(2^8), Shamir
# --------------------------------------------------------------------------------------------

def gf256_mul(a, b, poly=0x11D):
    p = 0
    while b:
        if b & 1:
            p ^= a
        a <<= 1
        if a & 0x100:
            a ^= poly
        b >>= 1
    return p


def gf256_inv(a, poly=0x11D):
    return next(x for x in range(1, 256) if gf256_mul(a, x, poly) == 1)


def shamir_eval(secret, coeffs, x, poly=0x11D):
    out = []
    for i, s in enumerate(secret):
        acc = 0
        for c in reversed(coeffs):
            acc = gf256_mul(acc, x, poly) ^ c[i]
        out.append(gf256_mul(acc, x, poly) ^ s)
    return bytes(out)


def shamir_combine(points, k, poly=0x11D):
    """points: list of (x, y bytes). Lagrange interpolation at 0 over all points."""
    xs = [x for x, _ in points]
    if len(points) < k:
        raise Reject(f"{len(points)} shares given, {k} needed")
    if 0 in xs:
        raise Reject("x coordinate 0")
    if len(set(xs)) != len(xs):
        raise Reject("given twice")
    out = bytearray(len(points[0][1]))
    for j, (xj, yj) in enumerate(points):
        num, den = 1, 1
        for m, (xm, _) in enumerate(points):
            if m != j:
                num = gf256_mul(num, xm, poly)
                den = gf256_mul(den, xm ^ xj, poly)
        lj = gf256_mul(num, gf256_inv(den, poly), poly)
        for i in range(len(out)):
            out[i] ^= gf256_mul(lj, yj[i], poly)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# GF(32) row code and text form
# --------------------------------------------------------------------------------------------

EXP32 = []
_x = 1
for _ in range(31):
    EXP32.append(_x)
    _x <<= 1
    if _x & 0x20:
        _x ^= 0b100101  # x^5 + x^2 + 1
LOG32 = {v: i for i, v in enumerate(EXP32)}


def gf32_mul(a, b):
    return 0 if a == 0 or b == 0 else EXP32[(LOG32[a] + LOG32[b]) % 31]


def poly_mul(a, b):
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] ^= gf32_mul(x, y)
    return out


GEN = [1]
for _j in range(3):
    GEN = poly_mul(GEN, [1, EXP32[_j]])
assert GEN == [1, 7, 14, 8], GEN


def rs_parity(row, data):
    # Remainder of (row·x^9 + data...)·x^3 modulo GEN, coefficients highest first.
    msg = [row] + list(data) + [0, 0, 0]
    for i in range(10):
        f = msg[i]
        if f:
            for j in range(4):
                msg[i + j] ^= gf32_mul(GEN[j], f)
    return msg[10:]


def rs_check(row, printed):
    """Returns ('valid',), ('corrected', col1, fixed), ('other_row', r) or ('uncorrectable',)."""
    code = [row] + list(printed)
    syn = []
    for j in range(3):
        a, acc = EXP32[j], 0
        for c in code:
            acc = gf32_mul(acc, a) ^ c
        syn.append(acc)
    if syn == [0, 0, 0]:
        return ("valid",)
    s0, s1, s2 = syn
    if 0 in syn:
        return ("uncorrectable",)
    p1 = (LOG32[s1] - LOG32[s0]) % 31
    p2 = (LOG32[s2] - LOG32[s1]) % 31
    if p1 != p2 or p1 > 12:
        return ("uncorrectable",)
    pos = 12 - p1  # 0 = row-number symbol
    if pos == 0:
        return ("other_row", row ^ s0)
    fixed = list(printed)
    fixed[pos - 1] ^= s0
    return ("corrected", pos, fixed)


ALPHA = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def symval(ch):
    c = ch.upper()
    if c == "O":
        return 0
    if c in ("I", "L"):
        return 1
    i = ALPHA.find(c)
    return None if i < 0 or len(c) != 1 else i


def rows_of(env):
    bits = "".join(f"{b:08b}" for b in env) + "0"
    syms = [int(bits[i:i + 5], 2) for i in range(0, 585, 5)]
    rows = []
    for r in range(13):
        data = syms[r * 9:(r + 1) * 9]
        rows.append(data + rs_parity(r + 1, data))
    return rows


def file_form(env):
    out = "ROOTKEY SHARE V1\n"
    for r, row in enumerate(rows_of(env)):
        t = "".join(ALPHA[s] for s in row)
        out += f"{r + 1:02} {t[:4]} {t[4:8]} {t[8:]}\n"
    return out


def compact_form(env):
    return "RKS1:" + "".join(ALPHA[s] for row in rows_of(env) for s in row)


def parse_envelope(b):
    if len(b) != 73:
        raise Reject(f"has {len(b)} bytes")
    if sha256(b[:69])[:4] != b[69:]:
        raise Reject("checksum mismatch")
    if b[0] != 1:
        raise Reject(f"version {b[0]} is not supported")
    if b[1] & 0xFE:
        raise Reject(f"flags 0x{b[1]:02x} has unknown bits")
    k, n, idx = b[34], b[35], b[36]
    if k < 2 or n > 16 or k > n or idx == 0 or idx > n:
        raise Reject(f"share says k = {k}, n = {n}, index = {idx}: outside")
    return {
        "rehearsal": bool(b[1] & 1), "ceremony_id": b[2:18], "root_fingerprint": b[18:34],
        "k": k, "n": n, "index": idx, "value": b[37:69],
    }


WS = b" \t\n\r\x0c"


def decode_row(r, typed):
    syms = []
    for ch in typed:
        if ch in " -\t":
            continue
        v = symval(ch)
        if v is None:
            raise Reject(f"row {r}, character {len(syms) + 1}")
        syms.append(v)
    if len(syms) != 12:
        raise Reject(f"row {r}: has {len(syms)} characters")
    res = rs_check(r, syms)
    if res[0] == "valid":
        return syms, None
    if res[0] == "corrected":
        return res[2], {"row": r, "column": res[1]}
    if res[0] == "other_row" and 1 <= res[1] <= 13:
        raise Reject(f"row {r}: this is the text of row {res[1]}")
    raise Reject(f"row {r}: more than one character is wrong")


def ascii_upper(s):
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


def parse_share_text(data):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = [(i + 1, ln.strip(WS)) for i, ln in enumerate(data.split(b"\n"))]
    lines = [(i, ln.decode("latin-1")) for i, ln in lines if ln and not ln.startswith(b"#")]
    if not lines:
        raise Reject("no share found")
    first = lines[0][1]
    rows, corrections = [], []
    if ascii_upper(first[:5]) == "RKS1:":
        if len(lines) > 1:
            raise Reject("unexpected text after the one-line")
        body = [c for c in first[5:] if c not in " -"]
        if len(body) != 156:
            raise Reject(f"has {len(body)} characters after RKS1:")
        for r in range(13):
            syms, corr = decode_row(r + 1, body[r * 12:(r + 1) * 12])
            rows.append(syms)
            corrections += [corr] if corr else []
    else:
        # ASCII only: words split at space, TAB, LF, FF, CR (not VT, U+0085, U+00A0, ...),
        # compared after ASCII upper-casing (formats.md, "Reading (both forms)" step 3).
        words = [w for w in first.replace("\t", " ").replace("\x0c", " ").replace("\r", " ").split(" ") if w]
        if [ascii_upper(w) for w in words] != ["ROOTKEY", "SHARE", "V1"]:
            raise Reject("not a rootkey share")
        rest = lines[1:]
        for r in range(1, 14):
            if r - 1 >= len(rest):
                raise Reject(f"row {r} is missing")
            line = rest[r - 1][1]
            nd = len(line) - len(line.lstrip("0123456789"))
            if nd == 0 or int(line[:nd]) != r:
                raise Reject(f"expected row {r:02}")
            if line[nd:nd + 1] not in (" ", "\t", "\x0c"):
                raise Reject(f"row {r}: the row number must be followed by whitespace")
            syms, corr = decode_row(r, line[nd:])
            rows.append(syms)
            corrections += [corr] if corr else []
        if len(rest) > 13:
            raise Reject("unexpected text after row 13")
    bits = "".join(f"{s:05b}" for row in rows for s in row[:9])
    if bits[584] != "0":
        raise Reject("row 13, character 9: not canonical")
    env = bytes(int(bits[i:i + 8], 2) for i in range(0, 584, 8))
    return env, parse_envelope(env), corrections


# --------------------------------------------------------------------------------------------
# RFC 8785 (rootkey's integer-only profile)
# --------------------------------------------------------------------------------------------

class _Float:
    pass


def _no_dupes(pairs):
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        dup = next(k for k in names if names.count(k) > 1)
        raise Reject(f"duplicate field `{dup}`")
    return dict(pairs)


def _int(s):
    if s == "-0":
        return _Float()
    return int(s)


def strict_json(b):
    try:
        return json.loads(b, object_pairs_hook=_no_dupes, parse_float=lambda s: _Float(),
                          parse_int=_int, parse_constant=lambda s: _Float())
    except ValueError as e:
        raise Reject(f"not JSON: {e}")


def jcs(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, _Float):
        raise Reject("cannot be canonicalised")
    if isinstance(v, int):
        if abs(v) > 2**53 - 1:
            raise Reject("cannot be canonicalised")
        return str(v)
    if isinstance(v, str):
        out = '"'
        for ch in v:
            o = ord(ch)
            out += {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                    "\f": "\\f", "\r": "\\r"}.get(ch, f"\\u{o:04x}" if o < 0x20 else ch)
        return out + '"'
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(jcs(k) + ":" + jcs(v[k]) for k in keys) + "}"


# --------------------------------------------------------------------------------------------
# DER / X.509 (just enough)
# --------------------------------------------------------------------------------------------

def der_read(b, i=0):
    tag, ln = b[i], b[i + 1]
    j = i + 2
    if ln & 0x80:
        n = ln & 0x7F
        ln = int.from_bytes(b[j:j + n], "big")
        j += n
    return tag, b[i:j + ln], b[j:j + ln], j + ln


def der_children(content):
    out, i = [], 0
    while i < len(content):
        tag, full, inner, i = der_read(content, i)
        out.append((tag, full, inner))
    return out


def oid_str(b):
    first = b[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    v = 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            parts.append(v)
            v = 0
    return ".".join(map(str, parts))


def der_time(tag, b):
    s = b.decode()
    if tag == 0x17:
        yy = int(s[:2])
        s = ("19" if yy >= 50 else "20") + s
    return f"{s[0:4]}-{s[4:6]}-{s[6:8]}T{s[8:10]}:{s[10:12]}:{s[12:14]}Z"


def _pem_label(line, kind):
    """The label of `-----KIND LABEL-----` (RFC 7468 label grammar, non-empty), else None."""
    pre = "-----" + kind + " "
    if not (line.startswith(pre) and line.endswith("-----")) or len(line) < len(pre) + 5:
        return None
    label = line[len(pre):-5]
    labelchar = lambda c: "\x21" <= c <= "\x7e" and c != "-"
    if (not label or not labelchar(label[0]) or not labelchar(label[-1])
            or any(not (labelchar(c) or c in " -") for c in label)
            or any(not labelchar(a) and not labelchar(b) for a, b in zip(label, label[1:]))):
        return None
    return label


def _boundary_like(line):
    s = line.lstrip(" \t-")
    return "----" in line or s.startswith("BEGIN ") or s.startswith("END ")


def is_der(b):
    """Exactly one DER SEQUENCE (tag 30, short or long length) covering all of b."""
    if len(b) < 2 or b[0] != 0x30:
        return False
    if b[1] < 0x80:
        return 2 + b[1] == len(b)
    n = b[1] & 0x7F
    if n == 0 or n > 4 or len(b) < 2 + n:
        return False
    return 2 + n + int.from_bytes(b[2:2 + n], "big") == len(b)


def pem_read(b, labels, one, der_ok):
    """docs/formats.md, "PEM (all PEM inputs)": -> list of (label, der). Raises Reject."""
    if der_ok and is_der(b):
        return [("", b)]
    text = b.decode("utf-8", "replace")
    # str.splitlines would also split at U+2028 etc.; lines end at LF only (CR before it dropped).
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    blocks, cur = [], None
    for n, raw in enumerate(lines, 1):
        line = raw.removesuffix("\r").rstrip(" \t")
        if cur is None:
            if _pem_label(line, "BEGIN") is not None:
                cur = (_pem_label(line, "BEGIN"), n, [], [])
            elif _boundary_like(line):
                if _pem_label(line, "END") is not None:
                    raise Reject(f"line {n}: {json.dumps(line)} is an END line outside any block")
                raise Reject(f"line {n}: {json.dumps(line)} looks like a PEM boundary but is not a well-formed")
            continue
        if line == "":
            cur[3].append(n)
            continue
        if cur[3]:
            raise Reject(f"line {cur[3][0]}: empty line inside PEM block {len(blocks) + 1}")
        if _pem_label(line, "END") is not None:
            if _pem_label(line, "END") != cur[0]:
                raise Reject(f"line {n}: {json.dumps(line)} END line of block {len(blocks) + 1} does not match its BEGIN line")
            blocks.append(cur)
            cur = None
        elif _pem_label(line, "BEGIN") is not None:
            raise Reject(f"line {n}: {json.dumps(line)} block {len(blocks) + 1} (BEGIN at line {cur[1]}) has no END line before this BEGIN line")
        elif _boundary_like(line):
            raise Reject(f"line {n}: {json.dumps(line)} looks like a PEM boundary but is not a well-formed")
        elif any(c not in B64_CHARS for c in line):
            if ":" in line:
                raise Reject(f"line {n}: PEM block {len(blocks) + 1}: encapsulated headers (such as Proc-Type) are not supported")
            bad = next(c for c in line if c not in B64_CHARS)
            raise Reject(f"line {n}: PEM block {len(blocks) + 1}: '{bad}' is not a base64 character")
        else:
            cur[2].append(line)
    if cur is not None:
        raise Reject(f'PEM block {len(blocks) + 1} (BEGIN at line {cur[1]}) has no "-----END {cur[0]}-----" line')
    if not blocks and der_ok and b[:1] == b"\x30":
        return [("", b)]      # starts like DER: the DER reader says what is wrong
    if not blocks:
        raise Reject(f'no PEM "{labels[0]}" block')
    for i, (label, line, _, _) in enumerate(blocks, 1):
        if label not in labels:
            raise Reject(f"PEM block {i} (line {line}) is labelled {json.dumps(label)}; only "
                         + " or ".join(json.dumps(x) for x in labels) + " is accepted here")
    if one and len(blocks) != 1:
        raise Reject(f"holds {len(blocks)} PEM blocks; exactly one")   # "… <what> is expected"
    out = []
    for i, (label, line, body, _) in enumerate(blocks, 1):
        s = "".join(body)
        if not s:
            raise Reject("holds no data")
        if len(s) % 4:
            raise Reject("the base64 text is not a multiple of 4 characters")
        if "=" in s.rstrip("=") or len(s) - len(s.rstrip("=")) > 2:
            raise Reject('"=" padding inside the base64 text')
        der = base64.b64decode(s, validate=True)
        if base64.b64encode(der).decode() != s:
            raise Reject("the base64 text is not canonical")
        out.append((label, der))
    return out


B64_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def load_cert(pem):
    _, der = pem_read(pem, ["CERTIFICATE"], True, False)[0]
    _, _, cert, _ = der_read(der)
    tbs, alg, sig = der_children(cert)
    f = der_children(tbs[2])
    version, serial, salg, issuer, validity, subject, spki = f[:7]
    exts = []
    for tag, _, inner in f[7:]:
        if tag == 0xA3:
            for _, _, e in der_children(der_children(inner)[0][2]):
                parts = der_children(e)
                crit = len(parts) == 3 and parts[1][2] == b"\xff"
                exts.append({"oid": oid_str(parts[0][2]), "critical": crit,
                             "value_hex": parts[-1][2].hex()})
    check(version[1] == bytes.fromhex("a003020102"), "version is not v3")
    check(salg[1] == bytes.fromhex("300506032b6570") and alg[1] == salg[1], "not Ed25519")
    check(spki[1][:12] == SPKI_PREFIX and len(spki[1]) == 44, "SPKI is not Ed25519")
    pub = spki[1][12:]
    if issuer[1] != subject[1]:
        raise Reject("issuer differs from subject")
    check(sig[2][0] == 0 and len(sig[2]) == 65, "signature BIT STRING")
    if not ed25519_verify(pub, tbs[1], sig[2][1:]):
        raise Reject("self-signature does not verify")
    times = der_children(validity[2])
    return {
        "der": der, "pub": pub, "serial": serial[2], "exts": exts, "subject_der": subject[1],
        "not_before": der_time(times[0][0], times[0][2]),
        "not_after": der_time(times[1][0], times[1][2]),
    }


# --------------------------------------------------------------------------------------------
# Certificate revocation list (formats.md, "Certificate revocation list")
# --------------------------------------------------------------------------------------------

CRL_REASONS = {1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged", 4: "superseded",
               5: "cessationOfOperation", 9: "privilegeWithdrawn"}
IDP_CA_ONLY = bytes.fromhex("30038201ff")


def load_crl(data, root):
    """Reads a CRL by "Reading a CRL" (the structure rules rootkey's vectors exercise) and checks
    it was issued by `root` (load_cert's result). Returns its facts."""
    _, der = pem_read(data, ["X509 CRL"], True, True)[0]
    _, full, body, end = der_read(der)
    check(full == der and end == len(der), "one CertificateList")
    tbs, alg, sig = der_children(body)
    f = der_children(tbs[2])
    check(f[0][1] == bytes.fromhex("020101"), "not a version 2 CRL")
    check(f[1][1] == bytes.fromhex("300506032b6570") and alg[1] == f[1][1], "not Ed25519")
    issuer, this_update = f[2], f[3]
    rest = f[4:]
    next_update = None
    if rest and rest[0][0] in (0x17, 0x18):
        next_update, rest = rest[0], rest[1:]
    revoked = []
    if rest and rest[0][0] == 0x30:
        entries, rest = der_children(rest[0][2]), rest[1:]
        check(entries, "revokedCertificates present but empty")
        for _, _, e in entries:
            kids = der_children(e)
            reason = None
            for _, _, x in (der_children(kids[2][2]) if len(kids) > 2 else []):
                parts = der_children(x)
                check(oid_str(parts[0][2]) == "2.5.29.21" and reason is None, "entry extension")
                code = der_children(parts[-1][2])[0][2][0]
                check(code in CRL_REASONS, f"reason {code}")
                reason = CRL_REASONS[code]
            revoked.append({"serial_hex": kids[0][2].hex(), "reason": reason,
                            "revoked_at": der_time(kids[1][0], kids[1][2])})
    exts = {}
    for tag, _, inner in rest:
        check(tag == 0xA0, "unexpected field after revokedCertificates")
        for _, _, e in der_children(der_children(inner)[0][2]):
            parts = der_children(e)
            oid = oid_str(parts[0][2])
            crit = len(parts) == 3 and parts[1][2] == b"\xff"
            check(oid not in exts, f"extension {oid} appears twice")
            exts[oid] = (crit, parts[-1][2])
    idp = exts.get("2.5.29.28")
    if idp is not None and idp != (True, IDP_CA_ONLY):
        what = "critical" if idp[0] else "not critical"
        scope = ", onlyContainsCACerts TRUE" if idp[1] == IDP_CA_ONLY else ", with another scope"
        raise Reject(f"its issuingDistributionPoint is {what}{scope} (DER {idp[1].hex()})")
    for oid, (crit, _) in exts.items():
        check(not crit or oid == "2.5.29.28", f"critical extension {oid}")
    check("2.5.29.20" in exts, "no cRLNumber")
    number = der_children(exts["2.5.29.20"][1])[0][2]
    aki = exts.get("2.5.29.35")
    aki_hex = der_children(der_children(aki[1])[0][2])[0][2].hex() if aki else None
    check(issuer[1] == root["subject_der"], "issuer is not the root's subject")
    check(aki_hex is None or aki_hex == root["ski_hex"], "AKI is not the root's SKI")
    check(sig[2][0] == 0 and len(sig[2]) == 65, "signature BIT STRING")
    if not ed25519_verify(root["pub"], tbs[1], sig[2][1:]):
        raise Mismatch("signature does not verify with the root key")
    return {"number_hex": number.hex(), "revoked": revoked, "aki_hex": aki_hex,
            "this_update": der_time(this_update[0], this_update[2]),
            "next_update": der_time(next_update[0], next_update[2]) if next_update else None,
            "ca_only": idp is not None, "tbs_sha256": sha256(tbs[1]).hex(),
            "crl_sha256": sha256(der).hex(), "signature_hex": sig[2][1:].hex()}


def name_der(subject, rehearsal):
    def tlv(tag, body):
        n = len(body)
        ln = bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82]) + n.to_bytes(2, "big")
        return bytes([tag]) + ln + body
    cn = ("REHEARSAL " if rehearsal else "") + subject["common_name"]
    rdns = []
    for oid, key, tag in (("550406", "country", 0x13), ("55040a", "organization", 0x0C),
                          ("55040b", "organizational_unit", 0x0C), ("550403", None, 0x0C)):
        val = cn if key is None else subject.get(key)
        if val is not None:
            atv = tlv(0x30, tlv(0x06, bytes.fromhex(oid)) + tlv(tag, val.encode()))
            rdns.append(tlv(0x31, atv))
    return tlv(0x30, b"".join(rdns))


# --------------------------------------------------------------------------------------------
# TOML documents
# --------------------------------------------------------------------------------------------

def exact_keys(table, required, optional, where):
    if not isinstance(table, dict):
        raise Reject(f"{where} is not a table")
    for k in table:
        if k not in required and k not in optional:
            raise Reject(f"unknown field `{k}`")
    for k in required:
        if k not in table:
            raise Reject(f"missing field `{k}`")


def typed(v, t, lo=None, hi=None):
    if t is int and (isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi):
        raise Reject("invalid type")
    if t is not int and not isinstance(v, t):
        raise Reject("invalid type")
    return v


def check_k_n(k, n):
    if n > 16:
        raise Reject("at most 16")
    if k > n:
        raise Reject("is greater than the number of shares")
    if k < 2:
        raise Reject("is below 2")


def parse_plan(b):
    try:
        doc = tomllib.loads(b.decode("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise Reject(f"TOML: {e}")
    exact_keys(doc, ["ceremony", "holders"], ["quorum"], "plan")
    exact_keys(doc["ceremony"], ["name"], ["rehearsal"], "[ceremony]")
    # No [quorum] table, or a missing key in it: the policy's 3-of-5 applies.
    doc.setdefault("quorum", {})
    exact_keys(doc["quorum"], [], ["threshold", "shares"], "[quorum]")
    doc["quorum"].setdefault("threshold", 3)
    doc["quorum"].setdefault("shares", 5)
    name = typed(doc["ceremony"]["name"], str)
    typed(doc["ceremony"].get("rehearsal", False), bool)
    k = typed(doc["quorum"]["threshold"], int, 0, 255)
    n = typed(doc["quorum"]["shares"], int, 0, 255)
    holders = typed(doc["holders"], list)
    for h in holders:
        exact_keys(h, ["name", "role", "medium"], ["token"], "[[holders]]")
        typed(h["name"], str)
        typed(h["role"], str)
        if h["medium"] not in ("text", "paper", "pkcs11", "yubikey"):
            raise Reject(f"unknown variant `{h['medium']}`")
        if "token" in h:
            exact_keys(h["token"], [], ["module", "label", "serial", "slot"], "[holders.token]")
            for v in h["token"].values():
                typed(v, str)
    check_k_n(k, n)
    if len(holders) != n:
        raise Reject(f"shares = {n} but {len(holders)} holders are listed")
    if not name.strip():
        raise Reject("ceremony.name is empty")
    for i, h in enumerate(holders):
        if not h["name"].strip():
            raise Reject(f"holder {i + 1} has an empty name")
        if any(o["name"] == h["name"] for o in holders[:i]):
            raise Reject("are both named")
    for h in holders:
        check_token_table(h)
    return doc


def check_token_table(h):
    """formats.md, "Ceremony plan", token media: the [holders.token] table of one holder."""
    medium, t = h["medium"], h.get("token")
    if medium in ("text", "paper"):
        if t is not None:
            raise Reject("which takes no token table")
        return
    if t is None:
        raise Reject("but no [holders.token] table")
    own = {"pkcs11": ("module", "label", "serial"), "yubikey": ("serial", "slot")}[medium]
    for k in ("module", "label", "serial", "slot"):
        if k in t and k not in own:
            raise Reject(f"`{k}` is not a key of a {medium} token")
    if medium == "pkcs11":
        if "module" not in t:
            raise Reject("needs `module`")
        if not t["module"].startswith("/"):
            raise Reject("is not an absolute path")
        for k in ("label", "serial"):
            if k in t and not (1 <= len(t[k]) <= 64 and t[k].strip() == t[k]):
                raise Reject("must be 1 to 64 characters without outer spaces")
        if "label" not in t and "serial" not in t:
            raise Reject("needs `label` or `serial` (or both) to choose the token")
    else:
        serial = t.get("serial")
        if serial is not None and not (serial.isascii() and serial.isdigit() and int(serial) < 2**32):
            raise Reject("is not a YubiKey serial")
        slot = t.setdefault("slot", "82")
        if not (len(slot) == 2 and all(c in "0123456789abcdefABCDEF" for c in slot)
                and (0x82 <= int(slot, 16) <= 0x95 or int(slot, 16) == 0x9D)):
            raise Reject("is not a slot for a share key")
        t["slot"] = slot.lower()


def parse_profile(b):
    try:
        doc = tomllib.loads(b.decode("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise Reject(f"TOML: {e}")
    exact_keys(doc, ["subject"], ["validity_years", "path_len"], "profile")
    subj = doc["subject"]
    exact_keys(subj, ["common_name"], ["organization", "organizational_unit", "country"], "[subject]")
    years = typed(doc.get("validity_years", 10), int, 0, 65535)
    path_len = typed(doc.get("path_len", 1), int, 0, 255)
    if not 1 <= years <= 50:
        raise Reject("must be between 1 and 50")
    if not subj["common_name"].strip():
        raise Reject("subject.common_name is empty")
    c = subj.get("country")
    if c is not None and (len(c) != 2 or not all("A" <= x <= "Z" for x in c)):
        raise Reject("country must be two capital letters")
    return years, path_len, subj


def slug(name):
    out = ""
    for ch in name:
        if ch.isascii() and ch.isalnum():
            out += ch.lower()
        elif out and not out.endswith("-"):
            out += "-"
    out = out.rstrip("-")
    return out[:40] if out else "holder"


# --------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------

def is_hex(s, n):
    return isinstance(s, str) and len(s) == n and all(c in "0123456789abcdef" for c in s)


def parse_manifest(b):
    m = strict_json(b)
    spec = {
        "format": str, "ceremony": dict, "root": dict, "threshold": "u8", "shares_total": "u8",
        "shares": list, "signature": str,
    }
    sub = {
        "ceremony": {"id": str, "name": str, "created": str, "rehearsal": bool,
                     "memory_locked": bool, "plan_sha256": str},
        "root": {"public_key": str, "fingerprint": str, "certificate_sha256": str},
    }
    entry = {"index": "u8", "holder": str, "role": str, "medium": str, "envelope_sha256": str}

    def members(obj, want):
        if not isinstance(obj, dict):
            raise Reject("invalid type")
        for k in obj:
            if k not in want:
                raise Reject(f"unknown field `{k}`")
        for k, t in want.items():
            if k not in obj:
                raise Reject(f"missing field `{k}`")
            v = obj[k]
            if t == "u8":
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255:
                    raise Reject("invalid type")
            elif t is bool:
                if not isinstance(v, bool):
                    raise Reject("invalid type")
            elif t == "str?":
                if v is not None and not isinstance(v, str):
                    raise Reject("invalid type")
            elif t is dict and v is None:
                raise Reject("invalid type: null")
            elif not isinstance(v, t) or isinstance(v, bool):
                raise Reject("invalid type")

    token = {"serial": str, "label": str, "key_ref": str, "location": str, "object_id": "str?",
             "payload_file": str, "payload_sha256": str, "public_key": str,
             "attestation_sha256": "str?"}
    members(m, spec)
    for k, want in sub.items():
        members(m[k], want)
    for e in m["shares"]:
        members(e, dict(entry, **({"token": dict} if "token" in e else {})))
        if "token" in e:
            members(e["token"], token)
    if m["format"] != "rootkey-share-manifest-v1":
        raise Reject(f"format \"{m['format']}\" is not")
    k, n = m["threshold"], m["shares_total"]
    if k < 2 or n > 16 or k > n:
        raise Reject(f"threshold {k} of {n} shares is outside")
    if not is_hex(m["ceremony"]["id"], 32):
        raise Reject("ceremony.id must be 32 lowercase hex digits")
    for field, v, n in (("root.public_key", m["root"]["public_key"], 64),
                        ("root.fingerprint", m["root"]["fingerprint"], 64),
                        ("root.certificate_sha256", m["root"]["certificate_sha256"], 64),
                        ("ceremony.plan_sha256", m["ceremony"]["plan_sha256"], 64),
                        ("signature", m["signature"], 128)):
        if not is_hex(v, n):
            raise Reject(f"{field} must be {n} lowercase hex digits")
    if len(m["shares"]) != m["shares_total"]:
        raise Reject(f"lists {len(m['shares'])} shares but shares_total is {m['shares_total']}")
    for i, e in enumerate(m["shares"]):
        if e["index"] != i + 1:
            raise Reject(f"share entry {i + 1} has index {e['index']}, expected {i + 1}")
        if not is_hex(e["envelope_sha256"], 64):
            raise Reject("envelope_sha256 must be 64 lowercase hex digits")
        if e["medium"] not in ("text", "paper", "pkcs11", "yubikey"):
            raise Reject(f"share {e['index']}: medium {json.dumps(e['medium'])} is not a known medium")
        is_token = e["medium"] in ("pkcs11", "yubikey")
        if is_token and "token" not in e:
            raise Reject(f"share {e['index']}: medium \"{e['medium']}\" needs a `token` member")
        if not is_token and "token" in e:
            raise Reject(f"share {e['index']}: medium \"{e['medium']}\" takes no `token` member")
        if is_token:
            check_manifest_token(e["index"], e["medium"], e["token"])
    return m


def unsafe_char(c):
    """formats.md, "Unsafe characters"."""
    o = ord(c)
    return (o < 0x20 or 0x7F <= o <= 0x9F or o in (0xAD, 0x61C, 0x180E, 0xFEFF)
            or 0x200B <= o <= 0x200F or 0x202A <= o <= 0x202E or 0x2060 <= o <= 0x2064
            or 0x2066 <= o <= 0x2069)


def check_manifest_token(index, medium, t):
    """formats.md, "Share manifest v1", the `token` object (Reading step 3, in its order)."""
    def bad(field, rule):
        raise Reject(f"share {index}: token.{field} {rule}")

    def hexes(s, lo, hi):
        return isinstance(s, str) and lo <= len(s) <= hi and len(s) % 2 == 0 and \
            all(c in "0123456789abcdef" for c in s)

    serial = t["serial"]
    if not (1 <= len(serial) <= 64 and all(0x20 <= ord(c) <= 0x7E for c in serial)
            and serial.strip() == serial):
        bad("serial", "must be 1 to 64 printable ASCII characters")
    if len(t["label"]) > 64 or any(unsafe_char(c) for c in t["label"]):
        bad("label", "must be at most 64 characters")
    if not hexes(t["key_ref"], 2, 128):
        bad("key_ref", "must be 2 to 128 lower-case hex digits")
    if t["location"] not in ("token+file", "file"):
        bad("location", "must be \"token+file\" or \"file\"")
    file_only = t["location"] == "file"
    if file_only and t["object_id"] is not None:
        bad("object_id", "must be null for location \"file\"")
    if not file_only and t["object_id"] is None:
        bad("object_id", "must be hex for location \"token+file\"")
    if not file_only and not hexes(t["object_id"], 2, 128):
        bad("object_id", "must be 2 to 128 lower-case hex digits")
    f = t["payload_file"]
    if f in ("", ".", "..") or "/" in f or len(f.encode()) > 255 or any(unsafe_char(c) for c in f):
        bad("payload_file", "must be a bare file name")
    if not is_hex(t["payload_sha256"], 64):
        bad("payload_sha256", "must be 64 lower-case hex digits")
    if not is_hex(t["public_key"], 130) or not t["public_key"].startswith("04"):
        bad("public_key", "must be 130 lower-case hex digits starting 04")
    att = t["attestation_sha256"]
    if medium == "yubikey" and not is_hex(att, 64):
        bad("attestation_sha256", "must be 64 lower-case hex digits for a yubikey share")
    if medium == "pkcs11" and att is not None:
        bad("attestation_sha256", "must be null for a pkcs11 share")
    if medium == "yubikey":
        slot = int(t["key_ref"], 16)
        if len(t["key_ref"]) != 2 or not (0x82 <= slot <= 0x95 or slot == 0x9D):
            bad("key_ref", "must be a PIV slot for a yubikey share")
        o = t["object_id"]
        oid = int(o, 16) if o is not None and len(o) == 6 else None
        if file_only or oid is None or not 0x5F0000 <= oid <= 0x5FFFFF or oid in (0x5FC109, 0x5FFF00):
            bad("object_id", "must be a PIV data object for a yubikey share")


def signed_bytes(m):
    return jcs({k: v for k, v in m.items() if k != "signature"}).encode()


def verify_manifest(m, cert):
    if m["root"]["public_key"] != cert["pub"].hex():
        raise Mismatch("belongs to another root key than the root certificate")
    if m["root"]["fingerprint"] != fingerprint(cert["pub"]).hex() or \
            m["root"]["certificate_sha256"] != sha256(cert["der"]).hex():
        raise Mismatch("names another root certificate")
    if not ed25519_verify(cert["pub"], signed_bytes(m), bytes.fromhex(m["signature"])):
        raise Mismatch("signature does not verify")


def load_context(manifest_name, root_name):
    cert = load_cert(read(root_name))
    m = parse_manifest(read(manifest_name))
    verify_manifest(m, cert)
    return m, cert


def verify_share_alone(share_name, m):
    env, h, corrections = parse_share_text(read(share_name))
    if h["ceremony_id"].hex() != m["ceremony"]["id"]:
        raise Mismatch("belongs to another ceremony")
    if h["root_fingerprint"].hex() != m["root"]["fingerprint"][:32]:
        raise Mismatch("was made for another root key")
    if (h["k"], h["n"]) != (m["threshold"], m["shares_total"]):
        raise Mismatch("says k-of-n")
    if h["rehearsal"] != m["ceremony"]["rehearsal"]:
        raise Mismatch("rehearsal flag differs")
    entry = next((e for e in m["shares"] if e["index"] == h["index"]), None)
    if entry is None:
        raise Mismatch("index is not in the manifest")
    if entry["envelope_sha256"] != sha256(env).hex():
        raise Mismatch("its digest is not in the manifest")
    return entry, h


# --------------------------------------------------------------------------------------------
# Per-area checks
# --------------------------------------------------------------------------------------------

def names(area):
    aux = (".expect.json", ".canonical.json")
    return sorted(n for n in os.listdir(DIR)
                  if n.startswith(area + "_") and not n.endswith(aux))


def run():
    seed_fixed = bytes.fromhex(read_json("seed_fixed.json")["seed_hex"])
    check(seed_fixed == bytes(range(32)), "seed_fixed is not 00..1f")

    # seed
    for n in names("seed"):
        v = read_json(n)

        def f(exp, v=v):
            if "dice_typed" in v:
                norm = ""
                for i, ch in enumerate(v["dice_typed"]):
                    if ch in "123456":
                        norm += ch
                    elif ch not in " \t\n\r\x0c":
                        raise Reject(f"character {i + 1}")
                if len(norm) < 99:
                    raise Reject(f"got {len(norm)} rolls")
                check(norm == exp["dice_normalised"], "normalised rolls")
                seed = sha256(b"rootkey seed v1\x00" + bytes.fromhex(v["os_random_hex"]) + norm.encode())
            else:
                seed = bytes.fromhex(v["seed_hex"])
            check(seed.hex() == exp["seed_hex"], "seed")
            pub = ed25519_public(seed)
            check(pub.hex() == exp["public_key_hex"], "public key")
            check((SPKI_PREFIX + pub).hex() == exp["spki_der_hex"], "SPKI")
            check(fingerprint(pub).hex() == exp["fingerprint_hex"], "fingerprint")
            check(fingerprint_display(fingerprint(pub)) == exp["fingerprint_display"], "display")
        agree(n, f)

    # shamir
    for n in names("shamir"):
        v = read_json(n)

        def f(exp, v=v):
            pts = [(p["x"], bytes.fromhex(p["y_hex"])) for p in v["shares"]]
            for ex in v.get("field_examples", []):
                a, b = int(ex["a"], 16), int(ex["b"], 16)
                check(gf256_mul(a, b) == int(ex["product"], 16), f"GF(256) {ex}")
            if exp["outcome"] == "error":
                shamir_combine(pts, v["k"])
                return
            secret = bytes.fromhex(v["secret_hex"])
            coeffs = [sha256(lbl.encode()) for lbl in v["coefficient_labels"]]
            check([c.hex() for c in coeffs] == v["coefficients_hex"], "coefficients")
            for x, y in pts:
                check(shamir_eval(secret, coeffs, x) == y, f"y for x={x}")
            # With the AES polynomial the shares would differ (x = 1 needs no reduction).
            check(all(shamir_eval(secret, coeffs, x, 0x11B) != y for x, y in pts if x > 1), "0x11B")
            count, aes_ok = 0, 0
            for sub in itertools.combinations(pts, v["k"]):
                check(shamir_combine(list(sub), v["k"]) == secret, f"subset {[x for x, _ in sub]}")
                aes_ok += shamir_combine(list(sub), v["k"], 0x11B) == secret
                count += 1
            check(count == exp["subsets"], "subset count")
            # Under 0x11B only subsets whose Lagrange weights need no reduction ({1,2,3}, {1,4,5})
            # happen to rebuild the seed; the others must not.
            check(aes_ok < count, "the AES polynomial rebuilds every subset too")
        agree(n, f)

    # rowcode
    for n in names("rowcode"):
        v = read_json(n)

        def f(exp, v=v):
            if "data" in v:
                p = rs_parity(v["row"], v["data"])
                check(p == exp["parity"], f"parity {p} != {exp['parity']}")
                check(rs_check(v["row"], v["data"] + p) == ("valid",), "not valid")
                return
            r = rs_check(v["row"], v["printed"])
            check(r[0] == exp["outcome"], f"{r[0]} != {exp['outcome']}")
            if r[0] == "corrected":
                check(r[1] == exp["column"] and r[2] == exp["corrected"], "correction")
            if r[0] == "other_row":
                check(r[1] == exp["other_row"], "other row")
        agree(n, f)

    # envelope
    for n in names("envelope"):
        b = bytes.fromhex("".join(read(n).decode().split()))

        def f(exp, b=b):
            h = parse_envelope(b)
            check(h["rehearsal"] == exp["rehearsal"], "rehearsal")
            check(h["ceremony_id"].hex() == exp["ceremony_id"], "ceremony id")
            check(h["root_fingerprint"].hex() == exp["root_fingerprint"], "fingerprint")
            check((h["k"], h["n"], h["index"]) == (exp["k"], exp["n"], exp["index"]), "k/n/index")
            check(h["value"].hex() == exp["value_hex"], "value")
            check(sha256(b).hex() == exp["digest_hex"], "digest")
        agree(n, f)

    # plan (also needed for share file headers)
    plan = parse_plan(read("plan_valid.toml"))
    for n in names("plan"):
        data = read(n)

        def f(exp, data=data):
            doc = parse_plan(data)
            check(sha256(data).hex() == exp["sha256"], "plan sha256")
            check(doc["ceremony"]["name"] == exp["name"], "name")
            check(doc["ceremony"].get("rehearsal", False) == exp["rehearsal"], "rehearsal")
            check(doc["quorum"]["threshold"] == exp["threshold"], "threshold")
            check(doc["quorum"]["shares"] == exp["shares"], "shares")
            check(doc["holders"] == exp["holders"], "holders")
        agree(n, f)

    # profile
    for n in names("profile"):
        data = read(n)

        def f(exp, data=data):
            years, path_len, subj = parse_profile(data)
            check((years, path_len) == (exp["validity_years"], exp["path_len"]), "years/path_len")
            check(name_der(subj, True).hex() == exp["rehearsal_subject_der_hex"], "subject DER")
        agree(n, f)

    # cert
    for n in names("cert"):
        data = read(n)

        def f(exp, data=data):
            c = load_cert(data)
            check(c["pub"].hex() == exp["public_key_hex"], "public key")
            check(fingerprint(c["pub"]).hex() == exp["fingerprint_hex"], "fingerprint")
            check(sha256(c["der"]).hex() == exp["certificate_sha256"], "cert sha256")
            check(c["not_before"] == exp["not_before"], "notBefore")
            check(c["not_after"] == exp["not_after"], "notAfter")
            check(c["exts"] == exp["extensions"], f"extensions {c['exts']}")
            check(sha256(c["pub"])[:20].hex() == exp["ski_hex"], "SKI")
            check(c["exts"][2]["value_hex"] == "0414" + exp["ski_hex"], "SKI extension")
            check(1 <= len(c["serial"]) <= 17 and c["serial"][0] < 0x80, "serial")
            years, _, subj = parse_profile(read("profile_default.toml"))
            check(c["subject_der"] == name_der(subj, True), "subject is the profile's")
        agree(n, f)

    # crl: structure, scope (issuingDistributionPoint) and the root's signature
    for n in names("crl"):
        data = read(n)

        def f(exp, data=data):
            root = load_cert(read(exp.get("root", "cert_valid.pem")))
            root["ski_hex"] = sha256(root["pub"])[:20].hex()
            c = load_crl(data, root)
            for k in ("number_hex", "this_update", "next_update", "aki_hex", "ca_only",
                      "tbs_sha256", "crl_sha256", "signature_hex"):
                check(c[k] == exp[k], f"{k} {c[k]}")
            check(c["revoked"] == exp["revoked"], f"revoked {c['revoked']}")
            check(exp.get("form") == "older" or c["ca_only"], "a CRL rootkey writes is CA-only")
        agree(n, f)

    # pem: the strict PEM reader at each place (formats.md, "PEM (all PEM inputs)")
    for n in names("pem"):
        data = read(n)

        def f(exp, data=data):
            blocks = pem_read(data, exp["labels"], exp["one"], exp["der"])
            got = [{"label": label, "der_sha256": sha256(der).hex()} for label, der in blocks]
            check(got == exp["blocks"], f"blocks {got}")
        agree(n, f)

    # jcs
    for n in names("jcs"):
        data = read(n)

        def f(exp, data=data):
            out = jcs(strict_json(data)).encode()
            check(out == read(exp["canonical"]), f"canonical {out!r}")
        agree(n, f)

    # manifest
    cert = load_cert(read("cert_valid.pem"))
    seed_pub = ed25519_public(seed_fixed)
    for n in names("manifest"):
        data = read(n)

        def f(exp, data=data):
            m = parse_manifest(data)
            verify_manifest(m, load_cert(read(exp["root"])))
            check(signed_bytes(m) == read(exp["canonical"]), "signed bytes")
            check(m["signature"] == exp["signature_hex"], "signature")
            check(ed25519_sign(seed_fixed, signed_bytes(m)).hex() == m["signature"], "re-signed")
        agree(n, f)
    manifest = parse_manifest(read("manifest_valid.json"))
    check(manifest["root"]["public_key"] == seed_pub.hex(), "manifest key is not the fixed seed's")
    check(manifest["ceremony"]["plan_sha256"] == sha256(read("plan_valid.toml")).hex(), "plan hash")

    # share (text) vectors, including the exact share files of the ceremony
    for n in names("share"):
        data = read(n)

        def f(exp, data=data):
            env, h, corr = parse_share_text(data)
            check(env.hex() == exp["envelope_hex"], "envelope")
            check(sha256(env).hex() == exp["digest_hex"], "digest")
            check(corr == exp["corrections"], f"corrections {corr}")
            check(file_form(env) == exp["file_form"], "file form")
            check(compact_form(env) == exp["compact"], "compact form")
            if "file_name" in exp:
                x = h["index"]
                holder = plan["holders"][x - 1]
                check(exp["file_name"] == f"share-{x:02}-{slug(holder['name'])}.txt", "file name")
                header = (
                    f"# ROOTKEY SHARE {x} OF {h['n']} \u2014 threshold {h['k']} (any {h['k']} shares rebuild the root key)\n"
                    + ("# REHEARSAL \u2014 NOT A REAL SHARE\n" if h["rehearsal"] else "")
                    + f"# Holder: {holder['name']} ({holder['role']})\n"
                    + f"# Ceremony: {manifest['ceremony']['name']}, id {manifest['ceremony']['id']}, {manifest['ceremony']['created']}\n"
                    + f"# Root key: {fingerprint_display(fingerprint(seed_pub))}\n"
                    + "# Keep secret: never copy, photograph or send. Lines starting with # are ignored.\n"
                )
                check(data.decode("utf-8") == header + file_form(env), "share file bytes")
                check(manifest["shares"][x - 1]["envelope_sha256"] == sha256(env).hex(), "manifest digest")
        agree(n, f)

    # file names
    for n in names("filename"):
        v = read_json(n)

        def f(exp, v=v):
            for holder, want in v["slugs"]:
                check(slug(holder) == want, f"slug({holder!r}) = {slug(holder)!r} != {want!r}")
        agree(n, f)

    # single share verification
    for n in names("shareverify"):
        v = read_json(n)

        def f(exp, v=v):
            m, _ = load_context(v["manifest"], v["root"])
            entry, _ = verify_share_alone(v["share"], m)
            check(entry["index"] == exp["index"] and entry["holder"] == exp["holder"], "entry")
        agree(n, f)

    # combine
    for n in names("combine"):
        v = read_json(n)

        def f(exp, v=v):
            m, c = load_context(v["manifest"], v["root"])
            shares = []
            for s in v["shares"]:
                entry, h = verify_share_alone(s, m)
                if any(e["index"] == entry["index"] for e, _ in shares):
                    raise Reject(f"share {entry['index']} (holder \"{entry['holder']}\") is given twice")
                shares.append((entry, h))
            k = m["threshold"]
            if len(shares) < k:
                raise Reject(f"{len(shares)} share(s) given, the threshold is {k}")
            pts = [(h["index"], h["value"]) for _, h in shares]
            quorum = None
            for sub in itertools.combinations(range(len(pts)), k):
                if ed25519_public(shamir_combine([pts[i] for i in sub], k)) == c["pub"]:
                    quorum = sub
                    break
            if quorum is None:
                raise Mismatch("no quorum rebuilds the key")
            check([pts[i][0] for i in quorum] == exp["quorum"], "quorum")
            for i in range(len(pts)):
                if i not in quorum:
                    sub = [pts[j] for j in quorum[:k - 1]] + [pts[i]]
                    check(ed25519_public(shamir_combine(sub, k)) == c["pub"], f"share {pts[i][0]} disagrees")
        agree(n, f)


def main():
    run()
    total = sum(CHECKED.values())
    print("independent check: " + ", ".join(f"{a} {c}" for a, c in sorted(CHECKED.items())) + f"; {total} vectors")
    if FAILURES:
        print(f"{len(FAILURES)} disagreement(s):")
        for x in FAILURES:
            print("  " + x)
        sys.exit(1)
    print("all vectors agree with the specification")


if __name__ == "__main__":
    main()
