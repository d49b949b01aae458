// DNS lookups bounded by a deadline: getaddrinfo(3) blocks for as long as resolv.conf allows (5 s
// per try and server by default), so lookups run through getaddrinfo_a(3) and are abandoned when
// the deadline passes. In libc since glibc 2.34 (libanl before), within the Lambda ELF gate.
#pragma once

#include <list>
#include <memory>
#include <string>

#include <netdb.h>

#include "common/deadline.h"
#include "common/expected.h"

namespace streamcache::dns {

struct AddrinfoFree {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using Addresses = std::unique_ptr<addrinfo, AddrinfoFree>;

struct LookupError {
  bool timed_out = false;
  std::string message;  // "cannot resolve HOST: REASON" or "resolving HOST timed out"
};

// Resolves TCP addresses. Owns the lookups it had to abandon: glibc may still be writing to a
// request that gai_cancel could not cancel (EAI_NOTCANCELED), so its memory lives here until the
// lookup finishes (reaped by later calls, waited for by the destructor). Not thread-safe.
class Resolver {
 public:
  Resolver();
  ~Resolver();
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Numeric hosts are answered at once; names wait at most until `deadline`.
  Expected<Addresses, LookupError> resolve(const std::string& host, const std::string& port,
                                           Deadline deadline);

  // Lookups abandoned and still running (tests).
  [[nodiscard]] std::size_t abandoned() const;

 private:
  struct Lookup;
  void reap();
  std::list<std::unique_ptr<Lookup>> abandoned_;
};

}  // namespace streamcache::dns
