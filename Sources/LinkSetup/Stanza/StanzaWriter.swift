import Glibc
import SystemPackage
import SystemCalls

/// What `stanza --write` did.
public struct WriteReport: Equatable, Sendable {
    public var written: [String] = []
    public var unchanged: [String] = []
    /// Backups of replaced files (hidden names in the same directory, so that
    /// `source interfaces.d/*`, netplan and networkd never read them).
    public var backups: [String] = []
    /// Temporary files that an interrupted run left beside a target, removed.
    public var removed: [String] = []
    public var warnings: [String] = []
}

/// Installs stanza files under a root (`/`, or a test directory): each file is
/// written to a temporary name, fsynced and renamed over the target, then the
/// directory is fsynced, so a target is always the old file or the new one,
/// even when the run is killed. A file that names other interfaces is never
/// replaced; one that configures only ours is backed up first. All files are
/// checked, then all written beside their targets, before any target is
/// replaced, so a refusal or a failed write leaves everything as it was.
/// Temporary files a killed run left beside a target are removed by the next.
public struct StanzaWriter: Sendable {
    public let root: FilePath

    public init(root: FilePath = "/") { self.root = root }

    public func install(_ files: [StanzaFile], format: StanzaFormat) throws(LinkSetupError) -> WriteReport {
        var report = WriteReport()
        var pending: [(FilePath, StanzaFile)] = []
        var directories: [FilePath] = []
        for file in files {
            let target = full(file.path)
            if let kind = Self.notAFile(target) {
                throw .unsupported(target.string, what: "is \(kind), not a file, so it cannot be replaced",
                                   next: "move it out of the way and run again")
            }
            if let existing = SysfsReader(root: "/").bytes(target).map({ String(decoding: $0, as: UTF8.self) }) {
                if existing == file.contents {
                    report.unchanged.append(file.path)
                    continue
                }
                let others = Self.interfacesNamed(in: existing, path: file.path, format: format)
                    .filter { !file.interfaces.contains($0) }.sorted()
                if !others.isEmpty { throw .wouldClobber(path: target.string, interfaces: others) }
            }
            let directory = target.removingLastComponent()
            if !SysfsReader(root: "/").exists(directory) {
                // A drop-in directory is ibsetup's to make; any other missing directory
                // means the target system lacks that tool.
                guard directory.string.hasSuffix(".network.d"), SysfsReader(root: "/").exists(directory.removingLastComponent()) else {
                    throw .fileWrite(path: target.string, error: Errno(rawValue: ENOENT), doing: "write into its directory")
                }
                if !directories.contains(directory) { directories.append(directory) }
            }
            pending.append((target, file))
        }
        for directory in directories {
            do throws(Errno) {
                _ = try sys { directory.withPlatformString { mkdir($0, 0o755) } }
            } catch {
                throw .fileWrite(path: directory.string, error: error, doing: "create the drop-in directory")
            }
        }
        for target in files.map({ full($0.path) }) {
            report.removed += removeLeftovers(beside: target).map(shown)
        }
        // Every new file is written beside its target before any target is replaced, so a
        // failure (a full disk, a directory that refuses) leaves all targets as they were.
        var staged: [(temporary: FilePath, target: FilePath, path: String)] = []
        do throws(LinkSetupError) {
            for (target, file) in pending {
                if SysfsReader(root: "/").exists(target) {
                    let backup = Self.backupPath(target)
                    try copy(target, to: backup)
                    report.backups.append(shown(backup))
                }
                staged.append((try stage(Array(file.contents.utf8), for: target, mode: mode_t(file.permissions)), target, file.path))
            }
            while let next = staged.first {
                try commit(next.temporary, to: next.target)
                staged.removeFirst()
                report.written.append(next.path)
            }
        } catch {
            for leftover in staged { _ = leftover.temporary.withPlatformString { unlink($0) } }
            throw error
        }
        if format == .ifupdown, !files.isEmpty { report.warnings += ifupdownSourceWarnings(files) }
        if format == .networkd { report.warnings += networkdDropInWarnings(files) }
        return report
    }

    /// `path` under the root: what the errors and warnings name.
    private func full(_ path: String) -> FilePath { root.appending(String(path.drop { $0 == "/" })) }

