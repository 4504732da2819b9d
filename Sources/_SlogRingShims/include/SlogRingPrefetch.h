#ifndef SLOG_RING_PREFETCH_H
#define SLOG_RING_PREFETCH_H

// Asks the CPU to fetch the cache line holding `address` for writing (PREFETCHW where the CPU
// has it, a plain prefetch otherwise). A hint: it never faults, even for an address outside
// any mapping, and changes no memory. Static inline so Swift callers get one instruction.
static inline void slog_prefetch_for_writing(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
