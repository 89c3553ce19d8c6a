#include "hub/config.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "transport/curve.h"

namespace lscb::hub {
namespace {

template <typename T>
Status Get(const toml::node& node, const std::string& file, const std::string& key, T& out) {
  auto v = node.value<T>();
  if (!v) return Status::InvalidArgument(file + ": " + key + ": wrong type of value");
  out = *v;
  return Status::Ok();
}

Status GetStrings(const toml::node& node, const std::string& file, const std::string& key,
                  std::vector<std::string>& out) {
  const toml::array* a = node.as_array();
  if (!a) return Status::InvalidArgument(file + ": " + key + ": give a list of strings, e.g. [\"a\", \"b\"]");
  out.clear();
  for (const auto& item : *a) {
    auto v = item.value<std::string>();
    if (!v) return Status::InvalidArgument(file + ": " + key + ": give a list of strings, e.g. [\"a\", \"b\"]");
    out.push_back(*v);
  }
  return Status::Ok();
}

// [curve] secret_key_file = "...", public_key_file = "..." (optional: must
// match the secret key).
Status LoadCurve(const toml::node& node, const std::string& file, HubOptions& o) {
  const toml::table* t = node.as_table();
  if (!t) return Status::InvalidArgument(file + ": curve: must be a table ([curve])");
  std::string secret_file, public_file;
  for (const auto& [k, v] : *t) {
    std::string key = "curve." + std::string(k.str());
    Status s;
    if (k.str() == "secret_key_file") s = Get(v, file, key, secret_file);
    else if (k.str() == "public_key_file") s = Get(v, file, key, public_file);
    else s = Status::InvalidArgument(file + ": " + key + ": unknown setting");
    if (!s.ok()) return s;
  }
  if (secret_file.empty())
    return Status::InvalidArgument(file + ": curve.secret_key_file: give the hub's secret key file (lscb keygen)");
  auto pair = transport::ReadCurveSecretKeyFile(secret_file);
  if (!pair.ok()) {
    const std::string msg = file + ": curve.secret_key_file: " + pair.status().message();
    return pair.status().IsFailedPrecondition() ? Status::FailedPrecondition(msg) : Status::InvalidArgument(msg);
  }
  if (!public_file.empty()) {
    auto pub = transport::ReadCurvePublicKeyFile(public_file);
    if (!pub.ok()) return Status::InvalidArgument(file + ": curve.public_key_file: " + pub.status().message());
    if (*pub != pair->public_key) {
      transport::WipeSecret(pair->secret_key);
      return Status::InvalidArgument(file + ": curve.public_key_file: " + public_file + " is not the public key of " +
                                     secret_file);
    }
  }
  transport::WipeSecret(o.curve_secret_key);
  o.curve_secret_key = std::move(pair->secret_key);
  return Status::Ok();
}

// [[principal]] name, public_key | public_key_file, role, agency, kinds,
// boards, raw.
Status LoadPrincipals(const toml::node& node, const std::string& file, std::vector<Principal>& out) {
  const toml::array* a = node.as_array();
  if (!a || !a->is_array_of_tables())
    return Status::InvalidArgument(file + ": principal: give each principal as a [[principal]] table");
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::table& t = *a->get(i)->as_table();
    Principal p;
    std::string role = "subscriber", public_file;
    bool has_role = false;
    for (const auto& [k, v] : t) {
      std::string key = "principal[" + std::to_string(i + 1) + "]." + std::string(k.str());
      std::string_view f = k.str();
      Status s;
      if (f == "name") s = Get(v, file, key, p.name);
      else if (f == "public_key") s = Get(v, file, key, p.public_key);
      else if (f == "public_key_file") s = Get(v, file, key, public_file);
      else if (f == "role") (s = Get(v, file, key, role)), has_role = true;
      else if (f == "agency") s = Get(v, file, key, p.agency);
      else if (f == "kinds") s = GetStrings(v, file, key, p.kinds);
      else if (f == "boards") s = GetStrings(v, file, key, p.boards);
      else if (f == "raw") s = Get(v, file, key, p.raw);
      else s = Status::InvalidArgument(file + ": " + key + ": unknown setting");
      if (!s.ok()) return s;
    }
    std::string where = file + ": principal[" + std::to_string(i + 1) + "]";
    if (!has_role) return Status::InvalidArgument(where + ".role: give publisher, subscriber or admin");
    auto r = ParseRole(role);
    if (!r) return Status::InvalidArgument(where + ".role: must be publisher, subscriber or admin");
    p.role = *r;
    if (!public_file.empty()) {
      if (!p.public_key.empty())
        return Status::InvalidArgument(where + ": give public_key or public_key_file, not both");
      auto pub = transport::ReadCurvePublicKeyFile(public_file);
      if (!pub.ok()) return Status::InvalidArgument(where + ".public_key_file: " + pub.status().message());
      p.public_key = *pub;
    }
    out.push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace

Status LoadConfigText(std::string_view text, const std::string& name, HubConfig& config) {
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << name << ":" << e.source().begin.line << ": " << e.description();
    return Status::InvalidArgument(msg.str());
  }
  HubOptions& o = config.options;
  bool plaintext = false, has_curve = false;
  std::vector<Principal> principals;
  bool has_principals = false;
  for (const auto& [k, node] : table) {
    std::string key(k.str());
    Status s;
    int64_t n = 0;
    if (key == "data_dir") {
      s = Get(node, name, key, o.data_dir);
    } else if (key == "ingest") {
      s = Get(node, name, key, o.ingest_endpoint);
    } else if (key == "feed") {
      s = Get(node, name, key, o.feed_endpoint);
    } else if (key == "query") {
      s = Get(node, name, key, o.query_endpoint);
    } else if (key == "sync_writes") {
      s = Get(node, name, key, o.sync_writes);
    } else if (key == "plaintext") {
      s = Get(node, name, key, plaintext);
    } else if (key == "allow_raw_queries") {
      s = Get(node, name, key, o.allow_raw_queries);
    } else if (key == "curve") {
      has_curve = true;
      s = LoadCurve(node, name, o);
    } else if (key == "principal") {
      has_principals = true;
      s = LoadPrincipals(node, name, principals);
    } else if (key == "definitions") {
      std::string path;
      s = Get(node, name, key, path);
      if (s.ok()) {
        auto d = LoadDefinitionsFile(path);
        if (!d.ok()) s = Status::InvalidArgument(name + ": definitions: " + d.status().message());
        else o.definitions = d.value();
      }
    } else if (key == "http") {
      s = Get(node, name, key, config.http);
    } else if (key == "http_allow_raw") {
      s = Get(node, name, key, config.http_allow_raw);
    } else if (key == "disclosure_threshold") {
      int64_t t = 0;
      s = Get(node, name, key, t);
      if (s.ok() && (t < 0 || t > 100)) s = Status::InvalidArgument(name + ": " + key + ": must be 0 to 100");
      if (s.ok()) config.disclosure_threshold = static_cast<int>(t);
    } else if (key == "memory_ahead_mib") {
      s = Get(node, name, key, n);
      if (s.ok() && (n < 0 || n > 4096)) s = Status::InvalidArgument(name + ": " + key + ": must be 0 (none) to 4096");
      if (s.ok()) config.memory_ahead_mib = n;
    } else if (key == "huge_pages") {
      s = Get(node, name, key, config.huge_pages);
    } else if (key == "retention_days") {
      s = Get(node, name, key, n);
      if (s.ok() && (n < 0 || n > 36500))
        s = Status::InvalidArgument(name + ": " + key + ": must be 0 (keep every event) to 36500");
      if (s.ok()) o.retention = std::chrono::seconds(n * 86400);
    } else if (key == "log_level") {
      s = Get(node, name, key, config.log_level);
      if (s.ok() && config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
          config.log_level != "error")
        s = Status::InvalidArgument(name + ": log_level: must be debug, info, warn or error");
    } else if (key == "max_group_events" || key == "max_queued_events" || key == "max_message_bytes" ||
               key == "max_event_bytes" ||
               key == "checkpoint_every_events" ||
               key == "checkpoint_interval_seconds") {
      s = Get(node, name, key, n);
      if (s.ok() && n < 1) s = Status::InvalidArgument(name + ": " + key + ": must be 1 or more");
      if (s.ok()) {
        if (key == "max_group_events") o.max_group_events = static_cast<size_t>(n);
        if (key == "max_queued_events") o.max_queued_events = static_cast<size_t>(n);
        if (key == "max_message_bytes") o.max_message_bytes = n;
        if (key == "max_event_bytes") o.max_event_bytes = static_cast<size_t>(n);
        if (key == "checkpoint_every_events") o.checkpoint_every_events = static_cast<uint64_t>(n);
        if (key == "checkpoint_interval_seconds") o.checkpoint_interval = std::chrono::seconds(n);
      }
    } else {
      s = Status::InvalidArgument(name + ": " + key + ": unknown setting");
    }
    if (!s.ok()) return s;
  }
  // Security: CURVE with principals, or plaintext. Plaintext is also what a
  // file with neither gives (the hub warns at start).
  if (plaintext && (has_curve || has_principals))
    return Status::InvalidArgument(name + ": plaintext: plaintext = true cannot go with [curve] or [[principal]]");
  if (has_principals && !has_curve)
    return Status::InvalidArgument(name + ": principal: principals are known by their CURVE keys; configure [curve] "
                                   "secret_key_file too");
  if (has_curve) {
    if (principals.empty())
      return Status::InvalidArgument(name + ": curve: list the principals allowed to connect ([[principal]])");
    auto policy = AccessPolicy::Create(std::move(principals), o.boards ? *o.boards : *BoardRegistry::Default());
    if (!policy.ok()) return Status::InvalidArgument(name + ": " + policy.status().message());
    o.access = *policy;
  }
  return Status::Ok();
}

Status LoadConfigFile(const std::string& path, HubConfig& config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return LoadConfigText(text.str(), path, config);
}

}  // namespace lscb::hub
