#!/usr/bin/env bash
# Builds the C peer of the AF_XDP benchmarks (bench/peers/xsk_peer.c, libxdp's xsk API) and prints its path.
# A benchmark peer only: the library and its build have no C. Installs Debian's libxdp-dev and gcc when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/bench/peers/xsk_peer.c"
out="$here/bench/target/xsk_peer"
if [ ! -f /usr/include/xdp/xsk.h ] || ! command -v gcc >/dev/null; then
  echo "c-peer: installing libxdp-dev, libbpf-dev and gcc (apt-get) for the C benchmark peer" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxdp-dev libbpf-dev gcc) >&2
fi
if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
  mkdir -p "$(dirname "$out")"
  gcc -O2 -Wall -o "$out" "$src" -lxdp -lbpf >&2
fi
echo "$out"
