import Testing

@Suite struct RDMACLITests {
    @Test func serveHelpSaysOnceCoversBothTransports() throws {
        let help = try runTool("ibbench", ["help", "serve"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--once"))
        #expect(help.stdout.contains("TCP or RDMA"), "the --once help names both transports")
    }
}
