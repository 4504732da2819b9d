import TestSupport
import Glibc
import Testing
@testable import SlogRing

/// `Errno`: strerror descriptions, `catch Errno.x` matching, and `rawValue` round trips, plus an
/// errno captured from a real failing system call.
@Suite struct ErrnoTests {
    static let named: [(Errno, Int32)] = [
        (.interrupted, EINTR), (.noSuchFileOrDirectory, ENOENT), (.permissionDenied, EACCES),
        (.fileExists, EEXIST), (.noSpace, ENOSPC), (.fileTooLarge, EFBIG), (.invalidArgument, EINVAL),
        (.wouldBlock, EAGAIN), (.notSupported, EOPNOTSUPP), (.readOnlyFileSystem, EROFS),
    ]

    @Test func descriptionIsTheStrerrorText() {
        for (errno, code) in Self.named {
            #expect(errno.description == String(cString: strerror(code)))
        }
        // Codes without a name print the same way.
        for code: Int32 in [EPERM, EBADF, ENOMEM, 9999] {
            #expect(Errno(rawValue: code).description == String(cString: strerror(code)))
        }
        #expect(!Errno.noSpace.description.isEmpty)
        #expect("\(Errno.noSpace)" == Errno.noSpace.description)
    }

    @Test func namedCodesHaveTheirCValues() {
        for (errno, code) in Self.named {
            #expect(errno.rawValue == code)
            #expect(errno == Errno(rawValue: code))
        }
        #expect(Set(Self.named.map(\.0)).count == Self.named.count)
    }

    @Test func rawValueRoundTrips() {
        for code in Int32(-1)...200 {
            #expect(Errno(rawValue: code).rawValue == code)
            #expect(Errno(rawValue: Errno(rawValue: code).rawValue) == Errno(rawValue: code))
        }
        #expect(Errno(rawValue: .max).rawValue == .max)
        #expect(Errno(rawValue: ENOSPC) != Errno(rawValue: EEXIST))
        #expect(Errno(rawValue: ENOSPC).hashValue == Errno.noSpace.hashValue)
    }

    @Test func patternMatchesInACatchClause() {
        func failing(_ errno: Errno) throws { throw errno }

        var matched: Errno?
        do {
            try failing(.noSpace)
        } catch Errno.fileExists {
            matched = .fileExists
        } catch Errno.noSpace {
            matched = .noSpace
        } catch {
            Issue.record("Errno.noSpace was not matched: \(error)")
        }
        #expect(matched == .noSpace)

        // Unnamed codes match too, and other error types never do.
        do {
            try failing(Errno(rawValue: 9999))
        } catch Errno(rawValue: 9999) {
        } catch {
            Issue.record("Errno(rawValue: 9999) was not matched: \(error)")
        }
        struct Other: Error {}
        #expect(!(Errno.noSpace ~= Other()))
        #expect(!(Errno.noSpace ~= Errno.fileExists))
        #expect(Errno.noSpace ~= Errno(rawValue: ENOSPC))
    }

    @Test func aFailingSystemCallReportsItsErrno() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/missing/a.ring"
            do {
                _ = try RingReader.open(path: path)
                Issue.record("opening \(path) succeeded")
            } catch SlogRingError.io(_, let errorPath, .noSuchFileOrDirectory) {
                #expect(errorPath == path)
            } catch {
                Issue.record("expected ENOENT, got \(error)")
            }
            let error = caughtError { () throws(SlogRingError) in try RingWriter.create(path: path, capacity: 4096) }
            guard case .io(_, _, let errno)? = error else {
                Issue.record("expected an io error, got \(String(describing: error))")
                return
            }
            #expect(errno == .noSuchFileOrDirectory)
            // SlogRingError's description ends with the Errno's strerror text.
            #expect(error!.description.hasSuffix(": \(String(cString: strerror(ENOENT)))"))
        }
    }
}
