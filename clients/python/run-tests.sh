#!/bin/sh
# Builds the wheel and sdist offline with Debian's python3, checks them with twine, and runs the tests against the
# installed wheel (unzipped first on PYTHONPATH), never the source tree. Usage: clients/python/run-tests.sh [outdir]
# (default clients/python/dist; only this package's files in outdir are replaced). Runs as root or a normal user.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/dist"}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -rf "$out"/redis_stable_readers-* "$out"/redis-stable-readers-* "$here/build" "$here"/src/*.egg-info
"$python" -m build --no-isolation --skip-dependency-check --outdir "$out" "$here" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
rm -rf "$here/build" "$here"/src/*.egg-info
"$python" -m twine check --strict "$out"/redis_stable_readers-*.whl "$out"/redis-stable-readers-*.tar.gz
"$python" -m zipfile -e "$out"/redis_stable_readers-*.whl "$work/site"
cd "$here"
PYTHONPATH="$work/site" "$python" -m unittest discover -s "$here/tests" -t "$here" -v
