// CRC32C (Castagnoli) for SlogRing frame checksums, and one system call Glibc hides.
//
// Not API: the leading underscore of the module says so. Swift code calls these through
// SlogRing's `CRC32C` type only.
#ifndef SLOG_RING_SHIMS_H
#define SLOG_RING_SHIMS_H

#include <stddef.h>
#include <stdint.h>

#include "SlogRingPrefetch.h"

/// Continues a CRC32C over `count` bytes. `crc` is the running value *without* the final
/// inversion: start with 0xFFFFFFFF and invert the result (`~crc`) when done.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8 table otherwise.
uint32_t slog_crc32c_update(uint32_t crc, const void *bytes, size_t count);

/// The portable table implementation, exposed so tests can check it against the hardware one.
uint32_t slog_crc32c_update_portable(uint32_t crc, const void *bytes, size_t count);

/// 1 when the hardware implementation is in use, 0 otherwise.
int slog_crc32c_is_hardware(void);

/// 1 when the hardware implementation sums buffers of 128 bytes and more in three lanes (it
/// also needs PCLMULQDQ), 0 otherwise.
int slog_crc32c_uses_lanes(void);

/// The finished CRC32C of `header[0..<header_count]` followed by `payload[0..<count]`: a
/// frame's checksum in one call (one CPU-feature check instead of two).
uint32_t slog_frame_checksum(const void *header, size_t header_count, const void *payload, size_t count);

/// Renames `old_path` to `new_path`, failing with EEXIST instead of replacing an existing file
/// (Linux renameat2 with RENAME_NOREPLACE; link + unlink elsewhere). -1 and errno on failure.
int slog_rename_noreplace(const char *old_path, const char *new_path);

#endif
