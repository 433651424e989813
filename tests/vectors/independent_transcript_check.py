#!/usr/bin/env python3
"""Independent verifier for rootkey ceremony transcripts, written from docs/formats.md alone
("Ceremony transcript v1", with the canonical JSON of "Share manifest v1" → "Signature").

    python3 independent_transcript_check.py TRANSCRIPT.jsonl [--root root.pem]
        [--artifacts DIR] [--plan PLAN.toml] [--witnesses PUB.pem ... [--all-witnesses]]
    python3 independent_transcript_check.py --self-test [--quick]
    python3 independent_transcript_check.py --vectors [DIR]     (transcript_* vectors)

Kinds generation, rehearsal, quorum-check, rotation and crl (the last two as in "Rotation
and CRL ceremonies"), and share-audit ("Share audit": complete, not sealed; VALID SEALED only
when --witnesses is given and at least one listed witness attested its completed head). Performs the checks of the spec's "Replay" section in order and prints
one line:
    VALID SEALED                                   exit 0
    VALID UNSEALED <reason>                        exit 3
    INVALID seq=<n> line=<l> <kind>: <what>        exit 1  (seq=- line=-: not tied to an entry)
    usage error                                    exit 2
kind: modified deleted reordered inserted truncated bad-seal root-mismatch bad-signature
unknown-witness missing-witness script artifact plan malformed (the kinds are specified; the vectors pin them). seq/line name the entry position a failure is about (line = seq + 1); for a
failure in `transcript.attestations` they are the attestation's seq and line in that file.
Choices the spec leaves open are marked "GAP:". Standard library only (Python >= 3.11); the
primitives (RFC 8785 subset, Ed25519, X.509 loading) come from independent_check.py.
"""

import argparse
import base64
import calendar
import datetime
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import tomllib

sys.dont_write_bytecode = True          # keep tests/vectors free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import independent_check as ic  # noqa: E402  (its main() only runs as a script)

ZERO = "0" * 64
SEAL_DOMAIN = b"rootkey-transcript-seal-v1\x00"
ATTEST_DOMAIN = b"rootkey-transcript-attestation-v1\x00"
MAX_LINE, MAX_FILE = 65536, 268435456   # GAP: whether the line limit counts the 0A (it does here)
# The generation steps, in the order of the spec's table ("Actions" → "Generation").
GENERATION = ("entropy", "key-generated", "shares-split", "certificate-signed", "share-written",
              "artifact-written")
# Kinds that run no plan (header `plan` null), and the signing kinds' issued files, in order
# ("Rotation and CRL ceremonies").
NO_PLAN = ("quorum-check", "rotation", "crl", "share-audit")
# share-refused.reason ("Share audit"); the last two name a holder (claimed_index).
# Kinds whose steps checklist acknowledgements (rootkey run) may stand between.
CHECKLIST_KINDS = ("generation", "rehearsal", "share-audit", "rotation", "crl")
REFUSALS = ("unreadable", "damaged", "foreign", "not-listed", "duplicate")
ISSUED_FILES = {"rotation": ("intermediate.pem", "intermediate-chain.pem"),
                "crl": ("root.crl", "root.crl.pem")}
MAX_INTERMEDIATE_DAYS, MAX_CRL_DAYS = 8 * 365 + 2, 366
MEDIA = ("text", "paper", "pkcs11", "yubikey")  # share-written.medium
TOKEN_MEDIA = ("pkcs11", "yubikey")               # token-written.medium
MAX_LISTED = 256                   # crl-prepared lists at most this many revocations in full


class Invalid(Exception):
    def __init__(self, seq, line, kind, what):
        super().__init__(f"INVALID seq={seq} line={line} {kind}: {what}")
        self.seq, self.line, self.kind = seq, line, kind


def fail_at(pos, kind, what):
    """A failure about the entry at 0-based position pos."""
    raise Invalid(pos, pos + 1, kind, what)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def canon(v):
    return ic.jcs(v).encode("utf-8")


def fp(pub_hex):
    return ic.fingerprint(bytes.fromhex(pub_hex)).hex()


# ---------------------------------------------------------------------------------------------
# Value checks (names follow the spec's placeholders)
# ---------------------------------------------------------------------------------------------

_UNSAFE = [(0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x61C, 0x61C), (0x180E, 0x180E),
           (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069),
           (0xFEFF, 0xFEFF)]


def unsafe(s):
    return any(lo <= ord(c) <= hi for c in s for lo, hi in _UNSAFE)


def hexn(n):  # n lower-case hex digits; n = None: a non-empty even number of them
    return lambda v: (isinstance(v, str) and (len(v) == n if n else len(v) % 2 == 0 < len(v))
                      and all(c in "0123456789abcdef" for c in v))


def timefmt(frac):  # YYYY-MM-DDTHH:MM:SS.sssZ (frac) or YYYY-MM-DDTHH:MM:SSZ, a real date/time
    """A real date and time of the proleptic Gregorian calendar: year 1970-9999, day within its
    month, hour 00-23, minute and second 00-59 (no leap second): "Lines and hashes", TIME."""
    d2 = "[0-9][0-9]"
    rx = f"{d2}{d2}-{d2}-{d2}T{d2}:{d2}:{d2}" + (r"\.[0-9]{3}Z" if frac else "Z")

    def check(v):
        try:
            return bool(isinstance(v, str) and re.fullmatch(rx, v) and int(v[:4]) >= 1970
                        and datetime.datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            return False
    return check


HEX32, HEX64, HEX128, SERIAL = hexn(32), hexn(64), hexn(128), hexn(None)
TIME, TIME20 = timefmt(True), timefmt(False)
NAT = lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0  # noqa: E731
INT = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
BOOL = lambda v: isinstance(v, bool)  # noqa: E731
STR = lambda v: isinstance(v, str)  # noqa: E731

# -- the signing ceremonies' forms ("Rotation and CRL ceremonies": NUMBER, TIME20, TEXT, NAME) --
# Unicode White_Space (what "blank" and the confirmers' trimming remove).
WHITE_SPACE = "".join(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680,
                                *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))


def NUMBER(v):
    """A serial or CRL number: 2 to 42 lower-case hex digits, the content bytes of a minimal,
    non-negative DER INTEGER (first byte below 80; a first byte 00 only before one of 80 or
    above)."""
    if not (hexn(None)(v) and 2 <= len(v) <= 42):
        return False
    return v[0] in "01234567" and not (v[:2] == "00" and len(v) > 2 and v[2] in "01234567")



TEXT = lambda v: STR(v) and len(v) <= 2000  # noqa: E731
NAME = lambda v: TEXT(v) and len(v) <= 200 and v.strip(WHITE_SPACE) != ""  # noqa: E731


