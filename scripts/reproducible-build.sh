#!/usr/bin/env bash
# Proves that rootkey's release binary is reproducible (README, "Reproducible build";
# docs/auditor-guide.md): the same commit, built twice in two different directories, gives the
# same bytes.
#
#   bash scripts/reproducible-build.sh [--commit REV] [--compare BINARY] [--keep]
#
# Each build starts from a fresh copy of the commit (`git archive`, default HEAD; uncommitted
# changes are not in it) at its own path, with its own empty target directory, the same
# toolchain (the rustc on PATH, printed; docs/auditor-guide.md names the one used), SOURCE_DATE_EPOCH set to the commit's time, and the release
# environment of scripts/release-env.sh (path remapping; the profile is in Cargo.toml).
#   default            two builds, in two directories; compares their SHA-256.
#   --compare BINARY   one build, compared with BINARY (e.g. target/release/rootkey, already
#                      built with scripts/release-env.sh: what CI does after supply-chain.sh,
#                      or the binary used at a ceremony, whose hash its transcript header holds).
#   --keep             keeps the work directory (the copies, their target directories, a log).
# Needs git, cargo and the crates of Cargo.lock (downloaded once; no network when present).
# Exit 0: the same SHA-256 (printed); 1: different (both printed) or a build failed; 2: usage.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd -P)"

usage() {
  echo "usage: bash scripts/reproducible-build.sh [--commit REV] [--compare BINARY] [--keep]" >&2
  exit 2
}
rev=HEAD
compare=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --commit) [ $# -ge 2 ] || usage; rev="$2"; shift 2 ;;
    --compare) [ $# -ge 2 ] || usage; compare="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done
if [ -n "$compare" ]; then
  if [ ! -f "$compare" ]; then
    echo "reproducible-build: no binary at $compare to compare with" >&2
    echo "  next step: build it first (. scripts/release-env.sh && cargo build --release --locked), or leave out --compare to build twice" >&2
    exit 1
  fi
  compare="$(cd "$(dirname "$compare")" && pwd -P)/$(basename "$compare")"
fi
commit="$(git -C "$repo" rev-parse --verify -q "$rev^{commit}")" || {
  echo "reproducible-build: $rev is not a commit of $repo" >&2
  echo "  next step: pass --commit with a commit, tag or branch that exists (git log)" >&2
  exit 1
}
if [ "$rev" = HEAD ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "note: the working tree has uncommitted changes; this builds commit $commit without them"
fi
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH="$(git -C "$repo" log -1 --format=%ct "$commit")"

work="$(mktemp -d "${TMPDIR:-/tmp}/rootkey-repro.XXXXXX")"
if [ "$keep" = 1 ]; then
  echo "work directory (kept): $work"
else
  trap 'rm -rf "$work"' EXIT
fi

# build DIR: copies the commit to DIR and builds it there; prints the binary's path.
build() {
  local dir="$1"
  mkdir -p "$dir"
  git -C "$repo" archive --format=tar "$commit" | tar -x -C "$dir"
  local start=$SECONDS
  (
    cd "$dir"
    unset CARGO_TARGET_DIR
    # shellcheck source=release-env.sh
    . scripts/release-env.sh
    cargo build --release --locked --quiet
  ) >"$dir.log" 2>&1 || {
    cat "$dir.log" >&2
    echo "reproducible-build: the build in $dir failed (its output above)" >&2
    echo "  next step: fix what cargo says; the crates of Cargo.lock must be downloadable or already in ~/.cargo" >&2
    exit 1
  }
  echo "built $commit in $dir in $((SECONDS - start)) s ($(rustc --version))" >&2
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

echo "commit $commit, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
# Two paths of different lengths and names, so that any path left in the binary shows.
build "$work/a/rootkey"
first="$work/a/rootkey/target/release/rootkey"
if [ -n "$compare" ]; then
  second="$compare"
else
  build "$work/second-build/src/rootkey-copy"
  second="$work/second-build/src/rootkey-copy/target/release/rootkey"
fi
h1="$(sha "$first")"
h2="$(sha "$second")"
if [ "$h1" != "$h2" ]; then
  echo "NOT reproducible: the two binaries differ" >&2
  echo "  $h1  $first" >&2
  echo "  $h2  $second" >&2
  echo "  next step: compare them (diffoscope, or cmp -l | head) to see what differs; rerun with --keep to keep both" >&2
  exit 1
fi
echo "reproducible: SHA-256 $h1 ($(stat -c %s "$first") bytes)"
