/*
 * The lease of scenarios/merge-gate/lease.model.ts as Promela, for SPIN 6.5.2 (bench/peer/spin/run.ts):
 * 3 holders acquire, renew and release one lease (holder, fencing token, expiry) over a discrete clock (1
 * tick = 1 s, TTL 3 ticks, the clock stops at 12, 6 grants). One Promela statement per transition of the
 * interleave model in ./lease-processes.ts: a holder first chooses what to do (a local step: it writes only
 * its own `op`), then performs it on the lease in one indivisible step (d_step), which also records what it
 * was told (its belief: token and expiry, global because the invariant reads it) and returns it to idle.
 * The invariant is asserted after every step that changes a variable it reads (the lease steps and the
 * clock's tick); the local choices change none.
 *
 * -DUNGUARDED: a release frees whatever grant is current (DEL without compare): the planted violation.
 */
#define N 3         /* holders (the invariant below is written for 3) */
#ifndef TTL
#define TTL 3       /* lease TTL (ticks) */
#endif
#ifndef HORIZON
#define HORIZON 12  /* the clock stops here (ticks) */
#endif
#ifndef GRANTS
#define GRANTS 6    /* grants allowed: an Acquire granting a token beyond is not enabled */
#endif

#define IDLE 0
#define ACQ  1
#define REN  2
#define REL  3

byte holder = 0;      /* 0: free, else holder index + 1 */
byte token = 0;       /* fencing token of the current or last grant */
byte expires = 0;     /* expiry (ticks) */
byte now = 0;         /* the clock (ticks) */
byte belTok[N];       /* each holder's belief: the token it was granted (0: holds nothing) */
byte belUntil[N];     /* ...and the expiry it was told (0 when it holds nothing) */

#define valid      (holder != 0 && now < expires)
#define live(h)    (belTok[h] != 0 && belUntil[h] > now)
#define backed(h)  (!live(h) || (holder == h + 1 && token == belTok[h]))
#define oneHolder  (live(0) + live(1) + live(2) <= 1)
#define inv        (oneHolder && backed(0) && backed(1) && backed(2))

proctype Holder(byte h) {
  byte op = IDLE;     /* local: what this holder is about to do */
  do
  :: if                /* choose (local) */
     :: op = ACQ
     :: op = REN
     :: op = REL
     fi;
     if                /* perform (on the lease) */
  :: d_step {         /* Acquire: granted unless another holder's grant is valid; a new token up to GRANTS */
       op == ACQ && (valid && holder != h + 1 || token < GRANTS || valid && holder == h + 1) ->
       if
       :: valid && holder != h + 1 -> skip               /* Busy */
       :: valid && holder == h + 1 ->                     /* re-acquire: same token, new expiry */
          expires = now + TTL; belTok[h] = token; belUntil[h] = expires
       :: else ->                                         /* a new grant */
          assert(token + 1 > token);                      /* fencing tokens strictly increase */
          holder = h + 1; token = token + 1; expires = now + TTL;
          belTok[h] = token; belUntil[h] = expires
       fi;
       op = IDLE;
       assert(inv)
     }
  :: d_step {         /* Renew with the token it holds (nothing to renew without one) */
       op == REN ->
       if
       :: belTok[h] == 0 -> skip
       :: belTok[h] != 0 && holder == h + 1 && token == belTok[h] && now < expires ->
          expires = now + TTL; belUntil[h] = expires
       :: else -> belTok[h] = 0; belUntil[h] = 0              /* NotOwner or Expired: it forgets */
       fi;
       op = IDLE;
       assert(inv)
     }
  :: d_step {         /* Release: the holder is done with its grant, whatever the lease answers */
       op == REL ->
       if
       :: belTok[h] == 0 -> skip
#ifdef UNGUARDED
       :: belTok[h] != 0 && holder != 0 ->                  /* frees whatever grant is current */
#else
       :: belTok[h] != 0 && holder == h + 1 && token == belTok[h] ->
#endif
          holder = 0;
          if
          :: expires > now -> expires = now
          :: else -> skip
          fi
       :: else -> skip
       fi;
       belTok[h] = 0; belUntil[h] = 0;
       op = IDLE;
       assert(inv)
     }
     fi
  od
}

proctype Clock() {
  do
  :: d_step { now < HORIZON -> now = now + 1; assert(inv) }
  od
}

init {
  atomic { run Clock(); run Holder(0); run Holder(1); run Holder(2) }
}
