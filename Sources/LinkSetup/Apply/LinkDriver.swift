/// The kernel boundary: reads interface state and performs single steps.
/// `SystemLinkDriver` talks to the kernel; `SimulatedLinkDriver` models it for
/// tests and for rehearsing a plan.
public protocol LinkDriver: ~Copyable {
    /// The interface's current state; nil when it does not exist.
    mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState?
    /// Performs one step; the kernel's refusal comes back as `NetlinkError`.
    mutating func perform(_ step: Step) throws(NetlinkError)
}

/// What an applied plan did.
public struct ApplyReport: Equatable, Sendable {
    public var performed: [Step]
    /// Settings read back after applying, one line per target (`ib0: mode connected, MTU 65520, up, 10.0.0.1/24`).
    public var verified: [String]
}

/// Runs `plan` in order, then reads every target back. When a step fails,
/// or a setting does not read back as planned, undoes the steps done so far,
/// newest first, and throws saying which step failed and why.
public func apply(_ plan: Plan, with driver: inout some LinkDriver & ~Copyable) throws(LinkSetupError) -> ApplyReport {
    var done: [Step] = []
    for step in plan.steps {
        do {
            try driver.perform(step)
            done.append(step)
        } catch {
            let failures = undo(done, with: &driver)
            throw .stepFailed(step: step.shortAction, subject: step.subject, error: error,
                              rolledBack: done.count, rollbackFailures: failures)
        }
    }
    do {
        let verified = try verify(plan.targets, with: &driver)
        return ApplyReport(performed: done, verified: verified)
    } catch {
        _ = undo(done, with: &driver)
        throw error.withRollbackCount(done.count)
    }
}

/// Undoes `done` newest first; returns the steps whose undo failed.
func undo(_ done: [Step], with driver: inout some LinkDriver & ~Copyable) -> [String] {
    var failures: [String] = []
    for step in done.reversed() {
        guard let inverse = step.inverse else { continue }
        do { try driver.perform(inverse) } catch { failures.append("\(inverse.shortAction) on \(inverse.subject) (\(error))") }
    }
    return failures
}

/// Reads each target back and checks every planned setting took.
func verify(_ targets: [Plan.Target], with driver: inout some LinkDriver & ~Copyable) throws(LinkSetupError) -> [String] {
    var lines: [String] = []
    for target in targets {
        let state = try driver.observe(target.interface)
        guard target.exists else {
            if state != nil { throw .verifyFailed(target.interface, setting: "existence", expected: "deleted", found: "present", rolledBack: 0) }
            lines.append("\(target.interface): deleted")
            continue
        }
        guard let state else {
            throw .verifyFailed(target.interface, setting: "existence", expected: "present", found: "missing", rolledBack: 0)
        }
        if let mode = target.mode, let found = state.mode, found != mode {
            throw .verifyFailed(target.interface, setting: "mode", expected: mode.rawValue, found: found.rawValue, rolledBack: 0)
        }
        if let mtu = target.mtu, let found = state.mtu, found != mtu {
            // In datagram mode the kernel quietly caps the MTU at the broadcast
            // group's (set 4092 on a 2K fabric, read 2044): that is the largest allowed.
            let capped = (target.mode ?? state.mode) == .datagram && found < mtu
            if !capped {
                throw .verifyFailed(target.interface, setting: "MTU", expected: String(mtu), found: String(found), rolledBack: 0)
            }
        }
        if state.isUp != target.up {
            throw .verifyFailed(target.interface, setting: "link", expected: target.up ? "up" : "down",
                                found: state.isUp ? "up" : "down", rolledBack: 0)
        }
        if let present = state.addresses {
            for address in target.addresses where !present.contains(address) {
                throw .verifyFailed(target.interface, setting: "address \(address)", expected: "present", found: "missing", rolledBack: 0)
            }
            if target.addresses.isEmpty, !target.up, let extra = present.first(where: { !$0.isLinkLocal }) {
                throw .verifyFailed(target.interface, setting: "address \(extra)", expected: "removed", found: "present", rolledBack: 0)
            }
        }
        lines.append(state.summary)
    }
    return lines
}

extension LinkSetupError {
    func withRollbackCount(_ count: Int) -> LinkSetupError {
        if case let .verifyFailed(name, setting, expected, found, _) = self {
            return .verifyFailed(name, setting: setting, expected: expected, found: found, rolledBack: count)
        }
        return self
    }
}

extension LinkState {
    /// `ib0: mode connected, MTU 65520, up, 10.0.0.1/24`.
    public var summary: String {
        var parts: [String] = []
        if let mode { parts.append("mode \(mode)") }
        if let mtu { parts.append("MTU \(mtu)") }
        parts.append(isUp ? "up" : "down")
        if let addresses {
            let shown = addresses.filter { !$0.isLinkLocal }
            parts.append(shown.isEmpty ? "no addresses" : shown.map(\.description).joined(separator: " "))
        }
        return "\(name): " + parts.joined(separator: ", ")
    }
}
