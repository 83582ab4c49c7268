import Testing
@testable import Mesh

@Suite struct MembershipTests {
    let step: [String: String] = [
        "SLURM_PROCID": "2", "SLURM_NTASKS": "4",
        "SLURM_STEP_NODELIST": "node[1-3],gpu01", "SLURM_JOB_NODELIST": "node[1-8]",
    ]

    @Test func readsRankAndHostsFromTheStep() throws {
        let m = try MeshMembership.fromSlurm(environment: step)
        #expect(m.hosts == ["node1", "node2", "node3", "gpu01"])
        #expect(m.rank == 2)
        #expect(m.selfHost == "node3")
    }

    @Test func fallsBackToTheJobNodelist() throws {
        var env = step
        env["SLURM_STEP_NODELIST"] = nil
        env["SLURM_NTASKS"] = "8"
        #expect(try MeshMembership.fromSlurm(environment: env).hosts.count == 8)
    }

    @Test func takesTheNodeNameFromSlurmd() throws {
        var env = step
        env["SLURMD_NODENAME"] = "gpu01"
        #expect(try MeshMembership.fromSlurm(environment: env).selfHost == "gpu01")
        env["SLURMD_NODENAME"] = "elsewhere"
        #expect(throws: MembershipError.selfNotListed("elsewhere")) { try MeshMembership.fromSlurm(environment: env) }
    }

    @Test(arguments: [
        (["SLURM_PROCID": "0"], MembershipError.missingVariable("SLURM_STEP_NODELIST")),
        ([:], .notInSlurmStep),
        (["SLURM_PROCID": "x", "SLURM_STEP_NODELIST": "a,b"], .badVariable(name: "SLURM_PROCID", value: "x")),
        (["SLURM_PROCID": "2", "SLURM_STEP_NODELIST": "a,b"], .rankOutOfRange(rank: 2, hosts: 2)),
        (["SLURM_PROCID": "0", "SLURM_NTASKS": "4", "SLURM_STEP_NODELIST": "a,b"], .tasksNotOnePerNode(tasks: 4, hosts: 2)),
        (["SLURM_PROCID": "0", "SLURM_STEP_NODELIST": "a,b,a"], .duplicateHost("a")),
        (["SLURM_PROCID": "0", "SLURM_STEP_NODELIST": ""], .emptyHostList),
        (["SLURM_PROCID": "0", "SLURM_STEP_NODELIST": "n[2-1]"],
         .badHostlist(HostlistError(list: "n[2-1]", problem: "range \"2-1\" runs backwards"))),
    ])
    func refusesABrokenStep(_ env: [String: String], _ expected: MembershipError) {
        #expect(throws: expected) { try MeshMembership.fromSlurm(environment: env) }
        #expect(!expected.description.contains("\n"))
    }

    @Test func readsAHostsFile() throws {
        let file = """
            # the test rack
            node1
              node2   # spare PSU
            \r
            node[3-4]

            """
        let m = try MeshMembership.fromHosts(file, isFile: true, rank: 3)
        #expect(m.hosts == ["node1", "node2", "node3", "node4"])
        #expect(m.selfHost == "node4")
    }

    @Test func readsAWindowsHostsFile() throws {
        #expect(try HostsFile.parse("a\r\nb\r\n") == ["a", "b"])
    }

    @Test func readsAnInlineList() throws {
        #expect(try MeshMembership.fromHosts("a,b,c", isFile: false, rank: 0).hosts == ["a", "b", "c"])
        #expect(try MeshMembership.fromHosts("n[1-2]", isFile: false, rank: 1).selfHost == "n2")
    }

    @Test func refusesBadHostsArguments() {
        #expect(throws: MembershipError.emptyHostList) { try MeshMembership.fromHosts("# none\n\n", isFile: true, rank: 0) }
        #expect(throws: MembershipError.duplicateHost("b")) { try MeshMembership.fromHosts("a,b,b", isFile: false, rank: 0) }
        #expect(throws: MembershipError.rankOutOfRange(rank: -1, hosts: 3)) {
            try MeshMembership.fromHosts("a,b,c", isFile: false, rank: -1)
        }
        #expect(MembershipError.rankOutOfRange(rank: 5, hosts: 3).description
            == "rank 5 is out of range for 3 hosts (0...2)")
    }
}
