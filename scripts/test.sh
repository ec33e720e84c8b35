#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every unit, integration and doc test, including
# the compatibility test with the official Okta Python SDK (in a venv made here from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

OKTA_SDK_VERSION=3.4.6
venv=.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import okta" 2>/dev/null; then
  echo "== setting up $venv with okta==$OKTA_SDK_VERSION (Okta's Python SDK, for the compatibility test)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "okta==$OKTA_SDK_VERSION"
fi
export OKTACTL_PYTHON="$PWD/$venv/bin/python"
# In CI a missing SDK is a failure, not a skip.
if [ "${CI:-}" = "true" ]; then export OKTACTL_REQUIRE_PYTHON=1; fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
