import Testing
@testable import Mesh

@Suite struct HostlistTests {
    /// Slurm's own syntax, with what `scontrol show hostnames` prints for it.
    @Test(arguments: [
        ("node[1-3,7],gpu[01-02]", ["node1", "node2", "node3", "node7", "gpu01", "gpu02"]),
        ("linux[0-3]", ["linux0", "linux1", "linux2", "linux3"]),
        ("lx[10-12,15]", ["lx10", "lx11", "lx12", "lx15"]),
        ("tux[08-11]", ["tux08", "tux09", "tux10", "tux11"]),
        ("n[8-10]", ["n8", "n9", "n10"]),
        ("n[098-101]", ["n098", "n099", "n100", "n101"]),
        ("rack[1-2]-n[01-02]", ["rack1-n01", "rack1-n02", "rack2-n01", "rack2-n02"]),
        ("a[1-2]b[3-4]", ["a1b3", "a1b4", "a2b3", "a2b4"]),
        ("alpha,beta,gamma", ["alpha", "beta", "gamma"]),
        ("node1", ["node1"]),
        ("node1 node2\tnode3", ["node1", "node2", "node3"]),
        (",,node1,,node[2-3],", ["node1", "node2", "node3"]),
        ("[1-3]", ["1", "2", "3"]),
        ("n[5]", ["n5"]),
        ("n[3,1,3]", ["n3", "n1", "n3"]),
        ("", []),
    ])
    func expandsLikeSlurm(_ list: String, _ hosts: [String]) throws {
        #expect(try Hostlist.expand(list) == hosts)
    }

    @Test(arguments: [
        ("node[1-3", "'[' without ']'"),
        ("node1-3]", "']' without '['"),
        ("node[]", "empty brackets"),
        ("node[3-1]", "range \"3-1\" runs backwards"),
        ("node[a-c]", "invalid range \"a-c\""),
        ("node[1-]", "invalid range \"1-\""),
        ("node[-2]", "invalid range \"-2\""),
        ("node[1--2]", "invalid range \"1--2\""),
        ("node[1,,2]", "invalid range \"\""),
        ("node[1-2]-ib", "text after the last ']' (\"-ib\")"),
        ("node[[1-2]]", "nested '['"),
        ("node[0-70000]", "range \"0-70000\" has more than 65536 hosts"),
        ("a[0-60000]b[0-60000]", "more than 1048576 hosts"),
    ])
    func rejectsMalformedLists(_ list: String, _ problem: String) {
        #expect(throws: HostlistError.self) { try Hostlist.expand(list) }
        do {
            _ = try Hostlist.expand(list)
        } catch {
            #expect(error.problem == problem)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func errorNamesTheItemThatFailed() {
        #expect(throws: HostlistError(list: "gpu[2-1]", problem: "range \"2-1\" runs backwards")) {
            try Hostlist.expand("node[1-2],gpu[2-1]")
        }
    }

    @Test func keepsCommasInsideBracketsTogether() throws {
        #expect(try Hostlist.items(of: "a[1,2],b,c[3-4,6]").map(String.init) == ["a[1,2]", "b", "c[3-4,6]"])
    }
}
