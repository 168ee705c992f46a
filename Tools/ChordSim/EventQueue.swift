import ChordCore

/// Cores on one virtual clock: the datagrams in flight and each node's single timer, handed
/// out in time order, ties in the order they were scheduled, so a run is a pure function of
/// its inputs. The simulator runs thousands of cores on it (`Simulation`); the core's tests
/// drive a few by hand on it (`Tests/ChordCoreTests/Support/ManualNetwork.swift`).
///
/// Nodes are numbered from 0. Arming a node's timer replaces its earlier arming; a datagram
/// may be withdrawn before it is delivered. Both are cancelled lazily: the heap entry stays
/// and is skipped when it comes up. Datagrams wait in numbered slots, so the heap moves only
/// small entries.
public struct EventQueue<Datagram> {
    /// What comes up next.
    public enum Event {
        /// A datagram arrives (at whichever node it names).
        case deliver(Datagram)
        /// Node `node`'s timer fires.
        case timer(node: Int)
        /// Node `node`'s disk finished the sync it was asked for (`armDiskSync`).
        case diskSynced(node: Int)
    }

    /// A datagram in flight, for withdrawing it.
    public struct Ticket: Hashable, Sendable {
        fileprivate let slot: Int32
        fileprivate let generation: UInt32
    }

    private enum Entry {
        case deliver(slot: Int32, generation: UInt32)
        case timer(node: Int32, generation: UInt32)
        case diskSync(node: Int32, generation: UInt32)
    }

    private struct Slot {
        var datagram: Datagram?
        /// Counts uses of the slot, so that a withdrawn datagram's heap entry does not
        /// deliver the slot's next occupant.
        var generation: UInt32 = 0
    }

    private struct Timer {
        var at: Instant?
        var generation: UInt32 = 0
    }

    /// The virtual clock: the time of the last event handed out (or of `advance`).
    public private(set) var now = Instant.zero
    private var heap = DeadlineHeap<Entry>()
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    private var timers: [Timer] = []

    /// An empty queue at time zero.
    public init() {}

    // MARK: Datagrams

    /// Puts `datagram` in flight, arriving at `arrival` (not before now).
    @discardableResult
    public mutating func send(_ datagram: Datagram, arrival: Instant) -> Ticket {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)].datagram = datagram
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(datagram: datagram))
        }
        let generation = slots[Int(slot)].generation
        heap.insert(.deliver(slot: slot, generation: generation), at: max(arrival, now))
        return Ticket(slot: slot, generation: generation)
    }

    /// Withdraws a datagram still in flight; returns it (nil if it was delivered or withdrawn).
    @discardableResult
    public mutating func withdraw(_ ticket: Ticket) -> Datagram? {
        let index = Int(ticket.slot)
        guard slots[index].generation == ticket.generation, let datagram = slots[index].datagram else { return nil }
        // The slot stays taken until its heap entry comes up; only then is it free again.
        slots[index].datagram = nil
        slots[index].generation &+= 1
        return datagram
    }

    // MARK: Timers

    /// Arms node `node`'s timer for `instant` (not before now), replacing any earlier arming.
    public mutating func armTimer(of node: Int, at instant: Instant) {
        let at = max(instant, now)
        heap.insert(.timer(node: Int32(node), generation: arm(Self.coreTimer, of: node, at: at)), at: at)
    }

    /// Disarms node `node`'s timer (it crashed, or fired by hand).
    public mutating func disarmTimer(of node: Int) {
        disarm(Self.coreTimer, of: node)
    }

    /// When node `node`'s timer fires, if it is armed.
    public func timer(of node: Int) -> Instant? {
        let index = node << 1 | Self.coreTimer
        return index < timers.count ? timers[index].at : nil
    }

    /// Arms node `node`'s disk to report a finished sync at `instant` (a second timer per
    /// node, so that a sync in flight does not disturb the core's own timer).
    public mutating func armDiskSync(of node: Int, at instant: Instant) {
        let at = max(instant, now)
        heap.insert(.diskSync(node: Int32(node), generation: arm(Self.diskTimer, of: node, at: at)), at: at)
    }

    /// Forgets node `node`'s sync in flight (its host crashed).
    public mutating func disarmDiskSync(of node: Int) {
        disarm(Self.diskTimer, of: node)
    }

    /// Each node has two timers, side by side in `timers`: its core's and its disk's.
    private static var coreTimer: Int { 0 }
    private static var diskTimer: Int { 1 }

    /// Arms one of a node's timers; returns the generation its heap entry must match.
    private mutating func arm(_ kind: Int, of node: Int, at instant: Instant) -> UInt32 {
        let index = node << 1 | kind
        while timers.count <= index { timers.append(Timer()) }
        timers[index].generation &+= 1
        timers[index].at = instant
        return timers[index].generation
    }

    private mutating func disarm(_ kind: Int, of node: Int) {
        let index = node << 1 | kind
        while timers.count <= index { timers.append(Timer()) }
        timers[index].generation &+= 1
        timers[index].at = nil
    }

    /// Takes node `node`'s `kind` timer if `generation` is still its arming.
    private mutating func fire(_ kind: Int, of node: Int32, generation: UInt32) -> Bool {
        let index = Int(node) << 1 | kind
        guard timers[index].generation == generation else { return false }
        timers[index].at = nil
        return true
    }

    // MARK: Time

    /// Takes the next event due at or before `limit` and moves the clock to it; nil when
    /// none is due (the clock stays).
    public mutating func next(until limit: Instant) -> (time: Instant, event: Event)? {
        while let first = heap.earliest, first <= limit {
            let (time, entry) = heap.popEarliest()!
            now = time
            switch entry {
            case .deliver(let slot, let generation):
                let index = Int(slot)
                guard slots[index].generation == generation else {
                    freeSlots.append(slot)  // withdrawn: its slot is free now
                    continue
                }
                let datagram = slots[index].datagram.take()!
                slots[index].generation &+= 1
                freeSlots.append(slot)
                return (time, .deliver(datagram))
            case .timer(let node, let generation):
                guard fire(Self.coreTimer, of: node, generation: generation) else { continue }
                return (time, .timer(node: Int(node)))
            case .diskSync(let node, let generation):
                guard fire(Self.diskTimer, of: node, generation: generation) else { continue }
                return (time, .diskSynced(node: Int(node)))
            }
        }
        return nil
    }

    /// Moves the clock forward to `instant` (never back) without handing anything out.
    public mutating func advance(to instant: Instant) {
        now = max(now, instant)
    }
}
