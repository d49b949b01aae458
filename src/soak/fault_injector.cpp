#include "soak/fault_injector.h"

#include <random>

#include <signal.h>

namespace streamcache::soak {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kApiFunction = "streamcache-api";
constexpr const char* kStreamFunction = "streamcache-stream-handler";

// Lets traffic reach the stalled dependency, so the instance killed is in the middle of a call.
constexpr auto kStallBeforeKill = 700ms;

}  // namespace

FaultInjector::FaultInjector(LocalStack& stack, std::vector<Fault> schedule, std::uint64_t seed)
    : stack_(stack), schedule_(std::move(schedule)), seed_(seed) {}

FaultInjector::~FaultInjector() {
  stop();
}

void FaultInjector::start() {
  started_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

void FaultInjector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  restore();
}

std::vector<InjectedFault> FaultInjector::injected() const {
  std::lock_guard lock(mutex_);
  return injected_;
}

bool FaultInjector::wait_until(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, until, [&] { return stopping_; });
  return !stopping_;
}

void FaultInjector::restore() {
  (void)stack_.resume("redis");
  (void)stack_.resume("moto");
  if (!stack_.pid("redis")) (void)stack_.start_redis();
}

void FaultInjector::run() {
  for (const Fault& fault : schedule_) {
    if (!wait_until(started_ + fault.at)) return;
    InjectedFault done = inject(fault);
    std::lock_guard lock(mutex_);
    injected_.push_back(std::move(done));
  }
}

InjectedFault FaultInjector::inject(const Fault& fault) {
  InjectedFault out{fault, {}, false, 0};
  const auto end = Clock::now() + fault.duration;
  auto failed = [&](const std::string& why) {
    out.detail = why;
    restore();
    return out;
  };
  // The instance to kill, chosen by the seed among those alive.
  auto kill_one = [&](const char* function) -> std::string {
    auto pids = stack_.instances(function);
    if (pids.empty()) return std::string("no ") + function + " instance was running";
    std::mt19937_64 random(seed_ + static_cast<std::uint64_t>(fault.at.count()));
    const pid_t victim = pids[random() % pids.size()];
    if (::kill(victim, SIGKILL) != 0) return "kill failed";
    if (std::string(function) == kApiFunction) ++out.api_instances_killed;
    return "killed " + std::string(function) + " pid " + std::to_string(victim) + " (of " +
           std::to_string(pids.size()) + ")";
  };
  switch (fault.kind) {
    case FaultKind::redis_restart: {
      if (auto killed = stack_.kill_redis(); !killed) return failed(killed.error());
      out.injected = true;
      (void)wait_until(end);
      if (auto started = stack_.start_redis(); !started) return failed(started.error());
      out.detail = "redis-server killed, restarted empty";
      break;
    }
    case FaultKind::redis_pause:
    case FaultKind::dynamodb_pause: {
      const char* service = fault.kind == FaultKind::redis_pause ? "redis" : "moto";
      if (auto stopped = stack_.stop(service); !stopped) return failed(stopped.error());
      out.injected = true;
      (void)wait_until(end);
      if (auto resumed = stack_.resume(service); !resumed) return failed(resumed.error());
      out.detail = std::string(service) + " stopped, resumed";
      break;
    }
    case FaultKind::api_instance_kill:
    case FaultKind::stream_handler_kill: {
      const bool api = fault.kind == FaultKind::api_instance_kill;
      const char* service = api ? "moto" : "redis";
      if (auto stopped = stack_.stop(service); !stopped) return failed(stopped.error());
      out.injected = true;
      (void)wait_until(Clock::now() + kStallBeforeKill);
      out.detail =
          kill_one(api ? kApiFunction : kStreamFunction) + " while " + service + " was stopped";
      (void)wait_until(end);
      if (auto resumed = stack_.resume(service); !resumed) return failed(resumed.error());
      break;
    }
  }
  return out;
}

}  // namespace streamcache::soak
