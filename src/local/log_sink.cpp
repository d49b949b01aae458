#include "local/log_sink.h"

#include <unistd.h>

namespace streamcache::local {

LogSink::LogSink()
    : writer_([](std::string_view line) {
        std::string out(line);
        out += '\n';
        std::string_view rest = out;
        while (!rest.empty()) {
          const ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
          if (n <= 0) return;  // a closed stdout costs log lines, not the host
          rest.remove_prefix(static_cast<std::size_t>(n));
        }
      }) {}

LogSink::LogSink(Writer writer) : writer_(std::move(writer)) {}

void LogSink::line(std::string_view source, std::string_view text) {
  std::string out;
  out.reserve(source.size() + text.size() + 3);
  out += '[';
  out += source;
  out += "] ";
  out += text;
  std::lock_guard lock(mutex_);
  writer_(out);
  if (observer_) observer_(source, text);
}

void LogSink::set_observer(Observer observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

}  // namespace streamcache::local
