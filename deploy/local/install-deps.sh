#!/usr/bin/env bash
# Installs what Seedbank needs on a fresh Debian 12 machine: the Debian packages of the
# local stand-in wiki (MediaWiki on php -S behind nginx, which serves its uploads) and of
# the reference BitTorrent clients the tests compare against, then the npm packages. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEBS=(mediawiki php-sqlite3 php-cli php-intl php-mbstring php-xml nginx aria2 mktorrent transmission-cli transmission-daemon
      python3-libtorrent qbittorrent-nox rtorrent opentracker chromium)
missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci trips over optional platform packages missing from the lock file on npm 11;
# npm install honours the lock file the same way for what it lists.
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
