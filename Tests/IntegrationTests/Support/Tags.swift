import Testing

extension Tag {
    /// Tests that start real chord-node processes and talk to them over UDP on 127.0.0.1.
    @Tag static var integration: Self
}

/// The root of every integration suite: serialized (one ring of processes at a time on a
/// small machine) and tagged `.integration`, which the nested suites inherit.
@Suite(.serialized, .tags(.integration))
enum Integration {}
