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

// Drops this process's mappings of the read-only segments (code and
// constants, never written, so nothing is lost) of the program and of the
// libraries it loaded: the pages stay in the page cache, and what is still
// used faults back in. Code that ran at start-up (or in a transition) and
// does not run again stops counting in RSS and PSS. RELRO and writable
// segments are left alone (their pages hold relocations and data), and so
// is the vDSO (not a file mapping).
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
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        uintptr_t end = start + ph->p_memsz;
        if (relro_end > relro_start && start < relro_end && relro_start < end) continue;
        start = (start + page - 1) & ~(uintptr_t)(page - 1);
        end &= ~(uintptr_t)(page - 1);
        if (end > start && madvise((void *)start, end - start, MADV_DONTNEED) == 0) *released += end - start;
    }
    return 0;
}

size_t cshim_release_program_text(void) {
    size_t released = 0;
    dl_iterate_phdr(release_segments, &released);
    return released;
}
