/// Aho–Corasick over ASCII-case-folded bytes: one pass over a text finds every
/// occurrence of every keyword (the rules' prefilter), two table lookups per byte.
/// Bytes are first mapped to classes (the keywords' distinct bytes, the rest one
/// class), so the transition table is small enough to stay in the L1 cache.
struct KeywordAutomaton: Sendable {
    /// Byte → class (0: a byte no keyword holds).
    private let byteClass: [UInt8]
    private let classes: Int
    /// `transitions[state * classes + class]` → the next state (the full goto function).
    private let transitions: [UInt16]
    /// For each state, the keywords ending there (its own and its suffixes'):
    /// `outputs[outputStart[s] ..< outputStart[s + 1]]`.
    private let outputStart: [Int32]
    private let outputs: [UInt16]
    let keywordLengths: [Int]

    /// `keywords`: lowercase ASCII, non-empty; at most 65 535 states in all.
    init(keywords: [[UInt8]]) throws(SecretRuleError) {
        var classOf = [UInt8](repeating: 0, count: 256)
        var next: UInt8 = 1
        for k in keywords {
            guard !k.isEmpty else { throw SecretRuleError("an empty keyword") }
            for b in k {
                guard b < 0x80, !(0x41...0x5A).contains(b) else { throw SecretRuleError("keywords are lowercase ASCII") }
                if classOf[Int(b)] == 0 {
                    guard next < 255 else { throw SecretRuleError("too many distinct keyword bytes") }
                    classOf[Int(b)] = next
                    next += 1
                }
            }
        }
        // Uppercase letters fold onto lowercase.
        for b in UInt8(0x41)...0x5A { classOf[Int(b)] = classOf[Int(b + 0x20)] }
        let classes = Int(next)

        // The trie.
        var goto: [[Int32]] = [[Int32](repeating: -1, count: classes)]
        var own: [[UInt16]] = [[]]
        for (index, k) in keywords.enumerated() {
            var s = 0
            for b in k {
                let c = Int(classOf[Int(b)])
                if goto[s][c] < 0 {
                    goto[s][c] = Int32(goto.count)
                    goto.append([Int32](repeating: -1, count: classes))
                    own.append([])
                }
                s = Int(goto[s][c])
            }
            own[s].append(UInt16(index))
        }
        guard goto.count < Int(UInt16.max) else { throw SecretRuleError("the keywords make too many states") }

        // Failure links, breadth first; the goto function is completed on the way.
        var fail = [Int](repeating: 0, count: goto.count)
        var queue: [Int] = []
        for c in 0..<classes {
            if goto[0][c] < 0 { goto[0][c] = 0 } else { queue.append(Int(goto[0][c])) }
        }
        var head = 0
        var allOutputs = own
        while head < queue.count {
            let s = queue[head]
            head += 1
            allOutputs[s] += allOutputs[fail[s]]
            for c in 0..<classes {
                let t = Int(goto[s][c])
                if t < 0 {
                    goto[s][c] = goto[fail[s]][c]
                } else {
                    fail[t] = Int(goto[fail[s]][c])
                    queue.append(t)
                }
            }
        }
        // Class 0 (bytes in no keyword) always returns to the root.
        var table = [UInt16](repeating: 0, count: goto.count * classes)
        var starts: [Int32] = [0]
        var flat: [UInt16] = []
        for s in 0..<goto.count {
            for c in 0..<classes { table[s * classes + c] = c == 0 ? 0 : UInt16(goto[s][c]) }
            flat += allOutputs[s]
            starts.append(Int32(flat.count))
        }
        byteClass = classOf
        self.classes = classes
        transitions = table
        outputStart = starts
        outputs = flat
        keywordLengths = keywords.map(\.count)
    }

    /// Calls `hit(keyword, start)` for every occurrence, in order of where it ends.
    @inline(__always)
    func forEachMatch(in text: UnsafeRawBufferPointer, _ hit: (Int, Int) -> Void) {
        byteClass.withUnsafeBufferPointer { byteClass in
            transitions.withUnsafeBufferPointer { transitions in
                outputStart.withUnsafeBufferPointer { outputStart in
                    var state = 0
                    let classes = self.classes
                    for i in 0..<text.count {
                        state = Int(transitions[state &* classes &+ Int(byteClass[Int(text[i])])])
                        let from = Int(outputStart[state]), to = Int(outputStart[state &+ 1])
                        if from != to {
                            for o in from..<to {
                                let keyword = Int(outputs[o])
                                hit(keyword, i + 1 - keywordLengths[keyword])
                            }
                        }
                    }
                }
            }
        }
    }
}
