/// Where a command's results (stdout) and diagnostics (stderr) go: the executable
/// passes its writers, tests capture the lines instead. The library never writes to a
/// file descriptor itself.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }
}
