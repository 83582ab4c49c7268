import Foundation

/// Prints what `up`/`down` planned and did: text for people, one JSON object
/// (one line) for programs.
public enum RunOutput {
    public static func print(_ result: RunResult, json: Bool, console: Console) {
        if json { console.out(jsonLine(result)) } else { text(result).forEach(console.out) }
    }

    public static func text(_ result: RunResult) -> [String] {
        var lines = result.ports
        lines += result.plan.notes.map { "note: " + $0 }
        let targets = result.plan.targets.map(\.interface).joined(separator: ", ")
        if result.plan.isEmpty {
            lines.append("\(targets.isEmpty ? "nothing" : targets): already configured, nothing to do")
            return lines
        }
        let count = result.plan.steps.count
        lines.append("plan (\(count) step\(count == 1 ? "" : "s")):")
        for (number, step) in result.plan.steps.enumerated() {
            lines.append("  \(number + 1). \(step)")
        }
        if let report = result.report {
            lines.append("applied \(report.performed.count) step\(report.performed.count == 1 ? "" : "s"); read back:")
            lines += report.verified.map { "  " + $0 }
        } else if result.dryRun {
            lines.append("dry run: nothing changed")
        }
        return lines
    }

    struct StepJSON: Encodable {
        var interface: String
        var kind: String
        var action: String
    }

    /// Schema `ibkit.link/1` (docs/json-output.md).
    struct ResultJSON: Encodable {
        var schema = "ibkit.link/1"
        var command: String
        var dry_run: Bool
        var already_configured: Bool
        var changed: Bool
        var ports: [String]
        var warnings: [String]
        var notes: [String]
        var steps: [StepJSON]
        var verified: [String]
    }

    public static func jsonLine(_ result: RunResult) -> String {
        let value = ResultJSON(
            command: result.command, dry_run: result.dryRun, already_configured: result.plan.isEmpty,
            changed: result.report.map { !$0.performed.isEmpty } ?? false,
            ports: result.ports, warnings: result.warnings, notes: result.plan.notes,
            steps: result.plan.steps.map { StepJSON(interface: $0.subject, kind: $0.kind, action: $0.action) },
            verified: result.report?.verified ?? [])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension Step {
    /// A stable machine name for the step: `set-mtu`, `add-address`, …
    public var kind: String {
        switch self {
        case .loadModule: "load-module"
        case .createChild: "create-child"
        case .deleteChild: "delete-child"
        case .setMode: "set-mode"
        case .setMTU: "set-mtu"
        case .addAddress: "add-address"
        case .removeAddress: "remove-address"
        case .setLink(_, let up): up ? "link-up" : "link-down"
        }
    }
}
