/// The version of this package: the library, the ring tools and the Agoric sender. Written into
/// every recorder-opened marker and printed by every tool's `--version`.
package let flightRecorderVersion = "0.2.0"
