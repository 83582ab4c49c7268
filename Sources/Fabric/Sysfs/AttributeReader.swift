import SystemPackage
import SystemCalls

/// Reads attribute files for one discovery pass and keeps a list of what
/// could not be read or parsed, so each bad file becomes one problem line.
struct AttributeReader {
    let sysfs: Sysfs
    private(set) var problems: [DiscoveryProblem] = []

    init(sysfs: Sysfs) { self.sysfs = sysfs }

    mutating func note(_ subject: String, _ what: String) {
        problems.append(DiscoveryProblem(subject: subject, what: what))
    }

    /// The text of `dir/name`. A missing optional file is nil without a
    /// problem (old kernels lack `fw_ver`, `dev_port`); a missing required
    /// file or any other failure is noted.
    mutating func text(_ dir: FilePath, _ name: String, of subject: String, required: Bool = false) -> String? {
        do {
            return try sysfs.read(dir.appending(name))
        } catch .noSuchFileOrDirectory where !required {
            return nil
        } catch {
            note(subject, "cannot read \(name) (\(error.symbol))")
            return nil
        }
    }

    /// `dir/name` parsed by `parse`; text that does not parse is noted with
    /// the offending text quoted.
    mutating func value<T>(_ dir: FilePath, _ name: String, of subject: String, required: Bool = false,
                           _ parse: (String) -> T?) -> T? {
        guard let text = text(dir, name, of: subject, required: required) else { return nil }
        if let value = parse(text) { return value }
        note(subject, "unexpected \(name) \(quoted(text))")
        return nil
    }

    /// The entries of a directory; nil (noted unless optional and missing)
    /// when it cannot be listed.
    mutating func list(_ dir: FilePath, of subject: String, required: Bool = false) -> [String]? {
        do {
            return try sysfs.list(dir)
        } catch .noSuchFileOrDirectory where !required {
            return nil
        } catch {
            note(subject, "cannot list \(dir.lastComponent?.string ?? dir.string) (\(error.symbol))")
            return nil
        }
    }

    /// The last path component of the target of link `dir/name`; nil if the
    /// link is missing.
    func linkTargetName(_ dir: FilePath, _ name: String) -> String? {
        guard let target = try? sysfs.readLink(dir.appending(name)) else { return nil }
        return FilePath(target).lastComponent?.string
    }
}

/// At most 40 characters of `text`, quoted, control characters escaped, so
/// that garbage in a file cannot garble the report.
func quoted(_ text: String) -> String {
    var shown = ""
    for scalar in text.unicodeScalars.prefix(40) {
        if scalar.value < 0x20 || scalar.value == 0x7f || scalar == "'" || scalar == "\\" {
            shown += scalar.value == 0x0a ? "\\n" : "\\x" + hex2(UInt8(truncatingIfNeeded: scalar.value))
        } else {
            shown.unicodeScalars.append(scalar)
        }
    }
    if text.unicodeScalars.count > 40 { shown += "..." }
    return "'" + shown + "'"
}
