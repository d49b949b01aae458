// The process's tracer: per invocation, whether Lambda sampled it (the trace header) and where the
// function's segment is; per traced call, a subsegment sent to the X-Ray daemon when it ends.
// Unsampled invocations cost a header scan and one branch per call: no allocation, no clock read.
//
//   tracer.begin_invocation(invocation.trace_id);
//   if (tracer.sampled()) { Segment s = tracer.start("Redis", "remote"); ...; tracer.finish(s); }
//   tracer.end_invocation();
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/expected.h"
#include "tracing/segment.h"

namespace streamcache::tracing {

// Receives each finished document (the UDP emitter, or a test's list).
using DocumentSink = std::function<void(std::string_view document)>;

class Tracer {
 public:
  Tracer() = default;  // disabled: never sampled
  explicit Tracer(DocumentSink sink) : sink_(std::move(sink)) {}

  // Enabled when AWS_XRAY_DAEMON_ADDRESS is set (Lambda sets it when tracing is on); a malformed
  // address is an init error.
  static Expected<std::unique_ptr<Tracer>, std::string> from_env(const EnvLookup& env);

  [[nodiscard]] bool enabled() const { return static_cast<bool>(sink_); }

  // The invocation's trace header (Lambda-Runtime-Trace-Id). Sampled when the tracer is enabled
  // and the header says Sampled=1 with a valid Root and Parent (the function's segment).
  void begin_invocation(std::string_view trace_header);
  void end_invocation() { sampled_ = false; }
  [[nodiscard]] bool sampled() const { return sampled_; }

  // The item the next calls are about: annotated as item_id on their subsegments.
  void set_item_id(std::string_view id) {
    if (sampled_) item_id_.assign(id);
  }

  // A subsegment of the function's segment starting now: fresh id, trace and parent ids set.
  // Only when sampled().
  [[nodiscard]] Segment start(std::string_view name, std::string_view namespace_name) const;
  // Ends `segment` now, adds the item_id annotation and sends it.
  void finish(Segment& segment) const;
  // The X-Amzn-Trace-Id for a call made within `segment` (its id becomes the callee's parent).
  [[nodiscard]] std::string downstream_header(const Segment& segment) const;

 private:
  DocumentSink sink_;
  bool sampled_ = false;
  std::string root_;
  std::string parent_;
  std::string item_id_;
};

// Begins an invocation on the tracer and ends it whichever way the handler returns.
class InvocationScope {
 public:
  InvocationScope(Tracer& tracer, std::string_view trace_header) : tracer_(tracer) {
    tracer_.begin_invocation(trace_header);
  }
  ~InvocationScope() { tracer_.end_invocation(); }
  InvocationScope(const InvocationScope&) = delete;
  InvocationScope& operator=(const InvocationScope&) = delete;

 private:
  Tracer& tracer_;
};

}  // namespace streamcache::tracing
