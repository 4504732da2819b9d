// rename without replacing: Glibc declares renameat2 only under _GNU_SOURCE, which Swift's
// Glibc module does not set, so SlogRing reaches it through this wrapper.
#define _GNU_SOURCE
#include "SlogRingShims.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

int slog_rename_noreplace(const char *old_path, const char *new_path) {
#if defined(__linux__) && defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, old_path, AT_FDCWD, new_path, 1 /* RENAME_NOREPLACE */);
#else
    if (link(old_path, new_path) != 0) return -1;
    return unlink(old_path);
#endif
}
