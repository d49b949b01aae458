// X-Ray trace context as Lambda hands it over (Lambda-Runtime-Trace-Id, _X_AMZN_TRACE_ID) and as
// it travels downstream (X-Amzn-Trace-Id): "Root=1-5759e988-bd862e3fe1be46a994272793;
// Parent=53995c3f42cd8ad8;Sampled=1". Pure functions, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace streamcache::tracing {

// Views into the parsed header text; empty when the field is absent.
struct TraceHeader {
  std::string_view root;    // the trace id, "1-xxxxxxxx-<24 hex>"
  std::string_view parent;  // the caller's segment id, 16 hex digits
  bool sampled = false;     // "Sampled=1"; "0", "?" or absent: not sampled
};

// Reads the fields it knows and ignores others (Lineage=..., Self=...). Never allocates.
TraceHeader parse_trace_header(std::string_view text);

// Whether `id` is a segment id: 16 lowercase hex digits.
bool is_segment_id(std::string_view id);
// Whether `id` is a trace id: "1-" + 8 hex digits (epoch seconds) + "-" + 24 hex digits.
bool is_trace_id(std::string_view id);

// A new segment id from the kernel's randomness (common/random.h): 16 lowercase hex digits.
std::string new_segment_id();
// A new trace id whose time part is `now` in epoch seconds and whose 96 bits are random.
std::string new_trace_id(std::chrono::system_clock::time_point now);

// The header a traced call sends downstream: Root=<root>;Parent=<parent>;Sampled=<0|1>.
std::string format_trace_header(std::string_view root, std::string_view parent, bool sampled);

}  // namespace streamcache::tracing
