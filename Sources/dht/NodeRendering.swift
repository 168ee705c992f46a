import ChordCore
import CommandLineSupport

/// Text and JSON forms of nodes, for `info` and `ring`.
enum NodeRendering {
    /// `{"id": ..., "address": ...}`, or null.
    static func json(_ peer: Peer?) -> String {
        guard let peer else { return "null" }
        return JSONText.object([("id", JSONText.string(peer.id.hex)), ("address", JSONText.string(peer.address.description))])
    }

    /// The key counts as a JSON object.
    static func keysJSON(_ info: NodeInfo) -> String {
        JSONText.object([("owned", String(info.ownedKeys)), ("replica", String(info.replicaKeys)),
                         ("tombstones", String(info.tombstones)), ("bytes", String(info.storedBytes))])
    }

    /// `info --json`: one object.
    static func infoJSON(node: Peer, info: NodeInfo) -> String {
        JSONText.object([
            ("id", JSONText.string(node.id.hex)),
            ("address", JSONText.string(node.address.description)),
            ("predecessor", json(info.predecessor)),
            ("successors", JSONText.array(info.successors.map { json($0) })),
            ("fingers", JSONText.array(info.fingers.map { json($0) })),
            ("keys", keysJSON(info)),
        ])
    }

    /// `info`: one line per fact.
    static func infoText(node: Peer, info: NodeInfo) -> String {
        func line(_ peer: Peer) -> String { "\(peer.id.hex)  \(peer.address)" }
        var lines = ["node         \(line(node))"]
        lines.append("predecessor  " + (info.predecessor.map(line) ?? "(none)"))
        func list(_ label: String, _ peers: [Peer]) {
            if peers.isEmpty { lines.append(label + "(none)") }
            for (index, peer) in peers.enumerated() {
                lines.append((index == 0 ? label : String(repeating: " ", count: label.count)) + line(peer))
            }
        }
        list("successors   ", info.successors)
        list("fingers      ", info.fingers)
        lines.append("keys         owned \(info.ownedKeys), replica \(info.replicaKeys), "
                     + "tombstones \(info.tombstones), bytes \(info.storedBytes)")
        return lines.joined(separator: "\n")
    }

    /// `ring --json`: `{"nodes": [...]}` in ring order.
    static func ringJSON(_ members: [(node: Peer, info: NodeInfo)]) -> String {
        let nodes = members.map { member in
            JSONText.object([
                ("id", JSONText.string(member.node.id.hex)),
                ("address", JSONText.string(member.node.address.description)),
                ("predecessor", json(member.info.predecessor)),
                ("successor", json(member.info.successors.first)),
                ("keys", keysJSON(member.info)),
            ])
        }
        return JSONText.object([("nodes", JSONText.array(nodes))])
    }

    /// `ring`: a table in ring order; a predecessor other than the previous row is marked '*'.
    static func ringTable(_ members: [(node: Peer, info: NodeInfo)]) -> String {
        let header = ["#", "ID", "ADDRESS", "PREDECESSOR", "OWNED", "REPLICA", "TOMBSTONES", "BYTES"]
        var rows: [[String]] = []
        var inconsistent = 0
        for (index, member) in members.enumerated() {
            let expected = members[(index + members.count - 1) % members.count].node
            let predecessor = member.info.predecessor
            let consistent = members.count == 1 || predecessor?.id == expected.id
            if !consistent { inconsistent += 1 }
            rows.append([String(index + 1), member.node.id.hex, member.node.address.description,
                         (predecessor.map { $0.address.description } ?? "(none)") + (consistent ? "" : " *"),
                         String(member.info.ownedKeys), String(member.info.replicaKeys),
                         String(member.info.tombstones), String(member.info.storedBytes)])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [0, 4, 5, 6, 7]
        func format(_ row: [String]) -> String {
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned.contains(column) ? padding + row[column] : row[column] + padding
            }.joined(separator: "  ")
        }
        var lines = [format(header)] + rows.map(format)
        let total = members.reduce(UInt64(0)) { $0 + $1.info.ownedKeys }
        lines.append("\(members.count) node\(members.count == 1 ? "" : "s"), \(total) owned key\(total == 1 ? "" : "s")"
                     + (inconsistent == 0 ? "" : ", \(inconsistent) unexpected predecessor\(inconsistent == 1 ? "" : "s") (*)"))
        return lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }
}
