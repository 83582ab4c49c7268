/*
 * CRDMA: the rdma-core headers as one Swift module, plus the few inline shims
 * Swift cannot do without. Every shim is named crdma_<original> and says why it
 * exists.
 */
#ifndef CRDMA_H
#define CRDMA_H

#include <infiniband/verbs.h>
#include <infiniband/umad.h>
#include <rdma/rdma_cma.h>

/* verbs.h turns ibv_query_port into a function-like macro over an inline helper
   (so that it can pass the extended attribute size). Swift skips the macro and
   would bind the exported compat symbol, which fills the old, shorter struct. */
static inline int crdma_query_port(struct ibv_context *context, uint8_t port_num,
                                   struct ibv_port_attr *port_attr) {
    return ibv_query_port(context, port_num, port_attr);
}

/* ibv_reg_mr is a macro as well (it picks ibv_reg_mr_iova2 when the access flags
   need it); the wrapper keeps that choice. */
static inline struct ibv_mr *crdma_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
                                          int access) {
    return ibv_reg_mr(pd, addr, length, access);
}

/* The write-latency loop waits for the peer's RDMA WRITE to change a byte in registered
   memory. Swift has no volatile loads, so the optimiser may hoist a plain load out of the
   spin loop; this load is volatile and so is re-read every time. */
static inline uint8_t crdma_load_volatile_u8(const void *address) {
    return *(const volatile uint8_t *)address;
}

#endif
