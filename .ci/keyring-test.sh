#!/bin/sh
# Runs the token-store tests against a real Secret Service (gnome-keyring) on headless Linux.
#
# Installs what it needs (Debian/Ubuntu, apt) when missing, then starts a private D-Bus
# session with an unlocked gnome-keyring and runs the store tests in it. With
# OKTACTL_REQUIRE_KEYRING=1 the keyring test fails instead of skipping when no keyring answers,
# so a broken setup cannot pass silently. Safe to run again.
set -eu

cd "$(dirname "$0")/.."

if ! command -v gnome-keyring-daemon >/dev/null 2>&1 || ! command -v dbus-run-session >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        gnome-keyring dbus
fi

# A throwaway keyring folder: gnome-keyring keeps the login keyring in
# $XDG_DATA_HOME/keyrings, and one left by an earlier run with another password stays locked
# (the tests would then fail with "prompt dismissed"). The user's own keyring is never touched.
KEYRING_HOME="$(mktemp -d)"
trap 'rm -rf "$KEYRING_HOME"' EXIT INT TERM

# gnome-keyring-daemon reads the login keyring's password on stdin, creates the keyring and
# unlocks it; its stdout (environment lines) is not needed with a session bus.
XDG_DATA_HOME="$KEYRING_HOME" dbus-run-session -- sh -c '
    printf %s ci-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    OKTACTL_REQUIRE_KEYRING=1 cargo test -p oktactl-auth --lib store -- --nocapture "$@"
' sh "$@"
