// The latest X-Ray traces for the dashboard: follows <work_dir>/traces.jsonl (one segment document
// per line, as the local stack's trace receiver writes them), keeps the newest segments, and
// shows each trace as a flat list of spans (segments and nested subsegments) for a waterfall.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "json/json.h"

namespace streamcache::local {

class TraceTail {
 public:
  static constexpr std::size_t kMaxSegments = 2000;  // kept in memory
  static constexpr std::size_t kMaxTraces = 5;       // shown

  explicit TraceTail(std::filesystem::path file);

  // Reads what was appended since the last call (from the start again if the file was replaced
  // or truncated), then the latest traces, newest first:
  // [{"traceId","startTime","durationMs","spans":[{"name","id","parentId","depth","startMs",
  //   "endMs","annotations"}]}]; startMs/endMs from the trace's start.
  json::Value latest();

  // Adds one line of the file (a segment document); lines that are not one are skipped.
  void add_line(std::string_view line);

 private:
  void read_new_lines();

  std::mutex mutex_;
  std::filesystem::path file_;
  std::uintmax_t offset_ = 0;
  std::string partial_;  // an unfinished last line
  std::deque<json::Value> segments_;
};

}  // namespace streamcache::local
