// CRC32C, polynomial 0x1EDC6F41 (reflected 0x82F63B78), as used by iSCSI, ext4 and LevelDB.
#include "SlogRingShims.h"
#include <string.h>

static uint32_t table[8][256];
static int table_ready = 0;

static void build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xFF] ^ (c >> 8);
            table[k][n] = c;
        }
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t slog_crc32c_update_portable(uint32_t crc, const void *bytes, size_t count) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) build_table(); // idempotent, race-free result
    const unsigned char *p = bytes;
    while (count >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc; // little-endian host assumed (the ring format is little-endian too)
        crc = table[7][w & 0xFF] ^ table[6][(w >> 8) & 0xFF] ^ table[5][(w >> 16) & 0xFF] ^
              table[4][(w >> 24) & 0xFF] ^ table[3][(w >> 32) & 0xFF] ^ table[2][(w >> 40) & 0xFF] ^
              table[1][(w >> 48) & 0xFF] ^ table[0][w >> 56];
        p += 8;
        count -= 8;
    }
    while (count--) crc = table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
#include <pthread.h>

// Three lanes: the crc32 instruction takes 3 cycles but can start every cycle, so one chain of
// 8-byte steps runs at a third of the instruction's speed. Blocks of 3 x LANE bytes are summed
// as three independent chains, then joined: for the raw (uninverted) update,
//     update(c, A B C) = shift2(update(c, A)) ^ shift1(update(0, B)) ^ update(0, C)
// where shiftN(x) is x carried through N x LANE zero bytes, a linear map of x's 32 bits: four
// 256-entry tables each (one per byte of x). A 256-byte record takes one block.
enum { LANE = 64 };
static uint32_t shift_one_lane[4][256];
static uint32_t shift_two_lanes[4][256];
static pthread_once_t shift_tables_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2")))
static uint32_t through_zeros(uint32_t crc, size_t count) {
    uint64_t c = crc;
    for (size_t i = 0; i < count; i += 8) c = __builtin_ia32_crc32di(c, 0);
    return (uint32_t)c;
}

static void build_shift_tables(void) {
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            shift_one_lane[k][b] = through_zeros(b << (8 * k), LANE);
            shift_two_lanes[k][b] = through_zeros(b << (8 * k), 2 * LANE);
        }
    }
}

static inline uint32_t shifted(const uint32_t table[4][256], uint32_t x) {
    return table[0][x & 0xFF] ^ table[1][(x >> 8) & 0xFF] ^ table[2][(x >> 16) & 0xFF] ^ table[3][x >> 24];
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hardware(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint64_t c = crc;
    if (count >= 3 * LANE) {
        pthread_once(&shift_tables_once, build_shift_tables);
        do {
            uint64_t c1 = 0, c2 = 0;
            for (int i = 0; i < LANE; i += 8) {
                uint64_t a, b, d;
                memcpy(&a, p + i, 8);
                memcpy(&b, p + LANE + i, 8);
                memcpy(&d, p + 2 * LANE + i, 8);
                c = __builtin_ia32_crc32di(c, a);
                c1 = __builtin_ia32_crc32di(c1, b);
                c2 = __builtin_ia32_crc32di(c2, d);
            }
            c = shifted(shift_two_lanes, (uint32_t)c) ^ shifted(shift_one_lane, (uint32_t)c1) ^ (uint32_t)c2;
            p += 3 * LANE;
            count -= 3 * LANE;
        } while (count >= 3 * LANE);
    }
    while (count >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        count -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (count--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}

static int hardware_state = -1; // -1 unknown, 0 no, 1 yes

static int has_hardware(void) {
    int s = __atomic_load_n(&hardware_state, __ATOMIC_RELAXED);
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&hardware_state, s, __ATOMIC_RELAXED);
    }
    return s;
}

uint32_t slog_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    if (__builtin_expect(has_hardware(), 1)) return crc32c_hardware(crc, bytes, count);
    return slog_crc32c_update_portable(crc, bytes, count);
}

uint32_t slog_frame_checksum(const void *header, size_t header_count, const void *payload, size_t count) {
    if (__builtin_expect(has_hardware(), 1)) {
        return ~crc32c_hardware(crc32c_hardware(0xFFFFFFFFu, header, header_count), payload, count);
    }
    return ~slog_crc32c_update_portable(slog_crc32c_update_portable(0xFFFFFFFFu, header, header_count), payload, count);
}

int slog_crc32c_is_hardware(void) { return has_hardware(); }
#else
uint32_t slog_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    return slog_crc32c_update_portable(crc, bytes, count);
}

uint32_t slog_frame_checksum(const void *header, size_t header_count, const void *payload, size_t count) {
    return ~slog_crc32c_update_portable(slog_crc32c_update_portable(0xFFFFFFFFu, header, header_count), payload, count);
}

int slog_crc32c_is_hardware(void) { return 0; }
#endif
