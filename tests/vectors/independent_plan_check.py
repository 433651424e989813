#!/usr/bin/env python3
"""Independent checker of ceremony plans, version 2 (docs/plans.md), written from the spec alone.

Usage: independent_plan_check.py VECTOR_DIR [PLAN.toml ...]

For each `planv2_*.toml` vector in VECTOR_DIR, applies docs/plans.md's "Validation" rules in
their order and, for a valid plan, builds "The merged step list" (built-in steps of the kind,
checklist steps placed before/after them, numbered, with the acting role and person), and
compares with the sibling `.expect.json`: `outcome` ("ok" or "error"); for an error, this
checker's reason must be part of `message_contains` (rootkey's message) or contain it; for a
valid plan, `kind`, `version` and `steps` (key, actor, person, checklist, critical, and the
title of a checklist step) must be equal. Every further PLAN.toml given (the shipped plans) must
be valid. Exit status 0 when everything agrees, 1 otherwise. Python standard library only; the
version 1 rules are independent_check.py's (formats.md, "Ceremony plan").
"""

import json
import os
import sys
import tomllib

from independent_check import Reject, check_k_n, check_token_table, exact_keys, typed

V2_TOP = ("ceremony", "quorum", "participants", "holders", "roles", "checklist",
          "generation", "rotation", "crl", "share-audit")
KINDS = ("generation", "rotation", "crl", "share-audit")
BY = {"administrator": "Ceremony administrator", "crypto-officer": "Crypto officer",
      "witness": "Witness", "auditor": "Auditor"}
CRITICAL = ("generate-root-key", "sign-root-certificate", "write-manifest", "receive-share",
            "write-token", "issue-certificate", "issue-crl")
TOKEN_MEDIA = ("pkcs11", "yubikey")
MAX_TITLE, MAX_TEXT = 40, 300


def unsafe(c):
    """Control and invisible formatting characters (formats.md, "Escaping")."""
    o = ord(c)
    return (o < 0x20 or 0x7F <= o < 0xA0 or o in (0xAD, 0x061C, 0x180E, 0xFEFF)
            or 0x200B <= o <= 0x200F or 0x2028 <= o <= 0x202E or 0x2060 <= o <= 0x206F
            or 0xFFF9 <= o <= 0xFFFB)


def line(v, key, mx):
    if not isinstance(v, str):
        raise Reject("invalid type")
    if not (1 <= len(v) <= mx) or v.strip() != v or any(unsafe(c) for c in v):
        raise Reject(f"must be a single line of 1 to {mx} characters without outer spaces")
    return v


def v1_rules(doc):
    """formats.md "Ceremony plan" (as independent_check.parse_plan), on the v1 part."""
    exact_keys(doc["ceremony"], ["name", "kind"], ["rehearsal"], "[ceremony]")
    doc.setdefault("quorum", {})
    exact_keys(doc["quorum"], [], ["threshold", "shares"], "[quorum]")
    k = typed(doc["quorum"].setdefault("threshold", 3), int, 0, 255)
    n = typed(doc["quorum"].setdefault("shares", 5), int, 0, 255)
    typed(doc["ceremony"]["name"], str)
    typed(doc["ceremony"].get("rehearsal", False), bool)
    people = typed(doc.setdefault("participants", []), list)
    for p in people:
        exact_keys(p, ["name", "role"], [], "[[participants]]")
        typed(p["name"], str)
        typed(p["role"], str)
    holders = typed(doc["holders"], list)
    for h in holders:
        exact_keys(h, ["name", "role", "medium"], ["token"], "[[holders]]")
        if h["medium"] not in ("text", "paper") + TOKEN_MEDIA:
            raise Reject(f"unknown variant `{h['medium']}`")
    check_k_n(k, n)
    if len(holders) != n:
        raise Reject(f"shares = {n} but {len(holders)} holders are listed")
    if not doc["ceremony"]["name"].strip():
        raise Reject("ceremony.name is empty")
    texts = [doc["ceremony"]["name"]] + [x[f] for x in people + holders for f in ("name", "role")]
    if any(len(t) > 200 for t in texts):
        raise Reject("names and roles are limited to 200 characters")
    for i, p in enumerate(people):
        if not p["name"].strip() or any(unsafe(c) for c in p["name"] + p["role"]):
            raise Reject(f"participant {i + 1}: name must not be empty")
        if any(o["name"] == p["name"] for o in people[:i]):
            raise Reject("are both named")
    for i, h in enumerate(holders):
        if not h["name"].strip():
            raise Reject(f"holder {i + 1} has an empty name")
        if any(unsafe(c) for c in h["name"] + h["role"]):
            raise Reject("name and role must be single lines without control characters")
        if any(o["name"] == h["name"] for o in holders[:i]):
            raise Reject("are both named")
    for h in holders:
        check_token_table(h)


