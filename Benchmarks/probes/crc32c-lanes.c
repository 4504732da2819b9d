// Probe for the three-lane CRC32C (issue #17): the shim's slog_crc32c_update against one chain
// of crc32 instructions (the implementation before), in the same run, on buffers of the sizes
// records have. Each result feeds the next call (a dependent loop, as consecutive appends are);
// prints the median of 5 passes of 2M calls per size, and the ratio. Checks both agree.
//   cc -O2 -I Sources/_SlogRingShims/include Benchmarks/probes/crc32c-lanes.c -o /tmp/crc32c-lanes -lpthread && /tmp/crc32c-lanes
// Measured 2026-12-03 on the project VM (Xeon, 2 vCPUs), medians: 64-96 B equal (one chain both),
// 128 B 1.23x, 150 B 1.63x, 256 B 35.5 -> 20.5 ns (1.73x), 1 KiB 2.44x, 16 KiB 2.58x faster.
#include "../../Sources/_SlogRingShims/crc32c.c"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

__attribute__((target("sse4.2")))
static uint32_t one_chain(uint32_t crc, const unsigned char *p, size_t count) {
    uint64_t c = crc;
    for (; count >= 8; count -= 8, p += 8) { uint64_t w; memcpy(&w, p, 8); c = __builtin_ia32_crc32di(c, w); }
    uint32_t c32 = (uint32_t)c;
    while (count--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}

static int by_value(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(void) {
    static unsigned char buffer[16384];
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = (unsigned char)(i * 131 + 7);
    if (!slog_crc32c_is_hardware()) { printf("no SSE4.2: nothing to compare\n"); return 0; }
    printf("three lanes in use: %s\n", slog_crc32c_uses_lanes() ? "yes" : "no (one chain both ways)");
    const size_t sizes[] = {64, 96, 128, 150, 200, 256, 512, 1024, 16384};
    printf("%8s %12s %12s %7s\n", "bytes", "one chain", "shim", "ratio");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        int calls = n > 1024 ? 100000 : 2000000;
        double chain[5], lanes[5];
        uint32_t a = 0xFFFFFFFFu, b = 0xFFFFFFFFu;
        for (int pass = 0; pass < 5; pass++) {
            double t0 = now();
            for (int i = 0; i < calls; i++) a = one_chain(a, buffer, n);
            double t1 = now();
            for (int i = 0; i < calls; i++) b = slog_crc32c_update(b, buffer, n);
            double t2 = now();
            chain[pass] = (t1 - t0) / calls;
            lanes[pass] = (t2 - t1) / calls;
        }
        if (a != b) { printf("%zu bytes: the results differ (%08x, %08x)\n", n, a, b); return 1; }
        qsort(chain, 5, sizeof(double), by_value);
        qsort(lanes, 5, sizeof(double), by_value);
        printf("%8zu %9.1f ns %9.1f ns %6.2fx\n", n, chain[2], lanes[2], chain[2] / lanes[2]);
    }
    return 0;
}
