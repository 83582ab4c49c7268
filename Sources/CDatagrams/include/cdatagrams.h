#ifndef CDATAGRAMS_H
#define CDATAGRAMS_H

#include <stddef.h>
#include <stdint.h>

/* recvmmsg(2) with the kernel's receive time of each datagram: what Swift's
   Glibc module cannot reach, since it leaves out struct mmsghdr (a GNU
   extension) and the CMSG_* macros. One call then takes a batch of datagrams,
   where recv(2) takes one, and each keeps its own arrival time for jitter. */

/* The most datagrams one call takes. */
#define CDATAGRAMS_BATCH 64

/* Turns on SO_TIMESTAMPNS on `fd`: every datagram then carries the time the
   kernel received it. 0, or -1 with errno. */
int cdatagrams_enable_timestamps(int fd);

/* Receives up to `count` (at most CDATAGRAMS_BATCH) datagrams, waiting for the
   first, into `count` slots of `slot_size` bytes at `slots`. For each, its
   length goes to lengths[i] and its receive time (CLOCK_REALTIME, ns; 0 when
   the kernel gave none) to received_ns[i]. Returns how many, or -1 with errno.
   A datagram of length 0 marks a socket that was shut down (the kernel counts
   each empty read as one). */
int cdatagrams_receive(int fd, void *slots, size_t slot_size, unsigned count,
                       size_t *lengths, uint64_t *received_ns);

/* Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK, which Swift
   cannot call: it is variadic) to `nanos`. 0, or -1 with errno. */
int cdatagrams_set_timer_slack(unsigned long nanos);

#endif
