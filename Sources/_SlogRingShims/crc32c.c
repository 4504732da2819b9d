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
#include <immintrin.h>

// Three lanes. The crc32 instruction takes 3 cycles but can start every cycle, so one chain of
// 8-byte steps runs at a third of the instruction's rate. The 8-byte words of a buffer are
// split into three lanes A, B, C summed as independent chains, then joined: for the raw
// (uninverted) update,
//     update(c, A B C) = shift(update(c, A), |B| + |C|) ^ shift(update(0, B), |C|) ^ update(0, C)
// where shift(x, n) is x carried through n zero bytes: a linear map of x, computed as one
// carry-less multiply by a constant and one crc32 step (the product's 64 bits reduced).
// The constants, one per lane length in words, are found at first use by solving for them
// and checked against the crc32 instruction itself on every basis value (a CPU without
// PCLMULQDQ, or a check that fails, keeps the single chain). A 256-byte record: three
// 10-word chains side by side instead of one of 32 steps; below 128 bytes, one chain.
enum { LANES_FROM_WORDS = 16, LANE_WORDS_MAX = 32, SHIFTS = 2 * LANE_WORDS_MAX + 3 };
static uint64_t shift_constant[SHIFTS];  // [w]: shift by 8*w bytes
static int lanes_usable = -1;  // -1 not prepared yet, then 0 or 1
static pthread_once_t lanes_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2")))
static uint32_t through_zero_words(uint32_t crc, size_t words) {
    uint64_t c = crc;
    for (size_t i = 0; i < words; i++) c = __builtin_ia32_crc32di(c, 0);
    return (uint32_t)c;
}

__attribute__((target("sse4.2,pclmul")))
static inline uint32_t shifted(uint32_t x, uint64_t constant) {
    __m128i product = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)x), _mm_cvtsi64_si128((long long)constant), 0x00);
    return (uint32_t)__builtin_ia32_crc32di(0, (uint64_t)_mm_cvtsi128_si64(product));
}

// The constant K (33 bits at most) with shifted(x, K) == through_zero_words(x, words) for
// every x, or 0 if there is none: Gaussian elimination over GF(2) on the 32 equations for
// x = 1, then a check of every basis value x = 1 << i.
__attribute__((target("sse4.2,pclmul")))
static uint64_t solve_shift_constant(size_t words) {
    enum { UNKNOWNS = 33 };
    uint32_t column[UNKNOWNS];
    for (int j = 0; j < UNKNOWNS; j++) column[j] = shifted(1, (uint64_t)1 << j);
    uint32_t target = through_zero_words(1, words);
    // Rows: equation i is bit i of sum_j K_j column[j] == bit i of target.
    uint64_t rows[32];
    for (int i = 0; i < 32; i++) {
        uint64_t row = 0;
        for (int j = 0; j < UNKNOWNS; j++) row |= (uint64_t)((column[j] >> i) & 1) << j;
        row |= (uint64_t)((target >> i) & 1) << UNKNOWNS;  // the right-hand side
        rows[i] = row;
    }
    int pivot_of_column[UNKNOWNS];
    for (int j = 0; j < UNKNOWNS; j++) pivot_of_column[j] = -1;
    int rank = 0;
    for (int j = 0; j < UNKNOWNS && rank < 32; j++) {
        int found = -1;
        for (int i = rank; i < 32; i++) if ((rows[i] >> j) & 1) { found = i; break; }
        if (found < 0) continue;
        uint64_t swap = rows[found]; rows[found] = rows[rank]; rows[rank] = swap;
        for (int i = 0; i < 32; i++) if (i != rank && ((rows[i] >> j) & 1)) rows[i] ^= rows[rank];
        pivot_of_column[j] = rank++;
    }
    for (int i = rank; i < 32; i++) if ((rows[i] >> UNKNOWNS) & 1) return 0;  // inconsistent
    uint64_t constant = 0;  // free unknowns 0
    for (int j = 0; j < UNKNOWNS; j++) {
        if (pivot_of_column[j] >= 0 && ((rows[pivot_of_column[j]] >> UNKNOWNS) & 1)) constant |= (uint64_t)1 << j;
    }
    for (int i = 0; i < 32; i++) {
        uint32_t x = (uint32_t)1 << i;
        if (shifted(x, constant) != through_zero_words(x, words)) return 0;
    }
    return constant;
}

