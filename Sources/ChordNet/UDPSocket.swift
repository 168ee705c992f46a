import ChordCore

/// A non-blocking UDP socket bound to one IPv4 or IPv6 endpoint. Closed when released.
///
/// An IPv6 socket bound to a concrete address is IPv6-only. One bound to the IPv6 wildcard
/// [::] is dual-stack: it also talks to IPv4 peers, whose addresses it sends to and reports
/// as IPv4 (never as ::ffff:a.b.c.d). Not thread-safe: one owner.
public final class UDPSocket: DatagramSocket {
    /// Socket tunables.
    public struct Options: Sendable {
        /// Requested kernel receive buffer (the kernel may clamp it to its limit).
        public var receiveBufferBytes: Int32 = 4 << 20
        /// Requested kernel send buffer (the kernel may clamp it to its limit).
        public var sendBufferBytes: Int32 = 1 << 20

        /// The defaults above.
        public init() {}
    }

    /// The kernel descriptor, for waiting on it.
    public let descriptor: Int32
    /// The bound endpoint; its port is the one the kernel chose when binding to port 0.
    public let localAddress: NodeAddress
    /// Whether it reaches IPv4 and IPv6 peers alike (bound to [::]).
    public let isDualStack: Bool

    /// Opens a socket and binds it to `address` (port 0: any free port, see `localAddress`).
    public init(binding address: NodeAddress, options: Options = Options()) throws(SystemError) {
        let descriptor = try Syscalls.openUDPSocket(family: address.family).get()
        do {
            if address.family == .ipv6 && !address.isWildcard { try Syscalls.setIPv6Only(descriptor).get() }
            try Syscalls.setReceiveBufferSize(descriptor, bytes: options.receiveBufferBytes).get()
            try Syscalls.setSendBufferSize(descriptor, bytes: options.sendBufferBytes).get()
            try Syscalls.setNonBlocking(descriptor).get()
            try Syscalls.bind(descriptor, to: SocketAddress(address)).get()
            localAddress = try Syscalls.socketName(descriptor).get().nodeAddress
        } catch {
            Syscalls.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        isDualStack = address.family == .ipv6 && address.isWildcard
    }

    /// Whether datagrams can go to `destination` from this socket.
    public func canReach(_ destination: NodeAddress) -> Bool {
        destination.family == localAddress.family || isDualStack
    }

    deinit {
        Syscalls.close(descriptor)
    }

    /// Sends `bytes` as one datagram to `destination`. A destination of the other family
    /// fails with EAFNOSUPPORT without a system call.
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: NodeAddress) throws(SystemError) {
        guard canReach(destination) else {
            throw .addressFamilyNotSupported(call: "sendto")
        }
        let target = isDualStack ? SocketAddress(mappingToIPv6: destination) : SocketAddress(destination)
        let sent = try Syscalls.send(descriptor, bytes, to: target).get()
        if sent != bytes.count { throw .messageTooLong(call: "sendto (short)") }
    }

    /// Sends `bytes` as one datagram to `destination`.
    public func send(_ bytes: [UInt8], to destination: NodeAddress) throws(SystemError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SystemError) in try send(buffer, to: destination) }
        }
        try result.get()
    }

    /// Waits until a datagram is waiting or `timeoutMilliseconds` pass (-1: no limit); returns
    /// whether one is (an error waiting also counts: the next `receive` reports it).
    public func waitUntilReadable(timeoutMilliseconds: Int32) throws(SystemError) -> Bool {
        try Syscalls.waitReadable(descriptor, timeoutMilliseconds: timeoutMilliseconds).get()
    }

    /// Waits until a datagram is waiting, `wake` has a byte, or `timeoutMilliseconds` pass
    /// (-1: no limit), in one `poll` of both descriptors; allocates nothing.
    public func waitUntilReadable(orWoken wake: WakePipe, timeoutMilliseconds: Int32)
        throws(SystemError) -> SocketReadiness {
        let ready = try Syscalls.waitReadable(descriptor, wake.readDescriptor, timeoutMilliseconds: timeoutMilliseconds).get()
        return SocketReadiness(datagramWaiting: ready.first, woken: ready.second)
    }

    /// Receives one waiting datagram into `buffer`: its length and source, or nil when none
    /// is waiting. A datagram longer than the buffer is truncated; `count` is then its full
    /// length, larger than the buffer, so the caller can tell.
    public func receive(into buffer: UnsafeMutableRawBufferPointer)
        throws(SystemError) -> (count: Int, source: NodeAddress)? {
        guard let (length, storage, storageLength) = try Syscalls.receive(descriptor, into: buffer).get() else {
            return nil
        }
        guard let source = SocketAddress(storage: storage, length: storageLength) else {
            throw .addressFamilyNotSupported(call: "recvfrom (source address)")
        }
        return (length, source.nodeAddress)
    }

    /// Receives one waiting datagram into `buffer` (see the pointer variant).
    public func receive(into buffer: inout [UInt8]) throws(SystemError) -> (count: Int, source: NodeAddress)? {
        let result = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) in try receive(into: raw) }
        }
        return try result.get()
    }
}
