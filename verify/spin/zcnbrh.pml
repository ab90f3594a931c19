/*
 * The frame ownership, ring and credit protocol of a Z-CNBRH AF_XDP port, for the SPIN model checker.
 * docs/MODEL.md maps every part to the Java code. Processes: the application (poll, release, forward, claim and
 * transmit a frame of the free pool, reclaim completions) and the kernel (fill -> RX when a packet arrives, TX ->
 * completion when it is sent). Each ring is a single-producer single-consumer ring with free-running indices;
 * writing an entry and publishing the producer index (store-release) are separate steps, as are reading an entry
 * and publishing the consumer index, so SPIN explores every interleaving the memory orders allow. The kernel
 * publishes its fill-ring consumer index late, as Linux does: it takes entries up to the producer index it cached
 * and releases them (publishes the consumer index) only when it has used them all up and reads the producer index
 * again (net/xdp/xsk_queue.h: xskq_cons_peek). Until then the entries it took still count as used for the
 * producer. That is why the code's fill ring is twice the number of receive frames; with a fill ring of N a
 * release finds the ring full.
 *
 * Safety (checked in every reachable state by the Invariants process and by asserts at each hand-over):
 *   conservation   every frame is in exactly one place, and each ring holds exactly the frames whose place it is
 *   one owner      a frame is taken only from the place it is in
 *   order          the application receives frames in the order the kernel filled them
 *   no lost credit credits + frames held by the application = the budget
 * Liveness: no invalid end state (nobody can move = deadlock), and no cycle without progress (pan -l under weak
 * fairness), progress being a packet delivered, a frame claimed or a sent frame reclaimed: the rings and the
 * budget never stall an application that keeps polling, claiming or sending.
 *
 * Deliberately broken variants, each selected by a define (ProtocolModelTest shows SPIN catches every one):
 *   BROKEN_EARLY_RELEASE  the consumer publishes the RX consumer index before reading the descriptor
 *   BROKEN_LOST_CREDIT    release does not give the credit back
 *   BROKEN_KEPT_FRAME     forward publishes the frame on the TX ring but the application keeps it too
 *   BROKEN_SMALL_FILL     a fill ring of N entries for N receive frames (with the kernel's late release)
 *   BROKEN_POOL_TO_FILL   a sent frame of the free pool goes back to the fill ring instead of the pool
 */

#define N      3   /* receive frames in the UMEM (AfXdpPort's rxFrames) */
#define T      1   /* transmit frames: the free pool claim() lends from (frames rxFrames..frameCount-1) */
#ifdef BROKEN_SMALL_FILL
#define FILLSZ 3   /* a fill ring of N */
#define FMOD   6
#else
#define FILLSZ 6   /* the code's fill ring: twice the receive frames (XskSocket: fill = 2 x ring) */
#define FMOD   12  /* ring indices are free-running modulo twice the ring's size (the code: u32, whose modulus */
#endif             /* is also a multiple of the size); twice, so that a full ring and an empty one differ */
#define RSZ    2   /* RX, TX and completion rings */
#define RMOD   4
#define B      2   /* the application's credit budget: frames it may hold at once before poll stops lending */
#define NONE   4   /* (N + T) a slot nobody has written since it was consumed (ghost: keeps the space small) */

mtype = { FILL, KERNEL, RX, APP, TX, COMP, LIB, POOL };

mtype owner[N + T];        /* the ownership table (FrameOwnership): where each frame is */
byte fillSlot[FILLSZ]; byte fillProd; byte fillCons;
byte fillTaken;            /* the kernel's private consumer position (cached_cons): entries taken, maybe unreleased */
byte fillWindow;           /* the kernel's cached producer index (cached_prod): it takes entries only up to here */
byte rxSlot[RSZ];      byte rxProd;   byte rxCons;
byte txSlot[RSZ];      byte txProd;   byte txCons;
byte compSlot[RSZ];    byte compProd; byte compCons;
byte held;                 /* frames the application holds, received or claimed (BasePort: count(APP)) */
byte seq[N];               /* the order in which the kernel filled each frame (ghost) */
byte nextSeq;              /* next order number the kernel gives */
byte expectSeq;            /* next order number the application must see */
bool ready;                /* the fill ring is full: the socket goes live */

#define fused(p, c)  (((p) + FMOD - (c)) % FMOD)   /* entries published and not consumed: fill ring */
#define rused(p, c)  (((p) + RMOD - (c)) % RMOD)   /* the same for RX, TX and completion */
#define is(f, X)     (owner[f] == X -> 1 : 0)
#define cnt(X)       (is(0, X) + is(1, X) + is(2, X) + is(3, X))

