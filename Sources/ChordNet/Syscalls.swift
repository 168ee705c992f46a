import ChordCore
import Glibc
import Synchronization

/// The only place in the project's sources that calls (Linux) C library functions: sockets,
/// polling, pipes, opening files and plain reads and writes, clocks, sleeping, signals,
/// threads, process exit and network namespaces (for the test bed). Each wrapper is thin: it makes the call and turns a failure into
/// a `SystemError` carrying `errno`. Everything above, in this module and in the others, works
/// with the Swift types built on these (`UDPSocket`, `FileDescriptor`, `SmallFile`,
/// `StandardOutput`, `TerminationSignals`, `DetachedThread`, `CurrentProcess`, `ProcessSignal`,
/// `NetworkNamespace`, the clocks). `errno` values are named here too, so no other file needs the C library's
/// constants (`SocketAddress` needs its socket address structures, and calls nothing).
enum Syscalls {
    // MARK: Errors

    /// The C library's text for an `errno` value.
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    private static func failure(_ call: String) -> SystemError {
        SystemError(call: call, errno: errno)
    }

    // MARK: Sockets

    /// A new non-blocking, close-on-exec UDP socket of `family`.
    static func openUDPSocket(family: NodeAddress.Family) -> Result<Int32, SystemError> {
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(domain, type, Int32(IPPROTO_UDP))
        return descriptor >= 0 ? .success(descriptor) : .failure(failure("socket"))
    }

    /// Sets an integer socket option.
    static func setOption(_ descriptor: Int32, level: Int32, name: Int32, value: Int32, label: String)
        -> Result<Void, SystemError> {
        var value = value
        let result = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        return result == 0 ? .success(()) : .failure(failure("setsockopt(\(label))"))
    }

    /// Sets the receive buffer size (the kernel may clamp it).
    static func setReceiveBufferSize(_ descriptor: Int32, bytes: Int32) -> Result<Void, SystemError> {
        setOption(descriptor, level: SOL_SOCKET, name: SO_RCVBUF, value: bytes, label: "SO_RCVBUF")
    }

    /// Sets the send buffer size (the kernel may clamp it).
    static func setSendBufferSize(_ descriptor: Int32, bytes: Int32) -> Result<Void, SystemError> {
        setOption(descriptor, level: SOL_SOCKET, name: SO_SNDBUF, value: bytes, label: "SO_SNDBUF")
    }

    /// Restricts an IPv6 socket to IPv6 traffic (no IPv4-mapped addresses).
    static func setIPv6Only(_ descriptor: Int32) -> Result<Void, SystemError> {
        setOption(descriptor, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1, label: "IPV6_V6ONLY")
    }

