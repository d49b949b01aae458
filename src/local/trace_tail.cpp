#include "local/trace_tail.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

namespace streamcache::local {

namespace {

constexpr std::size_t kMaxReadBytes = std::size_t{4} << 20;  // per call, so a huge file is paced
constexpr int kMaxDepth = 16;

double seconds(const json::Value& doc, std::string_view key) {
  const json::Value* v = doc.find(key);
  return v != nullptr && v->is_number() ? std::strtod(v->as_number().text.c_str(), nullptr) : 0;
}

std::string text(const json::Value& doc, std::string_view key) {
  return std::string(doc.get_string(key).value_or(""));
}

json::Value ms(double v) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.3f", std::isfinite(v) ? v : 0);
  return json::Number{buffer};
}

struct Node {
  const json::Value* doc;
  std::vector<const json::Value*> children;  // nested subsegments and separately sent ones
};

void flatten(const json::Value& doc, int depth, double origin,
             const std::multimap<std::string, const json::Value*>& by_parent, json::Array& out) {
  if (depth > kMaxDepth) return;
  json::Value span = json::Object{};
  span.set("name", text(doc, "name"));
  span.set("id", text(doc, "id"));
  span.set("parentId", text(doc, "parent_id"));
  span.set("depth", json::Value::integer(depth));
  const double start = seconds(doc, "start_time");
  double end = seconds(doc, "end_time");
  if (end < start) end = start;  // in progress
  span.set("startMs", ms((start - origin) * 1000));
  span.set("endMs", ms((end - origin) * 1000));
  if (const json::Value* a = doc.find("annotations"); a != nullptr && a->is_object()) {
    span.set("annotations", *a);
  }
  out.push_back(std::move(span));
  std::vector<const json::Value*> children;
  if (const json::Value* nested = doc.find("subsegments");
      nested != nullptr && nested->is_array()) {
    for (const auto& c : nested->as_array())
      if (c.is_object()) children.push_back(&c);
  }
  const auto [first, last] = by_parent.equal_range(text(doc, "id"));
  for (auto it = first; it != last; ++it)
    children.push_back(it->second);
  std::stable_sort(children.begin(), children.end(), [](const auto* a, const auto* b) {
    return seconds(*a, "start_time") < seconds(*b, "start_time");
  });
  for (const auto* c : children)
    flatten(*c, depth + 1, origin, by_parent, out);
}

}  // namespace

TraceTail::TraceTail(std::filesystem::path file) : file_(std::move(file)) {}

void TraceTail::add_line(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  auto doc = json::parse(line);
  if (!doc || !doc->is_object() || !doc->get_string("trace_id") || !doc->get_string("id")) return;
  segments_.push_back(std::move(*doc));
  if (segments_.size() > kMaxSegments) segments_.pop_front();
}

void TraceTail::read_new_lines() {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file_, ec);
  if (ec) return;        // no traces (yet)
  if (size < offset_) {  // truncated or replaced: start over
    offset_ = 0;
    partial_.clear();
    segments_.clear();
  }
  if (size == offset_) return;
  std::ifstream in(file_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(std::min<std::uintmax_t>(size - offset_, kMaxReadBytes), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));
  offset_ += chunk.size();
  partial_ += chunk;
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
    add_line(std::string_view(partial_).substr(start, nl - start));
  partial_.erase(0, start);
}

json::Value TraceTail::latest() {
  std::lock_guard lock(mutex_);
  read_new_lines();
  // Newest first: the order in which each trace's last segment arrived.
  std::vector<std::string> order;
  for (auto it = segments_.rbegin(); it != segments_.rend() && order.size() < kMaxTraces; ++it) {
    std::string id = text(*it, "trace_id");
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(std::move(id));
  }
  json::Value out = json::Array{};
  for (const auto& trace_id : order) {
    std::vector<const json::Value*> docs;
    for (const auto& s : segments_)
      if (text(s, "trace_id") == trace_id) docs.push_back(&s);
    std::map<std::string, const json::Value*> by_id;
    for (const auto* d : docs)
      by_id[text(*d, "id")] = d;
    std::multimap<std::string, const json::Value*> by_parent;
    std::vector<const json::Value*> roots;
    double origin = 0;
    double end = 0;
    for (const auto* d : docs) {
      const std::string parent = text(*d, "parent_id");
      if (!parent.empty() && by_id.contains(parent)) {
        by_parent.emplace(parent, d);
      } else {
        roots.push_back(d);
      }
      const double s = seconds(*d, "start_time");
      if (s > 0 && (origin == 0 || s < origin)) origin = s;
      end = std::max(end, seconds(*d, "end_time"));
    }
    std::stable_sort(roots.begin(), roots.end(), [](const auto* a, const auto* b) {
      return seconds(*a, "start_time") < seconds(*b, "start_time");
    });
    json::Array spans;
    for (const auto* r : roots)
      flatten(*r, 0, origin, by_parent, spans);
    json::Value trace = json::Object{};
    trace.set("traceId", trace_id);
    trace.set("startTime", ms(origin));
    trace.set("durationMs", ms(std::max(0.0, end - origin) * 1000));
    trace.set("spans", std::move(spans));
    out.as_array().push_back(std::move(trace));
  }
  return out;
}

}  // namespace streamcache::local
