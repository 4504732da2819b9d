import TestSupport
import Foundation
import Glibc
import Testing

/// The deployment pieces as an operator uses them: the systemd unit in docs/, and the install
/// script.
@Suite struct DeploymentTests {
    static let unitPath = repositoryRoot.appendingPathComponent("docs/slog-record.service").path
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The unit's `ExecStart=` command line, split on spaces (it has no quoting).
    /// The unit's ExecStart words, split as systemd splits them: on spaces, except inside
    /// double quotes (which are removed).
    static func execStart(_ unit: String) -> [String] {
        let line = unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") } ?? ""
        var words: [String] = []
        var word = ""
        var quoted = false
        for character in line.dropFirst("ExecStart=".count) {
            switch character {
            case "\"": quoted.toggle()
            case " " where !quoted:
                if !word.isEmpty { words.append(word) }
                word = ""
            default: word.append(character)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    @Test func theUnitSaysWhoRunsItWhereTheSocketIsAndWhenItStarts() throws {
        let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        for required in ["User=agoric", "Group=agoric", "Restart=always", "Before=agd.service", "RuntimeDirectory=flight-recorder",
                         "StateDirectory=flight-recorder", "KillSignal=SIGTERM", "WantedBy=multi-user.target"] {
            #expect(lines.contains(required), "missing \(required)")
        }
        // The node must not depend on the recorder, nor the recorder on the node.
        #expect(!lines.contains { $0.hasPrefix("Requires=") || $0.hasPrefix("BindsTo=") || $0.hasPrefix("PartOf=") })
        let command = Self.execStart(unit)
        #expect(command.first == "/usr/local/bin/slog-record")
        #expect(command.contains("--listen") && command.contains("--socket-group") && command.contains("--ring"))
        let socket = try #require(command.firstIndex(of: "--listen").map { command[$0 + 1] })
        #expect(socket.hasPrefix("/run/flight-recorder/"))
        // OPERATORS.md and the sender's comment name the same socket.
        let operators = try String(contentsOfFile: repositoryRoot.appendingPathComponent("docs/OPERATORS.md").path, encoding: .utf8)
        #expect(operators.contains("FLIGHT_RECORDER_SOCKET=\(socket)"))
        #expect(operators.contains("SLOGSENDER=@agoric/telemetry/src/flight-recorder.js,/usr/local/share/flight-recorder/flight-recorder-sender.js"))
    }

    /// `systemd-analyze verify` on the unit as written, its binary path pointed at the built one
    /// (verify checks that the program exists). Any warning fails the test.
    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed: the unit is not verified (skipped)"))
    func systemdVerifiesTheUnit() throws {
        try withTemporaryDirectory { dir in
            let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
            let built = builtProductsDirectory().appendingPathComponent("slog-record").path
            try writeFile("\(dir)/slog-record.service", Array(unit.replacingOccurrences(of: "/usr/local/bin/slog-record", with: built).utf8))
            let run = try runTool(Self.systemdAnalyze!, ["verify", "\(dir)/slog-record.service"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.isEmpty, "\(run.stderr)")
        }
    }

    /// The unit's command, run as written (paths moved into a temporary directory, the group
    /// `agoric` replaced by one that exists here): it listens with the unit's socket mode, and a
    /// process of another user that is in the socket's group can connect, one outside it cannot
    /// (the EACCES a root-owned 0600 FIFO gave a node running as another user).
    @Test func theUnitsCommandListensForTheNodesGroupOnly() throws {
        try withTemporaryDirectory { dir in
            let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
            chmod(dir, 0o755)
            let group = getegid() == 0 ? "100" : "\(getegid())"  // "users" when run as root
            let arguments = Self.execStart(unit).dropFirst().map {
                // The journal of agd does not exist here: the halt-log command is a stand-in.
                $0.replacingOccurrences(of: "journalctl -fu agd -o cat -n 0", with: "exec sleep 120")
                    .replacingOccurrences(of: "/run/flight-recorder", with: dir)
                    .replacingOccurrences(of: "/var/lib/flight-recorder", with: dir)
                    .replacingOccurrences(of: "agoric", with: group)
            }
            let recorder = try RunningTool("slog-record", Array(arguments))
            defer { recorder.killIfRunning() }
            #expect(recorder.wait(seconds: 10) { _, err in err.contains("listening on") }, "\(recorder.stderr)")
            var info = stat()
            #expect(lstat("\(dir)/slog.sock", &info) == 0 && info.st_mode & 0o777 == 0o660)
            #expect(info.st_gid == gid_t(group)!)
            if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), let node = nodeExecutable {
                let connect = "require('net').connect(process.argv[1]).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})"
                for (groupID, expected) in [(group, "connected"), ("65534", "EACCES")] {
                    let run = try runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=\(groupID)", "--clear-groups", node, "-e", connect, "\(dir)/slog.sock"])
                    #expect(run.stdout == expected + "\n", "group \(groupID): \(run.stdout) \(run.stderr)")
                }
            } else {
                print("not root, or no setpriv or node: connecting as another user is not tried")
            }
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
        }
    }

    /// scripts/install.sh builds a release with --static-swift-stdlib from scratch in its own
    /// build directory (`swift test` holds the package's: several minutes on a small machine),
    /// so it runs only when asked: FLIGHT_RECORDER_TEST_INSTALL=1 swift test --filter
    /// DeploymentTests. The script itself fails when a binary keeps a RUNPATH into the toolchain.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FLIGHT_RECORDER_TEST_INSTALL"] == "1",
                   "release build of scripts/install.sh: set FLIGHT_RECORDER_TEST_INSTALL=1 to run it (skipped)"))
    func installScriptInstallsToolsWithoutAToolchainRunpath() throws {
        try withTemporaryDirectory { dir in
            var environment = ProcessInfo.processInfo.environment
            environment["FLIGHT_RECORDER_BUILD_PATH"] = "\(dir)/build"
            let run = try runTool("/bin/bash", [repositoryRoot.appendingPathComponent("scripts/install.sh").path, "\(dir)/prefix"], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            for tool in ["slog-record", "slog-tail", "slog-diff", "slog-demo"] {
                let version = try runTool("\(dir)/prefix/bin/\(tool)", ["--version"])
                #expect(version.stdout.hasPrefix("\(tool) "))
                let dynamic = try runTool("/usr/bin/readelf", ["-d", "\(dir)/prefix/bin/\(tool)"])
                #expect(!dynamic.stdout.contains("libswift"), "\(dynamic.stdout)")
                #expect(!dynamic.stdout.lowercased().contains("swift/linux"), "\(dynamic.stdout)")
            }
            for file in ["flight-recorder-sender.js", "package.json", "README.md", "PROTOCOL.md"] {
                #expect(FileManager.default.fileExists(atPath: "\(dir)/prefix/share/flight-recorder/\(file)"))
            }
        }
    }
}