static void prepare_lanes(void) {
    __builtin_cpu_init();
    int usable = __builtin_cpu_supports("pclmul");
    for (size_t w = 1; usable && w < SHIFTS; w++) {
        shift_constant[w] = solve_shift_constant(w);
        if (shift_constant[w] == 0) usable = 0;
    }
    __atomic_store_n(&lanes_usable, usable, __ATOMIC_RELEASE);
}

// Whether the lanes can be used; prepares them once (pthread_once) the first time. The common
// case is one acquiring load (the constants were written before the release that set it).
static inline int lanes_ready(void) {
    int state = __atomic_load_n(&lanes_usable, __ATOMIC_ACQUIRE);
    if (__builtin_expect(state >= 0, 1)) return state;
    pthread_once(&lanes_once, prepare_lanes);
    return __atomic_load_n(&lanes_usable, __ATOMIC_ACQUIRE);
}

__attribute__((target("sse4.2,pclmul")))
static uint32_t crc32c_hardware(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint64_t c = crc;
    size_t words = count >> 3;
    // Below 16 words the join costs about what the lanes save (Benchmarks/probes/crc32c-lanes.c).
    if (words >= LANES_FROM_WORDS && lanes_ready()) {
        // Whole blocks of three longest lanes, then one block of what is left.
        while (words >= LANES_FROM_WORDS) {
            size_t lane = words >= 3 * LANE_WORDS_MAX ? LANE_WORDS_MAX : words / 3;
            size_t last = words >= 3 * LANE_WORDS_MAX ? LANE_WORDS_MAX : words - 2 * lane;
            const unsigned char *b = p + 8 * lane, *d = p + 16 * lane;
            uint64_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < lane; i++) {
                uint64_t x, y, z;
                memcpy(&x, p + 8 * i, 8);
                memcpy(&y, b + 8 * i, 8);
                memcpy(&z, d + 8 * i, 8);
                c = __builtin_ia32_crc32di(c, x);
                c1 = __builtin_ia32_crc32di(c1, y);
                c2 = __builtin_ia32_crc32di(c2, z);
            }
            for (size_t i = lane; i < last; i++) {  // lane C's one or two extra words
                uint64_t z;
                memcpy(&z, d + 8 * i, 8);
                c2 = __builtin_ia32_crc32di(c2, z);
            }
            c = shifted((uint32_t)c, shift_constant[lane + last]) ^ shifted((uint32_t)c1, shift_constant[last]) ^ (uint32_t)c2;
            p += 8 * (2 * lane + last);
            words -= 2 * lane + last;
        }
    }
    for (; words > 0; words--) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
    }
    uint32_t c32 = (uint32_t)c;
    count &= 7;
    if (count >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        c32 = __builtin_ia32_crc32si(c32, w);
        p += 4;
        count -= 4;
    }
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

int slog_crc32c_uses_lanes(void) { return has_hardware() && lanes_ready(); }
#else
uint32_t slog_crc32c_update(uint32_t crc, const void *bytes, size_t count) {
    return slog_crc32c_update_portable(crc, bytes, count);
}

uint32_t slog_frame_checksum(const void *header, size_t header_count, const void *payload, size_t count) {
    return ~slog_crc32c_update_portable(slog_crc32c_update_portable(0xFFFFFFFFu, header, header_count), payload, count);
}

int slog_crc32c_is_hardware(void) { return 0; }

int slog_crc32c_uses_lanes(void) { return 0; }
#endif