    /// `.NAME.ibsetup-backup` beside the file.
    static func backupPath(_ target: FilePath) -> FilePath {
        target.removingLastComponent().appending("." + (target.lastComponent?.string ?? "stanza") + ".ibsetup-backup")
    }

    /// `.NAME.ibsetup-tmp-PID` beside the file: where it is written before the rename.
    static func temporaryPath(_ target: FilePath, pid: pid_t) -> FilePath {
        target.removingLastComponent().appending(temporaryPrefix(target) + String(pid))
    }

    private static func temporaryPrefix(_ target: FilePath) -> String {
        "." + (target.lastComponent?.string ?? "stanza") + ".ibsetup-tmp-"
    }

    /// Removes the temporary files of `target` and of its backup whose writer is
    /// gone (killed between open and rename); returns their paths.
    private func removeLeftovers(beside target: FilePath) -> [FilePath] {
        let directory = target.removingLastComponent()
        let prefixes = [Self.temporaryPrefix(target), Self.temporaryPrefix(Self.backupPath(target))]
        var removed: [FilePath] = []
        for name in SysfsReader(root: "/").children(of: directory) {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
                  let pid = pid_t(name.dropFirst(prefix.count)), pid > 0 else { continue }
            // Another ibsetup writing the same file right now keeps its file; a
            // leftover with our own number is from a dead run whose number came back.
            if pid != getpid(), kill(pid, 0) == 0 || errno != ESRCH { continue }
            let path = directory.appending(name)
            if path.withPlatformString({ unlink($0) }) == 0 { removed.append(path) }
        }
        return removed
    }

    private func shown(_ path: FilePath) -> String {
        let full = path.string, prefix = root.string
        return prefix == "/" ? full : "/" + full.dropFirst(prefix.count).drop { $0 == "/" }
    }

    /// The interface names an existing file configures, by the kind of file.
    static func interfacesNamed(in text: String, path: String, format: StanzaFormat) -> Set<String> {
        var names = Set<String>()
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("#") { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if path.hasSuffix(".rules") {
                // KERNEL=="ib0", ENV{ID_NET_NAME_PATH}=="ibp3s0", NAME=="ib1": whatever a rule matches on.
                for word in words {
                    let parts = word.split(separator: "==", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2, parts[0] == "KERNEL" || parts[0] == "NAME" || parts[0].hasPrefix("ENV{ID_NET_NAME")
                    else { continue }
                    let value = parts[1].drop { $0 == "\"" }.prefix { $0 != "\"" }
                    if !value.isEmpty { names.insert(String(value)) }
                }
                continue
            }
            if path.hasSuffix(".nmconnection") {
                for key in ["interface-name=", "parent="] where line.hasPrefix(key) {
                    names.insert(String(line.dropFirst(key.count)))
                }
                continue
            }
            switch format {
            case .ifupdown:
                guard let keyword = words.first else { continue }
                if keyword == "iface" || keyword == "mapping", words.count > 1 { names.insert(words[1]) }
                if keyword == "auto" || keyword.hasPrefix("allow-") { names.formUnion(words.dropFirst()) }
            case .netplan:
                // Interface keys sit at the second level under ethernets/vlans/…: four spaces, a name, a colon.
                if raw.hasPrefix("    "), !raw.hasPrefix("     "), words.count == 1, let key = words.first, key.hasSuffix(":") {
                    names.insert(String(key.dropLast()))
                }
            case .networkd:
                for word in words where word.hasPrefix("Name=") || word.hasPrefix("IPoIB=") || word.hasPrefix("VLAN=") {
                    names.formUnion(word.split(separator: "=", maxSplits: 1).dropFirst().flatMap { $0.split(separator: " ") }.map(String.init))
                }
            case .nmcli:
                break
            }
        }
        return names
    }

    /// Warns when a drop-in extends a `.network` file that is not there:
    /// networkd reads `NAME.network.d/` only together with `NAME.network`.
    private func networkdDropInWarnings(_ files: [StanzaFile]) -> [String] {
        files.compactMap { file in
            guard let range = file.path.range(of: ".network.d/") else { return nil }
            let parentFile = String(file.path[..<range.lowerBound]) + ".network"
            if files.contains(where: { $0.path == parentFile }) || SysfsReader(root: "/").exists(full(parentFile)) { return nil }
            let parent = file.interfaces.first ?? "the parent"
            return "\(full(parentFile).string): missing; networkd ignores \(full(file.path).string) without it, "
                + "so the child is never created; write it with 'ibsetup stanza \(parent) --format networkd --write'"
        }
    }

    /// Warns when `/etc/network/interfaces` will not read our file.
    private func ifupdownSourceWarnings(_ files: [StanzaFile]) -> [String] {
        let main = full("/etc/network/interfaces")
        guard let text = SysfsReader(root: "/").read(main) else {
            return ["\(main.string): missing; ifupdown will not read interfaces.d, add 'source /etc/network/interfaces.d/*'"]
        }
        var globbed = false, directory = false
        for raw in text.split(separator: "\n") {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2 else { continue }
            let target = words[1].hasPrefix("/") ? String(words[1]) : "/etc/network/" + words[1]
            if words[0] == "source", target.hasPrefix("/etc/network/interfaces.d/") { globbed = true }
            if words[0] == "source-directory", target.hasPrefix("/etc/network/interfaces.d") { directory = true }
        }
        if globbed { return [] }
        if directory {
            // source-directory only reads names made of letters, digits, '_' and '-'.
            let skipped = files.map(\.path).filter { $0.split(separator: "/").last?.contains(".") == true }
            return skipped.map { "\(full($0).string): 'source-directory' skips names with a dot; use 'source /etc/network/interfaces.d/*' in \(main.string)" }
        }
        return ["\(main.string): does not source interfaces.d; add 'source /etc/network/interfaces.d/*' or ifupdown ignores this stanza"]
    }

    /// What `path` is when it is there but neither a file nor a link (a directory, or a FIFO
    /// a read would hang on); nil otherwise. Kernel: lstat.
    private static func notAFile(_ path: FilePath) -> String? {
        var st = stat()
        guard path.withPlatformString({ lstat($0, &st) }) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFLNK: return nil
        case S_IFDIR: return "a directory"
        default: return "a device, FIFO or socket"
        }
    }

