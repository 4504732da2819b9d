internal import SlogRing

/// Buffers standard output and writes it in large chunks (no system call per record). A
/// closed pipe (`slog-tail x | head`) ends the process quietly with status 0. Shared by the
/// tools that print records; `toolName` prefixes its error message.
package struct OutputBuffer {
    private var bytes: [UInt8] = []
    /// Messages for standard error, written by `flush()` right after the output that preceded
    /// them: problems stay next to the records they follow, without a write each.
    private var errors: [UInt8] = []
    private let limit = 1 << 16

    /// The tool name its error messages start with.
    private let toolName: String

    package init(toolName: String) {
        self.toolName = toolName
        bytes.reserveCapacity(limit + 4096)
        system_ignoreBrokenPipe()  // report EPIPE as an error code instead of dying by signal
    }

    package mutating func append(_ data: UnsafeRawBufferPointer) {
        unsafe bytes.append(contentsOf: data)
        if bytes.count >= limit { flush() }
    }

    package mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= limit { flush() }
    }

    package mutating func append(newline: Void) {
        bytes.append(0x0A)
        if bytes.count >= limit { flush() }
    }

    /// Queues `text` for standard error; `flush()` writes it after the output before it.
    package mutating func appendError(_ text: String) {
        errors.append(contentsOf: text.utf8)
        if errors.count >= limit { flush() }
    }

    package mutating func flush() {
        defer {
            if !errors.isEmpty {
                unsafe errors.withUnsafeBytes { buffer in _ = try? unsafe system_writeAll(2, buffer) }
                errors.removeAll(keepingCapacity: true)
            }
        }
        guard !bytes.isEmpty else { return }
        let written = unsafe bytes.withUnsafeBytes { buffer in
            Result { () throws(Errno) in try unsafe system_writeAll(1, buffer) }
        }
        if case .failure(let error) = written {
            if error == .brokenPipe { system_exit(0) }
            writeError("\(toolName): cannot write output: \(error)\n")
            system_exit(2)
        }
        bytes.removeAll(keepingCapacity: true)
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