init {
    /* every receive frame starts on the fill ring (AfXdpPort fills it before the socket goes live), the transmit
     * frame in the free pool */
    d_step {
        byte i = 0;
        do
        :: i < FILLSZ -> fillSlot[i] = NONE; i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < N -> fillSlot[i] = i; owner[i] = FILL; i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < RSZ -> rxSlot[i] = NONE; txSlot[i] = NONE; compSlot[i] = NONE; i++
        :: else -> break
        od;
        owner[3] = POOL;
        fillProd = N;
        ready = true
    }
}

active proctype Kernel() {
    byte f = NONE, g = NONE;
    ready;
end:
    do
    :: fillTaken == fillWindow && fillProd != fillWindow ->
        /* out of cached entries: release the consumer index of those taken and read the producer index anew
         * (xskq_cons_peek -> __xskq_cons_release + __xskq_cons_peek); the only time Linux publishes it */
        atomic { fillCons = fillTaken; fillWindow = fillProd }
    :: fillTaken != fillWindow && rused(rxProd, rxCons) < RSZ ->
        /* a packet arrives: take a frame from the fill ring (read the entry at the private position) ... */
        atomic { f = fillSlot[fillTaken % FILLSZ]; assert(f < N && owner[f] == FILL); owner[f] = KERNEL;
                 fillSlot[fillTaken % FILLSZ] = NONE; fillTaken = (fillTaken + 1) % FMOD };
        /* ... write the packet and its descriptor into the RX ring ... */
        atomic { seq[f] = nextSeq; nextSeq = (nextSeq + 1) % RMOD; rxSlot[rxProd % RSZ] = f };
        /* ... and publish it (store-release of the producer index) */
        atomic { owner[f] = RX; rxProd = (rxProd + 1) % RMOD; f = NONE }
    :: rused(txProd, txCons) > 0 && rused(compProd, compCons) < RSZ ->
        /* a frame is sent: from the TX ring to the completion ring */
        atomic { g = txSlot[txCons % RSZ]; assert(owner[g] == TX); owner[g] = KERNEL;
                 txSlot[txCons % RSZ] = NONE; txCons = (txCons + 1) % RMOD };
        compSlot[compProd % RSZ] = g;
        atomic { owner[g] = COMP; compProd = (compProd + 1) % RMOD; g = NONE }
    od
}

#ifdef BROKEN_LOST_CREDIT
#define GIVE_BACK  skip      /* the frame leaves the application, its credit does not come back */
#else
#define GIVE_BACK  held--
#endif

/* refill: a receive frame onto the fill ring (AfXdpPort.refill, which fails if the ring is full) */
inline refill(f) {
    assert(f < N);                               /* only receive frames go to the fill ring */
    assert(fused(fillProd, fillCons) < FILLSZ);
    fillSlot[fillProd % FILLSZ] = f;
    atomic { owner[f] = FILL; fillProd = (fillProd + 1) % FMOD; f = NONE }
}

/* release: a held frame back where it came from (Port.release -> AfXdpPort.giveBack): a receive frame to the fill
 * ring (pendingFill -> fill.submit), a claimed frame to the free pool */
inline release(f) {
    if
    :: f < N ->
        assert(fused(fillProd, fillCons) < FILLSZ);
        fillSlot[fillProd % FILLSZ] = f;
        atomic { owner[f] = FILL; fillProd = (fillProd + 1) % FMOD; GIVE_BACK; f = NONE }
    :: else -> atomic { owner[f] = POOL; GIVE_BACK; f = NONE }
    fi
}

/* forward: a held frame onto the TX ring, without a copy (AfXdpPort.forward) */
inline forward(f) {
    txSlot[txProd % RSZ] = f;
    atomic {
#ifdef BROKEN_KEPT_FRAME
        txProd = (txProd + 1) % RMOD;    /* published, yet still the application's */
#else
        owner[f] = TX; txProd = (txProd + 1) % RMOD; held--;
#endif
        f = NONE
    }
}

