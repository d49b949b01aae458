// Internal: keeps Lambda bootstraps within glibc 2.34 (provided.al2023) when built on a newer
// glibc. GCC 12's libgcc_eh.a, built against glibc >= 2.35 headers, finds unwind tables with
// _dl_find_object@GLIBC_2.35; dl_find_object_shim.cpp defines that symbol inside the executable
// over dl_iterate_phdr (what libgcc itself did before 2.35), so the versioned reference never
// reaches the dynamic symbol table. The shim is compiled into every bootstrap by
// streamcache_add_lambda (cmake/StreamcacheLambda.cmake).
#pragma once

#include <dlfcn.h>

namespace streamcache::lambda::detail {

#ifdef DLFO_STRUCT_HAS_EH_DBASE
// The lookup libgcc's unwinder needs: the mapping and PT_GNU_EH_FRAME of the object holding `pc`.
// Returns 0 when found, -1 otherwise, like glibc's _dl_find_object. dlfo_link_map is left null
// (the unwinder does not read it).
int find_object_for_unwinder(void* pc, dl_find_object* result);
#endif

}  // namespace streamcache::lambda::detail
