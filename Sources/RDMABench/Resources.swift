import CRDMA
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// Where things sit in the registered buffer. Both ends compute the same layout from the
/// test plan: per QP a local half (send source, read destination, receive slots) and a
/// target half (what the peer writes to or reads from), after a page left free so the
/// halves start page-aligned.
struct BufferLayout: Sendable, Equatable {
    static let controlBytes = 4096

    let qps: Int
    let slotCount: Int
    let slotSize: Int
    let messageSize: Int

    init(qps: Int, slotCount: Int, slotSize: Int, messageSize: Int) {
        self.qps = qps; self.slotCount = slotCount; self.slotSize = slotSize; self.messageSize = messageSize
    }

    /// Slots are cache-line aligned; up to `depth` of them, but no more than about 4 MiB per half.
    init(qps: Int, messageSize: Int, depth: Int) {
        let slot = (messageSize + 63) & ~63
        self.init(qps: qps, slotCount: max(1, min(depth, (4 << 20) / slot)), slotSize: slot, messageSize: messageSize)
    }

    var halfBytes: Int { slotCount * slotSize }
    var totalBytes: Int { Self.controlBytes + qps * 2 * halfBytes }
    func local(qp: Int, slot: Int) -> Int { Self.controlBytes + qp * 2 * halfBytes + slot * slotSize }
    func target(qp: Int, slot: Int) -> Int { local(qp: qp, slot: slot) + halfBytes }
}

/// One side's verbs/rdma_cm object graph: the event channel, the cm_ids (each with its QP),
/// and the PD, completion channel, CQ, buffer and MR they share. Built step by step; whatever
/// was made is released by `deinit`, children before parents (QPs, MR, buffer, CQ, completion
/// channel, PD, cm_ids, event channel), so a run that fails half-way leaks nothing.
struct RCGraph: ~Copyable {
    let channel: UnsafeMutablePointer<rdma_event_channel>
    private(set) var ids: [UnsafeMutablePointer<rdma_cm_id>] = []
    private(set) var context: UnsafeMutablePointer<ibv_context>?
    private(set) var pd: UnsafeMutablePointer<ibv_pd>?
    private(set) var completionChannel: UnsafeMutablePointer<ibv_comp_channel>?
    private(set) var cq: UnsafeMutablePointer<ibv_cq>?
    private(set) var buffer: UnsafeMutableRawPointer?
    private(set) var bufferBytes = 0
    private(set) var bufferIsMapped = false
    private(set) var mr: UnsafeMutablePointer<ibv_mr>?
    /// CQ events taken from the completion channel and not yet acknowledged.
    var unackedCQEvents: UInt32 = 0

    /// rdma_cm: `rdma_create_event_channel`, its fd made non-blocking for deadline waits.
    init(subject: String) throws(RDMAError) {
        channel = try makeEventChannel(subject: subject)
    }

    /// A graph around an event channel made for it (the server's listener moves each connect
    /// request's cm_id there before the session sees it); the graph destroys it.
    init(channel: UnsafeMutablePointer<rdma_event_channel>) {
        self.channel = channel
    }

    deinit {
        for id in ids where id.pointee.qp != nil { rdma_destroy_qp(id) }
        if let mr { ibv_dereg_mr(mr) }
        if let buffer {
            if bufferIsMapped { munmap(buffer, bufferBytes) } else { free(buffer) }
        }
        if let cq {
            if unackedCQEvents > 0 { ibv_ack_cq_events(cq, unackedCQEvents) }
            ibv_destroy_cq(cq)
        }
        if let completionChannel { ibv_destroy_comp_channel(completionChannel) }
        if let pd { ibv_dealloc_pd(pd) }
        for id in ids.reversed() { rdma_destroy_id(id) }
        rdma_destroy_event_channel(channel)
    }

