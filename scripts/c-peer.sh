#!/usr/bin/env bash
# Builds a C peer of the benchmarks and prints its path: xsk_peer (the default; bench/peers/xsk_peer.c on libxdp's
# xsk API) or udp_pingpong (bench/peers/udp_pingpong.c, plain sockets). Benchmark peers only: the library and its
# build have no C. Installs Debian's gcc (and libxdp-dev for xsk_peer) when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:-xsk_peer}"
case "$name" in
  xsk_peer) libs=(-lxdp -lbpf); needs_xdp=yes ;;
  udp_pingpong) libs=(); needs_xdp="" ;;
  *) echo "c-peer: unknown peer '$name' (xsk_peer or udp_pingpong)" >&2; exit 2 ;;
esac
src="$here/bench/peers/$name.c"
out="$here/bench/target/$name"
if ! command -v gcc >/dev/null || { [ -n "$needs_xdp" ] && [ ! -f /usr/include/xdp/xsk.h ]; }; then
  pkgs=(gcc)
  [ -n "$needs_xdp" ] && pkgs+=(libxdp-dev libbpf-dev)
  echo "c-peer: installing ${pkgs[*]} (apt-get) for the C benchmark peer" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}") >&2
fi
if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
  mkdir -p "$(dirname "$out")"
  gcc -O2 -Wall -o "$out" "$src" ${libs[@]+"${libs[@]}"} >&2
fi
echo "$out"
