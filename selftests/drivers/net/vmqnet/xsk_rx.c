// SPDX-License-Identifier: GPL-2.0
/*
 * A "VM" of the vmqnet selftests: an AF_XDP receiver on one queue of a
 * port, with libxdp's xsk API and its default program. It counts the
 * frames it receives and checks those send.py sends (UDP to port 9,
 * every payload byte FILL).
 *
 *   xsk_rx -i DEV -q QUEUE [-z|-c] [-W] [-m MAC] [-s SIZE] [-f FILL]
 *          [-n FRAMES] [-t SECS] [-F FRAMES] [-C SIZE] [-H BYTES] [-S Q2]
 *          [-x COUNT -D DSTMAC -A SRCIP -B DSTIP]
 *
 *   -z / -c   bind in zero-copy (the default) / copy mode; a bind the
 *             driver refuses fails, with its errno
 *   -W        bind without XDP_USE_NEED_WAKEUP: the driver is never asked
 *             to wake up, and must poll until it has its buffers back
 *   -m MAC    frames to another destination count as "foreign"
 *   -s SIZE   payload bytes of the frames to check (64)
 *   -f FILL   their payload byte (0)
 *   -n N      stop after N good frames
 *   -t SECS   stop after SECS seconds (default 60)
 *   -F N      UMEM frames, a multiple of 64 (1024)
 *   -C SIZE   bytes a UMEM frame: 4096 (the default) or 2048
 *   -H BYTES  the UMEM's frame headroom (0), which the device must never
 *             write: a frame whose headroom is not all zeroes counts as
 *             bad, as does one longer than the frame has room for
 *   -x COUNT  first send COUNT such datagrams from SRCIP (and the -m MAC)
 *             to DSTIP at DSTMAC through the socket's TX ring, and wait
 *             until the driver completes them all
 *   -S Q2     a second socket, on queue Q2 of DEV, shares the UMEM
 *             (XDP_SHARED_UMEM): the first half of the UMEM is the -q
 *             socket's, the second half Q2's (-F a multiple of 128, 256
 *             at least). Q2's socket binds first, so that the -q one can
 *             be closed alone: each SIGUSR1 takes a step. 1: close the -q
 *             socket ("unbound"); 2: write 0x5a over its half ("filled");
 *             3: count the bytes of that half that changed since
 *             ("written N"), and stop.
 *
 * Prints "bound MODE queue Q" once its fill ring is full ("sent COUNT"
 * after a send), then, when it stops (also on SIGTERM and SIGINT),
 * "frames N good N bad N foreign N", and, with -S, the same for the other
 * socket after "shared " (its frames checked whatever their MAC).
 * Exit status: 0, or 1 for an error (with its message), 2 for usage.
 */

#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define RING_SIZE	XSK_RING_CONS__DEFAULT_NUM_DESCS
#define BATCH		64

#define UNBIND_MARK	0x5a

static int stop, steps;
static unsigned int frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE, headroom;

struct counts {
	unsigned long frames, good, bad, foreign;
};

/* A socket, its rings and what it received. */
struct vm_sock {
	struct xsk_socket *xsk;
	/* libxdp leaves the cached indexes of some rings as they are. */
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	struct counts c;
};

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static void on_step(int sig)
{
	(void)sig;
	__atomic_add_fetch(&steps, 1, __ATOMIC_RELAXED);
}

static int stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void bad_args(void)
{
	fprintf(stderr,
		"usage: xsk_rx -i DEV -q QUEUE [-z|-c] [-W] [-m MAC] [-s SIZE] [-f FILL] [-n N] [-t SECS] [-F N] [-C SIZE] [-H BYTES] [-S Q2] [-x COUNT -D DSTMAC -A SRCIP -B DSTIP]\n");
	exit(2);
}

static void parse_mac(const char *s, unsigned char *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != ETH_ALEN)
		bad_args();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether the frame at @p has anything but zeroes in its UMEM frame's
 * headroom, which xsk_rx never writes and the device must not.
 */
static int headroom_dirty(const unsigned char *p)
{
	const unsigned char *h = p - XDP_PACKET_HEADROOM - headroom;
	unsigned int i;

	for (i = 0; i < headroom; i++)
		if (h[i])
			return 1;
	return 0;
}

