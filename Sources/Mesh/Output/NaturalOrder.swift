/// Host names in the order a person expects (`n2` before `n10`), as Slurm sorts them
/// (`strnatcmp`): runs of digits compare by value, the rest character by character.
enum NaturalOrder {
    static func sorted(_ names: [String]) -> [String] {
        names.sorted { precedes($0, $1) }
    }

    static func precedes(_ a: String, _ b: String) -> Bool {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var x = i.next(), y = j.next()
        while let p = x, let q = y {
            if isDigit(p) && isDigit(q) {
                var m = "", n = ""
                while let c = x, isDigit(c) { m.unicodeScalars.append(c); x = i.next() }
                while let c = y, isDigit(c) { n.unicodeScalars.append(c); y = j.next() }
                let (u, v) = (m.drop { $0 == "0" }, n.drop { $0 == "0" })
                if u.count != v.count { return u.count < v.count }
                if u != v { return u < v }
                if m.count != n.count { return m.count > n.count }  // n01 before n1: more padding first
                continue
            }
            if p != q { return p.value < q.value }
            x = i.next()
            y = j.next()
        }
        return x == nil && y != nil
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
}
