internal import SlogRing

/// Buffers standard output and writes it in large chunks (no system call per record). A
/// closed pipe (`slog-tail x | head`) ends the process quietly with status 0. Shared by the
/// tools that print records; `toolName` prefixes its error message.
///
/// Appending a record is one copy into a fixed buffer of `capacity` bytes (plus a newline for
/// `appendLine`); the buffer is written out when the next piece does not fit, or at `flush()`.
/// A piece larger than the whole buffer is written straight from the caller's bytes.
@safe
package struct OutputBuffer: ~Copyable {
    /// Bytes buffered before a write: large writes (few system calls), small enough to stay in
    /// the CPU's second-level cache with the reader's own buffer.
    package static let capacity = 128 << 10

    // Safe: `base` points to `capacity` bytes allocated in `init`, owned by this value alone
    // (it cannot be copied) and freed in `deinit`; every copy into it is checked to end at or
    // before `capacity` first.
    private let base: UnsafeMutableRawPointer
    private var count = 0
    /// Messages for standard error, written by `flush()` right after the output that preceded
    /// them: problems stay next to the records they follow, without a write each.
    private var errors: [UInt8] = []

    /// The tool name its error messages start with.
    private let toolName: String

    package init(toolName: String) {
        self.toolName = toolName
        unsafe base = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 64)
        system_ignoreBrokenPipe()  // report EPIPE as an error code instead of dying by signal
    }

    deinit {
        unsafe base.deallocate()
    }

    /// Appends `data`.
    package mutating func append(_ data: UnsafeRawBufferPointer) {
        if count + data.count > Self.capacity {
            flush()
            if data.count > Self.capacity {
                unsafe write(data)
                return
            }
        }
        if let source = data.baseAddress {
            unsafe (base + count).copyMemory(from: source, byteCount: data.count)
        }
        count += data.count
    }

    /// Appends `data` and a newline: one record of a JSON-lines output.
    package mutating func appendLine(_ data: UnsafeRawBufferPointer) {
        let needed = data.count + 1
        guard count + needed <= Self.capacity else {
            unsafe append(data)
            append(newline: ())
            return
        }
        if let source = data.baseAddress {
            unsafe (base + count).copyMemory(from: source, byteCount: data.count)
        }
        unsafe base.storeBytes(of: 0x0A, toByteOffset: count + data.count, as: UInt8.self)
        count += needed
    }

    package mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { unsafe append(UnsafeRawBufferPointer($0)) }
    }

    package mutating func append(newline: Void) {
        if count == Self.capacity { flush() }
        unsafe base.storeBytes(of: 0x0A, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Queues `text` for standard error; `flush()` writes it after the output before it.
    package mutating func appendError(_ text: String) {
        errors.append(contentsOf: text.utf8)
        if errors.count >= Self.capacity { flush() }
    }

    package mutating func flush() {
        defer {
            if !errors.isEmpty {
                unsafe errors.withUnsafeBytes { buffer in _ = try? unsafe system_writeAll(2, buffer) }
                errors.removeAll(keepingCapacity: true)
            }
        }
        guard count > 0 else { return }
        unsafe write(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    /// Writes `bytes` to standard output whole; a closed pipe exits 0, another failure exits 2.
    private func write(_ bytes: UnsafeRawBufferPointer) {
        let written = Result { () throws(Errno) in try unsafe system_writeAll(1, bytes) }
        if case .failure(let error) = written {
            if error == .brokenPipe { system_exit(0) }
            writeError("\(toolName): cannot write output: \(error)\n")
            system_exit(2)
        }
    }
}

/// Writes `text` to standard error unbuffered (whole, even if the write is interrupted).
package func writeError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in _ = try? unsafe system_writeAll(2, UnsafeRawBufferPointer(buffer)) }
}

/// Writes `text` to standard output unbuffered (for a tool's help and one-line answers).
package func writeOutput(_ text: String) {
    var text = text
    text.withUTF8 { buffer in _ = try? unsafe system_writeAll(1, UnsafeRawBufferPointer(buffer)) }
}