def person(doc, name, holders_too):
    """A name of [roles]: a participant's (or, for confirmers, also a holder's)."""
    if not isinstance(name, str):
        raise Reject("invalid type")
    if any(p["name"] == name for p in doc["participants"]):
        return name
    if holders_too and any(h["name"] == name for h in doc["holders"]):
        return name
    raise Reject(f"{json.dumps(name, ensure_ascii=False)} is not the name of")


def presenting(doc, t, key):
    k, n = doc["quorum"]["threshold"], doc["quorum"]["shares"]
    out = []
    for i in typed(t.get("presenting", []), list):
        if isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= n:
            raise Reject(f"{i} is not a share index (1 to {n})")
        if i in out:
            raise Reject(f"share {i} is listed twice")
        out.append(i)
    if "presenting" in t and len(out) < k:
        raise Reject(f"{len(out)} share(s) listed, fewer than the threshold {k}")
    return out


def params(doc, kind):
    for other in KINDS:
        if other in doc and other != kind:
            raise Reject(f"a [{other}] table in a plan of kind \"{kind}\"")
    if kind == "generation":
        g = doc.get("generation", {})
        exact_keys(g, [], ["profile", "dice", "print-to"], "[generation]")
        if "profile" in g:
            line(g["profile"], "generation.profile", 4096)
        typed(g.get("dice", False), bool)
        if "print-to" in g:
            line(g["print-to"], "generation.print-to", 200)
        return g
    if kind not in doc:
        raise Reject(f"a plan of kind \"{kind}\" needs a [{kind}] table")
    t = doc[kind]
    if kind == "rotation":
        exact_keys(t, ["root", "manifest", "csr", "profile"],
                   ["csr-sha256", "previous", "presenting"], "[rotation]")
        if "csr-sha256" in t:
            h = t["csr-sha256"]
            if not (isinstance(h, str) and len(h) == 64
                    and all(c in "0123456789abcdefABCDEF" for c in h)):
                raise Reject("must be 64 hex digits")
        for key in ("root", "manifest", "csr", "profile", "previous"):
            if key in t:
                line(t[key], key, 4096)
        presenting(doc, t, "rotation.presenting")
    elif kind == "crl":
        exact_keys(t, ["root", "manifest"],
                   ["previous-crl", "first-crl", "revoke", "next-update-days", "presenting"], "[crl]")
        first = typed(t.get("first-crl", False), bool)
        if "previous-crl" in t and first:
            raise Reject("give `previous-crl` or `first-crl = true`, not both")
        if "previous-crl" not in t and not first:
            raise Reject("name the previous CRL (`previous-crl = \"PATH\"`) or say `first-crl = true`")
        if "previous-crl" in t:
            line(t["previous-crl"], "crl.previous-crl", 4096)
        for r in typed(t.get("revoke", []), list):
            line(r, "crl.revoke", 200)
        d = t.get("next-update-days", 180)
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 365:
            raise Reject(f"{d} is not 1 to 365")
        for key in ("root", "manifest"):
            line(t[key], key, 4096)
        presenting(doc, t, "crl.presenting")
    else:
        exact_keys(t, ["root", "manifest"], [], "[share-audit]")
        for key in ("root", "manifest"):
            line(t[key], key, 4096)
    return t


def short_title(text):
    if len(text) <= MAX_TITLE:
        return text
    out = ""
    for word in text.split(" "):
        if len(out) + len(word) + 1 > MAX_TITLE - 1:
            break
        out = f"{out} {word}" if out else word
    return (out or text[:MAX_TITLE - 1]) + "…"


def is_step_id(s):
    return (isinstance(s, str) and 1 <= len(s) <= 64
            and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in s)
            and not s.startswith("-") and not s.endswith("-") and "--" not in s)


