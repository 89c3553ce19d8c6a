#include "hub/config.h"

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace lscb::hub {
namespace {

template <typename T>
Status Get(const toml::node& node, const std::string& file, const std::string& key, T& out) {
  auto v = node.value<T>();
  if (!v) return Status::InvalidArgument(file + ": " + key + ": wrong type of value");
  out = *v;
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
    } else if (key == "definitions") {
      std::string path;
      s = Get(node, name, key, path);
      if (s.ok()) {
        auto d = LoadDefinitionsFile(path);
        if (!d.ok()) s = Status::InvalidArgument(name + ": definitions: " + d.status().message());
        else o.definitions = d.value();
      }
    } else if (key == "log_level") {
      s = Get(node, name, key, config.log_level);
      if (s.ok() && config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
          config.log_level != "error")
        s = Status::InvalidArgument(name + ": log_level: must be debug, info, warn or error");
    } else if (key == "max_group_events" || key == "max_queued_events" || key == "max_message_bytes" ||
               key == "checkpoint_every_events" ||
               key == "checkpoint_interval_seconds") {
      s = Get(node, name, key, n);
      if (s.ok() && n < 1) s = Status::InvalidArgument(name + ": " + key + ": must be 1 or more");
      if (s.ok()) {
        if (key == "max_group_events") o.max_group_events = static_cast<size_t>(n);
        if (key == "max_queued_events") o.max_queued_events = static_cast<size_t>(n);
        if (key == "max_message_bytes") o.max_message_bytes = n;
        if (key == "checkpoint_every_events") o.checkpoint_every_events = static_cast<uint64_t>(n);
        if (key == "checkpoint_interval_seconds") o.checkpoint_interval = std::chrono::seconds(n);
      }
    } else {
      s = Status::InvalidArgument(name + ": " + key + ": unknown setting");
    }
    if (!s.ok()) return s;
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
