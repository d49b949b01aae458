#include "common/dns.h"

#include <chrono>
#include <ctime>
#include <utility>

namespace streamcache::dns {

// One getaddrinfo_a request: glibc keeps pointers to every member until the lookup ends, so a
// Lookup never moves (held by unique_ptr) and is freed only once gai_error says it is done.
struct Resolver::Lookup {
  std::string host;
  std::string port;
  addrinfo hints{};
  gaicb request{};

  Lookup(std::string h, std::string p) : host(std::move(h)), port(std::move(p)) {
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    request.ar_name = host.c_str();
    request.ar_service = port.c_str();
    request.ar_request = &hints;
  }
  ~Lookup() {
    if (request.ar_result != nullptr) ::freeaddrinfo(request.ar_result);
  }
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;

  [[nodiscard]] bool done() { return ::gai_error(&request) != EAI_INPROGRESS; }

  // Waits for the end of the lookup, at most until `deadline`.
  void wait(Deadline deadline) {
    const gaicb* list[] = {&request};
    while (!done()) {
      if (deadline.unlimited()) {
        (void)::gai_suspend(list, 1, nullptr);
        continue;
      }
      if (deadline.expired()) return;
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.remaining());
      const timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                             static_cast<long>(left.count() % 1'000'000'000)};
      // EAI_AGAIN (timed out), EAI_INTR (a signal), EAI_ALLDONE: the loop decides.
      (void)::gai_suspend(list, 1, &timeout);
    }
  }
};

Resolver::Resolver() = default;
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;

Resolver::~Resolver() {
  for (auto& lookup : abandoned_)
    lookup->wait(Deadline::never());  // bounded by resolv.conf's timeout and attempts
}

std::size_t Resolver::abandoned() const {
  return abandoned_.size();
}

void Resolver::reap() {
  abandoned_.remove_if([](const std::unique_ptr<Lookup>& lookup) { return lookup->done(); });
}

Expected<Addresses, LookupError> Resolver::resolve(const std::string& host, const std::string& port,
                                                   Deadline deadline) {
  reap();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  // An address literal needs no lookup and no helper thread.
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0) return Addresses(found);

  if (deadline.expired()) {
    return unexpected(LookupError{true, "resolving " + host + " timed out (no time left)"});
  }
  auto lookup = std::make_unique<Lookup>(host, port);
  gaicb* list[] = {&lookup->request};
  if (int rc = ::getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr); rc != 0) {
    return unexpected(
        LookupError{false, "cannot resolve " + host + ": " + std::string(::gai_strerror(rc))});
  }
  lookup->wait(deadline);
  if (!lookup->done()) {
    // EAI_CANCELED: glibc dropped it, the memory is ours again. EAI_NOTCANCELED: a helper thread
    // is resolving it now and will write the result: keep the Lookup until it is done.
    if (::gai_cancel(&lookup->request) != EAI_CANCELED && !lookup->done()) {
      abandoned_.push_back(std::move(lookup));
    }
    return unexpected(LookupError{true, "resolving " + host + " timed out"});
  }
  if (int rc = ::gai_error(&lookup->request); rc != 0) {
    return unexpected(
        LookupError{false, "cannot resolve " + host + ": " + std::string(::gai_strerror(rc))});
  }
  return Addresses(std::exchange(lookup->request.ar_result, nullptr));
}

}  // namespace streamcache::dns