/* Count one frame: send.py's datagrams are checked byte by byte. */
static void check(const unsigned char *p, unsigned int len,
		  const unsigned char *mac, unsigned int size, int fill,
		  struct counts *c)
{
	const struct ethhdr *eth = (const void *)p;
	const struct iphdr *ip = (const void *)(eth + 1);
	const struct udphdr *udp;
	const unsigned char *data;
	unsigned int i, hl;

	c->frames++;
	if (headroom_dirty(p) ||
	    len > frame_size - headroom - XDP_PACKET_HEADROOM) {
		c->bad++;
		return;
	}
	if (mac && memcmp(eth->h_dest, mac, ETH_ALEN)) {
		c->foreign++;
		return;
	}
	if (len < sizeof(*eth) + sizeof(*ip) || eth->h_proto != htons(ETH_P_IP))
		return;
	hl = ip->ihl * 4;
	if (ip->protocol != IPPROTO_UDP ||
	    len < sizeof(*eth) + hl + sizeof(*udp))
		return;
	udp = (const void *)((const unsigned char *)ip + hl);
	if (udp->dest != htons(9))
		return;
	data = (const unsigned char *)(udp + 1);
	if (ntohs(udp->len) != sizeof(*udp) + size ||
	    data + size > p + len) {
		c->bad++;
		return;
	}
	for (i = 0; i < size; i++) {
		if (data[i] != fill) {
			c->bad++;
			return;
		}
	}
	c->good++;
}

static __sum16 ip_csum(const void *p, unsigned int len)
{
	const __u16 *w = p;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* A datagram as send.py sends it, at @p: returns its length. */
static unsigned int build(unsigned char *p, const unsigned char *dst,
			  const unsigned char *src, struct in_addr sip,
			  struct in_addr dip, unsigned int size, int fill)
{
	struct ethhdr *eth = (void *)p;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memcpy(eth->h_dest, dst, ETH_ALEN);
	memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + size);
	ip->saddr = sip.s_addr;
	ip->daddr = dip.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(9);
	udp->dest = htons(9);
	udp->len = htons(sizeof(*udp) + size);
	udp->check = 0;
	memset(udp + 1, fill, size);
	return sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + size;
}

/* Send @count datagrams from the BATCH frames of the UMEM from @base on,
 * which the fill ring never gets, and wait for the driver to complete
 * them.
 */
static int send_all(struct xsk_socket *xsk, struct xsk_ring_prod *tx,
		    struct xsk_ring_cons *cq, void *buf, unsigned int base,
		    unsigned long count, const unsigned char *pkt,
		    unsigned int len, double end)
{
	unsigned long sent = 0, done = 0;
	unsigned int i, n, inflight = 0;
	__u32 idx;

	for (i = 0; i < BATCH; i++)
		memcpy(xsk_umem__get_data(buf, (__u64)(base + i) * frame_size),
		       pkt, len);
	while (done < count && now() < end && !stopped()) {
		n = BATCH - inflight;
		if (n > count - sent)
			n = count - sent;
		if (n && xsk_ring_prod__reserve(tx, n, &idx) == n) {
			for (i = 0; i < n; i++) {
				struct xdp_desc *d =
					xsk_ring_prod__tx_desc(tx, idx + i);

				d->addr = (__u64)(base + (sent + i) % BATCH) *
					  frame_size;
				d->len = len;
			}
			xsk_ring_prod__submit(tx, n);
			sent += n;
			inflight += n;
		}
		if (xsk_ring_prod__needs_wakeup(tx))
			sendto(xsk_socket__fd(xsk), NULL, 0, MSG_DONTWAIT,
			       NULL, 0);
		n = xsk_ring_cons__peek(cq, BATCH, &idx);
		if (n) {
			xsk_ring_cons__release(cq, n);
			inflight -= n;
			done += n;
		} else {
			usleep(1000);
		}
	}
	if (done == count)
		return 0;
	fprintf(stderr, "xsk_rx: sent %lu of %lu, %lu completed\n", sent,
		count, done);
	return -1;
}

static int fill(struct xsk_ring_prod *fq, __u64 *addrs, unsigned int n)
{
	unsigned int i;
	__u32 idx;

	if (xsk_ring_prod__reserve(fq, n, &idx) != n)
		return -1;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(fq, idx + i) = addrs[i];
	xsk_ring_prod__submit(fq, n);
	return 0;
}

