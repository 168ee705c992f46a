/// Hexadecimal text for identifiers: exactly 40 lower-case digits.
extension Identifier: CustomStringConvertible, LosslessStringConvertible {
    /// The identifier as 40 lower-case hexadecimal digits.
    public var hex: String {
        var text = [UInt8]()
        text.reserveCapacity(40)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in bigEndianBytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The first `count` hex digits, for compact logs and tables.
    public func shortHex(_ count: Int = 8) -> String {
        String(hex.prefix(count))
    }

    /// A readable description.
    public var description: String { hex }

    /// Parses exactly 40 hexadecimal digits (upper- or lower-case); nil otherwise.
    public init?(hex text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 40 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(20)
        var index = 0
        while index < 40 {
            guard let high = Identifier.hexValue(utf8[index]), let low = Identifier.hexValue(utf8[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bigEndianBytes: bytes)
    }

    /// Same as `init?(hex:)`.
    public init?(_ description: String) {
        self.init(hex: description)
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
