// The hub's configuration file (TOML) mapped onto HubOptions, in one place.
//
//   data_dir = "/var/lib/lscb/hub"
//   ingest = "tcp://127.0.0.1:7401"
//   feed = "tcp://127.0.0.1:7402"
//   query = "tcp://127.0.0.1:7403"
//   sync_writes = false
//   max_group_events = 8192
//   max_queued_events = 65536
//   max_message_bytes = 16777216
//   checkpoint_every_events = 200000
//   checkpoint_interval_seconds = 60
//   retention_days = 0          # 0 keeps every event in the log
//   log_level = "info"
//   memory_ahead_mib = 32       # populated ahead of use; 0: none
//   huge_pages = false
//   definitions = "/etc/lscb/definitions.toml"
//   allow_raw_queries = true
//
// Security (docs/security.md): CURVE on every socket, with principals —
//   [curve]
//   secret_key_file = "/etc/lscb/keys/hub.key"   # mode 0600 (lscb keygen)
//   public_key_file = "/etc/lscb/keys/hub.pub"   # optional; checked
//   [[principal]]
//   name = "met-central"
//   public_key = "..."        # or public_key_file = "..."
//   role = "publisher"        # publisher, subscriber or admin
//   agency = "police"         # publishers
//   kinds = ["missing.episode", "police.*", "return"]   # publishers
//   boards = ["london"]       # ONS codes, DfE numbers, names or "london"
//   raw = false               # subscribers, admins: unsuppressed figures
// — or `plaintext = true` (no encryption, no authentication: every peer is
// "anonymous" with every right). A file with neither is plaintext too; the
// hub warns loudly at start whenever it runs in plaintext.
//
// An unknown key or a value of the wrong type is an error naming the key.
#pragma once

#include <string>

#include "core/status.h"
#include "hub/hub.h"

namespace lscb::hub {

struct HubConfig {
  HubOptions options;
  std::string log_level = "info";
  // The HTTP server (/healthz, /metrics, JSON API, dashboard): "host:port",
  // or "off".
  std::string http = "127.0.0.1:7480";
  // Whether the HTTP API answers raw=1 (unsuppressed figures). It has no
  // authentication of its own: only behind an authenticating proxy.
  bool http_allow_raw = false;
  // Published counts from 1 to this are withheld (shown as c); 0: none.
  int disclosure_threshold = 4;
  // Memory populated ahead of use once the hub has started, in MiB (0:
  // none): page faults taken in bulk by a thread of their own instead of
  // one by one by the threads that commit (hub/memory_reserve.h).
  int64_t memory_ahead_mib = 32;
  // Transparent huge pages for the hub's memory: 512 times fewer page
  // faults, so more events/s under load; but each fault takes longer, which
  // on some virtual machines delays the slowest acks. Off, the system's
  // setting applies.
  bool huge_pages = false;
};

// Applies the settings in `path` on top of `config`.
Status LoadConfigFile(const std::string& path, HubConfig& config);
// Same, from TOML text; `name` is used in messages.
Status LoadConfigText(std::string_view text, const std::string& name, HubConfig& config);

}  // namespace lscb::hub
