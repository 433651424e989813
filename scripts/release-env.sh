# The build environment of rootkey's release binary (README, "Reproducible build";
# docs/auditor-guide.md). Source it, from anywhere, before `cargo build --release`:
#
#   . scripts/release-env.sh && cargo build --release --locked
#
# It sets RUSTFLAGS to remap the three absolute paths a build would otherwise write into the
# binary (in panic locations): cargo's home (the registry sources) to /cargo, this source tree
# to /rootkey, and the target directory ($CARGO_TARGET_DIR, default ./target) to
# /rootkey/target. The release profile itself (LTO, one codegen unit, stripped) is in
# Cargo.toml. Every release build that must give the same bytes uses exactly these flags:
# scripts/reproducible-build.sh, and .ci/run before scripts/supply-chain.sh (whose release build
# the SBOM test and the README's main job then reuse). A path with a space is refused (RUSTFLAGS
# is split at spaces). Sourced: returns 1 on error, leaving the environment unchanged.
_rk_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
_rk_home="${CARGO_HOME:-$HOME/.cargo}"
_rk_home="$(cd "$_rk_home" 2>/dev/null && pwd -P || echo "$_rk_home")"
_rk_target="${CARGO_TARGET_DIR:-$_rk_repo/target}"
case "$_rk_target" in /*) ;; *) _rk_target="$PWD/$_rk_target" ;; esac
if [[ "$_rk_repo$_rk_home$_rk_target" == *[[:space:]]* ]]; then
  echo "release-env: a path contains a space ($_rk_repo, $_rk_home, $_rk_target); RUSTFLAGS cannot remap it" >&2
  echo "  next step: build from a directory (and with a CARGO_HOME / CARGO_TARGET_DIR) without spaces" >&2
  unset _rk_repo _rk_home _rk_target
  return 1 2>/dev/null || exit 1
fi
# rustc applies the last matching prefix: the most specific comes last.
export RUSTFLAGS="--remap-path-prefix=$_rk_home=/cargo --remap-path-prefix=$_rk_repo=/rootkey --remap-path-prefix=$_rk_target=/rootkey/target"
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
unset _rk_repo _rk_home _rk_target
