// Compiled into every Lambda bootstrap (not into a library, so the definition is present before
// libgcc_eh.a is searched). See glibc_compat.h for why.
#include "lambda/glibc_compat.h"

#ifdef DLFO_STRUCT_HAS_EH_DBASE
// Defined in the executable, this satisfies libgcc_eh.a's reference at static link time, so the
// binary does not need GLIBC_2.35. On glibc >= 2.35 it merely shadows the loader's faster version.
extern "C" int _dl_find_object(void* pc, dl_find_object* result) noexcept {  // NOLINT: glibc's name
  return streamcache::lambda::detail::find_object_for_unwinder(pc, result);
}
#endif
