#include "aws/credentials.h"

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace streamcache::aws {
namespace {

using Section = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view kKeyId = "aws_access_key_id";
constexpr std::string_view kSecret = "aws_secret_access_key";
constexpr std::string_view kToken = "aws_session_token";
constexpr std::string_view kLegacyToken = "aws_security_token";  // older tools write this name

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A comment starts at '#' or ';' at the line start or after a blank (as botocore reads it), so
// values such as a secret containing '#' mid-token survive.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == '#' || line[i] == ';') && (i == 0 || is_blank(line[i - 1]))) {
      return line.substr(0, i);
    }
  }
  return line;
}

// "profile  dev" -> "profile dev": the files are hand-edited, so inner blanks are tolerated.
std::string normalize_section_name(std::string_view name) {
  name = trim(name);
  std::string out;
  bool blank = false;
  for (char c : name) {
    if (is_blank(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

// The key/values of every section whose name is one of `names` (later lines win); nullopt when
// no such section exists. Indented lines under a key with an empty value are a nested block
// (e.g. "s3 =" and its settings) and are skipped.
std::optional<Section> read_section(std::string_view text, const std::vector<std::string>& names) {
  std::optional<Section> found;
  bool in_section = false;
  bool in_nested = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    const bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    const std::string_view line = trim(strip_comment(raw));
    if (line.empty()) continue;
    if (line.front() == '[') {
      const std::size_t close = line.find(']');
      const std::string name = normalize_section_name(
          line.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      in_section = false;
      for (const auto& wanted : names)
        in_section = in_section || name == wanted;
      in_nested = false;
      if (in_section && !found) found.emplace();
      continue;
    }
    if (!in_section) continue;
    if (indented && in_nested) continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string key = lowercase(trim(line.substr(0, eq)));
    const std::string_view value = trim(line.substr(eq + 1));
    in_nested = value.empty();
    if (!key.empty() && !value.empty()) (*found)[key] = std::string(value);
  }
  return found;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(content).str();
}

// One shared file as the SDKs locate it: the variable's path ("~/" expanded), else ~/.aws/NAME.
struct SharedFile {
  std::optional<std::string> path;  // nullopt when neither the variable nor HOME is set
  std::string variable;             // AWS_SHARED_CREDENTIALS_FILE or AWS_CONFIG_FILE
};

SharedFile locate(const EnvLookup& env, std::string_view variable, std::string_view file_name) {
  SharedFile file{std::nullopt, std::string(variable)};
  const std::optional<std::string> home = non_empty(env, "HOME");
  if (auto explicit_path = non_empty(env, variable)) {
    if (explicit_path->starts_with("~/") && home) explicit_path->replace(0, 1, *home);
    file.path = std::move(explicit_path);
  } else if (home) {
    file.path = *home + "/.aws/" + std::string(file_name);
  }
  return file;
}

std::string profile_name(const EnvLookup& env) {
  return non_empty(env, "AWS_PROFILE").value_or("default");
}

// Section names for a profile: bare in the credentials file, "profile NAME" in the config file
// (whose default profile is "[default]"; "[profile default]" is accepted too).
std::vector<std::string> credentials_sections(const std::string& profile) {
  return {profile};
}
std::vector<std::string> config_sections(const std::string& profile) {
  std::vector<std::string> names{"profile " + profile};
  if (profile == "default") names.emplace_back("default");
  return names;
}

struct Lookup {
  std::optional<Section> section;
  std::string tried;  // e.g. `profile "dev" in /home/me/.aws/config (file not found)`
};

Lookup look_up(const SharedFile& file, const std::string& profile,
               const std::vector<std::string>& sections) {
  Lookup result;
  const std::string where = "profile \"" + profile + "\" in ";
  if (!file.path) {
    result.tried = where + file.variable + " (neither it nor HOME is set)";
    return result;
  }
  const std::optional<std::string> text = read_file(*file.path);
  if (!text) {
    result.tried = where + *file.path + " (file not found or unreadable)";
    return result;
  }
  result.section = read_section(*text, sections);
  result.tried = where + *file.path + (result.section ? "" : " (no such profile)");
  return result;
}

std::optional<std::string> get(const Section& section, std::string_view key) {
  auto it = section.find(key);
  if (it == section.end()) return std::nullopt;
  return it->second;
}

// Credentials from one profile section: nullopt when it has no keys at all, an error when only
// half of the pair is there (a typo that should not silently fall through to another source).
Expected<std::optional<Credentials>, std::string> credentials_from(const Section& section,
                                                                   const std::string& where) {
  auto key_id = get(section, kKeyId);
  auto secret = get(section, kSecret);
  if (!key_id && !secret) return std::optional<Credentials>{};
  if (!key_id || !secret) {
    const std::string_view missing = key_id ? kSecret : kKeyId;
    const std::string_view present = key_id ? kKeyId : kSecret;
    return unexpected(where + " has " + std::string(present) + " but no " + std::string(missing) +
                      "; add " + std::string(missing) + " to that profile");
  }
  Credentials credentials{std::move(*key_id), std::move(*secret), {}};
  if (auto token = get(section, kToken)) {
    credentials.session_token = std::move(*token);
  } else if (auto legacy = get(section, kLegacyToken)) {
    credentials.session_token = std::move(*legacy);
  }
  return std::optional<Credentials>(std::move(credentials));
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(parts[i]);
  }
  return out;
}

}  // namespace

Expected<Credentials, std::string> resolve_credentials(const EnvLookup& env) {
  auto key_id = non_empty(env, "AWS_ACCESS_KEY_ID");
  auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) {
    return Credentials{std::move(*key_id), std::move(*secret),
                       non_empty(env, "AWS_SESSION_TOKEN").value_or("")};
  }
  if (key_id || secret) {
    const std::string_view missing = key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    const std::string_view present = key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    return unexpected("AWS credentials: " + std::string(present) + " is set but " +
                      std::string(missing) + " is not; set both, or unset " + std::string(present) +
                      " to use the shared credentials files");
  }

  const std::string profile = profile_name(env);
  std::vector<std::string> tried{"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)"};
  const SharedFile files[] = {locate(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                              locate(env, "AWS_CONFIG_FILE", "config")};
  for (const SharedFile& file : files) {
    const bool is_config = file.variable == "AWS_CONFIG_FILE";
    const Lookup lookup = look_up(
        file, profile, is_config ? config_sections(profile) : credentials_sections(profile));
    if (lookup.section) {
      auto found = credentials_from(*lookup.section, lookup.tried);
      if (!found) return unexpected("AWS credentials: " + found.error());
      if (*found) return std::move(**found);
      tried.push_back(lookup.tried + " (no " + std::string(kKeyId) + ")");
    } else {
      tried.push_back(lookup.tried);
    }
  }
  return unexpected("no AWS credentials found; tried " + join(tried, ", ") +
                    ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                    "temporary keys), or add them to profile \"" +
                    profile + "\" (aws configure --profile " + profile +
                    "), or pick another profile with AWS_PROFILE");
}

Expected<std::string, std::string> resolve_region(const EnvLookup& env) {
  if (auto region = non_empty(env, "AWS_REGION")) return std::move(*region);
  if (auto region = non_empty(env, "AWS_DEFAULT_REGION")) return std::move(*region);
  const std::string profile = profile_name(env);
  const Lookup lookup =
      look_up(locate(env, "AWS_CONFIG_FILE", "config"), profile, config_sections(profile));
  if (lookup.section) {
    if (auto region = get(*lookup.section, "region")) return std::move(*region);
  }
  return unexpected("no AWS region found; tried AWS_REGION, AWS_DEFAULT_REGION (not set), " +
                    lookup.tried + (lookup.section ? " (no region)" : "") +
                    ". Set AWS_REGION (e.g. us-east-1), or add region to profile \"" + profile +
                    "\" in the config file");
}

}  // namespace streamcache::aws