    /// A new RC cm_id on this graph's channel. rdma_cm: `rdma_create_id(RDMA_PS_TCP)`.
    mutating func createID(subject: String) throws(RDMAError) -> UnsafeMutablePointer<rdma_cm_id> {
        var id: UnsafeMutablePointer<rdma_cm_id>?
        do { _ = try sys { rdma_create_id(channel, &id, nil, RDMA_PS_TCP) } } catch {
            throw RDMAError(.connection, subject, "rdma_create_id failed", errno: error, next: "check /dev/infiniband/rdma_cm")
        }
        ids.append(id!)
        return id!
    }

    /// Takes over a connect request's cm_id, already moved to this graph's channel.
    mutating func adopt(_ id: UnsafeMutablePointer<rdma_cm_id>) {
        ids.append(id)
    }

    /// PD, CQ (with a completion channel for `--poll events`), buffer and MR on `ctx`.
    /// Verbs: `ibv_alloc_pd`, `ibv_create_comp_channel`, `ibv_create_cq`, `ibv_reg_mr`.
    mutating func allocate(on ctx: UnsafeMutablePointer<ibv_context>, bytes: Int, cqEntries: Int,
                           events: Bool, hugePages: Bool) throws(RDMAError) {
        let dev = deviceName(ctx)
        context = ctx
        do {
            pd = try sysPointer { ibv_alloc_pd(ctx) }
        } catch { throw verbsFailure("ibv_alloc_pd", error, device: dev) }
        if events {
            do { completionChannel = try sysPointer { ibv_create_comp_channel(ctx) } } catch {
                throw verbsFailure("ibv_create_comp_channel", error, device: dev)
            }
            do { try setNonBlocking(completionChannel!.pointee.fd) } catch {
                throw verbsFailure("fcntl(O_NONBLOCK) on the completion channel", error, device: dev)
            }
        }
        do { cq = try sysPointer { ibv_create_cq(ctx, Int32(cqEntries), nil, completionChannel, 0) } } catch {
            throw verbsFailure("ibv_create_cq (\(cqEntries) entries)", error, device: dev)
        }
        try allocateBuffer(bytes: bytes, hugePages: hugePages, device: dev)
        let access = Int32(IBV_ACCESS_LOCAL_WRITE.rawValue | IBV_ACCESS_REMOTE_WRITE.rawValue | IBV_ACCESS_REMOTE_READ.rawValue)
        do { mr = try sysPointer { crdma_reg_mr(pd, buffer, bytes, access) } } catch {
            throw verbsFailure("ibv_reg_mr (\(bytes) bytes)", error, device: dev)
        }
    }

