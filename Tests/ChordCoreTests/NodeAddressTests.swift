#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ChordCore

private func parse(_ text: String) throws -> NodeAddress {
    try NodeAddress(parsing: text)
}

/// The eight 16-bit groups of an IPv6 address.
private func groups(_ address: NodeAddress) -> [UInt16] {
    let bytes = address.addressBytes
    return (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
}

private func ipv6(_ groups: [UInt16], port: UInt16 = 1) -> NodeAddress {
    let bytes = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    return NodeAddress(addressBytes: bytes, port: port)!
}

/// Random IPv6 groups with plenty of zero groups (so runs of every length and ties occur).
private func randomGroups(_ random: inout SeededRandom) -> [UInt16] {
    let zeroChance = [2, 3, 5][random.nextInt(below: 3)]  // 1 in 2, 1 in 3, 1 in 5
    return (0..<8).map { _ in
        if random.nextInt(below: zeroChance) == 0 { return 0 }
        switch random.nextInt(below: 4) {
        case 0: return UInt16(1 + random.nextInt(below: 15))
        case 1: return 0xFFFF
        default: return UInt16(truncatingIfNeeded: random.next())
        }
    }
}

@Suite("NodeAddress: parsing, printing, ordering")
struct NodeAddressTests {
    // MARK: - Parsing and canonical printing

    @Test(arguments: [
        ("127.0.0.1:4000", "127.0.0.1:4000"),
        ("localhost:9", "127.0.0.1:9"),
        ("0.0.0.0:1", "0.0.0.0:1"),
        ("255.255.255.255:65535", "255.255.255.255:65535"),
        ("10.20.30.40:8080", "10.20.30.40:8080"),
        ("[::1]:5", "[::1]:5"),
        ("[2001:db8::1]:80", "[2001:db8::1]:80"),
        ("[fe80:0:0:0:0:0:0:1]:1", "[fe80::1]:1"),
        ("[::ffff:1.2.3.4]:7", "[::ffff:102:304]:7"),
        ("[2001:DB8::1]:80", "[2001:db8::1]:80"),
        ("[2001:0db8:0000:0000:0000:0000:0000:0001]:443", "[2001:db8::1]:443"),
        ("[::]:1", "[::]:1"),
        ("[0:0:0:0:0:0:0:0]:1", "[::]:1"),
        ("[1::]:1", "[1::]:1"),
        ("[1:2:3:4:5:6:7:8]:1", "[1:2:3:4:5:6:7:8]:1"),
        ("[ABCD:EF01:2345:6789:abcd:ef01:2345:6789]:1", "[abcd:ef01:2345:6789:abcd:ef01:2345:6789]:1"),
        // A single zero group is not compressed (RFC 5952 4.2.2).
        ("[2001:db8:0:1:1:1:1:1]:1", "[2001:db8:0:1:1:1:1:1]:1"),
        ("[2001:db8::1:1:1:1:1]:1", "[2001:db8:0:1:1:1:1:1]:1"),
        ("[1:2:3:4:5:6:7::]:1", "[1:2:3:4:5:6:7:0]:1"),
        ("[::2:3:4:5:6:7:8]:1", "[0:2:3:4:5:6:7:8]:1"),
        // The longest run is compressed (RFC 5952 4.2.3)...
        ("[2001:0:0:1:0:0:0:1]:1", "[2001:0:0:1::1]:1"),
        ("[0:0:1:0:0:0:1:0]:1", "[0:0:1::1:0]:1"),
        // ...and the leftmost one on ties.
        ("[2001:db8:0:0:1:0:0:1]:1", "[2001:db8::1:0:0:1]:1"),
        ("[0:0:1:1:0:0:1:1]:1", "[::1:1:0:0:1:1]:1"),
        ("[1:0:0:1:1:1:0:0]:1", "[1::1:1:1:0:0]:1"),
        // Leading zeros in a group are dropped (RFC 5952 4.1).
        ("[0001:0020:0300:4000::]:1", "[1:20:300:4000::]:1"),
        // Embedded IPv4 tails are read, then printed in hex.
        ("[1:2:3:4:5:6:7.8.9.10]:1", "[1:2:3:4:5:6:708:90a]:1"),
        ("[::0.0.0.1]:1", "[::1]:1"),
        ("[64:ff9b::192.0.2.33]:1", "[64:ff9b::c000:221]:1"),
    ])
    func parseAndPrint(text: String, canonical: String) throws {
        let address = try parse(text)
        #expect(address.description == canonical)
        // Canonical text parses back to the same address and prints identically.
        let again = try parse(canonical)
        #expect(again == address)
        #expect(again.description == canonical)
    }

    @Test func parsedFields() throws {
        let v4 = try parse("127.0.0.1:4000")
        #expect(v4.family == .ipv4)
        #expect(v4.port == 4000)
        #expect(v4.lowBits == 0x7F00_0001)
        #expect(v4.highBits == 0)
        #expect(v4.addressBytes == [127, 0, 0, 1])
        #expect(v4.hostText == "127.0.0.1")
        #expect(v4 == NodeAddress(ipv4: 0x7F00_0001, port: 4000))
        #expect(try parse("localhost:4000") == v4)

        let v6 = try parse("[2001:db8::1]:80")
        #expect(v6.family == .ipv6)
        #expect(v6.port == 80)
        #expect(v6.highBits == 0x2001_0DB8_0000_0000)
        #expect(v6.lowBits == 1)
        #expect(v6.hostText == "2001:db8::1")
        #expect(v6.addressBytes == [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1])

        let mapped = try parse("[::ffff:1.2.3.4]:7")
        #expect(mapped.family == .ipv6)
        #expect(mapped.highBits == 0)
        #expect(mapped.lowBits == 0x0000_FFFF_0102_0304)
        #expect(mapped != NodeAddress(ipv4: 0x0102_0304, port: 7))
    }

    @Test func ipv4MappedAndCompatibleAddressesPrintInHex() {
        // RFC 5952 section 5 would allow "::ffff:1.2.3.4"; this implementation always prints
        // hex groups so the canonical text (and so the node ID) has one form.
        #expect(ipv6([0, 0, 0, 0, 0, 0xFFFF, 0x0102, 0x0304]).hostText == "::ffff:102:304")
        #expect(ipv6([0, 0, 0, 0, 0, 0, 0x0102, 0x0304]).hostText == "::102:304")
        #expect(ipv6([0, 0, 0, 0, 0, 0, 1, 0]).hostText == "::1:0")
    }

    @Test func hostTextIsLowerCaseAndShort() {
        var random = SeededRandom(seed: 0xAD_0001)
        for _ in 0..<1_000 {
            let address = ipv6(randomGroups(&random))
            let text = address.hostText
            #expect(text == text.lowercased())
            #expect(text.count <= 39)
            #expect(text.components(separatedBy: "::").count <= 2)
            #expect(!text.contains(":::"))
            // No group has a leading zero.
            for group in text.split(separator: ":") {
                #expect(group == "0" || !group.hasPrefix("0"), "\(text)")
                #expect(group.count <= 4)
            }
        }
    }

    @Test func randomAddressesRoundTripThroughText() throws {
        var random = SeededRandom(seed: 0xAD_0002)
        for _ in 0..<1_000 {
            let port = UInt16(1 + random.nextInt(below: 65535))
            let v6 = ipv6(randomGroups(&random), port: port)
            #expect(try parse(v6.description) == v6)
            let v4 = NodeAddress(ipv4: UInt32(truncatingIfNeeded: random.next()), port: port)
            #expect(try parse(v4.description) == v4)
        }
    }

    // MARK: - Errors

    @Test(arguments: [
        ("", NodeAddress.ParseError.missingPort("")),
        ("127.0.0.1", .missingPort("127.0.0.1")),
        ("localhost", .missingPort("localhost")),
        ("[::1]", .missingPort("[::1]")),
        ("[::1]80", .missingPort("[::1]80")),
        ("127.0.0.1:", .badPort("")),
        ("127.0.0.1:0", .badPort("0")),
        ("127.0.0.1:00000", .badPort("00000")),
        ("127.0.0.1:65536", .badPort("65536")),
        ("127.0.0.1:99999", .badPort("99999")),
        ("127.0.0.1:123456", .badPort("123456")),
        ("127.0.0.1:http", .badPort("http")),
        ("127.0.0.1:-1", .badPort("-1")),
        ("127.0.0.1:+80", .badPort("+80")),
        ("127.0.0.1: 80", .badPort(" 80")),
        ("127.0.0.1:80 ", .badPort("80 ")),
        ("127.0.0.1:8O", .badPort("8O")),
        ("127.0.0.1:\u{0661}\u{0662}", .badPort("\u{0661}\u{0662}")),  // Arabic-Indic digits
        ("[::1]:", .badPort("")),
        ("[::1]:0", .badPort("0")),
        ("[::1]:65536", .badPort("65536")),
        ("[::1]:5:6", .badPort("5:6")),
        ("::1:5", .badHost("::1:5")),
        ("2001:db8::1:80", .badHost("2001:db8::1:80")),
        ("fe80::1:1", .badHost("fe80::1:1")),
        ("1.2.3:80", .badHost("1.2.3")),
        ("1.2.3.4.5:80", .badHost("1.2.3.4.5")),
        ("256.1.1.1:80", .badHost("256.1.1.1")),
        ("1.2.3.256:80", .badHost("1.2.3.256")),
        ("1..2.3:80", .badHost("1..2.3")),
        ("1.2.3.4.:80", .badHost("1.2.3.4.")),
        ("+1.2.3.4:80", .badHost("+1.2.3.4")),
        ("1.2.3.0004:80", .badHost("1.2.3.0004")),
        ("01.2.3.4:80", .badHost("01.2.3.4")),
        ("[::+1]:80", .badHost("::+1")),
        (":80", .badHost("")),
        ("example.com:80", .badHost("example.com")),
        ("[::1", .badHost("[::1")),
        ("[::1:80", .badHost("[::1:80")),
        ("[]:80", .badHost("")),
        ("[1.2.3.4]:80", .badHost("1.2.3.4")),
        ("[localhost]:80", .badHost("localhost")),
        ("[::g]:80", .badHost("::g")),
        ("[:::]:80", .badHost(":::")),
        ("[1::2::3]:80", .badHost("1::2::3")),
        ("[12345::]:80", .badHost("12345::")),
        ("[1:2:3:4:5:6:7:8:9]:80", .badHost("1:2:3:4:5:6:7:8:9")),
        ("[1:2:3:4:5:6:7]:80", .badHost("1:2:3:4:5:6:7")),
        ("[1:2:3:4:5:6:7:8::]:80", .badHost("1:2:3:4:5:6:7:8::")),
        ("[::1:2:3:4:5:6:7:8]:80", .badHost("::1:2:3:4:5:6:7:8")),
        ("[:1:2:3:4:5:6:7]:80", .badHost(":1:2:3:4:5:6:7")),
        ("[1:2:3:4:5:6:7:]:80", .badHost("1:2:3:4:5:6:7:")),
        ("[::+1]:80", .badHost("::+1")),
        ("[::-0]:80", .badHost("::-0")),
        ("[+1::]:80", .badHost("+1::")),
        ("[::1.2.3]:80", .badHost("::1.2.3")),
        ("[::1.2.3.4:5]:80", .badHost("::1.2.3.4:5")),
        ("[1.2.3.4::]:80", .badHost("1.2.3.4::")),
        ("[::ffff:256.1.1.1]:80", .badHost("::ffff:256.1.1.1")),
        ("[1:2:3:4:5:6:7:1.2.3.4]:80", .badHost("1:2:3:4:5:6:7:1.2.3.4")),
        ("[ ::1]:80", .badHost(" ::1")),
    ])
    func refusedText(text: String, error: NodeAddress.ParseError) {
        #expect(throws: error) { try parse(text) }
    }

    @Test func errorDescriptionsNameTheText() {
        #expect(NodeAddress.ParseError.missingPort("x").description.contains("'x'"))
        #expect(NodeAddress.ParseError.badPort("0").description.contains("1...65535"))
        #expect(NodeAddress.ParseError.badHost("h").description.contains("'h'"))
    }

    @Test func portBoundaries() throws {
        #expect(try parse("1.2.3.4:1").port == 1)
        #expect(try parse("1.2.3.4:65535").port == 65535)
        #expect(try parse("[::1]:65535").port == 65535)
    }

    // MARK: - Ordering and hashing

    @Test func orderingIsFamilyThenAddressThenPort() throws {
        let sorted = try [
            "1.2.3.4:5", "1.2.3.4:6", "1.2.3.5:1", "9.0.0.0:1", "255.255.255.255:1",
            "[::]:1", "[::1]:1", "[::1]:2", "[::1:0]:1", "[0:0:0:1::]:1", "[1::]:1", "[ffff::]:1",
        ].map(parse)
        var shuffler = SeededRandom(seed: 0xAD_00FF)
        for _ in 0..<10 {
            #expect(sorted.shuffled(using: &shuffler).sorted() == sorted)
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a < b, "\(a) < \(b)")
            #expect(!(b < a))
        }
        // Any IPv4 address sorts before any IPv6 address, even ::.
        #expect(NodeAddress(ipv4: .max, port: .max) < NodeAddress(ipv6High: 0, ipv6Low: 0, port: 1))
    }

    @Test func orderingIsAStrictTotalOrder() {
        var random = SeededRandom(seed: 0xAD_0003)
        var addresses: [NodeAddress] = []
        for _ in 0..<200 {
            let port = UInt16(1 + random.nextInt(below: 4))
            if random.nextInt(below: 2) == 0 {
                addresses.append(NodeAddress(ipv4: UInt32(random.nextInt(below: 8)), port: port))
            } else {
                addresses.append(NodeAddress(ipv6High: UInt64(random.nextInt(below: 3)),
                                             ipv6Low: UInt64(random.nextInt(below: 8)), port: port))
            }
        }
        for a in addresses {
            #expect(!(a < a))
            for b in addresses {
                // Exactly one of a < b, a == b, b < a.
                let count = [a < b, a == b, b < a].filter { $0 }.count
                #expect(count == 1)
            }
        }
    }

    @Test func equalAddressesFromDifferentTextsHashAlike() throws {
        let pairs = [
            ("localhost:9", "127.0.0.1:9"),
            ("[::1]:5", "[0:0:0:0:0:0:0:1]:5"),
            ("[2001:DB8::1]:80", "[2001:0db8:0:0:0:0:0:1]:80"),
            ("[::ffff:1.2.3.4]:7", "[::ffff:102:304]:7"),
        ]
        for (first, second) in pairs {
            let a = try parse(first), b = try parse(second)
            #expect(a == b)
            #expect(a.hashValue == b.hashValue)
            #expect(Set([a, b]).count == 1)
        }
        // Same numeric bits in different families, or different ports, are different endpoints.
        let v4 = NodeAddress(ipv4: 0x0102_0304, port: 7)
        let v6 = NodeAddress(ipv6High: 0, ipv6Low: 0x0102_0304, port: 7)
        #expect(v4 != v6)
        #expect(v4.lowBits == v6.lowBits)
        #expect(Set([v4, v6, NodeAddress(ipv4: 0x0102_0304, port: 8)]).count == 3)
    }

    // MARK: - addressBytes

    @Test func addressBytesRoundTrip() throws {
        var random = SeededRandom(seed: 0xAD_0004)
        for _ in 0..<500 {
            let port = UInt16(truncatingIfNeeded: random.next())
            let four = (0..<4).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let v4 = try #require(NodeAddress(addressBytes: four, port: port))
            #expect(v4.family == .ipv4)
            #expect(v4.addressBytes == four)
            #expect(v4.port == port)
            #expect(v4.lowBits == UInt64(four.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            #expect(v4.hostText == four.map(String.init).joined(separator: "."))

            let sixteen = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let v6 = try #require(NodeAddress(addressBytes: sixteen, port: port))
            #expect(v6.family == .ipv6)
            #expect(v6.addressBytes == sixteen)
            #expect(NodeAddress(addressBytes: v6.addressBytes, port: port) == v6)
            #expect(NodeAddress(ipv6High: v6.highBits, ipv6Low: v6.lowBits, port: port) == v6)
        }
        let known = try #require(NodeAddress(addressBytes: Array(1...16), port: 1))
        #expect(known.highBits == 0x0102_0304_0506_0708)
        #expect(known.lowBits == 0x090A_0B0C_0D0E_0F10)
        #expect(known.hostText == "102:304:506:708:90a:b0c:d0e:f10")
    }

    @Test(arguments: [0, 1, 3, 5, 6, 8, 15, 17, 32])
    func addressBytesOfWrongLengthAreRejected(count: Int) {
        #expect(NodeAddress(addressBytes: [UInt8](repeating: 1, count: count), port: 1) == nil)
    }

    @Test func parseHelpersDirectly() {
        #expect(NodeAddress.parseIPv4("10.0.0.1") == 0x0A00_0001)
        #expect(NodeAddress.parseIPv4("10.0.0") == nil)
        #expect(NodeAddress.parseIPv4("") == nil)
        #expect(NodeAddress.parseIPv6("::")! == (0, 0))
        #expect(NodeAddress.parseIPv6("::1")! == (0, 1))
        #expect(NodeAddress.parseIPv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")! == (.max, .max))
        #expect(NodeAddress.parseIPv6("") == nil)
        #expect(NodeAddress.parseIPv6("::+1") == nil)
    }

    @Test func peerIdentifierComesFromCanonicalText() throws {
        let address = try parse("[2001:DB8:0:0:0:0:0:1]:80")
        let peer = Peer(address: address)
        #expect(peer.id == Identifier.forNode(advertising: "[2001:db8::1]:80"))
        #expect(peer.address == address)
        #expect(peer == Peer(address: try parse("[2001:db8::1]:80")))
        #expect(peer.description == "\(peer.id.shortHex())@[2001:db8::1]:80")
        #expect(Peer(address: try parse("localhost:4000")).id == Identifier.forNode(advertising: "127.0.0.1:4000"))
    }

    // MARK: - Against the C library

    #if canImport(Glibc)
    @Test func canonicalPrintingMatchesInetNtop() {
        var random = SeededRandom(seed: 0xAD_0005)
        var compared = 0
        for _ in 0..<3_000 {
            let g = randomGroups(&random)
            // glibc prints ::ffff:a.b.c.d and ::a.b.c.d in dotted form; this implementation
            // deliberately does not (see ipv4MappedAndCompatibleAddressesPrintInHex).
            if g[0..<5].allSatisfy({ $0 == 0 }) && (g[5] == 0 || g[5] == 0xFFFF) { continue }
            let address = ipv6(g)
            #expect(address.hostText == CLibrary.ntop6(address.addressBytes), "\(g)")
            compared += 1
        }
        #expect(compared > 2_500)
        for _ in 0..<1_000 {
            let address = NodeAddress(ipv4: UInt32(truncatingIfNeeded: random.next()), port: 1)
            #expect(address.hostText == CLibrary.ntop4(address.addressBytes))
        }
    }

    @Test func parsingMatchesInetPton() throws {
        var random = SeededRandom(seed: 0xAD_0006)
        for _ in 0..<1_000 {
            let g = randomGroups(&random)
            let address = ipv6(g)
            let hexGroups = g.map { String($0, radix: 16) }
            var texts = [
                address.hostText,
                CLibrary.ntop6(address.addressBytes),
                hexGroups.joined(separator: ":"),
                g.map { String("000" + String($0, radix: 16, uppercase: true)).suffix(4) }.joined(separator: ":"),
                hexGroups[0..<6].joined(separator: ":") + ":" + "\(g[6] >> 8).\(g[6] & 0xFF).\(g[7] >> 8).\(g[7] & 0xFF)",
            ]
            // "::" over a random zero run, not necessarily the longest (may be a single group).
            if let start = g.indices.filter({ g[$0] == 0 }).randomElement(using: &random) {
                var end = start
                while end < 8 && g[end] == 0 { end += 1 }
                texts.append(hexGroups[..<start].joined(separator: ":") + "::" + hexGroups[end...].joined(separator: ":"))
            }
            for text in texts {
                let expected = try #require(CLibrary.pton6(text), "inet_pton refused \(text)")
                #expect(expected == address.addressBytes)
                #expect(try parse("[\(text)]:1").addressBytes == expected, "\(text)")
            }
        }
        for _ in 0..<1_000 {
            let bytes = (0..<4).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let text = bytes.map(String.init).joined(separator: ".")
            let expected = try #require(CLibrary.pton4(text))
            #expect(expected == bytes)
            #expect(try parse("\(text):1").addressBytes == expected)
        }
    }

    @Test(arguments: [
        "", ":", ":::", "::::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "g::",
        "::1.2.3", ":1::", "1:", ":1", "::+1", "::-0", "+1::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "::1.2.3.4:5", "1.2.3.4::", "::ffff:256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", "::1 ", " ::1",
        "1.2.3.4", "[::1]", "::%1", "fe80::1%eth0",
    ])
    func malformedIPv6RefusedLikeInetPton(text: String) {
        #expect(CLibrary.pton6(text) == nil)
        #expect(NodeAddress.parseIPv6(Substring(text)) == nil)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", ".1.2.3", "1.2.3.", "a.b.c.d",
                      "+1.2.3.4", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.1000", "0x1.2.3.4"])
    func malformedIPv4RefusedLikeInetPton(text: String) {
        #expect(CLibrary.pton4(text) == nil)
        #expect(NodeAddress.parseIPv4(Substring(text)) == nil)
    }
    #endif
}

#if canImport(Glibc)
/// The C library's address conversions, as the reference.
private enum CLibrary {
    static func ntop6(_ bytes: [UInt8]) -> String {
        convert(AF_INET6, bytes)
    }

    static func ntop4(_ bytes: [UInt8]) -> String {
        convert(AF_INET, bytes)
    }

    private static func convert(_ family: Int32, _ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 64)
        let size = socklen_t(text.count)
        return bytes.withUnsafeBytes { source in
            text.withUnsafeMutableBufferPointer { target in
                guard let result = inet_ntop(family, source.baseAddress, target.baseAddress, size) else { return "?" }
                return String(cString: result)
            }
        }
    }

    static func pton6(_ text: String) -> [UInt8]? {
        parse(AF_INET6, text, count: 16)
    }

    static func pton4(_ text: String) -> [UInt8]? {
        parse(AF_INET, text, count: 4)
    }

    private static func parse(_ family: Int32, _ text: String, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return status == 1 ? bytes : nil
    }
}
#endif