/* Frames [@first, @last) of the UMEM on a fill ring, as many as it takes. */
static int fill_range(struct xsk_ring_prod *fq, unsigned int first,
		      unsigned int last)
{
	__u64 addrs[BATCH];
	unsigned int i, k;

	for (i = first; i < last && i - first < RING_SIZE; i += BATCH) {
		for (k = 0; k < BATCH; k++)
			addrs[k] = (__u64)(i + k) * frame_size;
		if (fill(fq, addrs, BATCH)) {
			fprintf(stderr, "xsk_rx: fill ring full\n");
			return -1;
		}
	}
	return 0;
}

/* Count what @s received, and give its frames back to the fill ring.
 * Return: the frames, or -1.
 */
static int rx_poll(struct vm_sock *s, void *buf, const unsigned char *mac,
		   unsigned int size, int val)
{
	__u64 addrs[BATCH];
	unsigned int i, n;
	__u32 idx;

	n = xsk_ring_cons__peek(&s->rx, BATCH, &idx);
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx,
								  idx + i);

		check(xsk_umem__get_data(buf, d->addr), d->len, mac, size, val,
		      &s->c);
		addrs[i] = xsk_umem__extract_addr(d->addr);
	}
	xsk_ring_cons__release(&s->rx, n);
	if (fill(&s->fq, addrs, n)) {
		fprintf(stderr, "xsk_rx: fill ring overflow\n");
		return -1;
	}
	return n;
}

/* No poll(), which would wake NAPI every time: only the wakeup the driver
 * asks for when it has run out of buffers.
 */
static void rx_wakeup(struct vm_sock *s)
{
	if (s->xsk && xsk_ring_prod__needs_wakeup(&s->fq))
		recvfrom(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL,
			 NULL);
}

/* Step @step of -S on @vm, whose part of the UMEM is @len bytes at @buf.
 * Return: true once the last is taken.
 */
static bool unbind_step(int step, struct vm_sock *vm, unsigned char *buf,
			size_t len)
{
	size_t i, n = 0;

	switch (step) {
	case 1:
		xsk_socket__delete(vm->xsk);
		vm->xsk = NULL;
		printf("unbound\n");
		break;
	case 2:
		memset(buf, UNBIND_MARK, len);
		printf("filled\n");
		break;
	default:
		for (i = 0; i < len; i++)
			n += buf[i] != UNBIND_MARK;
		printf("written %zu\n", n);
	}
	fflush(stdout);
	return step >= 3;
}

static void print_counts(const char *what, const struct counts *c)
{
	printf("%sframes %lu good %lu bad %lu foreign %lu\n", what, c->frames,
	       c->good, c->bad, c->foreign);
}