    /// Makes a descriptor non-blocking.
    static func setNonBlocking(_ descriptor: Int32) -> Result<Void, SystemError> {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return .failure(failure("fcntl(F_GETFL)")) }
        guard fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else { return .failure(failure("fcntl(F_SETFL)")) }
        return .success(())
    }

    /// Binds a socket to an address.
    static func bind(_ descriptor: Int32, to address: SocketAddress) -> Result<Void, SystemError> {
        let result = address.withSockaddr { pointer, length in
            Glibc.bind(descriptor, pointer, length)
        }
        return result == 0 ? .success(()) : .failure(failure("bind"))
    }

    /// The address a socket is bound to.
    static func socketName(_ descriptor: Int32) -> Result<SocketAddress, SystemError> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { return .failure(failure("getsockname")) }
        guard let address = SocketAddress(storage: storage, length: Int(length)) else {
            return .failure(.addressFamilyNotSupported(call: "getsockname"))
        }
        return .success(address)
    }

    /// Sends one datagram; returns the bytes sent.
    static func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, to address: SocketAddress)
        -> Result<Int, SystemError> {
        while true {
            let sent = address.withSockaddr { pointer, length in
                sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), pointer, length)
            }
            if sent >= 0 { return .success(sent) }
            if errno == EINTR { continue }
            return .failure(failure("sendto"))
        }
    }

    /// Receives one datagram into `buffer`: its full length (which may exceed the buffer,
    /// when it was truncated) and source, or nil when none is waiting.
    static func receive(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer)
        -> Result<(length: Int, source: sockaddr_storage, sourceLength: Int)?, SystemError> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let received = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC), $0, &length)
                }
            }
            if received >= 0 { return .success((received, storage, Int(length))) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .success(nil)
            default: return .failure(failure("recvfrom"))
            }
        }
    }

    /// Closes a descriptor, ignoring errors (there is nothing useful to do about them).
    static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    // MARK: Waiting

    /// What `poll` reports as readable: data, and errors and hang-ups (the read reports them).
    private static let readableEvents = Int16(POLLIN) | Int16(POLLERR) | Int16(POLLHUP)

    /// Waits until `descriptor` is readable or `timeoutMilliseconds` pass (-1: no limit).
    /// Returns whether it is readable (false on a timeout or an interrupted wait). Allocates
    /// nothing, for loops that wait on one socket many times a second.
    static func waitReadable(_ descriptor: Int32, timeoutMilliseconds: Int32) -> Result<Bool, SystemError> {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let result = poll(&entry, 1, timeoutMilliseconds)
        if result < 0 {
            if errno == EINTR { return .success(false) }
            return .failure(failure("poll"))
        }
        return .success(entry.revents & readableEvents != 0)
    }

    /// Waits until `first` or `second` is readable or `timeoutMilliseconds` pass (-1: no
    /// limit). Returns which are readable (both false on a timeout or an interrupted wait).
    /// Allocates nothing: the node's loop waits on its socket and wake pipe with it.
    static func waitReadable(_ first: Int32, _ second: Int32, timeoutMilliseconds: Int32)
        -> Result<(first: Bool, second: Bool), SystemError> {
        var entries = (pollfd(fd: first, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: second, events: Int16(POLLIN), revents: 0))
        let result = withUnsafeMutableBytes(of: &entries) { raw in
            poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), 2, timeoutMilliseconds)
        }
        if result < 0 {
            if errno == EINTR { return .success((false, false)) }
            return .failure(failure("poll"))
        }
        return .success((entries.0.revents & readableEvents != 0, entries.1.revents & readableEvents != 0))
    }

    // MARK: Pipes and plain I/O

    /// A non-blocking, close-on-exec pipe: (read end, write end).
    static func makePipe() -> Result<(read: Int32, write: Int32), SystemError> {
        var ends: (Int32, Int32) = (0, 0)
        let result = withUnsafeMutableBytes(of: &ends) { raw in
            pipe(raw.baseAddress!.assumingMemoryBound(to: Int32.self))
        }
        guard result == 0 else { return .failure(failure("pipe")) }
        for end in [ends.0, ends.1] {
            let configured = setNonBlocking(end).flatMap { () -> Result<Void, SystemError> in
                fcntl(end, F_SETFD, FD_CLOEXEC) == 0 ? .success(()) : .failure(failure("fcntl(F_SETFD)"))
            }
            if case .failure(let error) = configured {
                close(ends.0)
                close(ends.1)
                return .failure(error)
            }
        }
        return .success((ends.0, ends.1))
    }

    /// Writes all of `bytes` to a descriptor, retrying short and interrupted writes; false
    /// when it failed (including a full non-blocking pipe).
    @discardableResult
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Reads what is available (at most `buffer.count` bytes) from a descriptor, retrying
    /// an interrupted read: the count read, 0 at end of file.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, SystemError> {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return .success(count) }
            if errno == EINTR { continue }
            return .failure(failure("read"))
        }
    }

    /// Opens the file at `path` for reading (close-on-exec).
    static func openForReading(_ path: String) -> Result<Int32, SystemError> {
        while true {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 { return .success(descriptor) }
            if errno == EINTR { continue }
            return .failure(failure("open"))
        }
    }

    // MARK: Files and directories (the data directory)

    /// Opens (and with `create`, creates with mode 0644) a file for reading and writing,
    /// close-on-exec; `append` makes every write go to the end.
    static func openFile(_ path: String, create: Bool, append: Bool) -> Result<Int32, SystemError> {
        var flags = O_RDWR | O_CLOEXEC
        if create { flags |= O_CREAT }
        if append { flags |= O_APPEND }
        while true {
            let descriptor = open(path, flags, 0o644)
            if descriptor >= 0 { return .success(descriptor) }
            if errno == EINTR { continue }
            return .failure(failure("open(\(path))"))
        }
    }

    /// Opens a directory for reading (to sync it after a rename or a new file).
    static func openDirectory(_ path: String) -> Result<Int32, SystemError> {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return descriptor >= 0 ? .success(descriptor) : .failure(failure("open(\(path))"))
    }

    /// Writes all of `bytes` to a file, retrying short and interrupted writes.
    static func writeFile(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Void, SystemError> {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written < 0 { return .failure(failure("write")) }
            if written == 0 { return .failure(SystemError(call: "write", errno: ENOSPC)) }
            offset += written
        }
        return .success(())
    }

    /// Flushes a file's data (and the metadata needed to read it back) to stable storage.
    static func syncData(_ descriptor: Int32) -> Result<Void, SystemError> {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            return .failure(failure("fdatasync"))
        }
        return .success(())
    }

    /// Flushes a file or directory, metadata included.
    static func syncAll(_ descriptor: Int32) -> Result<Void, SystemError> {
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            return .failure(failure("fsync"))
        }
        return .success(())
    }

    /// Takes an exclusive advisory lock on an open file without waiting: false when another
    /// open file (another process) holds it.
    static func lockExclusively(_ descriptor: Int32) -> Result<Bool, SystemError> {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return .success(false) }
            return .failure(failure("flock"))
        }
        return .success(true)
    }

    /// The size of an open file in bytes.
    static func fileSize(_ descriptor: Int32) -> Result<Int, SystemError> {
        let end = lseek(descriptor, 0, SEEK_END)
        return end >= 0 ? .success(Int(end)) : .failure(failure("lseek"))
    }

    /// Reads up to `buffer.count` bytes at `offset`: the count read, 0 at the end.
    static func read(_ descriptor: Int32, at offset: Int, into buffer: UnsafeMutableRawBufferPointer)
        -> Result<Int, SystemError> {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return .success(count) }
            if errno == EINTR { continue }
            return .failure(failure("pread"))
        }
    }

    /// Cuts an open file to `size` bytes.
    static func truncate(_ descriptor: Int32, to size: Int) -> Result<Void, SystemError> {
        ftruncate(descriptor, off_t(size)) == 0 ? .success(()) : .failure(failure("ftruncate"))
    }

    /// Creates a directory (mode 0755); an existing one is fine.
    static func makeDirectory(_ path: String) -> Result<Void, SystemError> {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return .success(()) }
        return .failure(failure("mkdir(\(path))"))
    }

    /// Renames a file, replacing any file at `destination` atomically.
    static func rename(_ source: String, to destination: String) -> Result<Void, SystemError> {
        Glibc.rename(source, destination) == 0 ? .success(()) : .failure(failure("rename(\(source))"))
    }

    /// Removes a file; a missing one is fine.
    static func removeFile(_ path: String) -> Result<Void, SystemError> {
        if unlink(path) == 0 || errno == ENOENT { return .success(()) }
        return .failure(failure("unlink(\(path))"))
    }

    /// The names in a directory (without "." and ".."), sorted.
    static func listDirectory(_ path: String) -> Result<[String], SystemError> {
        guard let directory = opendir(path) else { return .failure(failure("opendir(\(path))")) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names.sorted())
    }

    /// Bytes an unprivileged process may still write on the file system holding `path`.
    static func freeBytes(_ path: String) -> Result<Int, SystemError> {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return .failure(failure("statvfs(\(path))")) }
        return .success(Int(clamping: UInt64(info.f_bavail) &* UInt64(info.f_frsize)))
    }

    // MARK: Names

    /// The IPv4 and IPv6 addresses `host` resolves to (getaddrinfo, UDP), in the resolver's
    /// order, each with `port`; a failure carries the resolver's message.
    static func resolve(host: String, port: UInt16) -> Result<[NodeAddress], ResolveError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(ResolveError(host: host, message: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [NodeAddress] = []
        var entry = list
        while let current = entry {
            if let raw = current.pointee.ai_addr {
                var storage = sockaddr_storage()
                let length = min(Int(current.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: length))
                }
                if let found = SocketAddress(storage: storage, length: length)?.nodeAddress {
                    let address = found.with(port: port)
                    if !addresses.contains(address) { addresses.append(address) }
                }
            }
            entry = current.pointee.ai_next
        }
        return .success(addresses)
    }

    /// The IPv4 and IPv6 addresses assigned to this host's interfaces (getifaddrs), port 0,
    /// without repeats.
    static func interfaceAddresses() -> Result<[NodeAddress], SystemError> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return .failure(failure("getifaddrs")) }
        defer { freeifaddrs(list) }
        var addresses: [NodeAddress] = []
        var entry = list
        while let current = entry {
            if let raw = current.pointee.ifa_addr {
                let length: Int
                switch Int32(raw.pointee.sa_family) {
                case AF_INET: length = MemoryLayout<sockaddr_in>.size
                case AF_INET6: length = MemoryLayout<sockaddr_in6>.size
                default: length = 0
                }
                if length > 0 {
                    var storage = sockaddr_storage()
                    withUnsafeMutableBytes(of: &storage) { target in
                        target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: length))
                    }
                    if let found = SocketAddress(storage: storage, length: length)?.nodeAddress.with(port: 0),
                       !addresses.contains(found) {
                        addresses.append(found)
                    }
                }
            }
            entry = current.pointee.ifa_next
        }
        return .success(addresses)
    }

    /// Whether `code` is the full-disk error.
    static func isNoSpace(_ code: Int32) -> Bool { code == ENOSPC || code == EDQUOT }

    /// Whether a descriptor is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    // MARK: Clocks and sleeping

    /// Nanoseconds on the monotonic clock.
    static func monotonicNanoseconds() -> Int64 {
        readClock(CLOCK_MONOTONIC)
    }

    /// Nanoseconds since the Unix epoch.
    static func realtimeNanoseconds() -> Int64 {
        readClock(CLOCK_REALTIME)
    }

    private static func readClock(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        // clock_gettime cannot fail for these clocks with a valid pointer.
        _ = clock_gettime(clock, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Blocks the calling thread for `nanoseconds` (resuming after interruptions).
    static func sleep(nanoseconds: Int64) {
        let nanoseconds = max(0, nanoseconds)
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }

    // MARK: Signals

    /// Makes SIGTERM and SIGINT write their number, as one byte, to `descriptor` (a
    /// non-blocking pipe) instead of killing the process; also ignores SIGPIPE when
    /// `ignoringBrokenPipes`. Unblocks both in the calling thread: a blocked signal mask is
    /// inherited across exec (a process started from a Dispatch or Swift concurrency thread
    /// has SIGTERM blocked), and a blocked SIGTERM would never reach the handler.
    static func forwardTerminationSignals(to descriptor: Int32, ignoringBrokenPipes: Bool) -> Result<Void, SystemError> {
        signalPipeDescriptor.store(descriptor, ordering: .sequentiallyConsistent)
        if ignoringBrokenPipes { _ = signal(SIGPIPE, SIG_IGN) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            guard sigaction(number, &action, nil) == 0 else { return .failure(failure("sigaction")) }
            sigaddset(&unblocked, number)
        }
        let status = pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        guard status == 0 else { return .failure(SystemError(call: "pthread_sigmask", errno: status)) }
        return .success(())
    }

    /// Restores the default action of SIGTERM and SIGINT.
    static func stopForwardingTerminationSignals() {
        _ = signal(SIGTERM, SIG_DFL)
        _ = signal(SIGINT, SIG_DFL)
        signalPipeDescriptor.store(-1, ordering: .sequentiallyConsistent)
    }

    /// Sends `signal` to the process `pid`.
    static func send(_ signal: ProcessSignal, to pid: Int32) -> Result<Void, SystemError> {
        let number: Int32
        switch signal {
        case .terminate: number = SIGTERM
        case .kill: number = SIGKILL
        }
        return kill(pid, number) == 0 ? .success(()) : .failure(failure("kill"))
    }

    // MARK: Threads and the process

    /// Starts `body` on a new detached POSIX thread.
    static func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Result<Void, SystemError> {
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return .failure(SystemError(call: "pthread_create", errno: result))
        }
        pthread_detach(thread)
        return .success(())
    }

    /// Flushes the C library's buffered output streams (what `print` wrote).
    static func flushBufferedOutput() {
        fflush(nil)
    }

    /// Ends the process with `status` (buffered output is flushed).
    static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }

    /// This process's id.
    static func processID() -> Int32 {
        getpid()
    }

    /// Sleeps until a signal arrives (its handler runs), again and again: for a main thread
    /// whose work happens on other threads.
    static func waitForever() -> Never {
        while true { pause() }
    }

    /// Whether this process runs with the superuser's effective user id.
    static func isSuperuser() -> Bool {
        geteuid() == 0
    }

    /// Whether a process `pid` exists (signal 0: no signal is sent).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Moves the calling thread (only it) into the network namespace that `descriptor` (an
    /// open `/run/netns/NAME` or `/proc/thread-self/ns/net`) stands for: sockets it opens from
    /// then on live in that namespace, whichever thread later uses them. `setns` is not in the
    /// Swift C module's view of the C library, so it is looked up by name.
    static func enterNetworkNamespace(_ descriptor: Int32) -> Result<Void, SystemError> {
        guard let symbol = dlsym(nil, "setns") else { return .failure(SystemError(call: "dlsym(setns)", errno: ENOSYS)) }
        let setNamespace = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        let newNetworkNamespace: Int32 = 0x4000_0000  // CLONE_NEWNET
        return setNamespace(descriptor, newNetworkNamespace) == 0 ? .success(()) : .failure(failure("setns"))
    }
}

