#define _GNU_SOURCE
#include "cdatagrams.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

int cdatagrams_enable_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

int cdatagrams_receive(int fd, void *slots, size_t slot_size, unsigned count,
                       size_t *lengths, uint64_t *received_ns) {
    if (count == 0 || count > CDATAGRAMS_BATCH) {
        errno = EINVAL;
        return -1;
    }
    struct mmsghdr messages[CDATAGRAMS_BATCH];
    struct iovec vectors[CDATAGRAMS_BATCH];
    /* Room for one struct timespec control message per datagram. */
    union {
        char bytes[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } control[CDATAGRAMS_BATCH];
    memset(messages, 0, sizeof messages[0] * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (char *)slots + i * slot_size;
        vectors[i].iov_len = slot_size;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = control[i].bytes;
        messages[i].msg_hdr.msg_controllen = sizeof control[i].bytes;
    }
    /* MSG_WAITFORONE: block for the first datagram only, then take what is queued. */
    int n = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    for (int i = 0; i < n; i++) {
        lengths[i] = messages[i].msg_len;
        received_ns[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&messages[i].msg_hdr); c != NULL;
             c = CMSG_NXTHDR(&messages[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec t;
                memcpy(&t, CMSG_DATA(c), sizeof t);
                received_ns[i] = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
            }
        }
    }
    return n;
}

int cdatagrams_set_timer_slack(unsigned long nanos) {
    return prctl(PR_SET_TIMERSLACK, nanos, 0, 0, 0);
}
