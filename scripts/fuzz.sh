#!/usr/bin/env bash
# Fuzzing of rootkey's parsers (README, "Fuzzing"), as CI runs it. Run from anywhere:
#
#   bash scripts/fuzz.sh [TARGET...]        (default: every target of fuzz/Cargo.toml)
#
# 1. installs cargo-fuzz $CARGO_FUZZ_VERSION once (`cargo install --locked --debug`) into
#    $ROOTKEY_CI_TOOLS (default ~/.cache/rootkey-ci/cargo-tools) and reuses it afterwards;
# 2. checks that fuzz/Cargo.lock is up to date (`--locked`) and builds the targets with the
#    nightly toolchain (libFuzzer + AddressSanitizer, debug assertions and so overflow checks
#    on) into $ROOTKEY_FUZZ_TARGET_DIR (default fuzz/target): $ROOTKEY_FUZZ_BUILD=dev (the
#    default, `--dev`: unoptimised, several times less CPU to build than cargo-fuzz's release
#    mode with one codegen unit, which took 18 min of CPU here; 20 s runs need no speed) or
#    release (cargo-fuzz's default mode, for long runs; never `-O`, which drops the debug
#    assertions);
# 3. runs each target for $ROOTKEY_FUZZ_SECONDS (default 20) seconds, $ROOTKEY_FUZZ_JOBS
#    (default 2) at a time, from a COPY of its committed seed corpus fuzz/corpus/<target>/ (the
#    committed corpus never grows here), one input taking more than 10 s counting as a hang.
# Exit 0: no target crashed or hung; 1: a crash, a hang, or a step that failed. A crash is
# named with its target and the input file, kept in target/fuzz-artifacts/<target>/.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

CARGO_FUZZ_VERSION=0.13.2
seconds="${ROOTKEY_FUZZ_SECONDS:-20}"
jobs="${ROOTKEY_FUZZ_JOBS:-2}"
fuzz_target_dir="${ROOTKEY_FUZZ_TARGET_DIR:-$repo/fuzz/target}"
case "${ROOTKEY_FUZZ_BUILD:-dev}" in
  dev) build_flags=(--dev) profile=debug ;;
  release) build_flags=() profile=release ;;
  *) echo "fuzz: ROOTKEY_FUZZ_BUILD is \"$ROOTKEY_FUZZ_BUILD\"; it takes dev or release" >&2; exit 2 ;;
esac
artifacts="$repo/target/fuzz-artifacts"

tools="${ROOTKEY_CI_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rootkey-ci/cargo-tools}"
if [ "$("$tools/bin/cargo-fuzz" --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into $tools (once; about 1 min on 2 cores)"
  start=$SECONDS
  # --debug: cargo-fuzz only drives cargo and the fuzzers; its own speed does not matter.
  cargo install --locked --debug --quiet cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --root "$tools"
  echo "installed cargo-fuzz in $((SECONDS - start)) s"
fi
export PATH="$tools/bin:$PATH"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain (cargo-fuzz needs it for the sanitizer flags)" >&2
  echo "  next step: rustup toolchain install nightly" >&2
  exit 1
fi
if ! cargo +nightly metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null; then
  echo "fuzz: fuzz/Cargo.lock is not up to date with fuzz/Cargo.toml or ../Cargo.toml" >&2
  echo "  next step: run \`cargo +nightly update --workspace --manifest-path fuzz/Cargo.toml\` and commit fuzz/Cargo.lock" >&2
  exit 1
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi
start=$SECONDS
echo "+ cargo +nightly fuzz build ${build_flags[*]} (${#targets[@]} targets: ${targets[*]})"
if [ "$#" -gt 0 ]; then
  for t in "${targets[@]}"; do cargo +nightly fuzz build "${build_flags[@]}" --target-dir "$fuzz_target_dir" "$t"; done
else
  cargo +nightly fuzz build "${build_flags[@]}" --target-dir "$fuzz_target_dir"
fi
for t in "${targets[@]}"; do
  if [ ! -x "$fuzz_target_dir/x86_64-unknown-linux-gnu/$profile/$t" ]; then
    echo "fuzz: the target $t was not built (the build's errors above)" >&2
    echo "  next step: cargo +nightly fuzz build $t" >&2
    exit 1
  fi
done
echo "built the fuzz targets in $((SECONDS - start)) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One target: its corpus copied, its log and its artifacts (crash-*, timeout-*, oom-*) in $work.
run_one() {
  local t="$1" bin="$fuzz_target_dir/x86_64-unknown-linux-gnu/$profile/$1"
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  [ -d "fuzz/corpus/$t" ] && cp -R "fuzz/corpus/$t/." "$work/corpus/$t/"
  local dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  "$bin" "$work/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "${dict[@]}" >"$work/$t.log" 2>&1
}
failed=()
pids=()
names=()
wait_one() {
  local pid="${pids[0]}" t="${names[0]}"
  pids=("${pids[@]:1}")
  names=("${names[@]:1}")
  if wait "$pid"; then
    local runs
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")"
    echo "fuzz $t: ok, ${runs:-?} runs in ${seconds} s, corpus $(ls "$work/corpus/$t" | wc -l) inputs"
  else
    failed+=("$t")
    tail -n 60 "$work/$t.log"
    mkdir -p "$artifacts/$t"
    local found=0
    for f in "$work/artifacts/$t"/*; do
      [ -e "$f" ] || continue
      cp "$f" "$artifacts/$t/"
      echo "fuzz $t: FAILED on the input $artifacts/$t/$(basename "$f")" >&2
      found=1
    done
    [ "$found" = 1 ] || echo "fuzz $t: FAILED (no input saved; the log above says why)" >&2
    echo "  next step: reproduce with \`cargo +nightly fuzz run $t FILE\`, fix the parser and add a unit test with that input" >&2
  fi
}
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=("$!")
  names+=("$t")
  [ "${#pids[@]}" -lt "$jobs" ] || wait_one
done
while [ "${#pids[@]}" -gt 0 ]; do wait_one; done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash"
