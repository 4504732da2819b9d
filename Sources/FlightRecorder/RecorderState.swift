internal import SlogModel
internal import SlogRing

/// Everything a recorder changes, guarded by its `RecorderLock`. Methods here run with the lock
/// held.
struct RecorderState: ~Copyable {
    /// The open ring; `nil` after `close()` or when a fresh ring could not be created.
    var writer: RingWriter?
    var ledger: BlockLedger
    var statistics = FlightRecorder.Statistics()
    let configuration: FlightRecorder.Configuration
    let automatic: AutomaticMarkers?
    /// Every marker's payload is built here; its storage is reused.
    var markerJSON = MarkerJSON()

    init(writer: consuming RingWriter, configuration: FlightRecorder.Configuration) {
        self.writer = .some(writer)
        self.configuration = configuration
        self.ledger = BlockLedger(retention: configuration.retention)
        self.automatic = configuration.automaticMarkers ? AutomaticMarkers(configuration.markerTypes) : nil
    }

    // MARK: Recording

    mutating func record(_ bytes: UnsafeRawBufferPointer) {
        guard writer != nil else {
            statistics.lostRecords += 1
            return
        }
        let trigger = unsafe automatic?.trigger(for: bytes)
        if case .blockBegin(let height, let blockTime) = trigger {
            beginBlock(height: height, blockTime: blockTime)
        }
        // False: the record found the ring truncated and stopped the recording; it was counted
        // as lost, and its marker is not a record of the node's, so it is not counted again.
        guard unsafe appendSlog(bytes) else { return }
        switch trigger {
        case .crankFinish(let crank, let crankHash, let activityHash):
            // The hot path's most frequent marker, built from the record's own hash tokens (no
            // unescaping and escaping back) and appended like any record (one append path).
            unsafe markerJSON.crankFinish(
                number: crank,
                crankHash: crankHash.map { unsafe MarkerJSON.StringValue.token(UnsafeRawBufferPointer(rebasing: bytes[$0.range])) },
                activityHash: unsafe activityHash.map { unsafe MarkerJSON.StringValue.token(UnsafeRawBufferPointer(rebasing: bytes[$0.range])) })
            appendEncodedMarker(kind: .crankFinishMarker, typeName: Marker.crankFinishTypeName)
        case .blockCommit(let height):
            commitBlock(height: height)
        case .blockBegin, nil:
            break
        }
    }

    mutating func beginBlock(height: UInt64, blockTime: Int64?) {
        guard let position = writer?.write, let sequence = writer?.nextRecordSequence else {
            statistics.lostRecords += 1
            return
        }
        flushDrop()
        ledger.begin(height: height, at: position, sequence: sequence)
        statistics.blocksBegun += 1
        statistics.openHeight = height
        appendMarker(.blockBegin(height: height, blockTime: blockTime))
    }

    mutating func commitBlock(height: UInt64) {
        guard writer != nil else {
            statistics.lostRecords += 1
            return
        }
        flushDrop()
        appendMarker(.blockCommit(height: height))
        flushDrop()  // in case the commit marker itself overwrote more of the block
        guard let next = writer?.write, let sequence = writer?.nextRecordSequence, let oldest = writer?.oldest else { return }
        if let releasePoint = ledger.commit(
            height: height, nextPosition: next, nextSequence: sequence, oldest: oldest,
            oldestSequence: writer?.oldestRecordSequence)
        {
            // O(1): the ledger's positions are all frame boundaries (a saved `write` at a begin or
            // commit, or `oldest` after an eviction), so no walk over the released frames is
            // needed (issue #17; debug builds check it by walking). Retention policy stays in
            // BlockLedger.
            writer?.release(toFrameBoundary: releasePoint)
        }
        statistics.blocksCommitted += 1
        statistics.lastCommittedHeight = height
        statistics.openHeight = nil
    }

    /// Appends a slog record (one too large for the ring becomes a record-too-large marker);
    /// false when that stopped the recording (a truncated ring). The caller checked the writer
    /// is there, and knows it still is when this returns true without testing the optional
    /// again (each test is an outlined call; issue #17).
    private mutating func appendSlog(_ bytes: UnsafeRawBufferPointer) -> Bool {
        do {
            // `writer!` projects the writer in place; `writer?.` on this ~Copyable optional loaded
            // all of it (a 144-byte copy and retains) for every access (issue #17). The callers
            // checked it is there.
            _ = unsafe try writer!.append(bytes, kind: .slog)
            statistics.records += 1
            statistics.bytes += UInt64(bytes.count)
            noteEviction()
            return true
        } catch {
            if case .truncated = error {
                stopRecording(error)
                return false
            }
            unsafe recordTooLarge(size: bytes.count, prefix: bytes)
            return true
        }
    }

    /// The ring was truncated under the writer (only reported when the host installed the
    /// truncation guard, `RingFile.installTruncationGuard()`; otherwise that is SIGBUS): stop
    /// writing it. Later records count as lost; `lastError` says why; the host keeps running.
    private mutating func stopRecording(_ error: SlogRingError) {
        statistics.lostRecords += 1
        statistics.lastError = "recording stopped: \(error)"
        writer = nil
    }

