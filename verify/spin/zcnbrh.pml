/*
 * The frame ownership, ring and credit protocol of a Z-CNBRH AF_XDP port, for the SPIN model checker.
 * docs/MODEL.md maps every part to the Java code. Processes: the application (poll, release, forward, reclaim
 * completions) and the kernel (fill -> RX when a packet arrives, TX -> completion when it is sent). Each ring is a
 * single-producer single-consumer ring with free-running indices; writing an entry and publishing the producer
 * index (store-release) are separate steps, as are reading an entry and publishing the consumer index, so SPIN
 * explores every interleaving the memory orders allow.
 *
 * Safety (checked in every reachable state by the Invariants process and by asserts at each hand-over):
 *   conservation   every frame is in exactly one place, and each ring holds exactly the frames whose place it is
 *   one owner      a frame is taken only from the place it is in
 *   order          the application receives frames in the order the kernel filled them
 *   no lost credit credits + frames held by the application = the budget
 * Liveness: no invalid end state (nobody can move = deadlock), and no cycle without a delivery (pan -l under weak
 * fairness): while credits circulate, packets keep being delivered.
 *
 * Deliberately broken variants, each selected by a define (ProtocolModelTest shows SPIN catches every one):
 *   BROKEN_EARLY_RELEASE  the consumer publishes the RX consumer index before reading the descriptor
 *   BROKEN_LOST_CREDIT    release does not give the credit back
 *   BROKEN_KEPT_FRAME     forward publishes the frame on the TX ring but the application keeps it too
 */

#define N      4   /* frames in the UMEM */
#define FILLSZ 4   /* fill ring: room for every frame, as in the code (2 x frames), so release never waits */
#define RSZ    2   /* RX, TX and completion rings */
#define B      2   /* the application's credits (frames it may hold at once) */
#define FMOD   8   /* ring indices are free-running modulo twice the ring's size (the code: u32, whose modulus */
#define RMOD   4   /* is also a multiple of the size); twice, so that a full ring and an empty one differ */
#define NONE   N   /* a slot nobody has written since it was consumed (ghost: keeps the state space small) */

mtype = { FILL, KERNEL, RX, APP, TX, COMP, LIB };

mtype owner[N];            /* the ownership table (FrameOwnership): where each frame is */
byte fillSlot[FILLSZ]; byte fillProd; byte fillCons;
byte rxSlot[RSZ];      byte rxProd;   byte rxCons;
byte txSlot[RSZ];      byte txProd;   byte txCons;
byte compSlot[RSZ];    byte compProd; byte compCons;
byte credits = B;          /* BasePort's credits */
byte held;                 /* frames the application holds */
byte seq[N];               /* the order in which the kernel filled each frame (ghost) */
byte nextSeq;              /* next order number the kernel gives */
byte expectSeq;            /* next order number the application must see */
bool ready;                /* the fill ring is full: the socket goes live */

#define fused(p, c)  (((p) + FMOD - (c)) % FMOD)   /* entries published and not consumed: fill ring */
#define rused(p, c)  (((p) + RMOD - (c)) % RMOD)   /* the same for RX, TX and completion */
#define is(f, X)     (owner[f] == X -> 1 : 0)
#define cnt(X)       (is(0, X) + is(1, X) + is(2, X) + is(3, X))

init {
    /* every frame starts on the fill ring: AfXdpPort fills it before the socket goes live */
    d_step {
        byte i = 0;
        do
        :: i < N -> fillSlot[i] = i; owner[i] = FILL; i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < RSZ -> rxSlot[i] = NONE; txSlot[i] = NONE; compSlot[i] = NONE; i++
        :: else -> break
        od;
        fillProd = N;
        ready = true
    }
}

