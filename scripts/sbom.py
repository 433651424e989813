#!/usr/bin/env python3
"""CycloneDX 1.5 SBOM of rootkey's release build (README, "Supply chain"). Standard library only.

    python3 scripts/sbom.py [--out target/sbom/rootkey.cdx.json]

The crates are exactly those `cargo build --release --locked` compiles on x86_64 Linux: it runs
that build (a no-op when target/release is fresh) and takes the package of every unit cargo
reports. Licences, descriptions and the dependency edges come from `cargo metadata
--filter-platform`, whose resolve alone is not enough: it unifies features across
dev-dependencies and keeps optional crates named only by a weak feature, so it lists crates the
release build never compiles (zerocopy-derive, errno, flate2's zlib-rs). Crates needed only to
build (proc macros, build scripts and their dependencies) have scope "excluded": compiled, not
linked into the executable.

Each component: name, version, purl pkg:cargo/NAME@VERSION (also its bom-ref), the SPDX licence
expression, the SHA-256 of the .crate from Cargo.lock, and the dependency graph. rootkey itself is
metadata.component. The output is deterministic: no timestamp unless SOURCE_DATE_EPOCH is set,
and a serial number derived from Cargo.lock and the graph. scripts/sbom-check.py checks it
against `cargo tree`, independently of this script.
"""

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tomllib
import uuid

TARGET = "x86_64-unknown-linux-gnu"


def purl(pkg):
    return f"pkg:cargo/{pkg['name']}@{pkg['version']}"


def spdx(expr):
    # Old Cargo manifests write "MIT/Apache-2.0" for "MIT OR Apache-2.0".
    return " OR ".join(part.strip() for part in expr.split("/"))


def built_units(repo):
    """Package ids cargo compiles for `cargo build --release --locked` (fresh units included)."""
    proc = subprocess.run(
        ["cargo", "build", "--release", "--locked", "--quiet", "--message-format=json-render-diagnostics"],
        cwd=repo, check=True, stdout=subprocess.PIPE,
    )
    ids = set()
    for line in proc.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") in ("compiler-artifact", "build-script-executed"):
            ids.add(msg["package_id"])
    return ids


def build_graph(meta, built):
    packages = {p["id"]: p for p in meta["packages"]}
    root = meta["resolve"]["root"]
    edges = {}  # id -> {dep id: set of kinds}, between compiled crates only
    for node in meta["resolve"]["nodes"]:
        if node["id"] not in built:
            continue
        out = {}
        for dep in node["deps"]:
            kinds = {k["kind"] or "normal" for k in dep["dep_kinds"]} - {"dev"}
            if kinds and dep["pkg"] in built:
                out[dep["pkg"]] = kinds
        edges[node["id"]] = out
    # A crate reached from the root over normal edges, not through a proc macro, is linked into
    # the executable; the rest (build scripts' and proc macros' dependencies) only builds it.
    runtime = set()
    stack = [root]
    while stack:
        nid = stack.pop()
        if nid in runtime:
            continue
        runtime.add(nid)
        for dep, kinds in edges[nid].items():
            is_macro = any("proc-macro" in t["kind"] for t in packages[dep]["targets"])
            if "normal" in kinds and not is_macro:
                stack.append(dep)
    return packages, root, edges, runtime


def lock_checksums(path):
    with open(path, "rb") as f:
        lock = tomllib.load(f)
    return {(p["name"], p["version"]): p.get("checksum") for p in lock["package"]}


def make_bom(repo):
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", TARGET],
            cwd=repo,
            check=True,
            capture_output=True,
        ).stdout
    )
    built = built_units(repo)
    packages, root, edges, runtime = build_graph(meta, built)
    if root not in built:
        raise SystemExit(f"sbom: `cargo build --release` did not report rootkey ({root})")
    lock_path = os.path.join(repo, "Cargo.lock")
    checksums = lock_checksums(lock_path)

    def component(pkg, kind):
        c = {"type": kind, "bom-ref": purl(pkg), "name": pkg["name"], "version": pkg["version"]}
        if pkg.get("description"):
            c["description"] = " ".join(pkg["description"].split())
        if pkg.get("license"):
            c["licenses"] = [{"expression": spdx(pkg["license"])}]
        checksum = checksums.get((pkg["name"], pkg["version"]))
        if checksum:
            c["hashes"] = [{"alg": "SHA-256", "content": checksum}]
        c["purl"] = purl(pkg)
        if pkg.get("repository"):
            c["externalReferences"] = [{"type": "vcs", "url": pkg["repository"]}]
        return c

    components = []
    for nid in sorted(built - {root}, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        c = component(packages[nid], "library")
        c["scope"] = "required" if nid in runtime else "excluded"
        components.append(c)
    dependencies = [
        {"ref": purl(packages[nid]), "dependsOn": sorted(purl(packages[d]) for d in edges[nid])}
        for nid in sorted(built, key=lambda i: purl(packages[i]))
    ]
    with open(lock_path, "rb") as f:
        lock_hash = hashlib.sha256(f.read()).hexdigest()
    graph_hash = hashlib.sha256(json.dumps([components, dependencies], sort_keys=True).encode()).hexdigest()
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"rootkey-sbom:{lock_hash}:{graph_hash}")
    metadata = {
        "tools": {"components": [{"type": "application", "name": "rootkey scripts/sbom.py"}]},
        "component": component(packages[root], "application"),
        "properties": [
            {"name": "rootkey:target", "value": TARGET},
            {"name": "rootkey:profile", "value": "release"},
            {"name": "rootkey:cargo-lock-sha256", "value": lock_hash},
        ],
    }
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        ts = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        metadata = {"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), **metadata}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    }


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(repo, "target", "sbom", "rootkey.cdx.json"))
    args = ap.parse_args()
    try:
        bom = make_bom(repo)
    except subprocess.CalledProcessError as e:
        sys.stderr.write(e.stderr.decode(errors="replace"))
        sys.exit(f"sbom: `cargo metadata` failed (exit {e.returncode})\n  next step: run it in {repo} and fix what it says")
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = f"{out}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(bom, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, out)
    n_rt = sum(1 for c in bom["components"] if c["scope"] == "required")
    print(f"SBOM: {out} (CycloneDX 1.5, {len(bom['components'])} components: {n_rt} in the executable, "
          f"{len(bom['components']) - n_rt} build-only)")


if __name__ == "__main__":
    main()
