// An XDP program of one's own, as users write it (without libbpf's headers, so the test needs only clang):
// counts every frame in a legacy map and redirects it to the AF_XDP socket of its queue (BTF-defined XSKMAP).
// Built by ElfLoaderTest with: clang -O2 -g -target bpf -c count_redirect.c
typedef unsigned int __u32;
typedef unsigned long long __u64;
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (*bpf_redirect_map)(void *map, __u64 key, __u64 flags) = (void *) 51;

struct bpf_map_def SEC("maps") seen = { .type = 2 /* ARRAY */, .key_size = 4, .value_size = 8, .max_entries = 1 };

struct {
    __uint(type, 17 /* XSKMAP */);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 64);
} xsks SEC(".maps");

SEC("xdp")
int count_and_redirect(struct xdp_md *ctx) {
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&seen, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
    return bpf_redirect_map(&xsks, ctx->rx_queue_index, 2 /* XDP_PASS when the slot is empty */);
}

char _license[] SEC("license") = "GPL";