def parse(data):
    """docs/plans.md "Validation", steps 1 to 6. Returns (doc, roles, checklist)."""
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise Reject(f"TOML: {e}")
    version = doc.pop("version", 1)
    if version not in (1, 2):
        raise Reject(f"plan version {version} is not known")
    if version == 1:
        if "kind" in doc.get("ceremony", {}) or any(t in doc for t in V2_TOP[4:]):
            raise Reject("this is a plan v2 key, but the plan has no `version = 2`")
        raise Reject("a version 1 plan (independent_check.py checks those)")
    exact_keys(doc, ["ceremony", "holders", "roles"], V2_TOP, "plan")
    if doc["ceremony"].get("kind") not in KINDS:
        raise Reject("a plan v2 needs `kind` in [ceremony]" if "kind" not in doc["ceremony"]
                     else f"unknown variant `{doc['ceremony']['kind']}`")
    kind = doc["ceremony"]["kind"]
    v1_rules(doc)
    r = doc["roles"]
    exact_keys(r, ["administrator", "crypto-officers", "witness"], ["confirmers", "auditor"], "[roles]")
    admin = person(doc, r["administrator"], False)
    officers = []
    if not typed(r["crypto-officers"], list):
        raise Reject("name at least one crypto officer")
    for c in r["crypto-officers"]:
        name = person(doc, c, False)
        if name in officers:
            raise Reject(f"{json.dumps(name, ensure_ascii=False)} is listed twice")
        officers.append(name)
    witness = person(doc, r["witness"], False)
    if witness == admin or witness in officers:
        raise Reject("the internal witness must be someone else")
    confirmers = []
    if "confirmers" not in r:
        if kind != "share-audit":
            raise Reject(f"a {kind} needs `confirmers`")
    else:
        if len(typed(r["confirmers"], list)) != 2:
            raise Reject(f"name exactly two people ({len(r['confirmers'])} named)")
        for c in r["confirmers"]:
            name = person(doc, c, True)
            if name in confirmers:
                raise Reject("two different people confirm")
            confirmers.append(name)
    auditor = person(doc, r["auditor"], False) if "auditor" in r else None
    roles = {"administrator": admin, "crypto-officer": officers[0], "witness": witness,
             "auditor": auditor, "confirmers": confirmers}
    params(doc, kind)
    checklist = []
    for c in typed(doc.get("checklist", []), list):
        exact_keys(c, ["text", "by"], ["title", "before", "after"], "[[checklist]]")
        text = line(c["text"], "checklist.text", MAX_TEXT)
        title = line(c["title"], "checklist.title", MAX_TITLE) if "title" in c else short_title(text)
        if c["by"] not in BY:
            raise Reject(f"unknown variant `{c['by']}`")
        if roles[c["by"]] is None:
            raise Reject("the plan names no auditor in [roles]")
        if "before" in c and "after" in c:
            raise Reject("give `before` or `after`, not both")
        if "before" not in c and "after" not in c:
            raise Reject("say where the step goes")
        where = "before" if "before" in c else "after"
        if not is_step_id(c[where]):
            raise Reject("is not a step id")
        checklist.append({"text": text, "title": title, "by": c["by"], where: c[where]})
    return doc, roles, checklist


def builtin(doc, kind):
    """docs/plans.md "Built-in steps": (id, nth, role) in order."""
    k, n = doc["quorum"]["threshold"], doc["quorum"]["shares"]
    rehearsal = doc["ceremony"].get("rehearsal", False)
    t = doc.get(kind, {})
    one = lambda i, role: (i, None, role)  # noqa: E731
    rep = lambda i, count, role: [(i, j, role) for j in range(1, count + 1)]  # noqa: E731
    if kind == "generation":
        dice = t.get("dice", False) and not rehearsal
        s = [one("start-ceremony", "officer")]
        if dice:
            s.append(one("type-dice", "officer"))
        s += [one("draw-seed", "tool"), one("generate-root-key", "tool"), one("split-seed", "tool"),
              one("sign-root-certificate", "tool")]
        for i, h in enumerate(doc["holders"], 1):
            if h["medium"] in TOKEN_MEDIA:
                s.append(("write-token", i, "holder"))
            s.append(("receive-share", i, "holder"))
        s += [one("write-root-pem", "tool"), one("write-manifest", "tool")]
        if rehearsal:
            return s + [one("wipe-generated-key", "tool"), one("load-context", "tool")] + \
                rep("present-share", k, "holder") + [one("rebuild-key", "tool"), one("seal-transcript", "tool")]
        return s + [one("seal-transcript", "tool"), one("attest-transcript", "witness")]
    if kind == "share-audit":
        return [one("start-ceremony", "officer"), one("load-context", "tool")] + \
            rep("prove-share", n, "holder") + [one("complete-audit", "tool"), one("attest-transcript", "witness")]
    p = len(t.get("presenting", [])) or k
    s = []
    if kind == "rotation":
        if "csr-sha256" not in t:
            s.append(one("type-csr-hash", "officer"))
        s += [one("start-ceremony", "officer"), one("load-context", "tool"), one("check-csr", "tool")]
        if "previous" in t:
            s.append(one("check-previous", "tool"))
        s.append(one("prepare-certificate", "tool"))
        last = ["issue-certificate", "write-intermediate", "write-chain"]
    else:
        s += [one("start-ceremony", "officer"), one("load-context", "tool")]
        if "previous-crl" in t:
            s.append(one("check-previous-crl", "tool"))
        s.append(one("prepare-crl", "tool"))
        last = ["issue-crl", "write-crl-der", "write-crl-pem"]
    s += rep("confirm", 2, "confirmer") + rep("present-share", p, "holder") + [one("rebuild-key", "tool")]
    s += rep("check-further-share", p - k, "tool")
    return s + [one(x, "tool") for x in last] + [one("seal-transcript", "tool")]


