/// The peer tools ibbench runs and parses, and how to get each one.
public enum PeerTool: String, CaseIterable, Sendable, Codable {
    case netperf, iperf3, qperf, perftest

    /// What to do when the tool is not on PATH (said in a skip reason).
    public var installHint: String {
        switch self {
        case .netperf:
            "netperf is not packaged in Debian 12; build it from https://github.com/HewlettPackard/netperf "
                + "(./autogen.sh && ./configure --enable-omni --enable-histogram --enable-demo && make -C src install) "
                + "and put netperf on PATH, with netserver running on the peer"
        case .iperf3: "install the Debian package iperf3 (apt-get install iperf3), with iperf3 -s running on the peer"
        case .qperf: "install the Debian package qperf (apt-get install qperf), with qperf running on the peer"
        case .perftest: "install the Debian package perftest (apt-get install perftest), with the same test's server on the peer"
        }
    }
}
