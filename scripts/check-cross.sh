#!/usr/bin/env bash
# Type-checks the Rust crates (cargo check, then clippy -D warnings) for the
# platforms this Linux machine cannot build with its stock toolchain: Windows
# (IOCP) and macOS (kqueue), plus FreeBSD. Nothing is linked: `check` needs
# only each target's std, which Debian's rust-web-src provides as source and
# `-Zbuild-std` compiles (RUSTC_BOOTSTRAP allows the flag on a stable rustc).
#
#   scripts/check-cross.sh              # every target below
#   scripts/check-cross.sh x86_64-pc-windows-msvc
#   scripts/check-cross.sh --install    # first apt-get install the toolchain
#
# Needs Debian 12's rustc-web, cargo-web, rust-web-src and rust-web-clippy
# (installed to /usr/bin, next to and independent of a rustup toolchain).
# Builds go to target/cross, so the normal target/ is left alone. The first
# run per target compiles that target's std (1-4 minutes); later runs take
# seconds.

set -euo pipefail

cd "$(dirname "$0")/.."

DEFAULT_TARGETS=(
  x86_64-pc-windows-msvc
  aarch64-pc-windows-msvc
  x86_64-apple-darwin
  aarch64-apple-darwin
  x86_64-unknown-freebsd
)
PACKAGES=(rustc-web cargo-web rust-web-src rust-web-clippy)

targets=()
for arg in "$@"; do
  case "$arg" in
    --install)
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
      ;;
    -*)
      echo "unknown option: $arg" >&2
      exit 2
      ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${DEFAULT_TARGETS[@]}")

# Debian's toolchain, never the rustup proxies that may come first in PATH.
export PATH="/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$PWD/target/cross"
cargo=/usr/bin/cargo

if [ ! -x "$RUSTC" ] || [ ! -x "$cargo" ] || [ ! -x /usr/bin/cargo-clippy ]; then
  echo "Debian's Rust toolchain is missing: run with --install, or apt-get install ${PACKAGES[*]}" >&2
  exit 1
fi
if [ ! -d "$("$RUSTC" --print sysroot)/lib/rustlib/src/rust/library" ]; then
  echo "the standard library's source is missing: apt-get install rust-web-src" >&2
  exit 1
fi

echo "toolchain: $("$RUSTC" --version)"
failed=()
for target in "${targets[@]}"; do
  echo "== $target"
  if ! "$cargo" clippy --locked -Zbuild-std=std,panic_abort --target "$target" \
    -p socket2-core -p socket2-node --all-targets -- -D warnings; then
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "type check failed for: ${failed[*]}" >&2
  exit 1
fi
echo "type-checked: ${targets[*]}"
