/// Which connect requests a server with a token lets in.
///
/// rdma_cm gives the server no round trip before it must accept or reject, so the TCP side's
/// challenge-response does not fit. The client signs its request instead: HMAC-SHA-256 keyed
/// with the token over the request, which includes the time it was made, cut to the 8 bytes
/// left in rdma_cm's 56-byte private data. The server accepts a signature only within
/// `maxSkewSeconds` of its own clock and only once, so a captured request cannot be replayed.
/// Without a token everything is admitted, as on the TCP side.
struct RDMAAdmission: Sendable {
    /// How far apart the client's and the server's clocks may be (Kerberos allows as much).
    static let maxSkewSeconds: UInt32 = 300

    enum Verdict: Equatable, Sendable {
        case admitted
        case refused(ConnectReply.Status)
    }

    let token: String?
    /// Signatures already admitted, with their request time; older than the skew window they
    /// can no longer pass the time check, so they are forgotten.
    private var seen: [UInt64: UInt32] = [:]

    init(token: String?) { self.token = token }

    /// Checks the first request of a run (`bytes` as received) at `now` (Unix seconds) and
    /// remembers its signature.
    mutating func admitRun(_ request: ConnectRequest, bytes: [UInt8], now: UInt32) -> Verdict {
        // Without a token nothing is signed: every signature is 0, and none must count as a replay.
        guard token != nil else { return .admitted }
        let verdict = check(request, bytes: bytes, now: now)
        guard verdict == .admitted else { return verdict }
        seen = seen.filter { now < $0.value || now - $0.value <= 2 * Self.maxSkewSeconds }
        if seen.updateValue(request.issuedAt, forKey: request.signature) != nil { return .refused(.stale) }
        return .admitted
    }

    /// Checks a further QP of a run already admitted (same session): signature and time only.
    func admitQP(_ request: ConnectRequest, bytes: [UInt8], now: UInt32) -> Verdict {
        check(request, bytes: bytes, now: now)
    }

    private func check(_ request: ConnectRequest, bytes: [UInt8], now: UInt32) -> Verdict {
        guard let token else { return .admitted }
        guard bytes.count >= ConnectRequest.signedSize,
              ConnectRequest.signature(of: bytes.prefix(ConnectRequest.signedSize), token: token) == request.signature
        else { return .refused(.tokenRejected) }
        let skew = now >= request.issuedAt ? now - request.issuedAt : request.issuedAt - now
        return skew <= Self.maxSkewSeconds ? .admitted : .refused(.stale)
    }
}
