#!/usr/bin/env bash
# The Debian packages the tests need, installed by `npm ci` itself (its preinstall step), so
# that a fresh machine needs nothing by hand: the build tools of aws-lambda-ric (the tests
# run the runtime interface client Lambda runs; it builds curl, aws-lambda-cpp and an N-API
# addon from the sources it ships) and Chromium (the HTML report's browser test). Never a
# download from anywhere but Debian's mirrors.
set -u
need=()
for tool in cmake autoconf automake make g++; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "hoptrace: the tests need these (Debian package names): ${need[*]}; install them, then run npm ci again" >&2
  exit 0
fi
echo "hoptrace: installing ${need[*]} from Debian's packages" >&2
apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