def instant(v):
    """A strict TIME20 (a real date, year 1970-9999, second 00-59) -> seconds since the epoch,
    or None."""
    if not (isinstance(v, str) and
            re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", v)):
        return None
    y, mo, d, h, mi, se = (int(v[a:b]) for a, b in ((0, 4), (5, 7), (8, 10), (11, 13),
                                                    (14, 16), (17, 19)))
    try:
        t = datetime.datetime(y, mo, d, h, mi, se)   # rejects second 60, 30 February, ...
    except ValueError:
        return None
    return calendar.timegm(t.timetuple()) if y >= 1970 else None


INSTANT = lambda v: instant(v) is not None  # noqa: E731
FILE = lambda v: STR(v) and v not in ("", ".", "..") and "/" not in v  # noqa: E731
LIST = lambda f: lambda v: isinstance(v, list) and all(map(f, v))  # noqa: E731
IS = lambda *ok: lambda v: v in ok  # noqa: E731


def obj(spec):
    """An object with exactly the members of spec, each passing its check."""
    return lambda v: isinstance(v, dict) and set(v) == set(spec) and all(
        f(v[k]) for k, f in spec.items())


def strings_in(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, (list, dict)):
        for k in v:
            yield from strings_in(k)
            if isinstance(v, dict):
                yield from strings_in(v[k])


def strict_verify(pub_hex, msg, sig_hex):
    """Ed25519 verify_strict: S < L (checked by ic), A and R not of small order."""
    pub, sig = bytes.fromhex(pub_hex), bytes.fromhex(sig_hex)
    for enc in (pub, sig[:32]):
        pt = ic._decompress(enc)
        if pt is None:
            return False
        for _ in range(3):
            pt = ic._add(pt, pt)
        if pt[0] % ic.P == 0 and (pt[1] - pt[2]) % ic.P == 0:      # [8]P is the identity
            return False
    return ic.ed25519_verify(pub, msg, sig)


def pem_public_key(pem):
    """An Ed25519 SubjectPublicKeyInfo PEM (openssl pkey -pubout) -> 64-hex raw key; the file is
    read by the strict PEM rules (formats.md, "PEM (all PEM inputs)")."""
    try:
        _, der = ic.pem_read(pem, ["PUBLIC KEY"], True, False)[0]
    except ic.Reject as e:
        raise ValueError(str(e))
    if len(der) != 44 or not der.startswith(ic.SPKI_PREFIX) or ic._decompress(der[12:]) is None:
        raise ValueError("not an Ed25519 SubjectPublicKeyInfo PEM (or not a point of the curve)")
    return der[12:].hex()


# ---------------------------------------------------------------------------------------------
# Step 1: lines (the transcript, and the attestations file)
# ---------------------------------------------------------------------------------------------

def parse_lines(data, label, shape, shape_kind="modified"):
    """Every line `C ‖ 0A` is canonical JSON of the right shape (shape(obj) -> None or what is
    wrong); a last line without 0A is truncated. -> list of (object, entry hash).
    GAP: step 1 names no kind for a bad line; rootkey writes only canonical lines, so a bad
    one was changed: modified (as transcript_non-canonical.expect.json has it)."""
    if len(data) > MAX_FILE:
        raise Invalid("-", "-", "malformed", f"{label} is larger than {MAX_FILE} bytes")
    parts = data.split(b"\n")
    tail = parts.pop()                  # b"" when the file ends with 0A
    out = []
    for i, c in enumerate(parts + ([tail] if tail else [])):
        if i == len(parts):
            fail_at(i, "truncated", f"{label}: the last line has no line feed")
        if len(c) + 1 > MAX_LINE:
            fail_at(i, "modified", f"{label}: line longer than {MAX_LINE} bytes")
        try:
            c.decode("utf-8")
            v = ic.strict_json(c)
            ok = canon(v) == c
        except (ic.Reject, UnicodeError) as e:
            fail_at(i, "modified", f"{label}: not JSON ({e})")
        if not ok:
            fail_at(i, "modified", f"{label}: not in canonical form")
        bad = shape(v)
        if bad:     # an entry's members: modified (step 1); an attestation's: malformed (step 5)
            fail_at(i, shape_kind, f"{label}: {bad}")
        out.append((v, sha(c)))
    return out


ACTOR = lambda x: STR(x) and 1 <= len(x) <= 200 and not unsafe(x)  # noqa: E731
ENTRY = {"seq": NAT, "time": TIME, "action": STR, "details": lambda v: isinstance(v, dict),
         "prev": HEX64, "actors": lambda v: LIST(ACTOR)(v) and 1 <= len(v) <= 32}
ATTESTATION = {"head": HEX64, "prev": HEX64, "seq": NAT, "signature": HEX128,
               "time": TIME,    # a TIME, a real time ("Witness attestations")
               "witness": obj({"name": lambda v: NAME(v) and not unsafe(v), "public_key": HEX64})}


def shape_of(spec, scan_details=False):
    def shape(v):
        if not isinstance(v, dict) or set(v) != set(spec):
            return f"members are not exactly {', '.join(sorted(spec))}"
        for k, f in spec.items():
            if not f(v[k]):
                return f"`{k}` has the wrong type or form"
        # GAP: "Strings inside details contain no unsafe character": checked in step 1 here.
        if scan_details and any(unsafe(s) for s in strings_in(v["details"])):
            return "a string in `details` contains an unsafe character"
        return None
    return shape


# ---------------------------------------------------------------------------------------------
# Step 2: the chain, and the classification of a break
# ---------------------------------------------------------------------------------------------

def check_chain(recs, hashes, base, last_hint, label, times=True):
    for i, r in enumerate(recs):
        if r["seq"] != i or r["prev"] != (base if i == 0 else hashes[i - 1]):
            pos, kind, what = classify(recs, hashes, base, i, last_hint)
            fail_at(pos, kind, f"{label}: {what}")
        if times and i and r["time"] < recs[i - 1]["time"]:
            fail_at(i, "modified", f"{label}: time goes backwards")


def check_transcript_chain(recs, hashes):
    """Replay step 2, rules 0-9 as the spec numbers them, with 1-based line numbers: the entry
    on line L must hold seq L-1 and link to line L-1 (64 zeros for line 1). Raises Invalid at
    the line the first applicable rule names."""
    n = len(recs)
    H = lambda L: hashes[L - 1]                      # noqa: E731
    P = lambda L: recs[L - 1]["prev"]                # noqa: E731
    S = lambda L: recs[L - 1]["seq"]                 # noqa: E731
    A = lambda L: recs[L - 1]["action"]              # noqa: E731
    expected = lambda L: ZERO if L == 1 else H(L - 1)  # noqa: E731

    def at(L, kind, what):
        fail_at(L - 1, kind, f"transcript: {what}")
    for L in range(1, n + 1):
        if S(L) == L - 1 and P(L) == expected(L):
            if L > 1 and recs[L - 1]["time"] < recs[L - 2]["time"]:
                at(L, "modified", f"rule 0: the time of line {L} goes backwards")
            continue
        if L == 1:
            if n > 1 and S(2) == 0 and P(2) == ZERO and (n == 2 or P(3) == H(2)):
                at(1, "inserted", "rule 1a: a line before the header")
            if n > 1 and S(1) == 1 and S(2) == 0:
                at(1, "reordered", "rule 1b: lines 1 and 2 swapped")
            if S(1) == 1 and P(1) != ZERO:
                at(1, "deleted", "rule 1c: the header is missing")
            at(1, "modified", "rule 1d: line 1 is not a header entry")
        if P(L) == H(L - 1):
            at(L, "modified", f"rule 2: line {L} holds seq {S(L)}")
        if A(L - 1) == "seal" and seal_ok(recs[L - 2]):
            at(L, "inserted", f"rule 3: line {L} follows the seal")
        if L < n and P(L) == H(L + 1) and P(L + 1) == H(L - 1) and (L + 1 == n or
                                                                  P(L + 2) == H(L)):
            at(L, "reordered", f"rule 4: lines {L} and {L + 1} swapped")
        if L < n and P(L + 1) == H(L - 1):
            at(L, "inserted", f"rule 5: line {L + 1} links past line {L}")
        J = next((j for j in range(1, n + 1) if H(j) == P(L)), 0 if P(L) == ZERO else None)
        if J is not None:
            if J < L - 1:
                at(J + 1, "inserted", f"rule 6: line {L} links to line {J}")
            at(L, "reordered", f"rule 6: line {L} links to line {J}, after it")
        if S(L) == L and S(L - 1) == L - 2:
            at(L, "deleted", f"rule 7: entry seq {L - 1} is missing")
        if (L < n and P(L + 1) != H(L)) or (L == n and A(L) == "seal" and
                                            not seal_ok(recs[L - 1])):
            at(L, "modified", f"rule 8: the link of line {L} was altered")
        at(L - 1, "modified", f"rule 9: the hash of line {L - 1} does not match line {L}'s link")


def classify(recs, hashes, base, i, last_hint):
    """The first break is at position i: look at the links around it (Replay, step 2).
    last_hint(i) for a break at the last line: "bad" (its own signature fails), "inserted"
    (it follows the seal) or "ok". Returns (position, kind, what)."""
    n, p, s = len(recs), recs[i]["prev"], recs[i]["seq"]
    expect = base if i == 0 else hashes[i - 1]
    targets = ([-1] if p == base else []) + [k for k, h in enumerate(hashes) if h == p]
    later = [k for k in targets if k >= i]
    if later:                                         # links forward: entries swapped or moved
        return i, "reordered", f"line {i + 1} (seq {s}) links to line {later[0] + 1}, after it"
    if targets and max(targets) < i - 1:              # links back past lines: they were added
        k = max(targets) + 1
        return k, "inserted", f"line {i + 1} links to line {k}, skipping line {k + 1}"
    if i + 1 < n and recs[i + 1]["prev"] == expect:   # the next entry skips this one
        return i, "inserted", f"line {i + 2} links past line {i + 1}"
    if not targets and s > i:                         # a seq gap, linking to a missing hash
        return i, "deleted", (f"seq {i} is missing" if s == i + 1 else
                              f"seq {i} to {s - 1} are missing") + f" (line {i + 1} has seq {s})"
    if p == expect:
        return i, "modified", f"seq is {s}, expected {i}"
    if i + 1 < n:                 # the successor's link holds: the predecessor was changed
        j = i - 1 if recs[i + 1]["prev"] == hashes[i] else i
    elif last_hint(i) == "inserted":
        return i, "inserted", f"line {i + 1} follows the seal"
    else:
        j = i if last_hint(i) == "bad" else i - 1
    j = max(j, 0)
    return j, "modified", f"the hash of line {j + 1} does not match the next link"


# ---------------------------------------------------------------------------------------------
# Step 3: the action script
# ---------------------------------------------------------------------------------------------

class Stop(Exception):
    """The transcript ends before the script does (aborted or interrupted)."""


ROOTKEY = ["rootkey"]
PREFLIGHT_MEMBERS = {"clock": TIME, "core_dumps_disabled": BOOL, "host": STR, "kernel": STR,
                     "memory_locked": BOOL, "network_interfaces_up": LIST(STR),
                     "output_filesystem": STR, "persistent_output_allowed": BOOL,
                     "printer": lambda x: x is None or STR(x),
                     "process_dumpable": BOOL, "swap_active": BOOL}
PREFLIGHT = obj(PREFLIGHT_MEMBERS)
# The optional network_exception: exactly the interfaces up (never none), a non-blank reason.
PREFLIGHT_EXCEPTION = lambda v: obj(dict(PREFLIGHT_MEMBERS, network_exception=obj(
    {"interfaces": LIST(STR), "reason": STR})))(v) and bool(v["network_interfaces_up"]) and \
    v["network_exception"]["interfaces"] == v["network_interfaces_up"] and \
    v["network_exception"]["reason"].strip() != ""
# The optional answers_file (rootkey run --answers): the file's base name, its SHA-256 and
# whether --i-understand-this-is-unattended was given (checked against ceremony.rehearsal in
# run(): a real ceremony's answers file must be acknowledged as unattended).
ANSWERS_FILE = obj({"file": FILE, "sha256": HEX64, "unattended": BOOL})


def preflight_ok(v):
    """`preflight`: the fixed members, plus the optional network_exception and answers_file."""
    if not isinstance(v, dict):
        return False
    if "answers_file" in v:
        if not ANSWERS_FILE(v["answers_file"]):
            return False
        v = {k: x for k, x in v.items() if k != "answers_file"}
    return PREFLIGHT(v) or PREFLIGHT_EXCEPTION(v)


HEADER = {
    "ceremony": obj({"id": HEX32, "kind": IS("generation", "rehearsal", "quorum-check",
                                             "rotation", "crl", "share-audit"),
                     "name": STR, "rehearsal": BOOL}),
    "format": IS("rootkey-transcript-v1"),
    "participants": LIST(obj({"name": STR, "role": STR, "share": lambda x: x is None or NAT(x)})),
    "plan": lambda v: v is None or obj({"file": FILE, "sha256": HEX64})(v),
    # GAP: preflight.clock is "TIME", taken to be the 24-character form of `time`.
    "preflight": lambda v: preflight_ok(v),
    "quorum": obj({"shares": NAT, "threshold": NAT}),
    "tool": obj({"binary_sha256": HEX64, "name": IS("rootkey"), "version": STR})}


class Script:
    """Walks the entries through the kind's script. Afterwards: status ("sealed", "aborted",
    "interrupted"), reason, header, keys [(pos, root public key)], artifacts [(pos, file,
    sha256, issued)] (issued: the SHA-256 the file's DER must have, or None), cert_sha [(pos,
    certificate_sha256)], seal (position)."""

    def __init__(self, entries):
        self.e, self.pos = entries, 0
        self.keys, self.artifacts, self.cert_sha, self.written = [], [], [], {}
        self.files_written, self.envelopes, self.signed_cert = {}, [], None
        self.kind, self.checklist_step = None, 0
        self.completed = False
        try:
            self.run()
            self.status, self.seal = ("completed" if self.completed else "sealed"), self.pos - 1
            self.reason = "complete, not sealed: a share audit rebuilds no key"
            if self.pos < len(entries):
                # The entry after the seal (or audit-completed) is named, as script
                # (docs/formats.md, "Abort", "Share audit").
                fail_at(self.pos, "script", f"an entry follows `{entries[self.pos - 1]['action']}`")
        except Stop as stop:
            self.status, self.reason = str(stop).split(":")[0], str(stop)

    def take(self, action, spec, actors=ROOTKEY):
        """The next entry must be `action` with details matching spec; `aborted` may stand
        anywhere after the header and must be last; the end of the file stops the script."""
        i, n = self.pos, len(self.e)
        if i == n:
            raise Stop(f"interrupted: after seq {n - 1} ({self.e[-1]['action']})")
        e = self.e[i]
        # Checklist acknowledgements (rootkey run) may stand between the steps of the kinds a
        # plan runs; the witness's exceptions, the step confirmations and slips between those
        # of any kind.
        while (e["action"] == "checklist-acknowledged" and self.kind in CHECKLIST_KINDS
               or e["action"] in ("exception", "step-confirmed", "slip")):
            if e["action"] == "exception":
                self.exception(i, e)
            elif e["action"] == "step-confirmed":
                self.step_confirmed(i, e)
            elif e["action"] == "slip":
                self.slip(i, e)
            else:
                self.checklist_acknowledged(i, e)
            i = self.pos = i + 1
            if i == n:
                raise Stop(f"interrupted: after seq {n - 1} ({self.e[-1]['action']})")
            e = self.e[i]
        if e["action"] == "aborted" and i > 0:
            d = self.details(i, e, {"reason": STR}, ROOTKEY)
            if i != n - 1:
                fail_at(i + 1, "script", "an entry follows `aborted`")
            raise Stop(f"aborted: {d['reason']}")
        # Where the seal belongs, any other action is a damaged or replaced seal (step 4).
        self.need(i, e["action"] == action, f"expected `{action}`, found `{e['action']}`",
                  "bad-seal" if action == "seal" else "script")
        self.pos += 1
        return i, self.details(i, e, spec, actors)

    def slip(self, i, e):
        """`slip`: a mistake at a prompt shown and asked again; its kind from a closed list,
        the try (1 or more), where (not blank); done by rootkey. Never a value typed."""
        self.details(i, e, {"attempt": lambda v: NAT(v) and v >= 1,
                            "kind": IS("dice-too-few", "dice-not-a-roll", "dice-too-long",
                                       "same-confirmer", "confirmer-name", "same-share",
                                       "initials"),
                            "step": lambda v: STR(v) and v.strip() != ""}, ROOTKEY)

    def checklist_acknowledged(self, i, e):
        """`checklist-acknowledged`: one actor, a participant of the header, who typed their
        initials (case-insensitive: the first character of each word of the name); the
        checklist steps' numbers increase."""
        people = [p["name"] for p in self.header["participants"]]
        d = self.details(i, e, {"initials": TEXT, "step": NAT, "title": NAME,
                                "text_sha256": HEX64}, None)
        self.need(i, len(e["actors"]) == 1 and e["actors"][0] in people,
                  "checklist-acknowledged: the actor must be one participant of the header")
        want = "".join(w[0] for w in e["actors"][0].split()).upper()
        self.need(i, len(d["initials"]) <= 8 and d["initials"].upper() == want,
                  "checklist-acknowledged: initials are not the actor's", "malformed")
        self.need(i, d["step"] > self.checklist_step,
                  "checklist-acknowledged: the steps must increase", "malformed")
        self.checklist_step = d["step"]

    def people(self):
        return [p["name"] for p in self.header["participants"]]

    def exception(self, i, e):
        """`exception`: the one actor, a participant of the header (the plan's witness), typed
        one line of 1 to 200 characters at step `step` (key `key`)."""
        d = self.details(i, e, {"key": NAME, "step": NAT, "text": NAME}, None)
        self.need(i, d["step"] >= 1, "exception: step must be at least 1", "malformed")
        self.need(i, len(d["text"]) <= 200 and not unsafe(d["text"]),
                  "exception: text must be one line of at most 200 characters", "malformed")
        self.need(i, len(e["actors"]) == 1 and e["actors"][0] in self.people(),
                  "exception: the actor must be one participant of the header")

    def step_confirmed(self, i, e):
        """`step-confirmed`: two different participants confirmed critical step `key` with
        the code `code` (XXXX-XXXX, upper-case hex) shown on the screen."""
        d = self.details(i, e, {"code": STR, "key": STR, "method": IS("typed-code", "command-line"),
                                "step": NAT}, None)
        key, code = d["key"], d["code"]
        fixed = ("generate-root-key", "sign-root-certificate", "write-manifest",
                 "issue-certificate", "issue-crl")
        index = next((key[len(p):] for p in ("receive-share-", "write-token-")
                      if key.startswith(p)), None)
        critical = key in fixed or (index is not None and index.isdigit() and index.isascii()
                                    and not index.startswith("0") and len(index) <= 3)
        self.need(i, critical, "step-confirmed: not the key of a critical step", "malformed")
        self.need(i, len(code) == 9 and code[4] == "-"
                  and all(c in "0123456789ABCDEF" for c in code[:4] + code[5:]),
                  "step-confirmed: the code is not XXXX-XXXX", "malformed")
        self.need(i, d["step"] >= 1, "step-confirmed: step must be at least 1", "malformed")
        a = e["actors"]
        self.need(i, len(a) == 2 and all(x in self.people() for x in a),
                  "step-confirmed: the actors must be two participants of the header")
        self.need(i, a[0].strip().lower() != a[1].strip().lower(),
                  "step-confirmed: the same person cannot confirm twice")

    @staticmethod
    def details(i, e, spec, actors):
        """The details' members and their forms (malformed), then the actors (script): Replay
        step 3, "Malformed or script"."""
        d = e["details"]
        Script.need(i, set(d) == set(spec), f"{e['action']}: details members are {sorted(d)}, "
                                            f"expected {sorted(spec)}", "malformed")
        for k, ok in spec.items():
            Script.need(i, ok(d[k]), f"{e['action']}: details.{k} is not valid", "malformed")
        # The members are checked first (malformed), then who did it (script); actors may
        # depend on a member (share-presented's holder).
        if callable(actors):
            actors = actors(d)
        if actors is not None:
            Script.need(i, e["actors"] == actors, f"{e['action']}: actors must be {actors}")
        return d

    @staticmethod
    def need(i, cond, what, kind="script"):
        if not cond:
            fail_at(i, kind, what)

    def add_key(self, i, key):
        """Every root public key recorded must equal the first one."""
        self.need(i, not self.keys or key == self.keys[0][1],
                  f"root public key differs from the one at seq {self.keys and self.keys[0][0]}")
        self.keys.append((i, key))

    def run(self):
        _, h = self.take("header", HEADER)
        self.header, self.kind = h, h["ceremony"]["kind"]
        self.k, self.n = h["quorum"]["threshold"], h["quorum"]["shares"]
        answers = h["preflight"].get("answers_file")
        self.need(0, answers is None or answers["unattended"] or h["ceremony"]["rehearsal"],
                  "header: an answers file ran a real ceremony without unattended", "malformed")
        self.need(0, self.kind != "rehearsal" or h["ceremony"]["rehearsal"],
                  "header: a rehearsal's `ceremony.rehearsal` must be true", "malformed")
        self.need(0, 2 <= self.k <= self.n <= 16, "header: not 2 <= threshold <= shares <= 16",
                  "malformed")
        self.need(0, (h["plan"] is None) == (self.kind in NO_PLAN),
                  "header: `plan` must be null exactly for a quorum-check, rotation, crl or share-audit",
                  "malformed")
        people = h["participants"]
        holders = [p for p in people if p["share"] is not None]
        # The header's own members: malformed ("Header", participants).
        self.need(0, people[len(people) - len(holders):] == holders,
                  "header: participants without a share must come before the holders",
                  "malformed")
        self.need(0, [p["share"] for p in holders] == list(range(1, self.n + 1)),
                  "header: the holders' shares must be 1..n in order", "malformed")
        self.holders = {p["share"]: p for p in holders}
        if self.kind in ("generation", "rehearsal"):
            for action in GENERATION:
                getattr(self, "step_" + action.replace("-", "_"))()
        if self.kind == "rehearsal":
            self.take("key-wiped", {})
        if self.kind != "generation":
            self.context_step()
            if self.kind == "share-audit":
                self.audit_steps()
                self.completed = True
                return
            prepared = (self.rotation_prelude() if self.kind == "rotation" else
                        self.crl_prelude() if self.kind == "crl" else None)
            self.quorum_steps()
            if prepared:
                self.issued_steps(prepared)
        self.take("seal", {"head": HEX64, "public_key": HEX64, "signature": HEX128})

    def ahead(self):
        """The position of the next entry that is not one of those that may stand between
        steps (slips, exceptions, step confirmations anywhere; checklist acknowledgements in
        the kinds a plan runs)."""
        between = ("exception", "step-confirmed", "slip") + (
            ("checklist-acknowledged",) if self.kind in CHECKLIST_KINDS else ())
        i = self.pos
        while i < len(self.e) and self.e[i]["action"] in between:
            i += 1
        return i

    def peek(self, action):
        """Whether the next entry of the script (past the entries that may stand between
        steps) is `action`."""
        i = self.ahead()
        return i < len(self.e) and self.e[i]["action"] == action

    # -- generation ---------------------------------------------------------------------------
    def step_entropy(self):
        i, d = self.take("entropy", {"dice_rolls": NAT, "source": IS("os", "os+dice")})
        self.need(i, (d["dice_rolls"] == 0) if d["source"] == "os" else d["dice_rolls"] >= 99,
                  "entropy: dice_rolls does not fit source", "malformed")

    def step_key_generated(self):
        i, d = self.take("key-generated", {"fingerprint": HEX64, "public_key": HEX64})
        self.need(i, d["fingerprint"] == fp(d["public_key"]),
                  "key-generated: fingerprint is not SHA-256 of the key's SPKI", "malformed")
        self.add_key(i, d["public_key"])

    def step_certificate_signed(self):
        i, d = self.take("certificate-signed", {
            "certificate_sha256": HEX64, "fingerprint": HEX64, "not_after": INSTANT,
            "not_before": INSTANT, "serial": NUMBER, "subject": STR})
        self.need(i, instant(d["not_after"]) > instant(d["not_before"]),
                  "certificate-signed: not_after must be later than not_before", "malformed")
        self.need(i, d["fingerprint"] == fp(self.keys[0][1]),
                  "certificate-signed: not the generated key's fingerprint")
        self.cert_sha.append((i, d["certificate_sha256"]))
        self.signed_cert = d["certificate_sha256"]

    def step_shares_split(self):
        i, d = self.take("shares-split", {"shares": NAT, "subsets_checked": NAT, "threshold": NAT})
        self.need(i, (d["shares"], d["threshold"]) == (self.n, self.k),
                  "shares-split: shares and threshold differ from the header's quorum")
        self.need(i, d["subsets_checked"] == math.comb(self.n, self.k),
                  "shares-split: subsets_checked is not C(shares, threshold)", "malformed")

    def step_token_written(self, index, h):
        """`token-written` ("Generation"): a token holder's entry just before their
        share-written. Its members' forms, then the rules between members (malformed), then
        its place (script)."""
        hexr = lambda v: hexn(None)(v) and len(v) <= 128  # noqa: E731
        short = lambda v: STR(v) and len(v) <= 64 and not unsafe(v)  # noqa: E731
        att = obj({"certificate_sha256": HEX64, "intermediate_sha256": HEX64,
                   "pin_policy": lambda v: v is None or (NAT(v) and v <= 255),
                   "root_subject": NAME})
        i, d = self.take("token-written", {
            "attestation": lambda v: v is None or att(v), "firmware": short, "holder": NAME,
            "index": NAT, "key_ref": hexr, "label": short,
            "location": IS("token+file", "file"), "medium": IS(*TOKEN_MEDIA), "model": short,
            "object_id": lambda v: v is None or hexr(v), "payload_file": FILE,
            "payload_sha256": HEX64, "public_key": lambda v: hexn(130)(v) and v[:2] == "04",
            "serial": lambda v: STR(v) and 1 <= len(v) <= 64 and v.strip() == v and all(
                0x20 <= ord(c) <= 0x7E for c in v)}, None)
        file_only = d["location"] == "file"
        self.need(i, (d["object_id"] is None) == file_only,
                  "token-written: object_id must be null exactly for location file", "malformed")
        yubikey = d["medium"] == "yubikey"
        self.need(i, (d["attestation"] is not None) == yubikey,
                  "token-written: attestation is an object exactly for a yubikey", "malformed")
        if yubikey:
            slot = int(d["key_ref"], 16)
            self.need(i, len(d["key_ref"]) == 2 and (0x82 <= slot <= 0x95 or slot == 0x9D),
                      "token-written: key_ref is not a PIV slot", "malformed")
            o = d["object_id"]
            oid = int(o, 16) if o is not None and len(o) == 6 else None
            self.need(i, oid is not None and 0x5F0000 <= oid <= 0x5FFFFF
                      and oid not in (0x5FC109, 0x5FFF00),
                      "token-written: object_id is not a PIV data object", "malformed")
        self.need(i, d["index"] == index, f"token-written: expected index {index}")
        self.need(i, d["holder"] == h["name"], f"token-written: expected holder {h['name']!r}")
        self.need(i, self.e[i]["actors"] == ["rootkey", h["name"]],
                  f"token-written: actors must be {['rootkey', h['name']]}")
        return d

    def step_share_written(self):
        for index in range(1, self.n + 1):
            h = self.holders[index]
            token = self.step_token_written(index, h) if self.peek("token-written") else None
            i, d = self.take("share-written", {"envelope_sha256": HEX64, "file": FILE,
                                               "holder": NAME, "index": NAT, "medium": IS(*MEDIA),
                                               "role": STR}, ["rootkey", h["name"]])
            self.need(i, (d["index"], d["holder"], d["role"]) == (index, h["name"], h["role"]),
                      f"share-written: expected index {index} for {h['name']!r} ({h['role']})")
            if token is None:
                self.need(i, d["medium"] not in TOKEN_MEDIA,
                          "share-written: a token share without its token-written just before")
            else:
                self.need(i, d["medium"] == token["medium"],
                          "share-written: medium differs from its token-written")
                self.need(i, d["file"] == token["payload_file"],
                          "share-written: file is not the token-written payload_file")
            self.written[index] = d["envelope_sha256"]
            self.envelopes.append((i, index, d["envelope_sha256"]))

    def step_artifact_written(self):
        for name in ("root.pem", "manifest.json"):
            i, d = self.take("artifact-written", {"file": IS(name), "sha256": HEX64})
            self.artifacts.append((i, name, d["sha256"], name.split(".")[0]))
            self.files_written[name] = d["sha256"]

    # -- quorum check -------------------------------------------------------------------------
    def context_step(self):
        i, d = self.take("context-loaded", {"manifest": obj({
            "ceremony_id": HEX32, "file": FILE, "sha256": HEX64}), "root": obj({
                "certificate_sha256": HEX64, "file": FILE, "fingerprint": HEX64,
                "public_key": HEX64, "sha256": HEX64})})
        root, man = d["root"], d["manifest"]
        self.need(i, root["fingerprint"] == fp(root["public_key"]),
                  "context-loaded: root fingerprint is not SHA-256 of the key's SPKI", "malformed")
        self.add_key(i, root["public_key"])
        self.cert_sha.append((i, root["certificate_sha256"]))
        self.artifacts += [(i, man["file"], man["sha256"], "manifest"),
                           (i, root["file"], root["sha256"], "root")]
        self.manifest_id = man["ceremony_id"]
        if self.kind == "rehearsal":    # a rehearsal reads back what it wrote
            self.need(i, man["ceremony_id"] == self.header["ceremony"]["id"],
                      "context-loaded: not the manifest of this rehearsal")
            self.need(i, root["certificate_sha256"] == self.signed_cert,
                      "context-loaded: not the certificate certificate-signed recorded")
            for name, f in (("manifest.json", man), ("root.pem", root)):
                self.need(i, (f["file"], f["sha256"]) == (name, self.files_written.get(name)),
                          f"context-loaded: not the {name} the rehearsal wrote")

    def quorum_steps(self):
        presented = []
        while self.peek("share-presented"):
            i, d = self.take("share-presented", {"corrections": NAT, "envelope_sha256": HEX64,
                                                 "file": FILE, "holder": NAME, "index": NAT},
                             lambda d: [d["holder"]])
            x = d["index"]
            self.need(i, 1 <= x <= self.n and x not in presented,
                      f"share-presented: index {x} is out of range or presented twice")
            # The holder is the participant holding that share, and a rehearsal presents the
            # very envelopes it wrote (docs/formats.md, "Quorum check", relations).
            self.need(i, d["holder"] == self.holders[x]["name"],
                      "share-presented: holder is not the participant holding that share")
            self.need(i, d["envelope_sha256"] == self.written.get(x, d["envelope_sha256"]),
                      "share-presented: not the envelope this rehearsal wrote")
            presented.append(x)
            self.envelopes.append((i, x, d["envelope_sha256"]))
        i, d = self.take("key-rebuilt", {"public_key": HEX64, "quorum": LIST(NAT)})
        q = d["quorum"]
        self.need(i, len(q) == self.k and q == sorted(set(q)) and set(q) <= set(presented),
                  "key-rebuilt: quorum is not `threshold` presented shares in increasing order")
        self.add_key(i, d["public_key"])
        rest = [x for x in presented if x not in q]
        for x in rest:                  # in the order they were presented
            i, d = self.take("share-checked", {"agrees": BOOL, "index": NAT})
            self.need(i, d["index"] == x, f"share-checked: index {d['index']}, expected {x} "
                                          "(further shares in the order presented)")

    # -- share audit ("Share audit") -----------------------------------------------------------
    def presented_step(self, presented):
        i, d = self.take("share-presented", {"corrections": NAT, "envelope_sha256": HEX64,
                                             "file": FILE, "holder": NAME, "index": NAT},
                         lambda d: [d["holder"]])
        x = d["index"]
        self.need(i, 1 <= x <= self.n and x not in presented,
                  f"share-presented: index {x} is out of range or presented twice")
        self.need(i, d["holder"] == self.holders[x]["name"],
                  "share-presented: holder is not the participant holding that share")
        presented.append(x)
        self.envelopes.append((i, x, d["envelope_sha256"]))

    def audit_steps(self):
        """share-presented / share-refused ..., then audit-completed, whose lists are exactly
        what the entries before it say."""
        proven, claimed, refused = [], [], 0
        while self.peek("share-presented") or self.peek("share-refused"):
            if self.peek("share-presented"):
                self.presented_step(proven)
                continue
            i, d = self.take("share-refused", {
                "claimed_index": lambda v: v is None or (NAT(v) and 1 <= v <= self.n),
                "file": FILE, "reason": IS(*REFUSALS)})
            c, r = d["claimed_index"], d["reason"]
            self.need(i, c is None or r in ("not-listed", "duplicate"),
                      f"share-refused: a {r} share names no holder (claimed_index)", "malformed")
            self.need(i, r != "duplicate" or c in proven,
                      "share-refused: a duplicate must claim an index proved earlier")
            refused += 1
            if c is not None:
                claimed.append(c)
        inc = lambda v: LIST(lambda x: NAT(x) and 1 <= x <= self.n)(v) and \
            all(a < b for a, b in zip(v, v[1:]))  # noqa: E731
        i, d = self.take("audit-completed", {"absent": inc, "failed": inc, "proven": inc,
                                             "refused": NAT})
        failed = sorted({c for c in claimed if c not in proven})
        absent = [x for x in range(1, self.n + 1) if x not in proven and x not in failed]
        self.need(i, d["proven"] == sorted(proven), "audit-completed: proven is not the "
                  "indices of the share-presented entries")
        self.need(i, d["failed"] == failed, "audit-completed: failed is not the claimed "
                  "indices of the refused shares that were not proved")
        self.need(i, d["absent"] == absent, "audit-completed: absent is not the other indices")
        self.need(i, d["refused"] == refused, "audit-completed: refused is not the number of "
                  "share-refused entries")

    # -- rotation and crl ("Rotation and CRL ceremonies") -------------------------------------
    def rotation_prelude(self):
        """csr-checked, [previous-checked], certificate-prepared, confirmed x 2 -> (tbs, serial)"""
        i, csr = self.take("csr-checked", {
            "csr_sha256": HEX64, "file": FILE, "hash_source": IS("command-line", "typed"),
            "key_type": NAME, "profile": obj({"file": FILE, "name": NAME, "sha256": HEX64}),
            "requested_extensions": LIST(lambda x: STR(x) and len(x) <= 200),
            "sha256": HEX64, "spki_sha256": HEX64, "subject": TEXT})
        self.artifacts.append((i, csr["file"], csr["sha256"], None))
        if self.peek("previous-checked"):
            i, d = self.take("previous-checked", {
                "file": FILE, "not_after": INSTANT, "overlap_days": INT, "serial": NUMBER,
                "sha256": HEX64, "warnings": LIST(TEXT)})
            self.artifacts.append((i, d["file"], d["sha256"], None))
        i, d = self.take("certificate-prepared", {
            "issuer": TEXT, "not_after": INSTANT, "not_before": INSTANT, "serial": NUMBER,
            "spki_sha256": HEX64, "subject": TEXT, "tbs_sha256": HEX64})
        span = instant(d["not_after"]) - instant(d["not_before"])
        self.need(i, 0 < span <= MAX_INTERMEDIATE_DAYS * 86400,
                  "certificate-prepared: not_after must be after not_before and at most "
                  f"{MAX_INTERMEDIATE_DAYS} days later", "malformed")
        self.need(i, (d["spki_sha256"], d["subject"]) == (csr["spki_sha256"], csr["subject"]),
                  "certificate-prepared: the key or subject differs from the checked CSR's")
        return self.confirmations(d["tbs_sha256"], d["serial"])

    def crl_prelude(self):
        """[previous-crl-checked], crl-prepared, confirmed x 2 -> (tbs, crl number)"""
        prev = None
        if self.peek("previous-crl-checked"):
            # Two forms: with the previous CRL's list by count and digest, and the first form
            # of version 1 without it (still read; the carrying forward is then not proven).
            spec = {"crl_number": NUMBER, "file": FILE, "sha256": HEX64, "this_update": INSTANT}
            if "revoked_sha256" in self.e[self.ahead()]["details"]:
                spec.update(revoked_count=NAT, revoked_sha256=HEX64)
            i, prev = self.take("previous-crl-checked", spec)
            self.artifacts.append((i, prev["file"], prev["sha256"],
                                   ("previous-crl",) if "revoked_sha256" in prev else None))
        # Two forms: the list by count and digest (and in full up to MAX_LISTED), and the first
        # form of version 1, the list alone.
        entry = lambda x: obj({"reason": lambda r: r is None or NAME(r), "serial": NUMBER})(x)  # noqa
        spec = {"carried_forward": NAT, "crl_number": NUMBER, "next_update": INSTANT,
                "revoked": LIST(entry), "tbs_sha256": HEX64, "this_update": INSTANT}
        if self.ahead() < len(self.e) and "revoked_sha256" in self.e[self.ahead()]["details"]:
            spec.update(revoked=lambda v: v is None or LIST(entry)(v), revoked_count=NAT,
                        revoked_sha256=HEX64)
        i, d = self.take("crl-prepared", spec)
        if "revoked_sha256" in d:
            count, listed = d["revoked_count"], d["revoked"]
            self.need(i, (listed is None) == (count > MAX_LISTED), "crl-prepared: `revoked` must "
                      f"be the list when it has at most {MAX_LISTED} elements, else null",
                      "malformed")
            if listed is not None:
                self.need(i, len(listed) == count and sha(canon(listed)) == d["revoked_sha256"],
                          "crl-prepared: the list is not the one its count and digest name",
                          "malformed")
        else:
            count, listed = len(d["revoked"]), d["revoked"]
        span = instant(d["next_update"]) - instant(d["this_update"])
        self.need(i, 0 < span <= MAX_CRL_DAYS * 86400, "crl-prepared: next_update must be "
                  f"after this_update and at most {MAX_CRL_DAYS} days later", "malformed")
        serials = [r["serial"] for r in listed or []]
        self.need(i, d["carried_forward"] <= count,
                  "crl-prepared: carried_forward is larger than the revoked list", "malformed")
        self.need(i, len(set(serials)) == len(serials),
                  "crl-prepared: a revoked serial is listed twice", "malformed")
        # relations to the previous CRL's entry, or to its absence: script
        if prev is None:
            self.need(i, d["carried_forward"] == 0,
                      "crl-prepared: carried_forward must be 0 without a previous CRL")
        else:   # NUMBERs compare as unsigned big-endian integers
            self.need(i, int(d["crl_number"], 16) > int(prev["crl_number"], 16) and
                      instant(d["this_update"]) > instant(prev["this_update"]),
                      "crl-prepared: the CRL number and this_update must both be greater "
                      "than the previous CRL's")
            if "revoked_sha256" in prev:    # every earlier revocation carried forward, first
                n = d["carried_forward"]
                self.need(i, n == prev["revoked_count"], f"crl-prepared: carried_forward is {n}"
                          f", the previous CRL revokes {prev['revoked_count']}")
                self.need(i, listed is None or sha(canon(listed[:n])) == prev["revoked_sha256"],
                          "crl-prepared: the first carried_forward revocations are not the "
                          "previous CRL's list")
        return self.confirmations(d["tbs_sha256"], d["crl_number"])

    def confirmations(self, tbs, number):
        """Two `confirmed` by distinct people (names trimmed, lower-cased) for the TBS hash."""
        names = []
        for n in (1, 2):
            actors = self.e[self.ahead()]["actors"] if self.ahead() < len(self.e) else None
            i, d = self.take("confirmed", {"method": IS("typed-code", "command-line"),
                                           "name": NAME, "tbs_sha256": HEX64}, None)
            self.need(i, actors == [d["name"]], "confirmed: actors must be [name]")
            self.need(i, d["tbs_sha256"] == tbs,
                      f"confirmed: confirmation {n} is for another TBS hash than the prepared one")
            key = d["name"].strip(WHITE_SPACE).lower()
            self.need(i, key not in names, f"confirmed: {d['name']!r} confirmed twice: two "
                                           "distinct people must confirm")
            names.append(key)
        return tbs, number

    def issued_steps(self, prepared):
        """certificate-issued / crl-issued, then the two issued files."""
        tbs, number = prepared
        action, num, digest = (("certificate-issued", "serial", "certificate_sha256")
                               if self.kind == "rotation" else
                               ("crl-issued", "crl_number", "crl_sha256"))
        i, d = self.take(action, {num: NUMBER, digest: HEX64, "tbs_sha256": HEX64})
        self.need(i, (d["tbs_sha256"], d[num]) == (tbs, number),
                  f"{action}: what was signed is not what the confirmers approved")
        for name in ISSUED_FILES[self.kind]:
            i, a = self.take("artifact-written", {"file": IS(name), "sha256": HEX64})
            self.artifacts.append((i, name, a["sha256"], ("issued", d[digest])))


def issued_der(b):
    """The DER of an issued file: DER, or the first block of a PEM file read by the strict PEM
    rules (formats.md, "PEM (all PEM inputs)"; CERTIFICATE or X509 CRL blocks only).
    Raises ValueError for a malformed file."""
    try:
        return ic.pem_read(b, ["CERTIFICATE", "X509 CRL"], False, True)[0][1]
    except ic.Reject as e:
        raise ValueError(str(e))


# ---------------------------------------------------------------------------------------------
# Steps 4-7, and the whole replay
# ---------------------------------------------------------------------------------------------

def signed_ok(pub, domain, body, sig):
    return strict_verify(pub, domain + hashlib.sha256(canon(body)).digest(), sig)


def seal_ok(e):
    """Does a seal entry's signature verify under its own details.public_key?"""
    d = e["details"]
    return (HEX64(d.get("public_key")) and HEX128(d.get("signature")) and signed_ok(
        d["public_key"], SEAL_DOMAIN, dict(e, details={k: v for k, v in d.items()
                                                       if k != "signature"}), d["signature"]))


def attestation_ok(a):
    return signed_ok(a["witness"]["public_key"], ATTEST_DOMAIN,
                     {k: v for k, v in a.items() if k != "signature"}, a["signature"])


def verify(data, attestations=None, cert=None, artifacts=None, plan=None, witnesses=None,
           all_witnesses=False):
    """data: transcript bytes; attestations: bytes of the .attestations file or None; cert:
    ic.load_cert() result; artifacts: a directory; plan: bytes; witnesses: set of 64-hex keys.
    Returns the verdict line or raises Invalid."""
    # "Interrupted": a last line without 0A is an incomplete line, never parsed.
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    parsed = parse_lines(data[:cut], "transcript", shape_of(ENTRY, True))            # 1.
    if not parsed:      # no complete line: interrupted before the header was complete
        return ("VALID UNSEALED interrupted: " + (f"line 1 is incomplete ({len(tail)} bytes)"
                                                  if tail else "the file is empty") +
                ", no header")
    entries, hashes = [p[0] for p in parsed], [p[1] for p in parsed]

    check_transcript_chain(entries, hashes)                                           # 2.
    if tail and entries[-1]["action"] in ("seal", "aborted", "audit-completed"):
        fail_at(len(entries), "inserted",
                f"an incomplete line follows `{entries[-1]['action']}`")
    s = Script(entries)                                                               # 3.
    if tail:
        s.reason += f" (line {len(entries) + 1} incomplete: {len(tail)} bytes, ignored)"
    if s.status == "sealed":                                                          # 4.
        e = entries[s.seal]
        d = e["details"]
        if d["head"] != e["prev"]:
            fail_at(s.seal, "bad-seal", "details.head is not the entry's prev")
        # GAP: "all root public keys equal" (step 3) is applied to the seal here, in step 4.
        if d["public_key"] != s.keys[0][1]:
            fail_at(s.seal, "bad-seal", "the seal's key is not the ceremony's root key")
        if not seal_ok(e):
            fail_at(s.seal, "bad-seal", "the seal signature does not verify")
    if cert:    # step 4, "Root certificate": every recorded key, then every certificate hash
        for i, k in s.keys:
            if k != cert["pub"].hex():
                fail_at(i, "bad-seal", "a recorded root key is not the --root certificate's")
        for i, digest in s.cert_sha:
            if sha(cert["der"]) != digest:
                fail_at(i, "root-mismatch", "the --root certificate's DER hash is not the recorded one")
    attested = []
    if attestations is not None:                                                      # 5.
        attested = check_attestations(attestations, hashes[-1], s, witnesses)
    for key in sorted(witnesses or ()) if all_witnesses else ():
        if key not in attested:
            raise Invalid("-", "-", "missing-witness", f"transcript.attestations: witness key "
                          f"{key} did not attest (--all-witnesses)")
    if artifacts is not None:                                                         # 6.
        for i, name, digest, role in s.artifacts:
            path = os.path.join(artifacts, name)
            if not os.path.isfile(path):
                fail_at(i, "artifact", f"{name} is missing from {artifacts}")
            with open(path, "rb") as f:
                data = f.read()
            if sha(data) != digest:
                fail_at(i, "artifact", f"{name} does not have the recorded sha256")
            if role == "root":
                check_root_file(i, name, data, s)
            elif role == "manifest":
                check_manifest_file(i, name, data, s)
            elif role is not None and role[0] != "issued":
                check_previous_crl(i, name, data, s)
            elif role is not None:      # a rotation's or CRL's issued file: its DER
                try:
                    ok = sha(issued_der(data)) == role[1]
                except ValueError as e:
                    fail_at(i, "artifact", f"{name}: not valid PEM ({e})")
                if not ok:
                    fail_at(i, "artifact", f"{name} does not hold the issued object")
                if s.kind == "crl":
                    check_crl_list(name, issued_der(data), s)
    if plan is not None:                                                              # 7.
        check_plan(plan, s.header)
    if s.status == "completed":     # "Share audit", Verdict: the witnesses stand in for a seal
        return "VALID SEALED" if witnesses is not None and attested else \
            "VALID UNSEALED " + s.reason
    return "VALID SEALED" if s.status == "sealed" else "VALID UNSEALED " + s.reason


REASONS = {0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
           4: "superseded", 5: "cessationOfOperation", 9: "privilegeWithdrawn"}


def crl_revocations(der):
    """The canonical list [{"reason", "serial"}] of a CRL's revokedCertificates, in CRL order
    ("The revocation list"). Raises ValueError for what is not such a CRL."""
    def need(cond):
        if not cond:
            raise ValueError("not a CertificateList")
    try:
        (tag, full, cl), = ic.der_children(der)
        need(tag == 0x30 and full == der)
        parts = ic.der_children(cl)
        need([t for t, _, _ in parts] == [0x30, 0x30, 0x03])
        tbs = ic.der_children(parts[0][2])
        rest = tbs[1:] if tbs[0][0] == 0x02 else tbs          # optional version
        need([t for t, _, _ in rest[:2]] == [0x30, 0x30] and rest[2][0] in (0x17, 0x18))
        rest = rest[3:]                                        # signature, issuer, thisUpdate
        if rest and rest[0][0] in (0x17, 0x18):                # nextUpdate
            rest = rest[1:]
        out = []
        for tag, _, rc in (ic.der_children(rest[0][2]) if rest and rest[0][0] == 0x30 else []):
            kids = ic.der_children(rc)
            need(tag == 0x30 and kids[0][0] == 0x02 and kids[1][0] in (0x17, 0x18))
            reason = None
            for _, _, ext in (ic.der_children(kids[2][2]) if len(kids) > 2 else []):
                e = ic.der_children(ext)
                need(ic.oid_str(e[0][2]) == "2.5.29.21" and reason is None)  # reasonCode only
                code = ic.der_children(e[-1][2])[0][2]                      # ENUMERATED
                reason = REASONS[int.from_bytes(code, "big")]
            out.append({"reason": reason, "serial": kids[0][2].hex()})
        return out
    except (IndexError, KeyError, ValueError, TypeError) as e:
        raise ValueError(f"not a CRL whose revocations can be read ({e})")


def check_crl_list(name, der, s):
    """The issued CRL's revocations are the list crl-prepared recorded by count and digest
    (artifact, at crl-prepared)."""
    i = next(k for k, e in enumerate(s.e) if e["action"] == "crl-prepared")
    d = s.e[i]["details"]
    try:
        listed = crl_revocations(der)
    except ValueError as e:
        fail_at(i, "artifact", f"{name}: {e}")
    count, digest = ((d["revoked_count"], d["revoked_sha256"]) if "revoked_sha256" in d else
                     (len(d["revoked"]), sha(canon(d["revoked"]))))
    if (count, digest) != (len(listed), sha(canon(listed))):
        fail_at(i, "artifact", f"{name} revokes {len(listed)} certificate(s), crl-prepared "
                               f"records {count} (or another list SHA-256)")
    prev = [e["details"] for e in s.e if e["action"] == "previous-crl-checked"]
    if prev and "revoked_sha256" in prev[0]:      # its first entries are the previous list
        n = prev[0]["revoked_count"]
        if len(listed) < n or sha(canon(listed[:n])) != prev[0]["revoked_sha256"]:
            fail_at(i, "artifact", f"the first {n} revocations of {name} are not the "
                                   "previous CRL's list")


def read_crl(data):
    """A CRL file's DER: DER, or the first X509 CRL block of a PEM file. Raises ValueError."""
    if data[:1] == b"\x30":
        return data
    try:
        return ic.pem_read(data, ["X509 CRL"], False, True)[0][1]
    except ic.Reject as e:
        raise ValueError(str(e))


def check_previous_crl(i, name, data, s):
    """The copy of the previous CRL holds the list previous-crl-checked records by count and
    digest (artifact, there)."""
    d = s.e[i]["details"]
    try:
        listed = crl_revocations(read_crl(data))
    except ValueError as e:
        fail_at(i, "artifact", f"{name}: {e}")
    if (len(listed), sha(canon(listed))) != (d["revoked_count"], d["revoked_sha256"]):
        fail_at(i, "artifact", f"{name} revokes {len(listed)} certificate(s), "
                               f"previous-crl-checked records {d['revoked_count']} (or another "
                               "list SHA-256)")


def check_root_file(i, name, data, s):
    """root.pem holds the recorded root key and certificate (Replay, step 6)."""
    try:
        c = ic.load_cert(data)
    except (ic.Reject, AssertionError, IndexError, ValueError) as e:
        fail_at(i, "artifact", f"{name}: not a root certificate ({e})")
    if any(k != c["pub"].hex() for _, k in s.keys):
        fail_at(i, "artifact", f"{name} holds another root key than the transcript records")
    if any(h != sha(c["der"]) for _, h in s.cert_sha):
        fail_at(i, "artifact", f"{name} is not the certificate the transcript records")


def check_manifest_file(i, name, data, s):
    """manifest.json names the recorded root key, is signed by it (naming the recorded
    certificate), and names this ceremony, its plan and the recorded envelopes (step 6)."""
    try:
        m = ic.parse_manifest(data)
    except (ic.Reject, ValueError) as e:
        fail_at(i, "artifact", f"{name}: not a manifest ({e})")
    key = s.keys[0][1]
    if any(m["root"]["public_key"] != k for _, k in s.keys):
        fail_at(i, "artifact", f"{name} names another root key")
    if m["root"]["fingerprint"] != fp(key) or any(m["root"]["certificate_sha256"] != h
                                                  for _, h in s.cert_sha):
        fail_at(i, "artifact", f"{name} names another root certificate")
    if not strict_verify(key, ic.signed_bytes(m), m["signature"]):
        fail_at(i, "artifact", f"{name}: its signature does not verify under the root key")
    generation = s.kind in ("generation", "rehearsal")
    if m["ceremony"]["id"] != (s.header["ceremony"]["id"] if generation else s.manifest_id):
        fail_at(i, "artifact", f"{name} belongs to another ceremony")
    if generation and m["ceremony"]["plan_sha256"] != s.header["plan"]["sha256"]:
        fail_at(i, "artifact", f"{name} records another plan")
    listed = {e["index"]: e["envelope_sha256"] for e in m["shares"]}
    for j, index, envelope in s.envelopes:
        if listed.get(index) != envelope:
            fail_at(j, "artifact", f"share {index}'s envelope differs from the one {name} lists")


def check_attestations(data, head, s, witnesses):
    """Replay step 5, in the spec's order: a last line without 0A (truncated), then line by
    line: canonical (modified), members and types (malformed), the link (seq and prev: modified,
    inserted, reordered or deleted), head (modified), the signature (bad-signature), a key
    attesting twice (inserted), the witness list (unknown-witness). Returns the keys that
    attested."""
    label = "transcript.attestations"
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1]:
        fail_at(len(parts) - 1, "truncated", f"{label}: the last attestation has no line feed")
    parts.pop()
    if s.status not in ("sealed", "completed"):
        fail_at(0, "deleted", f"{label}: attestations exist but the transcript is not sealed")

    def seq_of(line):       # the seq a line holds, read leniently (a swap or a deletion?)
        try:
            v = json.loads(line)
        except ValueError:
            return None
        return v.get("seq") if isinstance(v, dict) and NAT(v.get("seq")) else None
    prev, keys = head, []
    for i, c in enumerate(parts):
        try:
            (a, h), = parse_lines(c + b"\n", label, shape_of(ATTESTATION), "malformed")
        except Invalid as e:        # the same finding, at this line
            fail_at(i, e.kind, str(e).split(": ", 1)[1])
        at = lambda kind, what: fail_at(i, kind, f"{label}: {what}")  # noqa: E731
        S, P = a["seq"], a["prev"]
        if S != i or P != prev:
            if P == prev:
                at("modified", f"seq is {S}, expected {i} (its link holds)")
            if S < i:
                at("inserted", f"holds seq {S}, already taken (a copy, or one added)")
            if S > i and i + 1 < len(parts) and seq_of(parts[i + 1]) == i:
                at("reordered", f"lines {i + 1} and {i + 2} are swapped")
            if S > i:
                at("deleted", f"holds seq {S}: attestation seq {i} is missing")
            at("modified", "prev does not link to the line before (or the sealed head)")
        if a["head"] != head:
            at("modified", "head is not the sealed head")
        if not attestation_ok(a):
            at("bad-signature", f"signature does not verify ({a['witness']['name']!r})")
        key = a["witness"]["public_key"]
        if key in keys:
            at("inserted", f"the key of {a['witness']['name']!r} attested before")
        if witnesses is not None and key not in witnesses:
            at("unknown-witness", f"the witness key is not in --witnesses ({a['witness']['name']!r})")
        keys.append(key)
        prev = h
    return keys