    /// Counts a record too large for the ring and writes its marker, with a snippet of its
    /// first 256 bytes (cut at a UTF-8 boundary, invalid bytes replaced).
    mutating func recordTooLarge(size: Int, prefix: UnsafeRawBufferPointer) {
        guard writer != nil else {
            statistics.lostRecords += 1
            return
        }
        statistics.oversizedRecords += 1
        let maximum = writer?.maximumPayloadLength ?? 0
        statistics.lastError = "record of \(size) bytes is larger than this ring can hold (at most \(maximum) bytes)"
        var cut = min(prefix.count, Self.snippetLength)
        // Do not split a UTF-8 sequence: back up over continuation bytes.
        while unsafe cut > 0 && cut < prefix.count && prefix[cut] & 0xC0 == 0x80 { cut -= 1 }
        let snippet = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: prefix[..<cut]), as: UTF8.self)
        appendMarker(.recordTooLarge(size: size, snippet: snippet))
    }

    /// Bytes of a too-large record kept in its marker.
    static let snippetLength = 256

    /// Appends a marker record. Markers are small, so only a ring of a few hundred bytes can
    /// refuse one; that is counted, never trapped.
    mutating func appendMarker(_ marker: Marker) {
        marker.encode(into: &markerJSON)
        appendEncodedMarker(kind: marker.kind, typeName: marker.typeName)
    }

    /// Appends the marker payload built in `markerJSON`.
    private mutating func appendEncodedMarker(kind: RecordKind, typeName: String) {
        // The record before it may have stopped the recording (a truncated ring).
        guard writer != nil else {
            statistics.lostRecords += 1
            return
        }
        do {
            let result = unsafe markerJSON.withBytes { payload in
                // `writer!` projects the writer in place (see appendSlog); the caller checked it.
                Result { () throws(SlogRingError) -> UInt64 in unsafe try writer!.append(payload, kind: kind) }
            }
            _ = try result.get()
            statistics.markers += 1
            noteEviction()
        } catch {
            statistics.lostRecords += 1
            statistics.lastError = "marker \(typeName) not recorded: \(error)"
        }
    }

    /// After a successful append (so the writer is there): if the ring overwrote protected
    /// records (the open block, the last K committed), remember them. O(1) when nothing
    /// protected was overwritten.
    private mutating func noteEviction() {
        // Only a ring that evicted past the protected start matters; read in place (`writer!`,
        // as in appendSlog).
        guard let protectedStart = ledger.protectedStart else { return }
        // An inout access projects the writer in place; a read of `writer!.oldest` would load all of it.
        // The oldest record's sequence is read from its frame (a cache miss): only when needed.
        func oldestOf(_ writer: inout RingWriter) -> RingPosition { writer.oldest }
        func oldestSequenceOf(_ writer: inout RingWriter) -> UInt64? { writer.oldestRecordSequence }
        let oldest = oldestOf(&writer!)
        guard oldest > protectedStart else { return }
        let oldestSequence = oldestSequenceOf(&writer!)
        let before = ledger.pendingDrop?.count ?? 0
        if ledger.noteEviction(oldest: oldest, oldestSequence: oldestSequence) {
            statistics.droppedRecords += (ledger.pendingDrop?.count ?? 0) - before
        }
    }

    /// Writes the drop marker for protected records overwritten so far, if any.
    ///
    /// Writing the marker can itself overwrite more of the block (in a ring that small), which
    /// is then reported by another marker; the loop is bounded so a pathological ring cannot
    /// spin, and whatever is left stays pending for the next flush.
    private mutating func flushDrop() {
        for _ in 0..<4 {
            guard let drop = ledger.takePendingDrop() else { return }
            let height = drop.height.map(String.init) ?? "?"
            statistics.lastError = drop.height == ledger.openHeight
                ? "block \(height) outgrew the ring: \(drop.count) records overwritten"
                : "protected blocks from \(height) on outgrew the ring: \(drop.count) records overwritten"
            appendMarker(.dropped(height: drop.height, firstSequence: drop.first, lastSequence: drop.last, count: drop.count))
        }
    }

    // MARK: Closing and the black box

    mutating func close() throws(FlightRecorderError) {
        flushDrop()
        guard let open = writer.take() else { return }
        do { try open.close() } catch { throw FlightRecorderError(error, path: configuration.path) }
    }

    /// The height of the last block-commit marker in the ring (after a restart the ledger is
    /// fresh, but the ring remembers). Reads the ring: for the rare black-box path only.
    func lastCommittedHeightInRing() -> UInt64? {
        guard var reader = try? RingReader.open(path: configuration.path) else { return nil }
        var height: UInt64?
        while let event = reader.next() {
            guard case .record(let info) = event, info.kind == .blockCommitMarker else { continue }
            if case .blockCommit(let committed)? = unsafe reader.withRecordBytes({ unsafe Marker.decode(kind: info.kind, bytes: $0) }) {
                height = committed
            }
        }
        return height
    }

    /// The black box of the open block (the last committed one between blocks, or after a
    /// restart the last commit marker in the ring; 0 if there is none).
    mutating func preserveBlackBoxForCurrentBlock(reason: String) throws(FlightRecorderError) -> BlackBox {
        let height = statistics.openHeight ?? statistics.lastCommittedHeight ?? lastCommittedHeightInRing() ?? 0
        return try preserveBlackBox(height: height, appHash: nil, reason: reason)
    }

    /// The node's sender lost `count` records before they reached the recorder: its marker.
    mutating func recordSenderLost(count: UInt64, firstHeight: UInt64?, lastHeight: UInt64?, reason: String) {
        appendMarker(.senderLost(count: count, firstHeight: firstHeight, lastHeight: lastHeight, reason: reason))
    }

    /// The boxes this recorder preserved, by height (at most one per height).
    var preservedBoxes: [UInt64: BlackBox] = [:]

    mutating func preserveBlackBox(
        height: UInt64, appHash: String?, networkAppHash: String? = nil, reason: String
    ) throws(FlightRecorderError) -> BlackBox {
        // One box per height: a repeated trigger returns the box, writes nothing.
        if var box = preservedBoxes[height] {
            statistics.repeatedBlackBoxTriggers += 1
            box.disposition = .alreadyPreserved
            return box
        }
        let path = configuration.path
        let directory = configuration.blackBoxDirectory ?? RingFile.directory(of: path)
        let names = BlackBoxDirectory.boxNames(in: directory)
        if let name = BlackBoxDirectory.box(forHeight: height, in: names) {
            statistics.repeatedBlackBoxTriggers += 1
            let box = BlackBoxDirectory.existingBox(path: "\(directory)/\(name)", name: name, height: height, reason: reason)
            preservedBoxes[height] = box
            return box
        }
        guard names.count < max(configuration.maximumBlackBoxes, 0) else {
            statistics.blackBoxTriggersOverLimit += 1
            let error = FlightRecorderError.blackBoxLimitReached(
                height: height, limit: configuration.maximumBlackBoxes, directory: directory)
            statistics.lastError = error.description
            throw error
        }
        guard writer != nil else {
            throw .notRecording(reason: statistics.lastError ?? "the recorder was closed")
        }
        flushDrop()
        let fingerprint = BlockFingerprint.compute(
            ringPath: path, height: height, fields: configuration.nondeterministicFields, reason: reason)
        let identifier = BlackBox.identifier(height: height, fingerprint: fingerprint)
        appendMarker(.halt(
            height: height, appHash: appHash, reason: reason, identifier: identifier, networkAppHash: networkAppHash,
            time: system_wallClockSeconds()))
        do { try writer?.seal() } catch { throw FlightRecorderError(error, path: path) }
        let sealed = writer.take()!

        // The box is a compact sealed copy holding only the records (not the preallocated
        // capacity); if that cannot be written, the whole sealed ring is renamed instead.
        var destination = RingOpening.uniquePath(in: directory, base: "blackbox-\(identifier)", suffix: ".ring")
        var problems: [BlackBox.Problem] = []
        var compacted = false
        let temporary = "\(destination).compacting-\(system_getpid())"
        do {
            try sealed.writeCompactSealedCopy(to: temporary)
            // A name taken meanwhile (even by a dangling symbolic link) moves on to the next.
            destination = try RingOpening.moveAside(
                temporary, in: directory, base: "blackbox-\(identifier)", suffix: ".ring")
            compacted = true
        } catch {
            try? system_unlink(temporary)
            problems.append(.notCompacted(reason: error.description))
        }
        if !compacted {
            do {
                destination = try RingOpening.moveAside(path, in: directory, base: "blackbox-\(identifier)", suffix: ".ring")
            } catch {
                problems.append(.notRenamed(path: path, destination: destination, reason: error.description))
                destination = path
            }
        }
        do { try sealed.close() } catch { problems.append(.notClosed(reason: error.description)) }
        // The sealed full ring is now a copy of the box: remove it, so a fresh ring takes its path.
        if compacted { try? system_unlink(path) }

        // Go on recording into a fresh ring, unless the sealed one still occupies the path.
        ledger = BlockLedger(retention: configuration.retention)
        statistics.openHeight = nil
        if destination != path {
            do {
                writer = try RingWriter.create(path: path, capacity: configuration.capacity)
                appendMarker(.recorderOpened(
                    event: "after-black-box", processID: system_getpid(), wallTime: system_wallClockSeconds(),
                    version: FlightRecorder.version, note: "previous ring preserved as \(destination)"))
            } catch {
                problems.append(.noFreshRing(path: path, reason: error.description))
            }
        }
        if let last = problems.last { statistics.lastError = last.description }
        statistics.blackBoxesPreserved += 1
        let box = BlackBox(
            identifier: identifier, height: height, path: destination, appHash: appHash, reason: reason,
            basis: BlackBox.Basis(fingerprint), problems: problems, networkAppHash: networkAppHash)
        preservedBoxes[height] = box
        return box
    }
}
