#include "tracing/tracer.h"

#include <chrono>

#include "tracing/emitter.h"
#include "tracing/trace_header.h"

namespace streamcache::tracing {

Expected<std::unique_ptr<Tracer>, std::string> Tracer::from_env(const EnvLookup& env) {
  const auto address_text = non_empty(env, "AWS_XRAY_DAEMON_ADDRESS");
  if (!address_text) return std::make_unique<Tracer>();
  auto address = parse_daemon_address(*address_text);
  if (!address) return unexpected(address.error());
  auto emitter = UdpEmitter::connect(*address);
  if (!emitter) return unexpected(emitter.error());
  auto shared = std::make_shared<UdpEmitter>(std::move(*emitter));
  return std::make_unique<Tracer>(
      [shared](std::string_view document) { (void)shared->send(document); });
}

void Tracer::begin_invocation(std::string_view trace_header) {
  sampled_ = false;
  // Most invocations are unsampled: one search rules them out before any parsing.
  if (!sink_ || trace_header.find("Sampled=1") == std::string_view::npos) return;
  const TraceHeader header = parse_trace_header(trace_header);
  if (!header.sampled || !is_trace_id(header.root) || !is_segment_id(header.parent)) return;
  sampled_ = true;
  root_.assign(header.root);
  parent_.assign(header.parent);
  item_id_.clear();
}

Segment Tracer::start(std::string_view name, std::string_view namespace_name) const {
  Segment s;
  s.name = name;
  s.id = new_segment_id();
  s.trace_id = root_;
  s.parent_id = parent_;
  s.subsegment = true;
  s.namespace_name = namespace_name;
  s.start_time = epoch_seconds(std::chrono::system_clock::now());
  return s;
}

void Tracer::finish(Segment& segment) const {
  segment.end_time = epoch_seconds(std::chrono::system_clock::now());
  if (!item_id_.empty()) segment.annotations.push_back({"item_id", item_id_});
  if (sink_) sink_(segment_document(segment));
}

std::string Tracer::downstream_header(const Segment& segment) const {
  return format_trace_header(root_, segment.id, true);
}

}  // namespace streamcache::tracing
