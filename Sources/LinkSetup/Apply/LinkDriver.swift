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

/// A step done, with what undoing it needs besides its inverse.
struct DoneStep {
    var step: Step
    /// For a mode change: the MTU before it. The kernel sets the MTU itself when
    /// the mode changes (connected: 65520; datagram: capped at the broadcast
    /// group's), so going back to the old mode alone may not bring the old MTU back.
    var mtuBefore: Int?
}

/// Runs `plan` in order, then reads every target back. When a step fails,
/// or a setting does not read back as planned, undoes the steps done so far,
/// newest first, and throws saying which step failed and why.
public func apply(_ plan: Plan, with driver: inout some LinkDriver & ~Copyable) throws(LinkSetupError) -> ApplyReport {
    var done: [DoneStep] = []
    for step in plan.steps {
        var mtuBefore: Int?
        if case .setMode(let name, _, _) = step { mtuBefore = (try? driver.observe(name))??.mtu }
        do {
            try driver.perform(step)
            done.append(DoneStep(step: step, mtuBefore: mtuBefore))
        } catch {
            let failures = undo(done, with: &driver)
            throw .stepFailed(step: step.shortAction, subject: step.subject, error: error,
                              rolledBack: done.count, rollbackFailures: failures)
        }
    }
    do {
        let verified = try verify(plan.targets, with: &driver)
        return ApplyReport(performed: done.map(\.step), verified: verified)
    } catch {
        _ = undo(done, with: &driver)
        throw error.withRollbackCount(done.count)
    }
}

/// Undoes `done` newest first; returns the steps whose undo failed.
///
/// A mode and the MTU undo together: the MTU the plan replaced may not exist in
/// the mode the plan set (65520 in datagram mode, which leaving connected mode
/// needs undone), so an MTU the kernel refuses waits until the mode is back.
/// After a mode goes back, the MTU goes back too when the kernel's own change
/// to it left it different.
func undo(_ done: [DoneStep], with driver: inout some LinkDriver & ~Copyable) -> [String] {
    var failures: [String] = []
    var waiting: [String: (step: Step, error: NetlinkError)] = [:]
    for (position, entry) in done.enumerated().reversed() {
        guard let inverse = entry.step.inverse else { continue }
        do { try driver.perform(inverse) } catch {
            if case .setMTU(let name, _, _) = inverse, done[..<position].contains(where: { $0.step.isModeChange(of: name) }) {
                waiting[name] = (inverse, error)
            } else {
                failures.append("\(inverse.shortAction) on \(inverse.subject) (\(error))")
            }
            continue
        }
        guard case .setMode(let name, _, _) = entry.step else { continue }
        let held = waiting.removeValue(forKey: name)
        var wanted = entry.mtuBefore
        if wanted == nil, let held, case .setMTU(_, let to, _) = held.step { wanted = to }
        guard let mtu = wanted, let now = (try? driver.observe(name)) ?? nil, let found = now.mtu, found != mtu else { continue }
        let restore = Step.setMTU(name, to: mtu, was: found)
        do { try driver.perform(restore) } catch { failures.append("\(restore.shortAction) on \(name) (\(error))") }
    }
    failures += waiting.values.map { "\($0.step.shortAction) on \($0.step.subject) (\($0.error))" }.sorted()
    return failures
}

extension Step {
    func isModeChange(of name: String) -> Bool {
        if case .setMode(name, _, _) = self { true } else { false }
    }
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