def check_plan(plan, h):
    def bad(what):
        raise Invalid(0, 1, "plan", what)
    if h["plan"] is None:
        bad(f"a {h['ceremony']['kind']} transcript records no plan")
    if sha(plan) != h["plan"]["sha256"]:
        bad("SHA-256 of the plan file is not the header's plan.sha256")
    try:
        doc = tomllib.loads(plan.decode("utf-8").removeprefix("\ufeff"))
        c, q = doc["ceremony"], doc.get("quorum", {})
        people = [{"name": p["name"], "role": p["role"], "share": None}
                  for p in doc.get("participants", [])]
        people += [{"name": x["name"], "role": x["role"], "share": j + 1}
                   for j, x in enumerate(doc["holders"])]
        mine = (c["name"], c.get("rehearsal", False),
                {"shares": q.get("shares", 5), "threshold": q.get("threshold", 3)}, people)
    except (UnicodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        bad(f"cannot read the plan ({e})")
    theirs = (h["ceremony"]["name"], h["ceremony"]["rehearsal"], h["quorum"], h["participants"])
    for what, a, b in zip(("ceremony name", "rehearsal flag", "quorum", "participants"),
                          mine, theirs):
        if a != b:
            bad(f"the plan's {what} differs from the header's")


# ---------------------------------------------------------------------------------------------
# Self-test: synthetic transcripts written from the spec, then every tamper kind
# ---------------------------------------------------------------------------------------------

SEED = bytes(range(32))                 # the public vector seed: cert_valid.pem's key


def vector(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def write(steps, seed=SEED):
    """[(actors, action, details)] -> transcript bytes; a `seal` step is signed with seed."""
    lines, prev = [], ZERO
    for seq, (actors, action, d) in enumerate(steps):
        e = {"seq": seq, "time": f"2028-02-29T12:34:{seq:02d}.{seq:03d}Z", "actors": actors,
             "action": action, "details": d, "prev": prev}
        if action == "seal":
            e["details"] = {"head": prev, "public_key": ic.ed25519_public(seed).hex()}
            e["details"]["signature"] = ic.ed25519_sign(
                seed, SEAL_DOMAIN + hashlib.sha256(canon(e)).digest()).hex()
        lines.append(canon(e))
        prev = sha(lines[-1])
    return b"".join(c + b"\n" for c in lines)


def pem(label, der):
    b64 = base64.b64encode(der).decode()
    body = "".join(b64[j:j + 64] + "\n" for j in range(0, len(b64), 64))
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n".encode()


def tlv(tag, body):
    n = len(body)
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x82]) + n.to_bytes(2, "big")) + body


