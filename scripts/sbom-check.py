#!/usr/bin/env python3
"""Checks an SBOM from scripts/sbom.py against what cargo builds for Linux. Standard library only.

    python3 scripts/sbom-check.py target/sbom/rootkey.cdx.json

"Built for Linux" is derived without the generator: the crates `cargo tree --locked --target
x86_64-unknown-linux-gnu -e normal,build` prints (cargo's own feature resolver, as for `cargo
build --release`), each of which must be a package of Cargo.lock. The SBOM must list exactly
those crates (nothing missing, nothing extra), each with purl pkg:cargo/NAME@VERSION and, for
crates.io crates, the SHA-256 that Cargo.lock records; rootkey is metadata.component, and every
dependency reference names a listed component. Exit 0 all agree, 1 otherwise (each difference
named on stderr).
"""

import json
import os
import re
import subprocess
import sys
import tomllib

TARGET = "x86_64-unknown-linux-gnu"
LINE = re.compile(r"^(\S+) v(\S+)(?: \(.*\))?(?: \(\*\))?$")


def built_for_linux(repo):
    out = subprocess.run(
        ["cargo", "tree", "--locked", "--target", TARGET, "-e", "normal,build",
         "--prefix", "none", "--format", "{p}"],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout
    crates = set()
    for line in out.splitlines():
        line = line.strip()
        if not line:
            continue
        m = LINE.match(line)
        if not m:
            raise SystemExit(f"sbom-check: cannot read `cargo tree` line {line!r}")
        crates.add((m.group(1), m.group(2)))
    return crates


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: sbom-check.py SBOM.json")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = sys.argv[1]
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            bom = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"sbom-check: cannot read {path}: {e}\n  next step: python3 scripts/sbom.py --out {path}")
    with open(os.path.join(repo, "Cargo.lock"), "rb") as f:
        lock = {(p["name"], p["version"]): p for p in tomllib.load(f)["package"]}

    if bom.get("bomFormat") != "CycloneDX" or bom.get("specVersion") != "1.5":
        problems.append("not a CycloneDX 1.5 document (bomFormat/specVersion)")
    root = bom.get("metadata", {}).get("component", {})
    root_key = (root.get("name"), root.get("version"))
    if root_key[0] != "rootkey":
        problems.append(f"metadata.component is {root_key[0]!r}, not rootkey")

    listed = {}
    for i, c in enumerate(bom.get("components", [])):
        key = (c.get("name"), c.get("version"))
        where = f"component {i} ({key[0]} {key[1]})"
        if key in listed:
            problems.append(f"{where}: listed twice")
        listed[key] = c
        if c.get("purl") != f"pkg:cargo/{key[0]}@{key[1]}" or c.get("bom-ref") != c.get("purl"):
            problems.append(f"{where}: purl/bom-ref {c.get('purl')!r} is not pkg:cargo/{key[0]}@{key[1]}")
        if not c.get("licenses"):
            problems.append(f"{where}: no licence")
        pkg = lock.get(key)
        if pkg and pkg.get("checksum"):
            hashes = {h.get("alg"): h.get("content") for h in c.get("hashes", [])}
            if hashes.get("SHA-256") != pkg["checksum"]:
                problems.append(f"{where}: SHA-256 {hashes.get('SHA-256')} is not Cargo.lock's {pkg['checksum']}")

    expected = built_for_linux(repo) - {root_key}
    for name, version in sorted(expected - set(lock)):
        problems.append(f"cargo tree builds {name} {version}, which is not in Cargo.lock")
    for name, version in sorted(expected - set(listed)):
        problems.append(f"missing from the SBOM: {name} {version} (built for {TARGET})")
    for name, version in sorted(set(listed) - expected):
        problems.append(f"in the SBOM but not built for {TARGET}: {name} {version}")

    refs = {c.get("bom-ref") for c in listed.values()} | {root.get("bom-ref")}
    for d in bom.get("dependencies", []):
        for r in [d.get("ref"), *d.get("dependsOn", [])]:
            if r not in refs:
                problems.append(f"dependencies: {r!r} is not a listed component")

    if problems:
        for p in problems:
            print(f"sbom-check: {path}: {p}", file=sys.stderr)
        print(f"  next step: regenerate with `python3 scripts/sbom.py --out {path}`; if it persists, "
              "scripts/sbom.py and cargo disagree (fix the generator)", file=sys.stderr)
        sys.exit(1)
    not_built = len(lock) - len(expected) - 1
    print(f"SBOM check: {len(listed)} components = the {len(expected)} crates of Cargo.lock built for "
          f"{TARGET} ({not_built} more in Cargo.lock are dev-only or for other platforms)")


if __name__ == "__main__":
    main()