    private mutating func allocateBuffer(bytes: Int, hugePages: Bool, device: String) throws(RDMAError) {
        if hugePages {
            let huge = 2 << 20
            let length = (bytes + huge - 1) / huge * huge
            let p: UnsafeMutableRawPointer
            do {
                p = try sysPointer {
                    let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0)
                    return mapped == MAP_FAILED ? nil : mapped
                }
            } catch {
                throw RDMAError(.verbs, device, "no huge pages for \(length) bytes (mmap MAP_HUGETLB)", errno: error,
                                next: "reserve some: echo 512 > /proc/sys/vm/nr_hugepages, or drop --use-hugepages")
            }
            buffer = p; bufferBytes = length; bufferIsMapped = true
        } else {
            var p: UnsafeMutableRawPointer?
            do { try sysReturned { posix_memalign(&p, 4096, bytes) } } catch {
                throw RDMAError(.verbs, device, "cannot allocate \(bytes) bytes", errno: error, next: "lower --size or --qps")
            }
            guard let p else {
                throw RDMAError(.verbs, device, "cannot allocate \(bytes) bytes", errno: .noMemory, next: "lower --size or --qps")
            }
            buffer = p; bufferBytes = bytes
        }
        memset(buffer!, 0, bufferBytes)
    }

    /// An RC QP on `id` using this graph's PD and CQ. rdma_cm: `rdma_create_qp`.
    func createQP(on id: UnsafeMutablePointer<rdma_cm_id>, sendDepth: Int, recvDepth: Int, inline: Int,
                  subject: String) throws(RDMAError) {
        var attr = ibv_qp_init_attr()
        attr.send_cq = cq
        attr.recv_cq = cq
        attr.qp_type = IBV_QPT_RC
        attr.cap.max_send_wr = UInt32(sendDepth)
        attr.cap.max_recv_wr = UInt32(recvDepth)
        attr.cap.max_send_sge = 1
        attr.cap.max_recv_sge = 1
        attr.cap.max_inline_data = UInt32(inline)
        do { _ = try sys { rdma_create_qp(id, pd, &attr) } } catch {
            throw RDMAError(.verbs, subject, "rdma_create_qp failed (send depth \(sendDepth), receive depth \(recvDepth), inline \(inline) bytes)",
                            errno: error, next: "lower --tx-depth or --inline to what the device supports (ibv_devinfo -v)")
        }
    }

    var lkey: UInt32 { mr!.pointee.lkey }
    var rkey: UInt32 { mr!.pointee.rkey }
    var base: UnsafeMutableRawPointer { buffer! }
    func address(_ offset: Int) -> UInt64 { UInt64(UInt(bitPattern: buffer! + offset)) }

    /// Posts one receive of `length` bytes at `offset`. Verbs: `ibv_post_recv`.
    func postReceive(on qp: UnsafeMutablePointer<ibv_qp>, offset: Int, length: Int, id: UInt64) -> Int32 {
        var sge = ibv_sge(addr: address(offset), length: UInt32(length), lkey: lkey)
        var wr = ibv_recv_wr()
        wr.wr_id = id
        wr.num_sge = 1
        var bad: UnsafeMutablePointer<ibv_recv_wr>?
        return withUnsafeMutablePointer(to: &sge) { s in
            wr.sg_list = s
            return ibv_post_recv(qp, &wr, &bad)
        }
    }

    /// Connection parameters with RDMA read depths the device allows and infinite RNR retry
    /// (a send that finds no receive posted waits rather than fails).
    func connectionParameters(initiatorDepth: UInt8? = nil, responderResources: UInt8? = nil) -> rdma_conn_param {
        var dev = ibv_device_attr()
        var maxInit: Int32 = 16, maxResp: Int32 = 16
        if let context, ibv_query_device(context, &dev) == 0 {
            maxInit = min(16, dev.max_qp_init_rd_atom)
            maxResp = min(16, dev.max_qp_rd_atom)
        }
        var p = rdma_conn_param()
        p.initiator_depth = min(UInt8(clamping: maxInit), initiatorDepth ?? .max)
        p.responder_resources = min(UInt8(clamping: maxResp), responderResources ?? .max)
        p.retry_count = 7
        p.rnr_retry_count = 7
        return p
    }
}

/// A new rdma_cm event channel, its fd made non-blocking for deadline waits.
/// rdma_cm: `rdma_create_event_channel`.
func makeEventChannel(subject: String) throws(RDMAError) -> UnsafeMutablePointer<rdma_event_channel> {
    let ch: UnsafeMutablePointer<rdma_event_channel>
    do { ch = try sysPointer { rdma_create_event_channel() } } catch {
        throw RDMAError(.noDevice, subject, "cannot open the rdma_cm event channel", errno: error,
                        next: "load rdma_ucm (modprobe rdma_ucm) and check /dev/infiniband/rdma_cm")
    }
    do { try setNonBlocking(ch.pointee.fd) } catch {
        rdma_destroy_event_channel(ch)
        throw RDMAError(.connection, subject, "cannot make the rdma_cm channel non-blocking", errno: error, next: "retry")
    }
    return ch
}

/// Connects or accepts with `data` as private data. rdma_cm: `rdma_connect` / `rdma_accept`.
func withPrivateData(_ params: rdma_conn_param, _ data: [UInt8], _ body: (inout rdma_conn_param) -> Int32) throws(Errno) {
    var p = params
    _ = try sys {
        data.withUnsafeBytes { raw in
            p.private_data = raw.baseAddress
            p.private_data_len = UInt8(raw.count)
            return body(&p)
        }
    }
}
