/// How a test drives its queue pairs, as one value: `ibbench rdma` takes it from its command
/// line, and `ibbench mesh rdma` sends it with every link's job so that each link is
/// measured alike.
public struct RDMATuning: Codable, Sendable, Equatable {
    public var txDepth = 128
    /// nil: perftest's default (lat 236, bw 0).
    public var inline: Int?
    public var cqModeration = 1
    public var postList = 1
    public var poll = PollMode.busy
    public var validate = false
    public var hugePages = false

    public init(txDepth: Int = 128, inline: Int? = nil, cqModeration: Int = 1, postList: Int = 1,
                poll: PollMode = .busy, validate: Bool = false, hugePages: Bool = false) {
        self.txDepth = txDepth
        self.inline = inline
        self.cqModeration = cqModeration
        self.postList = postList
        self.poll = poll
        self.validate = validate
        self.hugePages = hugePages
    }

    enum CodingKeys: String, CodingKey { case txDepth, inline, cqModeration, postList, poll, validate, hugePages }

    /// Every key always there (`inline` null for the default), as in all of ibkit's JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(txDepth, forKey: .txDepth)
        try c.encode(inline, forKey: .inline)
        try c.encode(cqModeration, forKey: .cqModeration)
        try c.encode(postList, forKey: .postList)
        try c.encode(poll, forKey: .poll)
        try c.encode(validate, forKey: .validate)
        try c.encode(hugePages, forKey: .hugePages)
    }
}

extension PollMode: Codable {}

extension RDMAOptions {
    /// The tuning part of the options, read or replaced whole.
    public var tuning: RDMATuning {
        get {
            RDMATuning(txDepth: txDepth, inline: inline, cqModeration: cqModeration, postList: postList, poll: poll,
                       validate: validate, hugePages: hugePages)
        }
        set {
            txDepth = newValue.txDepth
            inline = newValue.inline
            cqModeration = newValue.cqModeration
            postList = newValue.postList
            poll = newValue.poll
            validate = newValue.validate
            hugePages = newValue.hugePages
        }
    }
}
