#!/bin/sh
# Runs a test binary where DNS never answers: in a user + mount + network namespace, $1 (a
# resolv.conf naming only 127.0.0.1) is bind-mounted over /etc/resolv.conf; the test holds
# 127.0.0.1:53 itself. Where namespaces are not allowed, the binary runs as is and skips.
conf=$1
shift
if unshare -rmn true 2>/dev/null; then
  exec unshare -rmn sh -c 'ip link set lo up && mount --bind "$0" /etc/resolv.conf &&
    STREAMCACHE_DNS_STALL=1 exec "$@"' "$conf" "$@"
fi
exec "$@"
