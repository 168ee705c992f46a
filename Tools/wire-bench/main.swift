// wire-bench: encodes and decodes a few representative messages N times each and prints the
// nanoseconds per operation; then times SHA-256 and HMAC-SHA-256 over datagram-sized messages
// (the fastest of 100 batches of N / 2000 messages), what a per-datagram tag costs. A
// measurement, not a test: it asserts nothing.
//
//     swift build -c release --product wire-bench && .build/release/wire-bench [N]
import ChordCore
import ChordWire

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000

let v4 = Peer(address: NodeAddress(ipv4: 0x0A00_0001, port: 4000))
let v6 = Peer(address: NodeAddress(ipv6High: 0x2001_0DB8_0000_0000, ipv6Low: 1, port: 4001))
let successors = (0..<8).map { Peer(address: NodeAddress(ipv4: 0x0A00_0002 + UInt32($0), port: 4000)) }

let cases: [(String, Envelope)] = [
    ("ping (IPv4 sender)", Envelope(requestID: 1, sender: v4, message: .ping)),
    ("findNext (IPv6 sender)", Envelope(requestID: 2, sender: v6, message: .findNext(target: v4.id))),
    ("nextHop owner, 8 peers", Envelope(requestID: 3, sender: v4, message: .nextHop(.owner(successors)))),
    ("client get, 16-byte key", Envelope(requestID: 4, sender: nil, message: .get(key: Array("user:12345678901".utf8)))),
    ("result, 100-byte value", Envelope(requestID: 5, sender: v4,
                                        message: .result(status: .ok, value: [UInt8](repeating: 7, count: 100)))),
    ("put, 1 KiB value", Envelope(requestID: 6, sender: nil,
                                  message: .put(key: Array("k".utf8), value: [UInt8](repeating: 1, count: 1024)))),
]

func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

let clock = ContinuousClock()
var buffer: [UInt8] = []
buffer.reserveCapacity(WireFormat.maximumDatagramBytes)
var sink: UInt64 = 0
print("iterations: \(iterations)")
print("message                      bytes   encode ns/op   decode ns/op")
for (name, envelope) in cases {
    let encodeTime = clock.measure {
        for index in 0..<iterations {
            var copy = envelope
            copy.requestID = UInt64(index)
            WireFormat.encode(copy, into: &buffer)
            sink &+= UInt64(buffer.count)
        }
    }
    WireFormat.encode(envelope, into: &buffer)
    let bytes = buffer
    var failures = 0
    let decodeTime = clock.measure {
        for _ in 0..<iterations {
            do {
                let decoded = try WireFormat.decode(bytes)
                sink &+= decoded.requestID
            } catch {
                failures += 1
            }
        }
    }
    let padded = name.padding(28)
    let size = String(bytes.count).leftPadding(6)
    let encodeNs = format(nanoseconds(encodeTime) / Double(iterations)).leftPadding(15)
    let decodeNs = format(nanoseconds(decodeTime) / Double(iterations)).leftPadding(15)
    print("\(padded) \(size)\(encodeNs)\(decodeNs)\(failures > 0 ? "  (\(failures) failures)" : "")")
}

// What a cluster key costs per datagram: SHA-256 and HMAC-SHA-256 over 64-, 256- and 1200-byte
// messages. "tag" uses the key's precomputed pad states and returns an array; "tag into buffer"
// is the allocation-free path a receiver checks a datagram with; "tag, key each time" hashes
// the key pads again for every message, which is what the precomputation saves.
let cryptoBatch = Swift.max(1, iterations / 2000)
let mac = HMACSHA256(key: (0..<32).map { UInt8($0) })
let macKey = (0..<32).map { UInt8($0) }
print("")
print("crypto: fastest of 100 batches of \(cryptoBatch) messages")
print("operation                    bytes      ns/msg        MB/s")
for size in [64, 256, 1200] {
    var message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let operations: [(String, (UnsafeMutableRawBufferPointer) -> UInt64)] = [
        ("SHA-256", { raw in
            UInt64(SHA256.hash(UnsafeRawBufferPointer(raw))[0])
        }),
        ("HMAC-SHA-256 tag", { raw in
            UInt64(mac.authenticationCode(for: UnsafeRawBufferPointer(raw))[0])
        }),
        ("HMAC-SHA-256 tag into buffer", { raw in
            var tag: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            var computation = mac.makeComputation()
            computation.update(UnsafeRawBufferPointer(raw))
            withUnsafeMutableBytes(of: &tag) { _ = computation.finalize(into: $0) }
            return tag.0
        }),
        ("HMAC-SHA-256 prf64", { raw in
            mac.prf64(UnsafeRawBufferPointer(raw))
        }),
        ("HMAC tag, key each time", { raw in
            UInt64(HMACSHA256.authenticationCode(for: UnsafeRawBufferPointer(raw), key: macKey)[0])
        }),
    ]
    for (name, operation) in operations {
        // The fastest of 100 short batches: the least disturbed by whatever else the machine runs.
        var fastest = Duration.seconds(1_000_000)
        for _ in 0..<100 {
            let time = message.withUnsafeMutableBytes { raw in
                clock.measure {
                    for index in 0..<cryptoBatch {
                        // A different message each time, as datagrams are.
                        raw.storeBytes(of: UInt64(truncatingIfNeeded: index), toByteOffset: 0, as: UInt64.self)
                        sink &+= operation(raw)
                    }
                }
            }
            fastest = Swift.min(fastest, time)
        }
        let perMessage = nanoseconds(fastest) / Double(cryptoBatch)
        let megabytesPerSecond = Double(size) / perMessage * 1000
        print("\(name.padding(28)) \(String(size).leftPadding(6))\(format(perMessage).leftPadding(12))"
              + "\(format(megabytesPerSecond).leftPadding(12))")
    }
}
print("(checksum \(sink))")

func format(_ value: Double) -> String {
    let tenths = Int(value * 10 + 0.5)
    return "\(tenths / 10).\(tenths % 10)"
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
