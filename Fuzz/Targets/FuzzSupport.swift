// Shared by every fuzz target: writes the input to a private file in /dev/shm (tmpfs, so a
// run does not wear the disk) for the readers that take a path.
#if canImport(Glibc)
import Glibc
#endif

let fuzzFilePath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/slog-fuzz-\(getpid()).input"
}()

/// Replaces the fuzz file with `bytes`.
func writeFuzzFile(_ data: UnsafePointer<UInt8>, _ size: Int) {
    let fd = open(fuzzFilePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(fuzzFilePath)")
    var done = 0
    while done < size {
        let n = write(fd, data + done, size - done)
        precondition(n > 0, "cannot write \(fuzzFilePath)")
        done += n
    }
    close(fd)
}

/// Reads at most this many events per input: enough to cover every path, bounded so a slow
/// input shows up as slow per event, not as a hang.
let eventLimit = 100_000
