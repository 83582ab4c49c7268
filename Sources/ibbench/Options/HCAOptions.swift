import ArgumentParser
import CommandSupport

/// `--ib-dev` and `--ib-port`: the RDMA device and port an RDMA connection must use
/// (`--dev` and `--port` name the network interface and the server port).
struct HCAOptions: ParsableArguments {
    @Option(help: "The RDMA device (HCA) the peer's address must route through, e.g. mlx5_0.",
            completion: Completions.rdmaDevices)
    var ibDev: String?

    @Option(help: "The HCA port it must route through, e.g. 1.", transform: RangedValue.integer(1...255))
    var ibPort: Int?
}
