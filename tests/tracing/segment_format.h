// The documented rules of an X-Ray segment document (AWS X-Ray developer guide, "Segment
// documents"), checked field by field on a parsed document: what the unit tests assert of every
// document the library writes and the integration tests assert of every document received.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "json/json.h"
#include "tracing/segment.h"
#include "tracing/trace_header.h"

namespace streamcache::tracing::testing {

inline double number_of(const json::Value& v) {
  return std::strtod(v.as_number().text.c_str(), nullptr);
}

// Every broken rule, as text; empty when the document follows the format.
inline std::vector<std::string> format_violations(const json::Value& doc) {
  std::vector<std::string> out;
  if (!doc.is_object()) return {"not an object"};
  const auto text = [&](const char* key) -> std::string {
    const json::Value* v = doc.find(key);
    return v != nullptr && v->is_string() ? v->as_string() : std::string();
  };
  if (text("name").empty()) out.push_back("name: required string");
  if (!is_segment_id(text("id"))) out.push_back("id: 16 hex digits, got '" + text("id") + "'");
  if (!is_trace_id(text("trace_id"))) out.push_back("trace_id: 1-8hex-24hex");
  const json::Value* start = doc.find("start_time");
  const json::Value* end = doc.find("end_time");
  const json::Value* in_progress = doc.find("in_progress");
  if (start == nullptr || !start->is_number()) out.push_back("start_time: required number");
  if (end == nullptr && (in_progress == nullptr || !in_progress->is_bool()))
    out.push_back("end_time or in_progress required");
  if (start != nullptr && end != nullptr && start->is_number() && end->is_number() &&
      number_of(*end) < number_of(*start))
    out.push_back("end_time before start_time");
  const bool subsegment = text("type") == "subsegment";
  if (doc.find("type") != nullptr && !subsegment) out.push_back("type: only \"subsegment\"");
  if (subsegment && !is_segment_id(text("parent_id")))
    out.push_back("parent_id: required for a subsegment sent on its own");
  if (const json::Value* ns = doc.find("namespace")) {
    if (!ns->is_string() || (ns->as_string() != "aws" && ns->as_string() != "remote"))
      out.push_back("namespace: \"aws\" or \"remote\"");
  }
  for (const char* flag : {"error", "throttle", "fault"}) {
    if (const json::Value* v = doc.find(flag); v != nullptr && !v->is_bool())
      out.push_back(std::string(flag) + ": boolean");
  }
  if (const json::Value* a = doc.find("annotations")) {
    if (!a->is_object()) {
      out.push_back("annotations: object");
    } else {
      for (const auto& member : a->as_object()) {
        if (!is_annotation_key(member.name)) out.push_back("annotation key " + member.name);
        const auto& v = member.value;
        if (!v.is_string() && !v.is_number() && !v.is_bool())
          out.push_back("annotation " + member.name + ": string, number or boolean");
      }
    }
  }
  if (const json::Value* aws = doc.find("aws")) {
    if (!aws->is_object()) out.push_back("aws: object");
    if (const json::Value* r = aws->find("retries"); r != nullptr && !r->is_number())
      out.push_back("aws.retries: number");
  }
  return out;
}

}  // namespace streamcache::tracing::testing
