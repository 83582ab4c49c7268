/// The socket and send options of a test's data connections, as one value: `ibbench tcp`
/// takes them from its command line, and `ibbench mesh tcp` sends them with every link's
/// job so that each link is measured alike.
public struct TCPTuning: Codable, Sendable, Equatable {
    /// SO_SNDBUF/SO_RCVBUF at both ends.
    public var window: Int?
    /// nil: on for rr/crr, off for bulk (see `TCPTestOptions.noDelay`).
    public var noDelay: Bool?
    public var mss: Int?
    public var congestion: String?
    /// Bulk modes: send with sendfile(2).
    public var zeroCopy = false
    /// rr: wait without sleeping at both ends.
    public var busyPoll = false

    public init(window: Int? = nil, noDelay: Bool? = nil, mss: Int? = nil, congestion: String? = nil,
                zeroCopy: Bool = false, busyPoll: Bool = false) {
        self.window = window
        self.noDelay = noDelay
        self.mss = mss
        self.congestion = congestion
        self.zeroCopy = zeroCopy
        self.busyPoll = busyPoll
    }

    enum CodingKeys: String, CodingKey { case window, noDelay, mss, congestion, zeroCopy, busyPoll }

    /// Every key always there (null when not set), as in all of ibkit's JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(window, forKey: .window)
        try c.encode(noDelay, forKey: .noDelay)
        try c.encode(mss, forKey: .mss)
        try c.encode(congestion, forKey: .congestion)
        try c.encode(zeroCopy, forKey: .zeroCopy)
        try c.encode(busyPoll, forKey: .busyPoll)
    }
}

extension TCPTestOptions {
    /// The tuning part of the options, read or replaced whole.
    public var tuning: TCPTuning {
        get {
            TCPTuning(window: window, noDelay: noDelay, mss: mss, congestion: congestion, zeroCopy: zeroCopy,
                      busyPoll: busyPoll)
        }
        set {
            window = newValue.window
            noDelay = newValue.noDelay
            mss = newValue.mss
            congestion = newValue.congestion
            zeroCopy = newValue.zeroCopy
            busyPoll = newValue.busyPoll
        }
    }
}
