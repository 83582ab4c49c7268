import Subunit

/// What both subunit harnesses compare events with.
public enum SubunitEvents {
    /// Adjacent text events joined: how text is split depends on where the feeds end.
    public static func merged(_ events: [Event]) -> [Event] {
        var out: [Event] = []
        var text: [UInt8] = []
        for e in events {
            if case .nonSubunit(let more) = e {
                text += more
                continue
            }
            if !text.isEmpty { out.append(.nonSubunit(text)) }
            text = []
            out.append(e)
        }
        if !text.isEmpty { out.append(.nonSubunit(text)) }
        return out
    }
}