int main(int argc, char **argv)
{
	unsigned int queue = 0, size = 64, nframes = 1024, half;
	unsigned char mac[ETH_ALEN], *macp = NULL;
	struct xsk_socket_config cfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.xdp_flags = XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
	};
	unsigned char dmac[ETH_ALEN], pkt[ETH_FRAME_LEN];
	struct in_addr sip = {}, dip = {};
	unsigned long want = 0, nsend = 0;
	int opt, err, val = 0, share = -1, done = 0;
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
	};
	struct vm_sock vm = {}, sh = {};
	double secs = 60, end;
	struct xsk_umem *umem;
	const char *dev = NULL;
	struct xdp_options opts;
	socklen_t optlen;
	void *buf;

	while ((opt = getopt(argc, argv, "i:q:zcWm:s:f:n:t:F:C:H:S:x:D:A:B:")) != -1) {
		switch (opt) {
		case 'i':
			dev = optarg;
			break;
		case 'q':
			queue = strtoul(optarg, NULL, 0);
			break;
		case 'z':
			cfg.bind_flags = XDP_ZEROCOPY |
					 (cfg.bind_flags & XDP_USE_NEED_WAKEUP);
			break;
		case 'c':
			cfg.bind_flags = XDP_COPY |
					 (cfg.bind_flags & XDP_USE_NEED_WAKEUP);
			break;
		case 'W':
			cfg.bind_flags &= ~XDP_USE_NEED_WAKEUP;
			break;
		case 'm':
			parse_mac(optarg, mac);
			macp = mac;
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			val = strtol(optarg, NULL, 0);
			break;
		case 'n':
			want = strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'F':
			nframes = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			frame_size = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			headroom = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			share = strtol(optarg, NULL, 0);
			break;
		case 'x':
			nsend = strtoul(optarg, NULL, 0);
			break;
		case 'D':
			parse_mac(optarg, dmac);
			break;
		case 'A':
			if (inet_pton(AF_INET, optarg, &sip) != 1)
				bad_args();
			break;
		case 'B':
			if (inet_pton(AF_INET, optarg, &dip) != 1)
				bad_args();
			break;
		default:
			bad_args();
		}
	}
	if (!dev || nframes < 2 * BATCH || nframes % BATCH || optind != argc ||
	    (nsend && (!macp || !sip.s_addr || !dip.s_addr ||
		       size > ETH_DATA_LEN - 28)) ||
	    (share >= 0 && (nframes % (2 * BATCH) || nframes < 4 * BATCH ||
			    share == (int)queue)) ||
	    (frame_size != 2048 && frame_size != 4096) ||
	    headroom + XDP_PACKET_HEADROOM >= frame_size)
		bad_args();
	ucfg.frame_size = frame_size;
	ucfg.frame_headroom = headroom;
	half = share >= 0 ? nframes / 2 : nframes;

	buf = mmap(NULL, (size_t)nframes * frame_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("xsk_rx: mmap");
		return 1;
	}
	/* The UMEM's fd, and its rings, are its first socket's: Q2's. */
	err = xsk_umem__create(&umem, buf, (__u64)nframes * frame_size,
			       share >= 0 ? &sh.fq : &vm.fq,
			       share >= 0 ? &sh.cq : &vm.cq, &ucfg);
	if (err) {
		fprintf(stderr, "xsk_rx: umem: %s\n", strerror(-err));
		return 1;
	}
	if (share >= 0) {
		err = xsk_socket__create(&sh.xsk, dev, share, umem, &sh.rx,
					 &sh.tx, &cfg);
		if (err) {
			fprintf(stderr, "xsk_rx: bind %s queue %d: %s\n", dev,
				share, strerror(-err));
			return 1;
		}
		err = xsk_socket__create_shared(&vm.xsk, dev, queue, umem,
						&vm.rx, &vm.tx, &vm.fq, &vm.cq,
						&cfg);
	} else {
		err = xsk_socket__create(&vm.xsk, dev, queue, umem, &vm.rx,
					 &vm.tx, &cfg);
	}
	if (err) {
		fprintf(stderr, "xsk_rx: bind %s queue %u: %s\n", dev, queue,
			strerror(-err));
		return 1;
	}

	/* The UMEM on the fill rings, as much as they take, but for the
	 * last BATCH frames of the VM's part, which are for sending.
	 */
	if (fill_range(&vm.fq, 0, half - BATCH) ||
	    (share >= 0 && fill_range(&sh.fq, half, nframes)))
		return 1;
	optlen = sizeof(opts);
	if (getsockopt(xsk_socket__fd(vm.xsk), SOL_XDP, XDP_OPTIONS, &opts,
		       &optlen)) {
		perror("xsk_rx: XDP_OPTIONS");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (share >= 0)
		signal(SIGUSR1, on_step);
	printf("bound %s queue %u\n",
	       opts.flags & XDP_OPTIONS_ZEROCOPY ? "zc" : "copy", queue);
	fflush(stdout);

	end = now() + secs;
	if (nsend) {
		if (send_all(vm.xsk, &vm.tx, &vm.cq, buf, half - BATCH, nsend,
			     pkt, build(pkt, dmac, macp, sip, dip, size, val),
			     end)) {
			fprintf(stderr, "xsk_rx: not every frame was sent\n");
			return 1;
		}
		printf("sent %lu\n", nsend);
		fflush(stdout);
	}
	while (!stopped() && (!want || vm.c.good < want) && now() < end) {
		int n = 0, k;

		if (__atomic_load_n(&steps, __ATOMIC_RELAXED) > done) {
			if (unbind_step(++done, &vm, buf,
					(size_t)half * frame_size))
				break;
			continue;
		}
		if (vm.xsk) {
			k = rx_poll(&vm, buf, macp, size, val);
			if (k < 0)
				return 1;
			n += k;
		}
		if (sh.xsk) {
			k = rx_poll(&sh, buf, NULL, size, val);
			if (k < 0)
				return 1;
			n += k;
		}
		if (!n) {
			rx_wakeup(&vm);
			rx_wakeup(&sh);
			usleep(1000);
		}
	}
	print_counts("", &vm.c);
	if (share >= 0)
		print_counts("shared ", &sh.c);
	if (vm.xsk)
		xsk_socket__delete(vm.xsk);
	if (sh.xsk)
		xsk_socket__delete(sh.xsk);
	xsk_umem__delete(umem);
	munmap(buf, (size_t)nframes * frame_size);
	return 0;
}
