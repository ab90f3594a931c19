#!/usr/bin/env bash
# Builds every project under examples/ from its own folder, with nothing but the library's coordinates (installed
# into the local Maven repository by the test command's `mvn install`), and runs each against the real thing:
# receive-filter on a veth pair in a namespace made here, shm-pair as two processes, daemon-client as uid 65534
# through a zcnbrhd started here, netty-server (a Netty echo server on AF_XDP) against a Python client. A missing
# export, a wrong coordinate or a changed API fails the test command.
# Everything made here is removed on exit, also on failure. Needs root (veth, namespaces, AF_XDP, setpriv).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/scripts/env.sh"
zcnbrh_find_java25
zcnbrh_need_maven
java="$JAVA_HOME/bin/java"
tag="zx$$"
ns="$tag-ns"
outer="$tag-o"
inner="$tag-i"
work="$(mktemp -d /tmp/zcnbrh-examples.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip link del "$outer" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -f "/dev/shm/zcnbrh-example-$tag"* 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

build() { # the example's own folder, its own pom, the installed coordinates only
  echo "examples: building $1 from examples/$1/pom.xml"
  (cd "$here/examples/$1" && mvn -B -ntp -q package)
}
run_java() { # example-dir main-class args...
  local dir="$1"; shift
  "$java" --enable-native-access=ALL-UNNAMED -cp "$here/examples/$dir/target/classes:$here/examples/$dir/target/lib/*" "$@"
}

ip netns add "$ns"
ip link add "$outer" type veth peer name "$inner" netns "$ns"
ip addr add 10.231.0.1/24 dev "$outer"
ip link set "$outer" up
ip -n "$ns" addr add 10.231.0.2/24 dev "$inner"
ip -n "$ns" link set "$inner" up
ip -n "$ns" link set lo up
# a datagram every 5 ms to port 9000 (for the examples) and to 9001 (which their filter leaves to the kernel)
send_udp() {
  ip netns exec "$ns" bash -c 'while :; do echo hello > /dev/udp/10.231.0.1/9000; echo other > /dev/udp/10.231.0.1/9001; sleep 0.005; done' 2>/dev/null &
  pids+=("$!")
}

# 1. a receiver with a tcpdump filter compiled into the XDP program
build receive-filter
send_udp
run_java receive-filter example.ReceiveWithFilter "afxdp:$outer@0" "udp dst port 9000" 100 20
kill "${pids[-1]}"; unset 'pids[-1]'

# 2. two processes over one shared-memory ring
build shm-pair
run_java shm-pair example.ShmPair receive "example-$tag" 100000 &
receiver=$!
pids+=("$receiver")
run_java shm-pair example.ShmPair send "example-$tag" 100000
wait "$receiver"
unset 'pids[-1]'

# 3. an unprivileged zcnbrhd client: the daemon (root) owns the XDP program, the example runs as uid 65534
build daemon-client
chmod 755 "$work"
cp -r "$here/examples/daemon-client/target/classes" "$here/examples/daemon-client/target/lib" "$work/"
chmod -R a+rX "$work"
"$here/zcnbrh" daemon --socket "$work/zcnbrhd.sock" --allow "65534:$outer@0 filter=udp dst port 9000" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do [ -S "$work/zcnbrhd.sock" ] && break; sleep 0.1; done
send_udp
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
  "$java" --enable-native-access=ALL-UNNAMED -cp "$work/classes:$work/lib/*" example.DaemonClient \
  "$outer@0" "$work/zcnbrhd.sock" 100 20
kill "${pids[-1]}"; unset 'pids[-1]'              # the datagram sender
kill "$daemon"; wait "$daemon" 2>/dev/null || true  # the daemon: it leaves the interface as it found it
unset 'pids[-1]'

# 4. a Netty UDP echo server moved over to AF_XDP (event-loop group, channel class, one option); a Python client in
#    the namespace sends datagrams until 100 distinct echoes came back with their bytes intact
build netty-server
run_java netty-server example.NettyEchoServer "afxdp:$outer@0" 10.231.0.1 9000 100 &
server=$!
pids+=("$server")
ip netns exec "$ns" python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.231.0.2", 7000))
s.settimeout(0.2)
got, i, deadline = set(), 0, time.time() + 40
while len(got) < 100 and time.time() < deadline:
    s.sendto(b"%08d" % i + bytes(range(32)), ("10.231.0.1", 9000))
    i += 1
    try:
        data, _ = s.recvfrom(2048)
        if len(data) == 40 and data[8:] == bytes(range(32)):
            got.add(data[:8])
    except socket.timeout:
        pass
print("netty-server client: %d distinct echoes back, every byte intact" % len(got))
raise SystemExit(0 if len(got) >= 100 else 1)
PY
wait "$server"
unset 'pids[-1]'
echo "examples: every example built from its own folder and ran"
