import ChordCore
import CommandLineSupport

/// Text and JSON forms of a lookup trace.
enum TraceRendering {
    /// Nanoseconds as milliseconds with three decimals.
    static func milliseconds(_ nanoseconds: Int64) -> String {
        JSONText.number(Double(nanoseconds) / 1e6)
    }

    private static func peerJSON(_ peer: Peer) -> String {
        JSONText.object([("id", JSONText.string(peer.id.hex)), ("address", JSONText.string(peer.address.description))])
    }

    /// The one JSON object of `--json`.
    static func json(key: String?, trace: LookupTrace, elapsed: Int64) -> String {
        let hops = trace.hops.map { hop in
            JSONText.object([("id", JSONText.string(hop.id?.hex)),
                             ("address", JSONText.string(hop.address.description)),
                             ("rtt_ms", hop.roundTrip.map(milliseconds) ?? "null")])
        }
        return JSONText.object([
            ("key", JSONText.string(key)),
            ("id", JSONText.string(trace.target.hex)),
            ("hops", JSONText.array(hops)),
            ("owner", trace.owner.map(peerJSON) ?? "null"),
            ("replicas", JSONText.array(trace.successors.map(peerJSON))),
            ("elapsed_ms", milliseconds(elapsed)),
        ])
    }

    /// The human-readable report.
    static func text(key: String?, trace: LookupTrace, elapsed: Int64) -> String {
        var lines: [String] = []
        if let key {
            lines.append("lookup of key \(JSONText.string(key)), id \(trace.target.hex)")
        } else {
            lines.append("lookup of id \(trace.target.hex)")
        }
        let unknown = String(repeating: "?", count: 40)
        let addressWidth = trace.hops.map { $0.address.description.count }.max() ?? 0
        for (index, hop) in trace.hops.enumerated() {
            let address = hop.address.description
            let padding = String(repeating: " ", count: addressWidth - address.count)
            let time = hop.roundTrip.map { milliseconds($0) + " ms" } ?? "timed out"
            let note = hop.confirmsOwner ? "  (owner confirmation)" : ""
            let number = String(index + 1)
            lines.append("  hop \(String(repeating: " ", count: max(0, 3 - number.count)))\(number)  "
                         + "\(hop.id?.hex ?? unknown)  \(address)\(padding)  \(time)\(note)")
        }
        if let owner = trace.owner {
            lines.append("owner     \(owner.id.hex)  \(owner.address)")
        }
        for (index, replica) in trace.successors.enumerated() {
            lines.append("\(index == 0 ? "replicas " : "         ") \(replica.id.hex)  \(replica.address)")
        }
        if trace.status != .ok {
            lines.append("lookup failed: \(trace.status)")
        }
        let answered = trace.hops.filter { $0.roundTrip != nil && !$0.confirmsOwner }.count
        lines.append("\(trace.hops.count) hop\(trace.hops.count == 1 ? "" : "s") (\(answered) routing), "
                     + "total \(milliseconds(elapsed)) ms (\(milliseconds(trace.elapsed)) ms at the via node)")
        return lines.joined(separator: "\n")
    }
}
