import Testing

@Suite struct RDMACLITests {
    @Test func serveHelpSaysOnceCoversBothTransports() throws {
        let help = try runTool("ibbench", ["help", "serve"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--once"))
        #expect(help.stdout.contains("TCP or RDMA"), "the --once help names both transports")
    }

    @Test func tokenAndTokenFileTogetherAreAUsageError() throws {
        let run = try runTool("ibbench", ["rdma", "10.0.0.2", "--token", "a", "--token-file", "/nonexistent"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("give --token or --token-file, not both"))
    }

    @Test func unreadableTokenFileIsOneLineAndExitTwo() throws {
        let run = try runTool("ibbench", ["rdma", "10.0.0.2", "--token-file", "/nonexistent/token"])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: /nonexistent/token"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }
}
