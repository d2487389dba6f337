#!/bin/sh
# Installs what narrate's build, tests or benchmarks need from Debian's archive, and only what
# is missing. usage: scripts/install-deps.sh [build|test|bench]
set -eu
need="cmake make gcc g++ binutils pkg-config python3 python3-clang-14 libclang-14-dev python3-jinja2 libcurl4-openssl-dev"
case "${1:-build}" in
  build) ;;
  test) need="$need clang libclang-rt-14-dev python3-pytest babeltrace2 protobuf-compiler valgrind" ;;
  bench) need="$need valgrind liblttng-ust-dev lttng-tools libspdlog-dev uftrace" ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# the OTLP tests decode with OpenTelemetry's JavaScript: Node.js and npm, from Debian unless
# the machine has them already (another nodejs package would conflict with Debian's npm)
if [ "${1:-build}" = test ] && ! command -v npm > /dev/null; then missing="$missing nodejs npm"; fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "narrate: missing Debian packages:$missing; run as root or install them: apt-get install$missing" >&2
  exit 1
fi
echo "narrate: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
