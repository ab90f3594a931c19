// Things the loader refuses by name; each variant is picked with -DVARIANT=n by ElfLoaderTest.
typedef unsigned int __u32;
#define SEC(name) __attribute__((section(name), used))
struct xdp_md { __u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
#if VARIANT == 1
__u32 counter;                                   // a global variable (.bss)
SEC("xdp") int prog(struct xdp_md *ctx) { counter++; return 2; }
#elif VARIANT == 2
__attribute__((noinline)) int helper(int x) { return x + 1; }   // a bpf-to-bpf call into .text
SEC("xdp") int prog(struct xdp_md *ctx) { return helper(1); }
#elif VARIANT == 3
SEC("kprobe/sys_open") int prog(void *ctx) { return 0; }     // a program type the loader does not load
#endif
char _license[] SEC("license") = "GPL";
