#if canImport(Glibc)
internal import Glibc
#endif

/// Buffers standard output and writes it in large chunks (no system call per record). A
/// closed pipe (`slog-tail x | head`) ends the process quietly with status 0. Shared by the
/// tools that print records (slog-tail, slog-diff); `toolName` prefixes its error message.
package struct OutputBuffer {
    private var bytes: [UInt8] = []
    private let limit = 1 << 16

    /// The tool name its error messages start with.
    private let toolName: String

    package init(toolName: String) {
        self.toolName = toolName
        bytes.reserveCapacity(limit + 4096)
        signal(SIGPIPE, SIG_IGN)  // report EPIPE as an error code instead of dying by signal
    }

    package mutating func append(_ data: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: data)
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

    package mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                writeError("\(toolName): cannot write output: \(String(cString: strerror(errno)))\n")
                exit(2)
            }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writes `text` to standard error unbuffered.
package func writeError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
}

/// `text` as a JSON string literal.
package func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
