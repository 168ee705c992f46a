import Glibc

// chord-fuzz: a libFuzzer target over the wire decoder and one node's state machine.
// Built and run by Tools/fuzz/run.sh; the input format is described in FuzzInput.swift.
//
// libFuzzer provides `main`. Run it through run.sh, which sets the environment it needs
// (deterministic hashing, Swift's backtracer off so that it does not hang beside ASan's, the
// checks to skip); `run.sh --replay FILE` replays one input (a crash reproduces from its file
// alone: every execution starts from the same fresh node).

/// libFuzzer's entry point: one execution.
@_cdecl("LLVMFuzzerTestOneInput")
public func chordFuzzOneInput(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzSession.run(UnsafeRawBufferPointer(start: count > 0 ? data : nil, count: count))
    return 0
}

/// Called once before fuzzing. With `CHORD_FUZZ_WRITE_SEEDS=DIR` in the environment, writes
/// the seed corpus into DIR (see Seeds.swift), checks it and exits instead.
@_cdecl("LLVMFuzzerInitialize")
public func chordFuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                                _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    if let directory = getenv("CHORD_FUZZ_WRITE_SEEDS") {
        exit(Seeds.write(into: String(cString: directory)) ? 0 : 1)
    }
    return 0
}