active proctype Application() {
    byte f = NONE, c;
    ready;
end:
    do
    :: held < B && rused(rxProd, rxCons) > 0 ->
        /* poll: peek (load-acquire of the producer index), read the descriptor, release the slot */
#ifdef BROKEN_EARLY_RELEASE
        atomic { c = rxCons % RSZ; rxCons = (rxCons + 1) % RMOD };
        atomic { f = rxSlot[c]; rxSlot[c] = NONE; c = 0 };
#else
        f = rxSlot[rxCons % RSZ];
        atomic { rxSlot[rxCons % RSZ] = NONE; rxCons = (rxCons + 1) % RMOD };
#endif
        atomic {
            assert(f != NONE && owner[f] == RX);
            assert(seq[f] == expectSeq);
            expectSeq = (expectSeq + 1) % RMOD; seq[f] = 0;
            owner[f] = APP; held++; f = NONE;
            assert(cnt(APP) == held)             /* the budget counts exactly the frames the application has */
        };
progress:
        skip
    :: atomic { owner[3] == POOL -> owner[3] = APP; held++; assert(cnt(APP) == held) };
        /* claim: a frame of the free pool (AfXdpPort.claim; not limited by the budget, counted in it) */
progress3:
        skip
    :: atomic { owner[0] == APP -> f = 0 }; release(f)
    :: atomic { owner[1] == APP -> f = 1 }; release(f)
    :: atomic { owner[2] == APP -> f = 2 }; release(f)
    :: atomic { owner[3] == APP -> f = 3 }; release(f)                               /* a claimed frame */
    :: atomic { owner[0] == APP && rused(txProd, txCons) < RSZ -> f = 0 }; forward(f)
    :: atomic { owner[1] == APP && rused(txProd, txCons) < RSZ -> f = 1 }; forward(f)
    :: atomic { owner[2] == APP && rused(txProd, txCons) < RSZ -> f = 2 }; forward(f)
    :: atomic { owner[3] == APP && rused(txProd, txCons) < RSZ -> f = 3 }; forward(f)  /* transmit */
    :: rused(compProd, compCons) > 0 ->
        /* the library reclaims a sent frame from the completion ring (drainCompletions): a receive frame refills
         * the fill ring, a frame of the free pool goes back to the pool */
        f = compSlot[compCons % RSZ];
        atomic { assert(owner[f] == COMP); owner[f] = LIB; compSlot[compCons % RSZ] = NONE;
                 compCons = (compCons + 1) % RMOD };
#ifdef BROKEN_POOL_TO_FILL
        refill(f)
#else
        if
        :: f < N -> refill(f)
        :: else -> atomic { owner[f] = POOL; f = NONE }
        fi
#endif
progress2:
        skip
    od
}

/* every frame in a ring's published range is that ring's, and is seen once across all rings */
#define WALK(slots, size, prod, cons, m, place) \
    i = cons; \
    do \
    :: i != prod -> \
        f = slots[i % size]; \
        assert(f != NONE && owner[f] == place); \
        assert((seen & (1 << f)) == 0); \
        seen = seen | (1 << f); \
        i = (i + 1) % m \
    :: else -> break \
    od

/* checked in every reachable state: SPIN runs this process's one step at every point of every interleaving (left out
 * of the liveness run, -DLIVENESS, where it would only multiply the states: cycles are about the other two) */
#ifndef LIVENESS
active proctype Invariants() {
    byte i, f, seen;
    ready;
    d_step {
        seen = 0;
        WALK(fillSlot, FILLSZ, fillProd, fillTaken, FMOD, FILL);
        WALK(rxSlot, RSZ, rxProd, rxCons, RMOD, RX);
        WALK(txSlot, RSZ, txProd, txCons, RMOD, TX);
        WALK(compSlot, RSZ, compProd, compCons, RMOD, COMP);
        /* conservation: each ring holds exactly the frames whose place it is (one RX frame may be mid-poll) */
        assert(cnt(FILL) == fused(fillProd, fillTaken));
        assert(fused(fillProd, fillCons) <= FILLSZ && fused(fillTaken, fillCons) <= fused(fillProd, fillCons));
        assert(rused(rxProd, rxCons) <= cnt(RX) && cnt(RX) <= rused(rxProd, rxCons) + 1);
        assert(cnt(TX) == rused(txProd, txCons));
        assert(cnt(COMP) == rused(compProd, compCons));
        assert(cnt(KERNEL) <= 2 && cnt(LIB) <= 1);
        /* the application's frames are the ones it holds (no credit lost), and only frames of the free pool are
         * ever in it; every receive frame stays a receive frame */
        assert(cnt(APP) == held);
        assert(cnt(POOL) == is(3, POOL));
        i = 0; f = 0; seen = 0
    }
}
#endif
