// A wake-up for coroutines on one io_context thread: waiters sleep until notify_all() or their
// deadline. Waiters always re-check their condition after waking (a notify may race a deadline).
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streamcache::local {

class AsyncEvent {
 public:
  AsyncEvent() = default;
  AsyncEvent(const AsyncEvent&) = delete;
  AsyncEvent& operator=(const AsyncEvent&) = delete;

  void notify_all() {
    for (auto* timer : waiters_)
      timer->cancel();
  }

  // True when woken by notify_all(), false when the deadline passed.
  boost::asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
    waiters_.push_back(&timer);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    std::erase(waiters_, &timer);
    co_return ec == boost::asio::error::operation_aborted;
  }

  boost::asio::awaitable<void> wait() {
    co_await wait_until(std::chrono::steady_clock::time_point::max());
  }

 private:
  std::vector<boost::asio::steady_timer*> waiters_;
};

}  // namespace streamcache::local
