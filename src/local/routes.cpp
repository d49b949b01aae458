#include "local/routes.h"

#include <tuple>

namespace streamcache::local {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && text[i] == '+' ? ' ' : text[i];
  }
  return out;
}

Expected<RouteTable, std::string> RouteTable::build(const std::vector<std::string>& route_keys) {
  RouteTable table;
  for (const auto& key : route_keys) {
    Route route;
    route.key = key;
    if (key == "$default") {
      route.is_default = true;
      table.routes_.push_back(std::move(route));
      continue;
    }
    const auto space = key.find(' ');
    if (space == std::string::npos || space + 1 >= key.size() || key[space + 1] != '/') {
      return unexpected("route \"" + key + "\": expected \"METHOD /path\" or \"$default\"");
    }
    route.method = key.substr(0, space);
    const auto parts = split_path(std::string_view(key).substr(space + 1));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      Segment segment;
      const std::string_view part = parts[i];
      if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
        segment.variable = true;
        std::string_view name = part.substr(1, part.size() - 2);
        if (!name.empty() && name.back() == '+') {
          segment.greedy = true;
          name.remove_suffix(1);
          if (i + 1 != parts.size()) {
            return unexpected("route \"" + key + "\": a greedy {" + std::string(name) +
                              "+} must be the last segment");
          }
        }
        if (name.empty()) return unexpected("route \"" + key + "\": empty {} variable");
        segment.text = std::string(name);
      } else if (part.find_first_of("{}") != std::string_view::npos) {
        return unexpected("route \"" + key + "\": a variable must be a whole segment, like {id}");
      } else {
        segment.text = std::string(part);
      }
      route.segments.push_back(std::move(segment));
    }
    table.routes_.push_back(std::move(route));
  }
  return table;
}

std::optional<RouteMatch> RouteTable::match(std::string_view method, std::string_view path) const {
  const auto parts = split_path(path);
  const Route* best = nullptr;
  // Lower is more specific: (has greedy, variable count, ANY method); $default is last.
  std::tuple<int, int, int> best_rank{};
  RouteMatch best_match;
  for (const auto& route : routes_) {
    if (route.is_default) continue;
    if (route.method != "ANY" && route.method != method) continue;
    RouteMatch m;
    m.route_key = route.key;
    bool ok = true;
    int variables = 0;
    bool greedy = false;
    std::size_t i = 0;
    for (; i < route.segments.size() && ok; ++i) {
      const Segment& s = route.segments[i];
      if (s.greedy) {
        if (i >= parts.size()) {
          ok = false;
          break;
        }
        std::string rest;
        for (std::size_t j = i; j < parts.size(); ++j) {
          if (j > i) rest += '/';
          rest += parts[j];
        }
        m.path_parameters[s.text] = percent_decode(rest);
        greedy = true;
        i = parts.size();
        break;
      }
      if (i >= parts.size()) {
        ok = false;
      } else if (s.variable) {
        if (parts[i].empty()) ok = false;  // {id} needs at least one character
        m.path_parameters[s.text] = percent_decode(parts[i]);
        ++variables;
      } else if (s.text != parts[i]) {
        ok = false;
      }
    }
    if (!ok || (!greedy && i != parts.size()) ||
        (!greedy && route.segments.size() != parts.size())) {
      continue;
    }
    const std::tuple<int, int, int> rank{greedy ? 1 : 0, variables, route.method == "ANY" ? 1 : 0};
    if (best == nullptr || rank < best_rank) {
      best = &route;
      best_rank = rank;
      best_match = std::move(m);
    }
  }
  if (best != nullptr) return best_match;
  for (const auto& route : routes_) {
    if (route.is_default) return RouteMatch{route.key, {}};
  }
  return std::nullopt;
}

}  // namespace streamcache::local
