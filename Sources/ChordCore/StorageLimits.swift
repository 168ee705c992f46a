/// Size limits of keys and values.
public enum StorageLimits {
    /// Keys are 1 to 1,024 bytes of UTF-8.
    public static let maximumKeyBytes = 1024
    /// Values are up to 64,000 bytes: what fits one UDP datagram (65,507 bytes over IPv4)
    /// together with a maximal key and the largest header that carries a value.
    public static let maximumValueBytes = 64_000
}
