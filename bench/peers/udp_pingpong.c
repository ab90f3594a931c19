/*
 * The C UDP ping-pong client of `zcnbrh bench latency`: what a C programmer writes without any library, so the
 * Java clients' round trips have a plain-syscall figure from the same bed beside them. A benchmark peer only.
 *
 *   udp_pingpong MODE LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT WARMUP_SECONDS SAMPLES
 *
 * MODE is "blocking" (a blocking recv(), as most servers do) or "busypoll" (recv(MSG_DONTWAIT) in a spinning loop,
 * with SO_BUSY_POLL where the process may set it). Prints "ready", then one round trip in nanoseconds per line
 * for the SAMPLES measured ones, then "done cpu_ns=N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "udp_pingpong: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: udp_pingpong blocking|busypoll LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT WARMUP_S SAMPLES\n");
        return 2;
    }
    int busy = strcmp(argv[1], "busypoll") == 0;
    double warmup = atof(argv[6]);
    long samples = atol(argv[7]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[3]))};
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[5]))};
    if (inet_pton(AF_INET, argv[2], &local.sin_addr) != 1 || inet_pton(AF_INET, argv[4], &peer.sin_addr) != 1) {
        fprintf(stderr, "udp_pingpong: bad address\n");
        return 2;
    }
    if (bind(fd, (struct sockaddr *) &local, sizeof local) < 0) die("bind");
    if (connect(fd, (struct sockaddr *) &peer, sizeof peer) < 0) die("connect");
    if (busy) {
        int us = 50;
        setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof us); /* EPERM without CAP_NET_ADMIN: spin anyway */
    }
    uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t) samples);
    if (rtt == NULL) die("malloc");
    unsigned char out[64] = {0}, in[2048];
    printf("ready\n");
    fflush(stdout);
    uint64_t warm_end = now_ns(CLOCK_MONOTONIC) + (uint64_t) (warmup * 1e9);
    long n = 0;
    int measuring = 0;
    uint64_t cpu0 = 0;
    for (uint64_t seq = 1; n < samples; seq++) {
        memcpy(out, &seq, sizeof seq);
        uint64_t t0 = now_ns(CLOCK_MONOTONIC);
        if (send(fd, out, sizeof out, 0) < 0) die("send");
        for (;;) {
            ssize_t r = recv(fd, in, sizeof in, busy ? MSG_DONTWAIT : 0);
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                die("recv");
            }
            uint64_t got;
            memcpy(&got, in, sizeof got);
            if (r >= 8 && got == seq) break; /* a late echo of an earlier one is skipped */
        }
        uint64_t t1 = now_ns(CLOCK_MONOTONIC);
        if (!measuring && t1 >= warm_end) {
            measuring = 1;
            cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
            continue;
        }
        if (measuring) rtt[n++] = t1 - t0;
    }
    uint64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    for (long i = 0; i < samples; i++) printf("%llu\n", (unsigned long long) rtt[i]);
    printf("done cpu_ns=%llu\n", (unsigned long long) cpu);
    return 0;
}