active proctype Kernel() {
    byte f = NONE, g = NONE;
    ready;
end:
    do
    :: fused(fillProd, fillCons) > 0 && rused(rxProd, rxCons) < RSZ ->
        /* a packet arrives: take a frame from the fill ring (read the entry, publish the consumer index) ... */
        atomic { f = fillSlot[fillCons % FILLSZ]; assert(owner[f] == FILL); owner[f] = KERNEL;
                 fillSlot[fillCons % FILLSZ] = NONE; fillCons = (fillCons + 1) % FMOD };
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

/* release: a held frame back to the fill ring (AfXdpPort.release -> pendingFill -> fill.submit) */
inline release(f) {
    fillSlot[fillProd % FILLSZ] = f;
    atomic {
        owner[f] = FILL; fillProd = (fillProd + 1) % FMOD; held--;
#ifndef BROKEN_LOST_CREDIT
        credits++;
#endif
        f = NONE
    }
}

/* forward: a held frame onto the TX ring, without a copy (AfXdpPort.forward) */
inline forward(f) {
    txSlot[txProd % RSZ] = f;
    atomic {
#ifdef BROKEN_KEPT_FRAME
        txProd = (txProd + 1) % RMOD;    /* published, yet still the application's */
#else
        owner[f] = TX; txProd = (txProd + 1) % RMOD; held--; credits++;
#endif
        f = NONE
    }
}

active proctype Application() {
    byte f = NONE, c;
    ready;
end:
    do
    :: credits > 0 && rused(rxProd, rxCons) > 0 ->
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
            owner[f] = APP; credits--; held++; f = NONE
        };
progress:
        skip
    :: atomic { owner[0] == APP -> f = 0 }; release(f)
    :: atomic { owner[1] == APP -> f = 1 }; release(f)
    :: atomic { owner[2] == APP -> f = 2 }; release(f)
    :: atomic { owner[3] == APP -> f = 3 }; release(f)
    :: atomic { owner[0] == APP && rused(txProd, txCons) < RSZ -> f = 0 }; forward(f)
    :: atomic { owner[1] == APP && rused(txProd, txCons) < RSZ -> f = 1 }; forward(f)
    :: atomic { owner[2] == APP && rused(txProd, txCons) < RSZ -> f = 2 }; forward(f)
    :: atomic { owner[3] == APP && rused(txProd, txCons) < RSZ -> f = 3 }; forward(f)
    :: rused(compProd, compCons) > 0 ->
        /* the library reclaims a sent frame from the completion ring and refills the fill ring with it */
        f = compSlot[compCons % RSZ];
        atomic { assert(owner[f] == COMP); owner[f] = LIB; compSlot[compCons % RSZ] = NONE;
                 compCons = (compCons + 1) % RMOD };
        fillSlot[fillProd % FILLSZ] = f;
        atomic { owner[f] = FILL; fillProd = (fillProd + 1) % FMOD; f = NONE }
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

/* checked in every reachable state: SPIN runs this process's one step at every point of every interleaving */
active proctype Invariants() {
    byte i, f, seen;
    ready;
    d_step {
        seen = 0;
        WALK(fillSlot, FILLSZ, fillProd, fillCons, FMOD, FILL);
        WALK(rxSlot, RSZ, rxProd, rxCons, RMOD, RX);
        WALK(txSlot, RSZ, txProd, txCons, RMOD, TX);
        WALK(compSlot, RSZ, compProd, compCons, RMOD, COMP);
        /* conservation: each ring holds exactly the frames whose place it is (one RX frame may be mid-poll) */
        assert(cnt(FILL) == fused(fillProd, fillCons));
        assert(rused(rxProd, rxCons) <= cnt(RX) && cnt(RX) <= rused(rxProd, rxCons) + 1);
        assert(cnt(TX) == rused(txProd, txCons));
        assert(cnt(COMP) == rused(compProd, compCons));
        assert(cnt(KERNEL) <= 2 && cnt(LIB) <= 1);
        /* the application's frames are the ones it holds, and no credit is lost */
        assert(cnt(APP) == held);
        assert(credits + held == B);
        i = 0; f = 0; seen = 0
    }
}
