import CommandLineSupport
import Foundation

extension ClusterKeyFile {
    /// Writes a new random key file at `path` (32 random bytes as 64 hex digits and a newline,
    /// as `head -c 32 /dev/urandom | xxd -p -c 64` does; readable by the owner only) and
    /// reads it back.
    public static func create(at path: String) throws -> ClusterKeyFile {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        text.append(0x0A)
        guard FileManager.default.createFile(atPath: path, contents: Data(text), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return try ClusterKeyFile(path: path)
    }
}
