// The node-facing FlightRecorder API (block markers, retention, the black box on halt) is
// tracked in its own issue and not built yet. Until then this module only re-exports SlogRing,
// so a node can already link the ring writer directly.
@_exported public import SlogRing