/// Carries a thread's closure to the new thread.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Where the signal handler writes; -1 when nobody listens.
private let signalPipeDescriptor = Atomic<Int32>(-1)

/// The signal handler: async-signal-safe (an atomic load and one `write`).
private func forwardSignal(_ number: Int32) {
    let descriptor = signalPipeDescriptor.load(ordering: .sequentiallyConsistent)
    guard descriptor >= 0 else { return }
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(descriptor, &byte, 1)
    errno = savedErrno
}

// MARK: errno values

extension SystemError {
    /// A failure of `call` because the address family is not supported (EAFNOSUPPORT).
    static func addressFamilyNotSupported(call: String) -> SystemError {
        SystemError(call: call, errno: EAFNOSUPPORT)
    }

    /// A failure of `call` because the message was too long (EMSGSIZE).
    static func messageTooLong(call: String) -> SystemError {
        SystemError(call: call, errno: EMSGSIZE)
    }

    /// Why binding a socket to `address` failed, in words a user can act on: the address is
    /// in use, not one of this host's, or needs privileges; otherwise the system's text.
    public func bindAdvice(for address: NodeAddress) -> String {
        switch errno {
        case EADDRINUSE:
            return "address already in use: another process has UDP port \(address.port) there "
                + "(stop it, or choose another port) [\(call): errno \(errno)]"
        case EADDRNOTAVAIL:
            return "not an address of this host: listen on one of its addresses, or on 0.0.0.0 or [::] with --advertise "
                + "[\(call): errno \(errno)]"
        case EACCES:
            return "permission denied: ports below 1024 need privileges [\(call): errno \(errno)]"
        default:
            return description
        }
    }

    /// Whether a failed send is worth retrying later: a full buffer, no memory, or an
    /// unreachable or refusing destination (ICMP errors reported on a later send).
    package var isTransientSendFailure: Bool {
        switch errno {
        case EAGAIN, EWOULDBLOCK, ENOBUFS, ENOMEM, ECONNREFUSED, EHOSTUNREACH, ENETUNREACH: return true
        default: return false
        }
    }
}
