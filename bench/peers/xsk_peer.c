/*
 * The C peer of the AF_XDP benchmarks: receive, transmit and forward written the way libxdp's users write them
 * (xsk.h's ring helpers, batches of 64, poll() only when the RX ring is empty, one sendto() per TX batch).
 * Not part of the library or its build: `zcnbrh bench afxdp|transmit|forward --peer c` compiles it with gcc
 * against Debian's libxdp-dev (scripts/c-peer.sh) and runs it beside the Java code on the same veth pair.
 *
 *   xsk_peer rx  IFACE QUEUE RING FRAMES WARMUP SECONDS
 *   xsk_peer tx  IFACE QUEUE RING FRAMES WARMUP SECONDS FRAME_HEX
 *   xsk_peer fwd IFACE QUEUE RING FRAMES WARMUP SECONDS
 *
 * Prints "ready" once the socket is live, then one line at the end:
 *   result packets=N seconds=S cpu_ns=C
 * for the measured window (after WARMUP seconds). RING is the RX/TX/completion ring size, the fill ring is twice
 * that (as zcnbrh sizes it), FRAMES the UMEM frames of 2048 bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#define FRAME 2048
#define BATCH 64

static struct xsk_ring_prod fq, tx;
static struct xsk_ring_cons cq, rx;
static struct xsk_umem *umem;
static struct xsk_socket *xsk;
static void *area;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long cpu_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, int err) {
	fprintf(stderr, "xsk_peer: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

int main(int argc, char **argv) {
	if (argc < 8) {
		fprintf(stderr, "usage: xsk_peer rx|tx|fwd IFACE QUEUE RING FRAMES WARMUP SECONDS [FRAME_HEX]\n");
		return 2;
	}
	const char *mode = argv[1], *ifname = argv[2];
	int queue = atoi(argv[3]), ring = atoi(argv[4]), frames = atoi(argv[5]);
	double warmup = atof(argv[6]), seconds = atof(argv[7]);
	int is_rx = !strcmp(mode, "rx"), is_tx = !strcmp(mode, "tx"), is_fwd = !strcmp(mode, "fwd");
	unsigned char pkt[2048];
	int pkt_len = 0;
	if (is_tx) {
		if (argc < 9)
			die("tx needs FRAME_HEX", EINVAL);
		pkt_len = strlen(argv[8]) / 2;
		for (int i = 0; i < pkt_len; i++)
			sscanf(argv[8] + 2 * i, "%2hhx", &pkt[i]);
	}
	size_t size = (size_t)frames * FRAME;
	area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (area == MAP_FAILED)
		die("mmap", errno);
	struct xsk_umem_config uc = {.fill_size = 2 * ring, .comp_size = ring, .frame_size = FRAME,
				     .frame_headroom = 0, .flags = 0};
	int err = xsk_umem__create(&umem, area, size, &fq, &cq, &uc);
	if (err)
		die("xsk_umem__create", err);
	struct xsk_socket_config sc = {.rx_size = ring, .tx_size = ring, .xdp_flags = XDP_FLAGS_DRV_MODE,
				       .bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY};
	/* a socket closed just before may hold the queue until the kernel's deferred release runs: EBUSY for a while */
	for (int tries = 0; tries < 40; tries++) {
		err = xsk_socket__create(&xsk, ifname, queue, umem, is_tx ? NULL : &rx, &tx, &sc);
		if (err != -EBUSY)
			break;
		usleep(50000);
	}
	if (err)
		die("xsk_socket__create", err);
	int fd = xsk_socket__fd(xsk);
	/* receive frames: the first half, all on the fill ring; transmit frames: the second half */
	int rx_frames = is_tx ? 0 : frames / 2;
	unsigned idx;
	if (rx_frames) {
		if (xsk_ring_prod__reserve(&fq, rx_frames, &idx) != (unsigned)rx_frames)
			die("fill ring reserve", ENOSPC);
		for (int i = 0; i < rx_frames; i++)
			*xsk_ring_prod__fill_addr(&fq, idx + i) = (__u64)i * FRAME;
		xsk_ring_prod__submit(&fq, rx_frames);
	}
	int tx_free[65536], tx_top = 0;
	for (int i = frames - 1; i >= rx_frames; i--) {
		if (is_tx)
			memcpy((char *)area + (size_t)i * FRAME, pkt, pkt_len); /* prebuilt frames */
		tx_free[tx_top++] = i;
	}
	printf("ready\n");
	fflush(stdout);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	double start = now(), warm_end = start + warmup, end = warm_end + seconds;
	long long packets = 0, at_warm = -1, cpu_at_warm = 0;
	double t_warm = warm_end, t = start;
	volatile unsigned char sink = 0;
	unsigned long iter = 0;
	long outstanding = 0; /* fwd: frames on the TX ring whose completion has not come back */
	while (1) {
		if ((++iter & 255) == 0) {
			t = now();
			if (at_warm < 0 && t >= warm_end) {
				at_warm = packets;
				t_warm = t;
				cpu_at_warm = cpu_ns();
			}
			if (t >= end)
				break;
		}
		/* completions: receive frames (forwarded) back to the fill ring, transmit frames to the pool */
		unsigned ci;
		unsigned nc = xsk_ring_cons__peek(&cq, ring, &ci);
		if (nc) {
			if (is_fwd) {
				outstanding -= nc;
				unsigned fi;
				while (xsk_ring_prod__reserve(&fq, nc, &fi) != nc)
					;
				for (unsigned i = 0; i < nc; i++)
					*xsk_ring_prod__fill_addr(&fq, fi + i) = *xsk_ring_cons__comp_addr(&cq, ci + i);
				xsk_ring_prod__submit(&fq, nc);
			} else {
				for (unsigned i = 0; i < nc; i++)
					tx_free[tx_top++] = *xsk_ring_cons__comp_addr(&cq, ci + i) / FRAME;
			}
			xsk_ring_cons__release(&cq, nc);
		}
		if (is_tx) {
			unsigned n = tx_top < BATCH ? tx_top : BATCH;
			if (n && xsk_ring_prod__reserve(&tx, n, &idx) == n) {
				for (unsigned i = 0; i < n; i++) {
					struct xdp_desc *d = xsk_ring_prod__tx_desc(&tx, idx + i);
					d->addr = (__u64)tx_free[--tx_top] * FRAME;
					d->len = pkt_len;
				}
				xsk_ring_prod__submit(&tx, n);
				packets += n;
			}
			sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0); /* copy mode: one kick per batch */
			continue;
		}
		unsigned ri;
		unsigned n = xsk_ring_cons__peek(&rx, BATCH, &ri);
		if (!n) {
			if (is_fwd && outstanding) { /* frames still on their way out: kick and reap, do not sleep */
				sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
				continue;
			}
			poll(&pfd, 1, 100);
			continue;
		}
		if (is_rx) {
			unsigned fi;
			while (xsk_ring_prod__reserve(&fq, n, &fi) != n)
				;
			for (unsigned i = 0; i < n; i++) {
				const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, ri + i);
				sink += *(unsigned char *)xsk_umem__get_data(area, d->addr); /* touch byte 0 */
				*xsk_ring_prod__fill_addr(&fq, fi + i) = xsk_umem__extract_addr(d->addr);
			}
			xsk_ring_prod__submit(&fq, n);
			if (xsk_ring_prod__needs_wakeup(&fq))
				poll(&pfd, 1, 0);
		} else { /* fwd: the same frame out of the same port (hairpin), no copy */
			unsigned ti;
			while (xsk_ring_prod__reserve(&tx, n, &ti) != n) {
				sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
				unsigned c2 = xsk_ring_cons__peek(&cq, ring, &ci);
				if (c2) {
					unsigned fi;
					while (xsk_ring_prod__reserve(&fq, c2, &fi) != c2)
						;
					for (unsigned i = 0; i < c2; i++)
						*xsk_ring_prod__fill_addr(&fq, fi + i) = *xsk_ring_cons__comp_addr(&cq, ci + i);
					xsk_ring_prod__submit(&fq, c2);
					xsk_ring_cons__release(&cq, c2);
					outstanding -= c2;
				}
			}
			for (unsigned i = 0; i < n; i++) {
				const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, ri + i);
				struct xdp_desc *o = xsk_ring_prod__tx_desc(&tx, ti + i);
				o->addr = d->addr;
				o->len = d->len;
			}
			xsk_ring_prod__submit(&tx, n);
			outstanding += n;
			sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		}
		xsk_ring_cons__release(&rx, n);
		packets += n;
	}
	long long cpu = cpu_ns() - cpu_at_warm;
	printf("result packets=%lld seconds=%.6f cpu_ns=%lld\n", at_warm < 0 ? 0 : packets - at_warm, t - t_warm, cpu);
	fflush(stdout);
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	/* without bpffs libxdp loads its program without the dispatcher and leaves it attached; the benchmark's veth
	 * pair is ours, so take it off (the next socket on the queue would get EBUSY) */
	bpf_xdp_detach(if_nametoindex(ifname), XDP_FLAGS_DRV_MODE, NULL);
	return sink == 255 ? 0 : 0;
}
