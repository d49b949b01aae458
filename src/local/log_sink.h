// Where the host's lines go: each line is written whole (one write(2) under a lock), so lines of
// functions, the gateway and the mapping never interleave. Tests pass a callback instead.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace streamcache::local {

class LogSink {
 public:
  using Writer = std::function<void(std::string_view line)>;  // line without the newline
  LogSink();                                                  // standard output
  explicit LogSink(Writer writer);
  // "[source] text"; the source is a function name or "streamcache-local".
  void line(std::string_view source, std::string_view text);

  // Also sees every line, as CloudWatch Logs sees a function's output (the dashboard reads the
  // REPORT and EMF lines from it); called under the sink's lock. An empty one removes it.
  using Observer = std::function<void(std::string_view source, std::string_view text)>;
  void set_observer(Observer observer);

 private:
  std::mutex mutex_;
  Writer writer_;
  Observer observer_;
};

}  // namespace streamcache::local
