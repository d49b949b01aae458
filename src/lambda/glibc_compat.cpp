#include "lambda/glibc_compat.h"

#include <cstdint>
#include <limits>

#include <link.h>

namespace streamcache::lambda::detail {

#ifdef DLFO_STRUCT_HAS_EH_DBASE

#if DLFO_STRUCT_HAS_EH_DBASE || (defined(DLFO_STRUCT_HAS_EH_COUNT) && DLFO_STRUCT_HAS_EH_COUNT)
#error "this target's dl_find_object needs eh_dbase/eh_count: extend find_object_for_unwinder"
#endif

namespace {

struct Search {
  std::uintptr_t pc = 0;
  dl_find_object* result = nullptr;
  bool found = false;
};

int visit(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto* search = static_cast<Search*>(data);
  std::uintptr_t low = std::numeric_limits<std::uintptr_t>::max();
  std::uintptr_t high = 0;
  bool contains = false;
  const ElfW(Phdr)* eh_frame = nullptr;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type == PT_LOAD) {
      const std::uintptr_t start = info->dlpi_addr + phdr.p_vaddr;
      const std::uintptr_t end = start + phdr.p_memsz;
      if (start < low) low = start;
      if (end > high) high = end;
      if (search->pc >= start && search->pc < end) contains = true;
    } else if (phdr.p_type == PT_GNU_EH_FRAME) {
      eh_frame = &phdr;
    }
  }
  if (!contains) return 0;  // keep looking
  dl_find_object* result = search->result;
  *result = dl_find_object{};
  result->dlfo_map_start = reinterpret_cast<void*>(low);  // NOLINT: addresses from the loader
  result->dlfo_map_end = reinterpret_cast<void*>(high);   // NOLINT
  result->dlfo_link_map = nullptr;
  result->dlfo_eh_frame =
      eh_frame == nullptr ? nullptr
                          : reinterpret_cast<void*>(info->dlpi_addr + eh_frame->p_vaddr);  // NOLINT
  search->found = true;
  return 1;  // stop
}

}  // namespace

int find_object_for_unwinder(void* pc, dl_find_object* result) {
  Search search{reinterpret_cast<std::uintptr_t>(pc), result, false};  // NOLINT
  dl_iterate_phdr(visit, &search);
  return search.found ? 0 : -1;
}

#endif  // DLFO_STRUCT_HAS_EH_DBASE

}  // namespace streamcache::lambda::detail