def stand_in_crl(revoked):
    """A CertificateList with these revocations ([{"reason", "serial"}]), not validly signed:
    the verifier hashes it and reads its revokedCertificates ("Files")."""
    code = {v: k for k, v in REASONS.items()}
    t = tlv(0x17, b"280229123456Z")
    entries = b"".join(tlv(0x30, tlv(0x02, bytes.fromhex(r["serial"])) + t + (tlv(0x30, tlv(
        0x30, tlv(0x06, bytes.fromhex("551d15")) + tlv(0x04, tlv(0x0a, bytes([code[r["reason"]]])))
    )) if r["reason"] else b"")) for r in revoked)
    alg = tlv(0x30, tlv(0x06, bytes.fromhex("2b6570")))
    tbs = tlv(0x02, b"\x01") + alg + tlv(0x30, b"") + t + t + tlv(0x30, entries)
    return tlv(0x30, tlv(0x30, tbs) + alg + tlv(0x03, b"\x00" + bytes(64)))


# Stand-ins for the signing ceremonies' objects (the verifier hashes them; of the CRL it also
# reads the revoked list).
INTERMEDIATE_DER = bytes.fromhex("3012") + b"intermediate cert"
STAND_IN_REVOKED = [{"reason": "keyCompromise", "serial": "0a0b"}, {"reason": None, "serial": "0c0d"}]
CRL_DER = stand_in_crl(STAND_IN_REVOKED)
PREVIOUS_REVOKED = STAND_IN_REVOKED[:1]     # the previous CRL's list, carried forward first
PREVIOUS_CRL_DER = stand_in_crl(PREVIOUS_REVOKED)