    /// Writes the whole file: staged, then put in place.
    private func atomicWrite(_ contents: [UInt8], to target: FilePath, mode: mode_t) throws(LinkSetupError) {
        let temporary = try stage(contents, for: target, mode: mode)
        do throws(LinkSetupError) { try commit(temporary, to: target) } catch {
            _ = temporary.withPlatformString { unlink($0) }
            throw error
        }
    }

    /// Writes `contents` to the temporary name beside `target`, fsynced; returns that name.
    private func stage(_ contents: [UInt8], for target: FilePath, mode: mode_t) throws(LinkSetupError) -> FilePath {
        let temporary = Self.temporaryPath(target, pid: getpid())
        do throws(Errno) {
            let fd = try sys { temporary.withPlatformString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) } }
            do throws(Errno) {
                var offset = 0
                while offset < contents.count {
                    offset += try sys { contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
                }
                _ = try sys { fchmod(fd, mode) }
                _ = try sys { fsync(fd) }
                close(fd)
            } catch {
                close(fd)
                throw error
            }
        } catch {
            _ = temporary.withPlatformString { unlink($0) }
            throw .fileWrite(path: target.string, error: error, doing: "write the new file")
        }
        return temporary
    }

    /// Renames the staged file over `target` and fsyncs the directory, so the target is the
    /// old file or the new one, never a part.
    private func commit(_ temporary: FilePath, to target: FilePath) throws(LinkSetupError) {
        do throws(Errno) {
            _ = try sys { temporary.withPlatformString { from in target.withPlatformString { rename(from, $0) } } }
            let dirfd = try sys { target.removingLastComponent().withPlatformString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } }
            defer { close(dirfd) }
            _ = try sys { fsync(dirfd) }
        } catch {
            throw .fileWrite(path: target.string, error: error, doing: "put the new file in place")
        }
    }

    private func copy(_ source: FilePath, to backup: FilePath) throws(LinkSetupError) {
        guard let bytes = SysfsReader(root: "/").bytes(source) else {
            throw .fileWrite(path: source.string, error: Errno(rawValue: EIO), doing: "read the file it replaces")
        }
        try atomicWrite(bytes, to: backup, mode: 0o600)
    }
}
