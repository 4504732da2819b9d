import Testing
import ToolSupport

/// The argument cursor every tool reads its command line with: inline values, glued short
/// values, `--`, and the usage errors a person sees.
@Suite struct ArgumentCursorTests {
    private func items(_ arguments: [String]) throws(CommandLineUsageError) -> [String] {
        var cursor = ArgumentCursor(arguments, takesValue: ["--ring", "-n"], shortWithInlineValue: "-n")
        var seen: [String] = []
        while let item = try cursor.next() {
            switch item {
            case .path(let path): seen.append("path:\(path)")
            case .option(let name):
                seen.append(name == "--ring" || name == "-n" ? "\(name)=\(try cursor.value())" : name)
            }
        }
        return seen
    }

    @Test func readsPathsOptionsAndValuesInEveryForm() throws {
        #expect(try items(["a.ring", "--ring", "x", "--ring=y", "-n5", "-n", "6", "-", "--json"])
            == ["path:a.ring", "--ring=x", "--ring=y", "-n=5", "-n=6", "path:-", "--json"])
    }

    @Test func everythingAfterDoubleDashIsAPath() throws {
        #expect(try items(["--", "--ring", "-n5"]) == ["path:--ring", "path:-n5"])
    }

    @Test func aValueForAnOptionThatTakesNoneIsAUsageError() {
        #expect(throws: CommandLineUsageError.self) { try items(["--json=yes"]) }
        do { _ = try items(["--json=yes"]) } catch { #expect(error.message == "--json takes no value") }
    }

    @Test func aMissingValueIsAUsageError() {
        do {
            _ = try items(["--ring"])
            Issue.record("expected a usage error")
        } catch {
            #expect(error.message == "--ring needs a value")
        }
    }
}