def signing_files():
    """The files a rotation's and a CRL ceremony's output directory hold besides root.pem and
    manifest.json: input copies and issued files."""
    return {"request.csr": pem("CERTIFICATE REQUEST", b"0\x0bcsr request"),
            "previous.pem": pem("CERTIFICATE", b"0\x0cprevious one"),
            "previous.crl": PREVIOUS_CRL_DER,
            "intermediate.pem": pem("CERTIFICATE", INTERMEDIATE_DER),
            "intermediate-chain.pem": pem("CERTIFICATE", INTERMEDIATE_DER) +
            vector("cert_valid.pem"),
            "root.crl": CRL_DER, "root.crl.pem": pem("X509 CRL", CRL_DER)}


def signing_steps(kind, previous=True):
    """(prelude, issued): the steps a rotation or CRL ceremony adds after context-loaded and
    before the seal, for the files of signing_files()."""
    f = {k: sha(v) for k, v in signing_files().items()}
    tbs = sha(kind.encode() + b" tbs")
    people = [(["Carol Confirmer"], "confirmed", {"method": "typed-code",
                                                  "name": "Carol Confirmer", "tbs_sha256": tbs}),
              (["Dave Checker"], "confirmed", {"method": "command-line", "name": "Dave Checker",
                                               "tbs_sha256": tbs})]
    if kind == "rotation":
        spki, subject, serial = sha(b"intermediate key"), "CN=Test Intermediate CA,O=Example", \
            "5a" * 16
        pre = [(ROOTKEY, "csr-checked", {
            "csr_sha256": sha(b"csr der"), "file": "request.csr", "hash_source": "typed",
            "key_type": "Ed25519", "profile": {"file": "intermediate.toml",
                                               "name": "Intermediate CA", "sha256": sha(b"p")},
            "requested_extensions": ["basicConstraints"], "sha256": f["request.csr"],
            "spki_sha256": spki, "subject": subject})]
        if previous:
            pre.append((ROOTKEY, "previous-checked", {
                "file": "previous.pem", "not_after": "2028-05-29T12:34:56Z", "overlap_days": 90,
                "serial": "00c1d2", "sha256": f["previous.pem"], "warnings": []}))
        pre.append((ROOTKEY, "certificate-prepared", {
            "issuer": "CN=T", "not_after": "2029-05-28T12:34:56Z",
            "not_before": "2028-02-29T12:34:56Z", "serial": serial, "spki_sha256": spki,
            "subject": subject, "tbs_sha256": tbs}))
        issued = [(ROOTKEY, "certificate-issued", {"certificate_sha256": sha(INTERMEDIATE_DER),
                                                   "serial": serial, "tbs_sha256": tbs})]
    else:
        pre = [(ROOTKEY, "previous-crl-checked", {
            "crl_number": "00ff", "file": "previous.crl", "revoked_count": 1,
            "revoked_sha256": sha(canon(PREVIOUS_REVOKED)), "sha256": f["previous.crl"],
            "this_update": "2027-03-01T00:00:00Z"})] if previous else []
        pre.append((ROOTKEY, "crl-prepared", {
            "carried_forward": 1 if previous else 0, "crl_number": "0100" if previous else "01",
            "next_update": "2029-02-28T12:34:56Z",
            "revoked": STAND_IN_REVOKED,
            "tbs_sha256": tbs, "this_update": "2028-02-29T12:34:56Z"}))
        issued = [(ROOTKEY, "crl-issued", {"crl_number": "0100" if previous else "01",
                                           "crl_sha256": sha(CRL_DER), "tbs_sha256": tbs})]
    issued += [(ROOTKEY, "artifact-written", {"file": name, "sha256": f[name]})
               for name in ISSUED_FILES[kind]]
    return pre + people, issued


