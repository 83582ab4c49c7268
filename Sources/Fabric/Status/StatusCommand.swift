import SystemPackage

/// `ibsetup status [IFACE|HCA] [--json] [--sysfs-root DIR]`.
///
/// Ends `.done` when devices were found (problems reading single files are
/// listed, not fatal), `.error` when there are none or `filter` names
/// neither an IPoIB interface nor an RDMA device.
public func statusReport(root: FilePath = "/", filter: String? = nil, json: Bool = false) -> CommandOutcome {
    let snapshot = FabricSnapshot.read(root: root)
    let opensm = opensmProcesses(root: root)
    var diagnostics = snapshot.problems.map(\.description)
    guard snapshot.stack == .devices else {
        diagnostics.append(noDevicesMessage(snapshot.stack))
        return CommandOutcome(output: json ? snapshot.statusJSON(opensm: opensm).rendered() + "\n" : "",
                              diagnostics: diagnostics, ending: .error)
    }
    var view = snapshot
    var ports = snapshot.ports
    var shown = snapshot.interfaces
    if let filter {
        if let netdev = snapshot.interface(named: filter) {
            shown = [netdev]
            ports = netdev.port.flatMap { snapshot.port($0) }.map { [$0] } ?? []
            view.hcas = view.hcas.compactMap { hca in
                var hca = hca
                hca.ports = hca.ports.filter { $0.address == netdev.port }
                return hca.ports.isEmpty ? nil : hca
            }
            view.interfaces = shown
        } else if let hca = snapshot.hca(named: filter) {
            ports = hca.ports
            shown = snapshot.interfaces.filter { $0.port?.device == hca.name }
            view.hcas = [hca]
            view.interfaces = shown
        } else {
            let known = (snapshot.interfaces.map(\.name) + snapshot.hcas.map(\.name)).joined(separator: ", ")
            diagnostics.append("\(filter): no such IPoIB interface or RDMA device (found: \(known.isEmpty ? "none" : known)); "
                               + "run ibsetup status without an argument")
            return CommandOutcome(output: "", diagnostics: diagnostics, ending: .error)
        }
    }
    // Verbs describe the live host only; a captured tree is not compared.
    let verbs = root == "/" ? VerbsCrossCheck(comparing: snapshot) : nil
    var output = json ? view.statusJSON(opensm: opensm, verbs: verbs).rendered() + "\n"
                      : snapshot.statusTable(ports: ports, interfaces: shown, opensm: opensm)
    if !json, let verbs {
        output += verbs.differences.map { "verbs disagree: \($0)\n" }.joined()
    }
    return CommandOutcome(output: output, diagnostics: diagnostics, ending: .done)
}