def actor(doc, roles, kind, step):
    """docs/plans.md "Roles": who acts at a built-in step, and their name."""
    sid, nth, role = step
    holder = lambda i: doc["holders"][i - 1]["name"] if 1 <= i <= len(doc["holders"]) else None  # noqa: E731
    if role == "officer" and sid == "start-ceremony":
        return "Ceremony administrator", roles["administrator"]
    if role in ("officer", "tool"):
        return "Crypto officer", roles["crypto-officer"]
    if role == "witness":
        return "Witness", roles["witness"]
    if role == "confirmer":
        return "Confirmer", roles["confirmers"][nth - 1] if nth <= len(roles["confirmers"]) else None
    if sid == "present-share":
        if doc["ceremony"].get("rehearsal", False) and kind == "generation":
            return "Holder", holder(nth)
        pres = doc.get(kind, {}).get("presenting", [])
        return "Holder", holder(pres[nth - 1]) if nth <= len(pres) else None
    return "Holder", holder(nth)


def merged(data):
    """docs/plans.md "The merged step list" (and Validation step 7)."""
    doc, roles, checklist = parse(data)
    kind = doc["ceremony"]["kind"]
    steps = builtin(doc, kind)
    key = lambda s: s[0] if s[1] is None else f"{s[0]}-{s[1]}"  # noqa: E731
    before = [[] for _ in steps]
    after = [[] for _ in steps]
    for ci, c in enumerate(checklist):
        want = c.get("before", c.get("after"))
        hits = [i for i, s in enumerate(steps) if key(s) == want or s[0] == want]
        if not hits:
            raise Reject(f"{json.dumps(want)} is not a step of this")
        (before[hits[0]] if "before" in c else after[hits[-1]]).append(ci)

    def check_step(ci):
        c = checklist[ci]
        return {"key": f"checklist-{ci + 1}", "actor": BY[c["by"]], "person": roles[c["by"]],
                "checklist": True, "critical": False, "title": c["title"]}
    out = []
    for i, s in enumerate(steps):
        out += [check_step(ci) for ci in before[i]]
        a, p = actor(doc, roles, kind, s)
        out.append({"key": key(s), "actor": a, "person": p, "checklist": False,
                    "critical": s[0] in CRITICAL})
        out += [check_step(ci) for ci in after[i]]
    return kind, out


FAILURES = []


def agree(name, data, exp):
    try:
        kind, steps = merged(data)
        if exp["outcome"] != "ok":
            FAILURES.append(f"{name}: accepted, but expected an error like {exp.get('message_contains')!r}")
            return
        if (kind, exp["version"]) != (exp["kind"], 2):
            FAILURES.append(f"{name}: kind {kind}, expected {exp['kind']}")
        for i, (got, want) in enumerate(zip(steps, exp["steps"]), 1):
            if got != want:
                FAILURES.append(f"{name}: step {i}: {got} != {want}")
                break
        if len(steps) != len(exp["steps"]):
            FAILURES.append(f"{name}: {len(steps)} steps, expected {len(exp['steps'])}")
    except Reject as e:
        if exp["outcome"] != "error":
            FAILURES.append(f"{name}: refused ({e}), but expected ok")
        elif str(e) not in exp["message_contains"] and exp["message_contains"] not in str(e):
            FAILURES.append(f"{name}: refused for {str(e)!r}, expected a reason like {exp['message_contains']!r}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    names = sorted(n for n in os.listdir(d) if n.startswith("planv2_") and n.endswith(".toml"))
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            data = f.read()
        with open(os.path.join(d, n[:-5] + ".expect.json"), encoding="utf-8") as f:
            exp = json.load(f)
        agree(n, data, exp)
    for p in sys.argv[2:]:
        with open(p, "rb") as f:
            data = f.read()
        try:
            kind, steps = merged(data)
            print(f"{os.path.basename(p)}: valid, {kind}, {len(steps)} steps")
        except Reject as e:
            FAILURES.append(f"{p}: refused: {e}")
    print(f"independent plan check: {len(names)} vectors, {len(sys.argv) - 2} plans")
    if FAILURES:
        print(f"{len(FAILURES)} disagreement(s):")
        for x in FAILURES:
            print("  " + x)
        sys.exit(1)
    print("all plans agree with the specification")


if __name__ == "__main__":
    main()
