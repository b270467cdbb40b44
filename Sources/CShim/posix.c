#define _GNU_SOURCE
#include "shim_posix.h"
#include <unistd.h>
#include <sys/syscall.h>

int cshim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int cshim_close_range(unsigned int first, unsigned int last, int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}
int cshim_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int cshim_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }

#include <malloc.h>
int cshim_malloc_trim(size_t pad) { return malloc_trim(pad); }

#include <link.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <string.h>
#include <fcntl.h>

// /proc/self/pagemap, opened before the process gives up root (afterwards
// its /proc files belong to root): says which pages of a writable mapping
// are still the file's own, never written.
static int pagemap_fd = -1;

int cshim_open_pagemap(void) {
    if (pagemap_fd < 0) pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return pagemap_fd;
}

#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_FILE (1ULL << 61)

// Drops the pages of [start, end) that are still clean file pages (present,
// not copied on write): re-reading them from the file gives what they hold.
// With `any_present`, every present page (for dead stack below the caller).
static size_t release_pages(uintptr_t start, uintptr_t end, long page, int any_present) {
    size_t released = 0;
    uint64_t entries[512];
    uintptr_t run = 0;
    for (uintptr_t a = start; a < end;) {
        size_t count = (end - a) / page;
        if (count > 512) count = 512;
        ssize_t n = pread(pagemap_fd, entries, count * 8, (off_t)(a / page) * 8);
        if (n <= 0) break;
        for (size_t i = 0; i < (size_t)n / 8; i++, a += page) {
            int clean = (entries[i] & PAGEMAP_PRESENT) && (any_present || (entries[i] & PAGEMAP_FILE));
            if (clean && !run) run = a;
            if (!clean && run) {
                if (madvise((void *)run, a - run, MADV_DONTNEED) == 0) released += a - run;
                run = 0;
            }
        }
    }
    if (run && madvise((void *)run, end - run, MADV_DONTNEED) == 0) released += end - run;
    return released;
}

// Drops this process's mappings of the pages of the program and of the
// libraries it loaded that are still the files' own: code and constants
// (never written, so nothing is lost) and, when /proc/self/pagemap is open,
// the pages of writable and RELRO segments that were only read (Swift
// metadata read at start-up); pages written since start (relocations, data)
// are kept. The dropped pages stay in the page cache, and what is still used
// faults back in: code and data used at start-up (or in a transition) and not
// since stop counting in RSS and PSS. The vDSO is not a file mapping: left.
// Single-threaded callers only (a page written between the pagemap read and
// madvise would lose the write).
static int release_segments(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    long page = sysconf(_SC_PAGESIZE);
    size_t *released = data;
    uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
    uintptr_t relro_start = 0, relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && vdso && info->dlpi_addr + ph->p_vaddr - ph->p_offset == vdso) return 0;
        if (ph->p_type == PT_GNU_RELRO) {
            relro_start = info->dlpi_addr + ph->p_vaddr;
            relro_end = relro_start + ph->p_memsz;
        }
    }
    if (info->dlpi_name && strstr(info->dlpi_name, "vdso")) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        // Only the part backed by the file: .bss beyond it is anonymous.
        uintptr_t end = start + ph->p_filesz;
        int written = (ph->p_flags & PF_W) || (relro_end > relro_start && start < relro_end && relro_start < end);
        start = (start + page - 1) & ~(uintptr_t)(page - 1);
        end &= ~(uintptr_t)(page - 1);
        if (end <= start) continue;
        if (pagemap_fd >= 0) {
            *released += release_pages(start, end, page, 0);
        } else if (!written && madvise((void *)start, end - start, MADV_DONTNEED) == 0) {
            *released += end - start;
        }
    }
    return 0;
}

size_t cshim_release_program_text(void) {
    size_t released = 0;
    dl_iterate_phdr(release_segments, &released);
    return released;
}

// Drops the main thread's stack pages below the caller's frame (two pages
// of margin for what this call itself uses): start-up and the decoding of
// a configuration go deep, and those pages stay resident though only dead
// frames are left in them; a later deep call gets zero-filled pages again.
// Below the main stack lies only its guard gap and unmapped space: the
// kernel places mappings at least 128 MB under the stack's top (more with a
// larger stack rlimit), so 8 MB under the frame is looked at, and only
// present pages (pagemap) are dropped.
// Main thread only: another thread's stack may be mapped right below it.
size_t cshim_release_stack(void) {
    if (pagemap_fd < 0 || getpid() != (pid_t)syscall(SYS_gettid)) return 0;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    uintptr_t top = (frame & ~(uintptr_t)(page - 1)) - 2 * (uintptr_t)page;
    uintptr_t span = (uintptr_t)8 << 20;
    if (top <= span) return 0;
    return release_pages(top - span, top, page, 1);
}

// For tests: uses `depth` frames of 4 KB of stack, writing to each.
void cshim_touch_stack(unsigned depth) {
    volatile char frame[4096];
    for (size_t i = 0; i < sizeof frame; i += 512) frame[i] = (char)depth;
    if (depth > 1) cshim_touch_stack(depth - 1);
    frame[0] = 0;
}