def scenario(kind, presented=(2, 4, 5, 1, 3), quorum=(2, 4, 5), previous=True):
    """A ceremony of plan_valid.toml with the vectors' root.pem and manifest.json (a rotation
    or CRL ceremony also with the files of signing_files(); previous: with a previous
    intermediate or CRL)."""
    plan = vector("plan_valid.toml")
    people = [{"name": x["name"], "role": x["role"], "share": j + 1}
              for j, x in enumerate(tomllib.loads(plan.decode())["holders"])]
    pub, cid = ic.ed25519_public(SEED).hex(), "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
    cert = sha(ic.load_cert(vector("cert_valid.pem"))["der"])
    root, man = sha(vector("cert_valid.pem")), sha(vector("manifest_valid.json"))
    env = {x["index"]: x["envelope_sha256"]      # the manifest's, so that rootkey agrees too
           for x in json.loads(vector("manifest_valid.json"))["shares"]}
    s = [(ROOTKEY, "header", {
        "ceremony": {"id": cid, "kind": kind, "name": "Test vector ceremony", "rehearsal": True},
        "format": "rootkey-transcript-v1", "participants": people,
        "plan": None if kind in NO_PLAN else {"file": "p.toml", "sha256": sha(plan)},
        "preflight": {"clock": "2028-02-29T12:33:59.000Z", "core_dumps_disabled": True,
                      "host": "vault", "kernel": "6.1.0", "memory_locked": True,
                      "network_interfaces_up": [], "output_filesystem": "tmpfs",
                      "persistent_output_allowed": False, "printer": None,
                      "process_dumpable": False, "swap_active": False},
        "quorum": {"shares": 5, "threshold": 3},
        "tool": {"binary_sha256": sha(b"rootkey"), "name": "rootkey", "version": "0.1.0"}})]
    gen = {"entropy": [{"dice_rolls": 99, "source": "os+dice"}],
           "key-generated": [{"fingerprint": fp(pub), "public_key": pub}],
           "certificate-signed": [{"certificate_sha256": cert, "fingerprint": fp(pub),
                                   "not_after": "2053-02-28T12:34:56Z", "serial": "01ab",
                                   "not_before": "2028-02-29T12:34:56Z", "subject": "CN=T"}],
           "shares-split": [{"shares": 5, "subsets_checked": 10, "threshold": 3}],
           "share-written": [{"envelope_sha256": env[p["share"]], "file": f"s{p['share']}.txt",
                              "holder": p["name"], "index": p["share"], "medium": "text",
                              "role": p["role"]} for p in people],
           "artifact-written": [{"file": "root.pem", "sha256": root},
                                {"file": "manifest.json", "sha256": man}]}
    if kind in ("generation", "rehearsal"):
        s += [(["rootkey", d["holder"]] if a == "share-written" else ROOTKEY, a, d)
              for a in GENERATION for d in gen[a]]
    if kind == "rehearsal":
        s.append((ROOTKEY, "key-wiped", {}))
    if kind != "generation":
        s.append((ROOTKEY, "context-loaded", {
            "manifest": {"ceremony_id": cid, "file": "manifest.json", "sha256": man},
            "root": {"certificate_sha256": cert, "file": "root.pem", "fingerprint": fp(pub),
                     "public_key": pub, "sha256": root}}))
        prelude, issued = signing_steps(kind, previous) if kind in ISSUED_FILES else ([], [])
        s += prelude
        s += [([people[j - 1]["name"]], "share-presented", {
            "corrections": j % 2, "envelope_sha256": env[j], "file": f"s{j}.txt",
            "holder": people[j - 1]["name"], "index": j}) for j in presented]
        s.append((ROOTKEY, "key-rebuilt", {"public_key": pub, "quorum": list(quorum)}))
        s += [(ROOTKEY, "share-checked", {"agrees": True, "index": j})
              for j in presented if j not in quorum]
        s += issued
    return s + [(ROOTKEY, "seal", {})]


def attestations(transcript, seeds, head=None, prev=None):
    head = head or sha(transcript.rstrip(b"\n").split(b"\n")[-1])
    out, prev = [], prev or head
    for j, seed in enumerate(seeds):
        a = {"head": head, "prev": prev, "seq": j, "time": "2028-03-01T00:00:00.000Z",
             "witness": {"name": f"Witness {j}", "public_key": ic.ed25519_public(seed).hex()}}
        a["signature"] = ic.ed25519_sign(seed, ATTEST_DOMAIN + hashlib.sha256(
            canon(a)).digest()).hex()
        out.append(canon(a))
        prev = sha(out[-1])
    return b"".join(c + b"\n" for c in out)


