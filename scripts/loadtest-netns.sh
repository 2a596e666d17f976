#!/bin/sh
# Runs the load-test harness inside a fresh Linux network namespace with the kernel knobs the
# compose `loadtest` profile sets, without Docker. Needs root (ip netns) and iproute2.
#
#   sudo sh scripts/loadtest-netns.sh                       # npm run build first
#   sudo CONCURRENCY=20000 DURATION_SECS=10 sh scripts/loadtest-netns.sh
#   sudo sh scripts/loadtest-netns.sh -- node dist/src/cli/main.js loadtest --http2
#
# Harness knobs (CONCURRENCY, HTTP2, ...) pass through the environment. Kernel knobs, each
# overridable from the environment:
#   SOMAXCONN=8192  TCP_TW_REUSE=1  IP_LOCAL_PORT_RANGE="10000 65535"  TCP_FIN_TIMEOUT=15
#   NOFILE=<n>      raise `ulimit -n` for the harness (unset: keep the current limit; the
#                   compose profile uses 1048576)
# These sysctls are per network namespace, so the host's own settings are untouched. The
# namespace is deleted on exit, Ctrl-C included; the harness's exit code is passed through.
set -eu

if [ "$(id -u)" != 0 ]; then
  echo "loadtest-netns: must run as root (ip netns add needs CAP_SYS_ADMIN)" >&2
  exit 2
fi
command -v ip >/dev/null 2>&1 || { echo "loadtest-netns: iproute2 (ip) is not installed" >&2; exit 2; }

cd "$(dirname "$0")/.."
if [ "${1:-}" = "--" ]; then shift; fi
if [ "$#" -eq 0 ]; then
  if [ ! -f dist/src/cli/main.js ]; then
    echo "loadtest-netns: dist/src/cli/main.js missing: run npm run build first" >&2
    exit 2
  fi
  set -- node dist/src/cli/main.js loadtest
fi

SOMAXCONN="${SOMAXCONN:-8192}"
TCP_TW_REUSE="${TCP_TW_REUSE:-1}"
IP_LOCAL_PORT_RANGE="${IP_LOCAL_PORT_RANGE:-10000 65535}"
TCP_FIN_TIMEOUT="${TCP_FIN_TIMEOUT:-15}"
NS="vigil-loadtest-$$"

cleanup() {
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sysctl -q -w \
  "net.core.somaxconn=$SOMAXCONN" \
  "net.ipv4.tcp_tw_reuse=$TCP_TW_REUSE" \
  "net.ipv4.ip_local_port_range=$IP_LOCAL_PORT_RANGE" \
  "net.ipv4.tcp_fin_timeout=$TCP_FIN_TIMEOUT"

echo "loadtest-netns: namespace $NS, kernel $(uname -r), settings:"
ip netns exec "$NS" sysctl net.core.somaxconn net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range net.ipv4.tcp_fin_timeout | sed 's/^/  /'
ip netns exec "$NS" sh -c '
  if [ -n "${NOFILE:-}" ]; then ulimit -n "$NOFILE" || exit 2; fi
  echo "  nofile = $(ulimit -n) (hard $(ulimit -Hn))"
  exec "$@"' loadtest-netns "$@" && status=0 || status=$?
echo "loadtest-netns: harness exited $status; removing $NS"
exit "$status"
