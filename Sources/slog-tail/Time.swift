/// Times for `--since`/`--until` and for what `--info` and `--summary` print: seconds since
/// the Unix epoch (the slog's `time` field) and ISO-8601 in UTC. No Foundation: the civil-date
/// arithmetic is Howard Hinnant's `days_from_civil` and its inverse.
enum SlogTime {
    /// Parses epoch seconds (`1750000000`, `1750000000.25`) or ISO-8601 (`2026-12-03`,
    /// `2026-12-03T13:00:00Z`, `2026-12-03T13:00:00.5+02:00`, `2026-12-03 13:00`; no zone
    /// means UTC). `nil` if it is neither.
    static func parse(_ text: String) -> Double? {
        if let seconds = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." }) { return seconds }
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[index..<(index + digits)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard index < scalars.count, scalars[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip(45), let month = number(2), skip(45), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        guard index < scalars.count else { return seconds }
        guard skip(84) || skip(116) || skip(32) else { return nil }  // 'T', 't' or ' '
        guard let hour = number(2), hour < 24, skip(58), let minute = number(2), minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if skip(58) {
            guard let second = number(2), second <= 60 else { return nil }
            seconds += Double(second)
            if skip(46) {
                var scale = 0.1
                var any = false
                while index < scalars.count, scalars[index] >= 48 && scalars[index] <= 57 {
                    seconds += Double(scalars[index] - 48) * scale
                    scale /= 10
                    index += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        if index == scalars.count || skip(90) || skip(122) { return index == scalars.count ? seconds : nil }  // 'Z'
        let sign: Double
        if skip(43) { sign = 1 } else if skip(45) { sign = -1 } else { return nil }
        guard let offsetHours = number(2) else { return nil }
        _ = skip(58)
        let offsetMinutes = number(2) ?? 0
        guard index == scalars.count else { return nil }
        return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// `2026-12-03T13:00:00.417Z` (milliseconds; whole seconds print without a fraction).
    static func iso(_ seconds: Double) -> String {
        let milliseconds = Int64((seconds * 1000).rounded())
        var days = milliseconds / 86_400_000
        var rest = milliseconds % 86_400_000
        if rest < 0 { rest += 86_400_000; days -= 1 }
        let (year, month, day) = civilFromDays(days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(year)-\(two(Int64(month)))-\(two(Int64(day)))T\(two(rest / 3_600_000)):\(two(rest / 60_000 % 60)):\(two(rest / 1000 % 60))"
        let fraction = rest % 1000
        if fraction != 0 { text += "." + String(String(fraction + 1000).dropFirst()) }
        return text + "Z"
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