def signing_self_test(run, tmp):
    """The rules of "Rotation and CRL ceremonies", each broken once in a transcript that is
    otherwise valid, chained and sealed. run(label, data, expect, **kw) as in self_test; tmp
    holds signing_files()."""
    S, M = {"script"}, {"malformed"}

    def where(steps, action, n=0):
        return [j for j, x in enumerate(steps) if x[1] == action][n]

    def change(steps, action, n=0, actors=None, **members):
        steps, j = list(steps), where(steps, action, n)
        steps[j] = (actors or steps[j][0], action, dict(steps[j][2], **members))
        return steps

    def drop(steps, action, member, n=0):
        steps, j = list(steps), where(steps, action, n)
        steps[j] = (steps[j][0], action, {k: v for k, v in steps[j][2].items() if k != member})
        return steps

    def go(label, steps, expect, **kw):
        # A changed revocation list no longer describes the stand-in root.crl: such a case is
        # about the entry alone, so it runs without --artifacts (its own cases check that).
        prepared = [x[2] for x in steps if x[1] == "crl-prepared"]
        if prepared and prepared[0].get("revoked") != STAND_IN_REVOKED:
            kw = {"artifacts": None, **kw}
        run(label, write(steps), expect, **{"plan": None, **kw})

    def later(t, seconds):
        return (datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") +
                datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def other_dir(files):
        d = tempfile.mkdtemp(prefix="itc-selftest-")
        for name, data in {**{n: vector(v) for n, v in (("root.pem", "cert_valid.pem"), (
                "manifest.json", "manifest_valid.json"))}, **signing_files(), **files}.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        return d

    for kind in ("rotation", "crl"):
        good, lone = scenario(kind), scenario(kind, previous=False)
        c0, c1 = where(good, "confirmed"), where(good, "confirmed", 1)
        go(f"{kind}: valid, previous given", good, "SEALED")
        go(f"{kind}: valid without a previous {'intermediate' if kind == 'rotation' else 'CRL'}",
           lone, "SEALED")
        if kind == "crl":   # the issued CRL's revocations are the list crl-prepared records
            forged = change(good, "crl-prepared", revoked=STAND_IN_REVOKED[:1])
            go("crl: recorded list is not root.crl's", forged,
               ({"artifact"}, where(good, "crl-prepared")), artifacts=tmp)
            counted = change(good, "crl-prepared", revoked_count=3, revoked=None,
                             revoked_sha256=sha(canon(STAND_IN_REVOKED)))
            go("crl: recorded count is not root.crl's", counted,
               ({"artifact", "malformed"}, where(good, "crl-prepared")), artifacts=tmp)
            # the copy of the previous CRL holds the list previous-crl-checked records
            other = stand_in_crl(STAND_IN_REVOKED)
            go("crl: previous copy holds another list", change(
                good, "previous-crl-checked", sha256=sha(other)),
               ({"artifact"}, where(good, "previous-crl-checked")),
               artifacts=other_dir({"previous.crl": other}))
            # a list too long to record: root.crl's first entries must be the previous list
            for label, first, expect in (
                    ("previous entry first", PREVIOUS_REVOKED, "SEALED"),
                    ("previous entry dropped", [{"reason": None, "serial": "7e"}],
                     ({"artifact"}, where(good, "crl-prepared")))):
                big = first + [{"reason": None, "serial": f"{0x1000 + j:04x}"}
                               for j in range(MAX_LISTED)]
                der = stand_in_crl(big)
                long = change(change(good, "crl-prepared", revoked=None, revoked_count=len(big),
                                     revoked_sha256=sha(canon(big))), "crl-issued",
                              crl_sha256=sha(der))
                long = change(change(long, "artifact-written", 0, sha256=sha(der)),
                              "artifact-written", 1, sha256=sha(pem("X509 CRL", der)))
                go(f"crl: a long list, {label}", long, expect, artifacts=other_dir(
                    {"root.crl": der, "root.crl.pem": pem("X509 CRL", der)}))
        go(f"{kind}: plan not null", [(ROOTKEY, "header", dict(good[0][2], plan={
            "file": "p.toml", "sha256": sha(b"plan")}))] + good[1:], (M, 0))
        run(f"{kind}: --plan given", write(good), ({"plan"}, 0))
        go(f"{kind}: the quorum-check script", good[:1] + scenario("quorum-check")[1:], (S, 2))
        # two confirmations by distinct people, for the prepared TBS
        go(f"{kind}: a single confirmer", good[:c1] + good[c1 + 1:], (S, c1))
        go(f"{kind}: a single confirmer, interrupted", good[:c1], "UNSEALED")
        go(f"{kind}: no confirmer", good[:c0] + good[c1 + 1:], (S, c0))
        go(f"{kind}: three confirmers", good[:c1 + 1] + [(["Erin"], "confirmed", dict(
            good[c1][2], name="Erin"))] + good[c1 + 1:], (S, c1 + 1))
        go(f"{kind}: the same name twice", change(good, "confirmed", 1, ["Carol Confirmer"],
                                                  name="Carol Confirmer"), (S, c1))
        twin = "  CAROL confirmer\u3000"
        go(f"{kind}: the same name twice, case and spaces", change(
            good, "confirmed", 1, [twin], name=twin), (S, c1))
        go(f"{kind}: names differing inside", change(good, "confirmed", 1, ["Carol  Confirmer"],
                                                     name="Carol  Confirmer"), "SEALED")
        go(f"{kind}: actors are not [name]", change(good, "confirmed", 0, ["Mallory"]), (S, c0))
        go(f"{kind}: actors name the tool too", change(
            good, "confirmed", 0, ["rootkey", "Carol Confirmer"]), (S, c0))
        go(f"{kind}: blank confirmer name", change(good, "confirmed", 0, ["\u00a0"],
                                                   name="\u00a0"), (M | S, c0))
        go(f"{kind}: confirmation method email", change(good, "confirmed", 1, method="email"),
           (M, c1))
        go(f"{kind}: confirmation method missing", drop(good, "confirmed", "method", 1), (M, c1))
        go(f"{kind}: confirmed another TBS", change(good, "confirmed", 1, tbs_sha256="ab" * 32),
           (S, c1))
        go(f"{kind}: confirmation before the preparation", good[:c0 - 1] + [good[c0],
                                                                         good[c0 - 1]] +
           good[c0 + 1:], (S, c0 - 1))
        # the issued object is what was confirmed, and its files
        act, num, dig = (("certificate-issued", "serial", "certificate_sha256")
                         if kind == "rotation" else ("crl-issued", "crl_number", "crl_sha256"))
        iss, names = where(good, act), ISSUED_FILES[kind]
        go(f"{kind}: issued another TBS", change(good, act, tbs_sha256="cd" * 32), (S, iss))
        go(f"{kind}: issued another number", change(good, act, **{num: "7f" * 16}), (S, iss))
        go(f"{kind}: issued the number with a superfluous leading 00", change(
            good, act, **{num: "00" + good[iss][2][num]}), (M, iss))
        go(f"{kind}: issued number in upper case", change(good, act, **{num: "5A" * 16}),
           (M, iss))
        go(f"{kind}: issued before the quorum", good[:c1 + 1] + [good[iss]] + [
            x for j, x in enumerate(good) if j > c1 and j != iss], (S, c1 + 1))
        go(f"{kind}: files in the other order", good[:iss + 1] + [good[iss + 2], good[iss + 1]]
           + good[iss + 3:], (M, iss + 1))
        go(f"{kind}: wrong file name", change(good, "artifact-written", 0, file=names[0] + ".txt"),
           (M, iss + 1))
        go(f"{kind}: second file not recorded", good[:iss + 2] + good[-1:], (S, iss + 2))
        go(f"{kind}: interrupted before the files", good[:iss + 1], "UNSEALED")
        go(f"{kind}: aborted after the preparation", good[:c0] + [
            (ROOTKEY, "aborted", {"reason": "cancelled"})], "UNSEALED")
        # --artifacts: input copies by hash, issued files by hash and DER
        inputs = [(where(good, a), f) for a, f in (
            ("csr-checked", "request.csr"), ("previous-checked", "previous.pem"),
            ("previous-crl-checked", "previous.crl")) if a in [x[1] for x in good]]
        for pos, name in inputs:
            go(f"{kind}: input copy {name} changed", good, ({"artifact"}, pos),
               artifacts=other_dir({name: signing_files()[name] + b"\n"}))
            d = other_dir({})
            os.remove(os.path.join(d, name))
            go(f"{kind}: input copy {name} missing", good, ({"artifact"}, pos), artifacts=d)
        go(f"{kind}: issued files hold another object", change(good, act, **{dig: sha(b"x")}),
           ({"artifact"}, iss + 1))
        for j, name in enumerate(names):
            go(f"{kind}: issued file {name} changed", good, ({"artifact"}, iss + 1 + j),
               artifacts=other_dir({name: signing_files()[name] + b"\n"}))
        der = INTERMEDIATE_DER if kind == "rotation" else CRL_DER
        X = "CERTIFICATE" if kind == "rotation" else "X509 CRL"
        Y = "X509 CRL" if kind == "rotation" else "CERTIFICATE"
        bad = ({"artifact"}, iss + 1)
        for label, data, expect in (
                ("raw DER", der, "SEALED"),
                ("PEM with CRLF", pem(X, der).replace(b"\n", b"\r\n"), "SEALED"),
                ("PEM after text", b"issued:\n" + pem(X, der), "SEALED"),
                ("two PEM blocks, issued first", pem(X, der) + pem(Y, b"other"), "SEALED"),
                ("two PEM blocks, issued second", pem(Y, b"other") + pem(X, der), bad),
                ("PEM under another label", pem("X509 CERTIFICATE", der), bad),
                ("PEM under a damaged BEGIN line", pem(X, der).replace(b"-----BEGIN", b"----BEGIN"),
                 bad),
                ("PEM without END", pem(X, der)[:-14], bad),
                ("PEM with END of another label", pem(X, der).replace(b"END " + X.encode(), b"END Y"),
                 bad)):
            f = change(good, "artifact-written", 0, sha256=sha(data))
            go(f"{kind}: {names[0]} as {label}", f, expect,
               artifacts=other_dir({names[0]: data}))

    # rotation: the request, the previous intermediate, the prepared certificate
    R = scenario("rotation")
    csr, prv, cp = where(R, "csr-checked"), where(R, "previous-checked"), \
        where(R, "certificate-prepared")
    nb = R[cp][2]["not_before"]
    for label, steps, expect in (
            ("CSR hash source email", change(R, "csr-checked", hash_source="email"), (M, csr)),
            ("CSR key type blank", change(R, "csr-checked", key_type=" "), (M, csr)),
            ("CSR key type missing", drop(R, "csr-checked", "key_type"), (M, csr)),
            ("CSR with an extra member", change(R, "csr-checked", url="http://x"), (M, csr)),
            ("CSR profile without sha256", change(R, "csr-checked", profile={
                "file": "p.toml", "name": "P"}), (M, csr)),
            ("CSR file with a slash", change(R, "csr-checked", file="in/request.csr"), (M, csr)),
            ("CSR requested extension of 201 characters", change(
                R, "csr-checked", requested_extensions=["x" * 201]), (M, csr)),
            ("CSR requested extensions empty string", change(
                R, "csr-checked", requested_extensions=[""]), "SEALED"),
            ("CSR subject empty (both)", change(change(R, "csr-checked", subject=""),
                                                "certificate-prepared", subject=""), "SEALED"),
            ("CSR actors", change(R, "csr-checked", actors=["Carol Confirmer"]), (S, csr)),
            ("previous overlap negative, warned", change(R, "previous-checked", overlap_days=-3,
                                                         warnings=["gap: 3 days"]), "SEALED"),
            ("previous overlap a string", change(R, "previous-checked", overlap_days="90"),
             (M, prv)),
            ("previous serial odd", change(R, "previous-checked", serial="abc"), (M, prv)),
            ("previous not_after with ms", change(R, "previous-checked",
                                                  not_after="2028-05-29T12:34:56.000Z"), (M, prv)),
            ("previous after the preparation", R[:prv] + [R[cp], R[prv]] + R[cp + 1:],
             (S, prv + 1)),
            ("previous twice", R[:cp] + [R[prv]] + R[cp:], (S, cp)),
            ("prepared for another key", change(R, "certificate-prepared", spki_sha256="ef" * 32),
             (S, cp)),
            ("prepared for another subject", change(R, "certificate-prepared",
                                                    subject="CN=Test Intermediate CA,O=example"),
             (S, cp)),
            ("prepared not_after = not_before", change(R, "certificate-prepared", not_after=nb),
             (M, cp)),
            ("prepared not_after before not_before", change(
                R, "certificate-prepared", not_after=later(nb, -1)), (M, cp)),
            ("prepared for 2922 days", change(R, "certificate-prepared",
                                              not_after=later(nb, 2922 * 86400)), "SEALED"),
            ("prepared for 2922 days and a second", change(
                R, "certificate-prepared", not_after=later(nb, 2922 * 86400 + 1)), (M, cp)),
            ("prepared on 29 February 2029", change(R, "certificate-prepared",
                                                    not_after="2029-02-29T12:34:56Z"), (M, cp)),
            ("prepared at second 60", change(R, "certificate-prepared",
                                             not_after="2029-05-28T12:34:60Z"), (M, cp)),
            ("prepared at hour 24", change(R, "certificate-prepared",
                                           not_after="2029-05-28T24:00:00Z"), (M, cp)),
            ("prepared with a sign in the month", change(R, "certificate-prepared",
                                                         not_after="2029-+5-28T12:34:56Z"),
             (M, cp)),
            ("prepared before 1970", change(R, "certificate-prepared", not_after=(
                "1970-06-01T00:00:00Z"), not_before="1969-12-31T23:59:59Z"), (M, cp)),
            ("prepared serial of 44 digits", change(change(
                R, "certificate-prepared", serial="5a" * 22), "certificate-issued",
                serial="5a" * 22), (M, cp)),
            ("prepared serial of 42 digits", change(change(
                R, "certificate-prepared", serial="5a" * 21), "certificate-issued",
                serial="5a" * 21), "SEALED"),
            ("prepared issuer not a string", change(R, "certificate-prepared", issuer=None),
             (M, cp)),
            ("CRL steps in a rotation", R[:csr] + scenario("crl")[csr:], (S, csr))):
        go(f"rotation: {label}", steps, expect)

    # CRL: the previous CRL and the prepared list
    C = scenario("crl")
    pc, cr = where(C, "previous-crl-checked"), where(C, "crl-prepared")
    tu = C[cr][2]["this_update"]

    def number(n, steps=C):
        return change(change(steps, "crl-prepared", crl_number=n), "crl-issued", crl_number=n)
    for label, steps, expect in (
            ("number equal to the previous", number("00ff"), (S, cr)),
            ("number smaller than the previous", number("00fe"), (S, cr)),
            ("number negative (ff)", number("ff"), (M, cr)),
            ("number not minimal (000101)", number("000101"), (M, cr)),
            ("previous number negative", change(C, "previous-crl-checked", crl_number="80"),
             (M, pc)),
            ("previous number not minimal", change(C, "previous-crl-checked",
                                                   crl_number="0001"), (M, pc)),
            ("number 0101 after 00ff", number("0101"), "SEALED"),
            ("number of 42 digits", number("7f" * 21), "SEALED"),
            ("number of 44 digits", number("7f" * 22), (M, cr)),
            ("previous number of 42 digits", change(number("7f" * 21), "previous-crl-checked",
                                                    crl_number="7e" + "ff" * 20), "SEALED"),
            ("previous number larger by digits", change(C, "previous-crl-checked",
                                                        crl_number="010000"), (S, cr)),
            ("this_update equal to the previous", change(C, "previous-crl-checked",
                                                         this_update=tu), (S, cr)),
            ("this_update a second after the previous", change(
                C, "previous-crl-checked", this_update=later(tu, -1)), "SEALED"),
            ("this_update before the previous", change(C, "previous-crl-checked",
                                                       this_update=later(tu, 1)), (S, cr)),
            ("previous this_update not a time", change(C, "previous-crl-checked",
                                                       this_update="yesterday"), (M, pc)),
            ("next_update 366 days later", change(C, "crl-prepared",
                                                  next_update=later(tu, 366 * 86400)), "SEALED"),
            ("next_update 366 days and a second later", change(
                C, "crl-prepared", next_update=later(tu, 366 * 86400 + 1)), (M, cr)),
            ("next_update = this_update", change(C, "crl-prepared", next_update=tu), (M, cr)),
            ("carried_forward more than the previous revokes", change(
                C, "crl-prepared", carried_forward=2), (S, cr)),
            ("carried_forward less than the previous revokes", change(
                C, "crl-prepared", carried_forward=0), (S, cr)),
            ("previous count not what was carried", change(C, "previous-crl-checked",
                                                           revoked_count=2), (S, cr)),
            ("carried entry with another reason", change(C, "crl-prepared", revoked=[
                dict(STAND_IN_REVOKED[0], reason="superseded"), STAND_IN_REVOKED[1]]), (S, cr)),
            ("carried entry dropped, a new one first", change(C, "crl-prepared", revoked=[
                STAND_IN_REVOKED[1], {"reason": None, "serial": "0e0f"}]), (S, cr)),
            ("previous list digest not hex", change(C, "previous-crl-checked",
                                                    revoked_sha256="x" * 64), (M, pc)),
            ("previous of the first form (no list)", drop(drop(
                C, "previous-crl-checked", "revoked_count"), "previous-crl-checked",
                "revoked_sha256"), "SEALED"),
            ("previous of the first form, nothing carried", change(drop(drop(
                C, "previous-crl-checked", "revoked_count"), "previous-crl-checked",
                "revoked_sha256"), "crl-prepared", carried_forward=0), "SEALED"),
            ("previous with a count but no digest", drop(
                C, "previous-crl-checked", "revoked_sha256"), (M, pc)),
            ("carried_forward > revoked", change(C, "crl-prepared", carried_forward=3), (M, cr)),
            ("carried_forward without a previous CRL", change(
                scenario("crl", previous=False), "crl-prepared", carried_forward=1), (S, cr - 1)),
            ("carried_forward negative", change(C, "crl-prepared", carried_forward=-1), (M, cr)),
            ("revoked serial twice", change(C, "crl-prepared", revoked=[
                {"reason": None, "serial": "0a0b"}, {"reason": "superseded", "serial": "0a0b"}]),
             (M, cr)),
            ("revoked serial not minimal", change(C, "crl-prepared", revoked=[
                {"reason": None, "serial": "0a0b"}, {"reason": None, "serial": "000a0b"}]),
             (M, cr)),
            ("revoked serial negative", change(C, "crl-prepared", revoked=[
                {"reason": None, "serial": "0a0b"}, {"reason": None, "serial": "8a0b"}]),
             (M, cr)),
            ("revoked serial with its sign byte", change(C, "crl-prepared", revoked=[
                STAND_IN_REVOKED[0], {"reason": None, "serial": "008a0b"}]), "SEALED"),
            ("revoked list empty", change(C, "crl-prepared", carried_forward=0, revoked=[]),
             (S, cr)),
            ("revoked reason empty", change(C, "crl-prepared", revoked=[
                {"reason": "", "serial": "0a0b"}]), (M, cr)),
            ("revoked entry with a date", change(C, "crl-prepared", revoked=[
                {"date": "2028-01-01T00:00:00Z", "reason": None, "serial": "0a0b"}]), (M, cr)),
            ("revoked not a list", change(C, "crl-prepared", revoked={"serial": "0a0b"}),
             (M, cr)),
            ("prepared before the previous (it carries an entry forward)",
             C[:pc] + [C[cr], C[pc]] + C[cr + 1:], (S, pc)),
            ("prepared before the previous", C[:pc] + [change(C, "crl-prepared",
                                                               carried_forward=0)[cr], C[pc]]
             + C[cr + 1:], (S, pc + 1)),
            ("rotation steps in a CRL", C[:pc] + scenario("rotation")[pc:], (S, pc))):
        go(f"crl: {label}", steps, expect)


def self_test(quick=False):
    tmp = tempfile.mkdtemp(prefix="itc-selftest-")
    for src, dst in (("cert_valid.pem", "root.pem"), ("manifest_valid.json", "manifest.json")):
        with open(os.path.join(tmp, dst), "wb") as f:
            f.write(vector(src))
    for name, data in signing_files().items():
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
    cert, plan = ic.load_cert(vector("cert_valid.pem")), vector("plan_valid.toml")
    other_cert = dict(cert, pub=ic.ed25519_public(bytes([9]) * 32))
    W = [bytes([0xA0 + j]) * 32 for j in range(3)]
    wkeys = {ic.ed25519_public(w).hex() for w in W[:2]}
    passed, failed = [0], []

    def run(label, data, expect, att=None, **kw):
        """expect: "SEALED", "UNSEALED", or (kinds, position)."""
        kw = {"cert": cert, "artifacts": tmp, "plan": plan, **kw}
        try:
            got = verify(data, att, **kw)
            ok = isinstance(expect, str) and got.split()[1] == expect
        except Invalid as e:
            got = str(e)
            ok = not isinstance(expect, str) and e.kind in expect[0] and \
                (e.seq, e.line) == (expect[1], expect[1] + 1)
        if ok:
            passed[0] += 1
        else:
            failed.append(f"{label}: expected {expect}, got {got}")

    def join(ls):
        return b"".join(x + b"\n" for x in ls)

    for kind in ("generation", "rehearsal", "quorum-check", "rotation", "crl"):
        good = write(scenario(kind))
        lines, qc = good.split(b"\n")[:-1], {"plan": None} if kind in NO_PLAN else {}
        n = len(lines)
        run(f"{kind}: valid", good, "SEALED", **qc)
        run(f"{kind}: valid, no options", good, "SEALED", cert=None, artifacts=None, plan=None)
        for j, line in enumerate(lines):         # flip (XOR 01) every byte of every entry
            kinds = {"modified"} | ({"bad-seal", "malformed", "script"}
                                    if j == n - 1 else set())
            off = sum(len(x) + 1 for x in lines[:j])
            for b in list(range(0, len(line) + 1, 7 if quick else 1)) + [len(line)]:
                t = bytearray(good)
                t[off + b] ^= 1
                # The seal's own line end flipped: an incomplete line, after which the
                # transcript reads as interrupted ("Interrupted").
                last_end = j == n - 1 and b == len(line)
                run(f"{kind}: flip line {j + 1} byte {b}", bytes(t),
                    "UNSEALED" if last_end else (kinds, j), **qc)
        for j in range(n):                      # delete each entry
            run(f"{kind}: delete seq {j}", join(lines[:j] + lines[j + 1:]),
                "UNSEALED" if j == n - 1 else ({"deleted"}, j), **qc)
        for j in range(n - 1):                  # swap adjacent entries
            run(f"{kind}: swap {j}/{j + 1}", join(lines[:j] + [lines[j + 1], lines[j]] +
                                                  lines[j + 2:]), ({"reordered"}, j), **qc)
        for j in range(n + 1):                  # insert a forged entry, well or badly linked
            f = ic.strict_json(lines[(j + 3) % n])      # unlike its neighbours
            f["time"] = ic.strict_json(lines[max(j - 1, 0)])["time"]
            for prev in ((sha(lines[j - 1]) if j else ZERO), "ab" * 32):
                run(f"{kind}: insert at {j}", join(lines[:j] + [canon(dict(f, seq=j, prev=prev))]
                                                   + lines[j:]),
                    ({"script" if j == n and prev != "ab" * 32 else "inserted"}, j), **qc)
        for cut in (1, 2, len(lines[-1]) // 2):  # cut inside the last entry: interrupted
            run(f"{kind}: truncate {cut}", good[:-cut], "UNSEALED", **qc)
        off = 0
        for line in lines:      # prefixes cut at, just after, inside and just before a line end
            for cut in sorted({off, off + 1, off + len(line) // 2, off + len(line)}):
                run(f"{kind}: prefix {cut}", good[:cut], "UNSEALED", **qc)
            off += len(line) + 1
        run(f"{kind}: incomplete line after the seal", good + b'{"action"', ({"inserted"}, n),
            **qc)
        # a seal by another key (naming that key), and one naming the root key
        other = bytes([7]) * 32
        run(f"{kind}: seal by another key", write(scenario(kind), seed=other),
            ({"bad-seal"}, n - 1), **qc)
        last = ic.strict_json(lines[-1])
        del last["details"]["signature"]
        last["details"]["signature"] = ic.ed25519_sign(
            other, SEAL_DOMAIN + hashlib.sha256(canon(last)).digest()).hex()
        run(f"{kind}: seal signature by another key", join(lines[:-1] + [canon(last)]),
            ({"bad-seal"}, n - 1), **qc)
        first_key = next(j for j, x in enumerate(lines) if ic.strict_json(x)["action"] in
                         ("key-generated", "context-loaded"))   # step 4: the first key recorded
        run(f"{kind}: --root of another key", good, ({"bad-seal"}, first_key), cert=other_cert,
            **qc)
        # attestations
        att = attestations(good, W[:2])
        a0 = att.index(b"\n") + 1
        run(f"{kind}: two attestations", good, "SEALED", att=att, witnesses=wkeys, **qc)
        bad, at = bytearray(att), a0 + att[a0:].index(b'"signature":"') + 14
        bad[at] = ord("1") if bad[at] == ord("0") else ord("0")        # another hex digit
        run(f"{kind}: bad attestation signature", good, ({"bad-signature"}, 1), att=bytes(bad), **qc)
        run(f"{kind}: attestation naming another head", good, ({"modified"}, 0),
            att=attestations(good, W[:1], head="ab" * 32, prev=sha(lines[-1])), **qc)
        run(f"{kind}: attestation of another transcript", good, ({"modified"}, 0),
            att=attestations(good, W[:1], head="ab" * 32), **qc)
        run(f"{kind}: unknown witness", good, ({"unknown-witness"}, 2),
            att=attestations(good, W), witnesses=wkeys, **qc)
        run(f"{kind}: same witness twice", good, ({"inserted"}, 1),
            att=attestations(good, [W[0], W[0]]), **qc)
        run(f"{kind}: attestation deleted", good, ({"deleted"}, 0), att=att[a0:], **qc)
        run(f"{kind}: attestations swapped", good, ({"reordered"}, 0),
            att=att[a0:] + att[:a0], **qc)
        run(f"{kind}: attestations, seal cut off", join(lines[:-1]), ({"deleted"}, 0),
            att=att, **qc)
        first, second = att[:a0], att[a0:]
        run(f"{kind}: attestation duplicated", good, ({"inserted"}, 1), att=first + first, **qc)
        run(f"{kind}: second attestation duplicated", good, ({"inserted"}, 2),
            att=att + second, **qc)
        run(f"{kind}: a lone attestation (seq 0) appended", good, ({"inserted"}, 1),
            att=first + attestations(good, W[1:2]), **qc)
        run(f"{kind}: attestation cut off", good, ({"truncated"}, 1), att=att[:-1], **qc)
        # artifacts and plan
        manifest = next(i for i, x in enumerate(lines) if b'"manifest.json","sha256"' in x or
                        b'"context-loaded"' in x)
        with open(os.path.join(tmp, "manifest.json"), "ab") as f:
            f.write(b" ")
        run(f"{kind}: manifest.json changed", good, ({"artifact"}, manifest), **qc)
        with open(os.path.join(tmp, "manifest.json"), "wb") as f:
            f.write(vector("manifest_valid.json"))
        run(f"{kind}: other plan bytes", good, ({"plan"}, 0), plan=plan + b"\n")
    # script violations, with an intact chain and seal
    s = scenario("generation")
    run("shares written out of order", write(s[:6] + [s[7], s[6]] + s[8:]), ({"script"}, 6))
    abort = (ROOTKEY, "aborted", {"reason": "disk full"})
    run("aborted", write(s[:5] + [abort]), "UNSEALED")
    run("entry after aborted", write(s[:5] + [abort] + s[5:6]), ({"script"}, 6))
    run("incomplete line after aborted", write(s[:5] + [abort]) + b"{", ({"inserted"}, 6))
    run("empty", b"", "UNSEALED")
    run("interrupted", write(s[:5]), "UNSEALED")
    run("quorum not presented", write(scenario("rehearsal", (1, 2, 3), (1, 2, 4))),
        ({"script"}, 17))
    run("only k presented", write(scenario("rehearsal", (3, 1, 2), (1, 2, 3))), "SEALED")
    run("seal too early", write(s[:5] + s[-1:]), ({"script"}, 5))
    r = scenario("rehearsal")
    k = next(i for i, x in enumerate(r) if x[1] == "key-rebuilt")
    r[k] = (ROOTKEY, "key-rebuilt", dict(r[k][2], public_key="ab" * 32))
    run("another key rebuilt, interrupted", write(r[:k + 1]), ({"script"}, k))
    signing_self_test(run, tmp)
    print(f"self-test: {passed[0]} checks passed, {len(failed)} failed")
    for f in failed:
        print("  FAIL", f)
    return 1 if failed else 0


def check_vectors(vdir):
    """Every transcript_*.jsonl vector against its .expect.json: the outcome, and for an
    invalid one its seq and line, must agree ("need only agree on accept/reject and on the row
    named", docs/formats.md, Errors); another kind is only noted."""
    failed, notes, names = [], [], sorted(f[:-12] for f in os.listdir(vdir)
                                          if f.startswith("transcript_") and f.endswith(".expect.json"))

    def read(name):
        with open(os.path.join(vdir, name), "rb") as f:
            return f.read()
    for name in names:
        exp, art = json.loads(read(name + ".expect.json")), None
        if exp.get("artifacts"):
            art = tempfile.mkdtemp(prefix="itc-vector-")
            for dst, src in exp["artifacts"].items():
                with open(os.path.join(art, dst), "wb") as f:
                    f.write(read(src))
        att = name + ".attestations"
        try:
            got = verify(read(name + ".jsonl"),
                         read(att) if os.path.exists(os.path.join(vdir, att)) else None,
                         ic.load_cert(read(exp["root"])) if exp.get("root") else None, art,
                         read(exp["plan"]) if exp.get("plan") else None,
                         set(exp["witnesses"]) if exp.get("witnesses") else None,
                         bool(exp.get("witnesses")))   # as `cargo test --test vectors` does
            outcome, where = got.split()[1].lower(), ()
        except Invalid as e:
            got, outcome, where = str(e), "invalid", (e.seq, e.line)
            if e.kind != exp.get("failure"):    # the category is specified: it must agree
                failed.append(f"{name}: kind {e.kind}, the vector says {exp.get('failure')}")
        if (outcome, where) != (exp["outcome"], tuple(exp[k] for k in ("seq", "line") if k in exp)):
            failed.append(f"{name}: expected {exp['outcome']} {exp.get('seq', '')} "
                          f"{exp.get('line', '')}, got {got}")
    print(f"transcript vectors: {len(names) - len(failed)} of {len(names)} agree")
    for line in [f"  FAIL {f}" for f in failed] + [f"  note {n}" for n in notes]:
        print(line)
    return 1 if failed or not names else 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description="Independent rootkey transcript verifier "
                                             "(docs/formats.md, Ceremony transcript v1)")
    ap.add_argument("transcript", nargs="?")
    ap.add_argument("--root")
    ap.add_argument("--artifacts")
    ap.add_argument("--plan")
    ap.add_argument("--witnesses", nargs="+")
    ap.add_argument("--all-witnesses", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--quick", action="store_true", help="self-test: flip every 7th byte only")
    ap.add_argument("--vectors", nargs="?", const=HERE, metavar="DIR",
                    help="check the transcript_* vectors (default: this file's directory)")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test(args.quick)
    if args.vectors:
        return check_vectors(args.vectors)
    if not args.transcript:
        ap.error("a transcript is required")
    if args.all_witnesses and not args.witnesses:
        ap.error("--all-witnesses requires --witnesses")

    def read(p):
        with open(p, "rb") as f:
            return f.read()
    try:
        data = read(args.transcript)
        # GAP: the sibling of a transcript not named *.jsonl is not defined.
        apath = re.sub(r"\.jsonl$", "", args.transcript) + ".attestations"
        att = read(apath) if os.path.exists(apath) else None
        try:
            cert = ic.load_cert(read(args.root)) if args.root else None
        except (ic.Reject, AssertionError, IndexError, ValueError) as e:
            raise ValueError(f"--root: {e}")
        plan = read(args.plan) if args.plan else None
        wit = {pem_public_key(read(p)) for p in args.witnesses} if args.witnesses else None
        if args.artifacts and not os.path.isdir(args.artifacts):
            raise ValueError(f"--artifacts {args.artifacts} is not a directory")
    except (OSError, ValueError) as e:
        print(f"INVALID seq=- line=- malformed: cannot read the input: {e}")
        return 1
    try:
        verdict = verify(data, att, cert, args.artifacts, plan, wit, args.all_witnesses)
    except Invalid as e:
        print(e)
        return 1
    print(verdict)
    return 0 if verdict == "VALID SEALED" else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
