#!/usr/bin/env bash
# Installs what Seedbank needs on a fresh Debian 12 machine: the Debian packages of the
# local stand-in wiki (MediaWiki on php -S behind nginx, which serves its uploads; MariaDB for
# the one fixture wiki whose tables are dumped with mysqldump, as Wikimedia does) and of
# the reference BitTorrent clients the tests compare against, then the npm packages. Safe to
# run again: it installs only what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEBS=(mediawiki php-sqlite3 php-mysql mariadb-server mariadb-client php-cli php-intl php-mbstring php-xml nginx aria2 mktorrent transmission-cli transmission-daemon
      python3-libtorrent qbittorrent-nox rtorrent opentracker chromium bzip2 time)
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

# npm ci installs exactly what package-lock.json lists (every platform's optional packages are
# in it, so it never rewrites the lock); it runs when node_modules is missing or older than the
# lock, i.e. after a fresh clone or a pull that changed the dependencies.
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
