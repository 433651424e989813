#!/usr/bin/env bash
# Supply-chain checks of rootkey (README, "Supply chain"), offline. Run from anywhere:
#
#   bash scripts/supply-chain.sh
#
# 1. makes a git copy of the RustSec advisory database ($ROOTKEY_ADVISORY_DB, default
#    ../shared/advisory-db beside the repository) in a temporary folder, committed with the
#    snapshot's own date so that cargo-deny's age limit (deny.toml) sees its real age;
# 2. installs cargo-deny $CARGO_DENY_VERSION once (`cargo install --locked --debug`) into
#    $ROOTKEY_CI_TOOLS (default ~/.cache/rootkey-ci/cargo-tools) and reuses it afterwards;
# 3. runs `cargo deny --offline --locked check` (advisories, bans, licenses, sources; deny.toml);
# 4. writes the CycloneDX SBOM of the release build (scripts/sbom.py) to $ROOTKEY_SBOM_OUT
#    (default target/sbom/rootkey.cdx.json) and checks it against the crates cargo builds for
#    Linux (scripts/sbom-check.py).
# Exit 0 all clean; 1 a finding or a missing input (the message names it and the next step).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

CARGO_DENY_VERSION=0.20.2
# The folder cargo-deny derives from its default database URL (deny.toml, db-urls).
DB_DIR_NAME=advisory-db-3157b0e258782691

db_src="${ROOTKEY_ADVISORY_DB:-$repo/../shared/advisory-db}"
if [ ! -d "$db_src/crates" ]; then
  echo "supply-chain: no RustSec advisory database at $db_src (no folder $db_src/crates)" >&2
  echo "  next step: put the offline copy there (README, \"Supply chain\": how it is refreshed), or set ROOTKEY_ADVISORY_DB to its folder" >&2
  exit 1
fi
# The snapshot date: "(YYYY-MM-DD)" on the README's "taken at upstream commit" line, else the
# newest advisory's date (never later than the snapshot, so the age is never understated).
snap_date="$(tr '\n' ' ' <"$db_src/README.md" 2>/dev/null | sed -n 's/.*upstream commit [0-9a-f]* *(\([0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}\)).*/\1/p')"
if [ -z "$snap_date" ]; then
  snap_date="$(grep -rhoE '^date = "[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$db_src/crates" | cut -d'"' -f2 | sort | tail -n 1)"
fi
[ -n "$snap_date" ] || { echo "supply-chain: cannot tell the date of the advisory database at $db_src" >&2; exit 1; }
echo "advisory database: $db_src, snapshot of $snap_date ($(find "$db_src/crates" -name 'RUSTSEC-*.md' | wc -l) crate advisories)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/advisory-dbs/$DB_DIR_NAME"
mkdir -p "$db"
cp -R "$db_src/." "$db/"
rm -rf "$db/.git"
(
  cd "$db"
  export GIT_AUTHOR_DATE="${snap_date}T00:00:00Z" GIT_COMMITTER_DATE="${snap_date}T00:00:00Z"
  git init -q
  git add -A
  git -c user.name=rootkey-ci -c user.email=ci@rootkey.invalid -c commit.gpgsign=false \
    -c core.hooksPath=/dev/null commit -q -m "offline copy of $db_src"
  # cargo-deny dates a database without FETCH_HEAD by max(HEAD commit, mtime of .git/HEAD).
  touch -d "${snap_date}T00:00:00Z" .git/HEAD
)

tools="${ROOTKEY_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rootkey-ci/cargo-tools}"
deny="$tools/bin/cargo-deny"
if [ "$("$deny" --version 2>/dev/null || true)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "installing cargo-deny $CARGO_DENY_VERSION into $tools (once; about 1 min on 2 cores)"
  start=$SECONDS
  # --debug: builds in ~1 min instead of ~4 (measured, README); the check itself takes ~2 s.
  cargo install --locked --debug --quiet cargo-deny --version "=$CARGO_DENY_VERSION" --root "$tools"
  echo "installed cargo-deny in $((SECONDS - start)) s"
fi

echo "+ cargo deny --offline --locked check (deny.toml)"
if ! ROOTKEY_DENY_DB_ROOT="$work/advisory-dbs" "$deny" --offline --locked --color never check --show-stats; then
  echo "supply-chain: cargo deny refused the dependency tree (its findings above; deny.toml is the policy)" >&2
  echo "  next step: fix what it names, or add a justified exception to deny.toml; \"repository is stale\": the advisory database is older than deny.toml's maximum-db-staleness, refresh it (README, \"Supply chain\")" >&2
  exit 1
fi

sbom="${ROOTKEY_SBOM_OUT:-$repo/target/sbom/rootkey.cdx.json}"
python3 scripts/sbom.py --out "$sbom"
python3 scripts/sbom-check.py "$sbom"
