import ArgumentParser
import CommandSupport

/// `--dev` and `--bind`: which network interface and local address the sockets use.
struct InterfaceOptions: ParsableArguments {
    @Option(help: "Bind to this network interface (SO_BINDTODEVICE), e.g. ib0.", completion: Completions.networkInterfaces)
    var dev: String?

    @Option(help: "Local address to bind to: serve listens on it, clients connect from it (default: any).")
    var bind: String?
}
