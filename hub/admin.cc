#include "hub/admin.h"

#include <filesystem>
#include <ostream>

#include "hub/maintenance.h"
#include "lscb/v1/wire.pb.h"
#include "store/store.h"
#include "transport/transport.h"

namespace lscb::hub {

namespace fs = std::filesystem;

int RunBackup(const HubOptions& options, const std::string& out_dir_in, std::ostream& out, std::ostream& err) {
  if (options.data_dir.empty() || out_dir_in.empty()) {
    err << "lscb-hub backup: give --data-dir DIR and --out DIR\n";
    return 2;
  }
  std::error_code ec;
  const std::string out_dir = fs::absolute(out_dir_in, ec).lexically_normal().string();
  if (fs::exists(out_dir)) {
    err << "lscb-hub backup: " << out_dir << " already exists; give a new folder\n";
    return 2;
  }
  store::Options so;
  so.create_if_missing = false;
  auto store = store::Store::Open(options.data_dir, so);
  if (store.ok()) {
    // No hub is serving it: copy it directly.
    auto& s = *store.value();
    Status st = s.CreateCheckpoint(out_dir);
    if (!st.ok()) {
      err << "lscb-hub backup: " << st.message() << "\n";
      return 1;
    }
    out << "backup of " << options.data_dir << " written to " << out_dir << " (log position " << s.last_event_seq()
        << ")\n";
    return 0;
  }
  if (!store.status().IsFailedPrecondition() || store.status().message().find("in use") == std::string::npos) {
    err << "lscb-hub backup: " << store.status().message() << "\n";
    return 1;
  }
  // A hub is serving the store: ask it.
  lscb::v1::QueryRequest req;
  req.mutable_backup()->set_out_dir(out_dir);
  transport::Context ctx;
  auto client = transport::Client::Connect(ctx, options.query_endpoint, transport::ClientOptions{});
  if (!client.ok()) {
    err << "lscb-hub backup: " << client.status().message() << "\n";
    return 1;
  }
  Status st = (*client)->Send({std::string(), req.SerializeAsString()}, std::chrono::seconds(5));
  auto got = st.ok() ? (*client)->Receive(std::chrono::minutes(10))
                     : Result<std::optional<transport::Frames>>(st);
  if (!got.ok() || !got->has_value()) {
    err << "lscb-hub backup: the store is in use but the hub at " << options.query_endpoint
        << " did not answer; give --query (or --config) of the running hub\n";
    return 1;
  }
  lscb::v1::QueryReply reply;
  if ((*got)->empty() || !reply.ParseFromString((*got)->back()) || !reply.error().empty()) {
    err << "lscb-hub backup: " << (reply.error().empty() ? "unreadable answer" : reply.error()) << "\n";
    return 1;
  }
  out << "backup of the running hub written to " << reply.backup().dir() << " (log position "
      << reply.backup().log_position() << ")\n";
  return 0;
}

int RunRestore(const HubOptions& options, const std::string& backup_dir, std::ostream& out, std::ostream& err) {
  if (options.data_dir.empty() || backup_dir.empty()) {
    err << "lscb-hub restore: give --from BACKUP and --data-dir DIR\n";
    return 2;
  }
  std::error_code ec;
  if (fs::exists(options.data_dir) && !fs::is_empty(options.data_dir, ec)) {
    err << "lscb-hub restore: " << options.data_dir
        << " is not empty; restore into a new folder (or move the old one aside first)\n";
    return 2;
  }
  {
    store::Options so;
    so.create_if_missing = false;
    auto check = store::Store::Open(backup_dir, so);
    if (!check.ok()) {
      err << "lscb-hub restore: " << backup_dir << " is not a usable backup: " << check.status().message() << "\n";
      return 1;
    }
  }
  fs::create_directories(options.data_dir, ec);
  fs::copy(backup_dir, options.data_dir, fs::copy_options::recursive, ec);
  if (ec) {
    err << "lscb-hub restore: copying " << backup_dir << " to " << options.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  store::Options so;
  so.create_if_missing = false;
  auto restored = store::Store::Open(options.data_dir, so);
  if (!restored.ok()) {
    err << "lscb-hub restore: " << restored.status().message() << "\n";
    return 1;
  }
  out << "restored " << backup_dir << " into " << options.data_dir << " (log position "
      << (*restored)->last_event_seq() << ")\n";
  return 0;
}

int RunRebuild(const HubOptions& options, std::ostream& out, std::ostream& err, bool retained_only) {
  if (options.data_dir.empty()) {
    err << "lscb-hub rebuild: give --data-dir DIR\n";
    return 2;
  }
  store::Options so;
  so.create_if_missing = false;
  auto store = store::Store::Open(options.data_dir, so);
  if (!store.ok()) {
    err << "lscb-hub rebuild: " << store.status().message() << "\n";
    return 1;
  }
  auto boards = options.boards ? options.boards : BoardRegistry::Default();
  auto definitions = options.definitions ? options.definitions : DefaultDefinitions();
  Status up = UpgradeStore(**store, *boards);
  if (!up.ok()) {
    err << "lscb-hub rebuild: " << up.message() << "\n";
    return 1;
  }
  auto n = RebuildView(**store, boards, definitions, retained_only);
  if (!n.ok()) {
    err << "lscb-hub rebuild: " << n.status().message() << "\n";
    return 1;
  }
  out << "rebuilt the indicator view of " << options.data_dir << " from " << *n
      << " event log entries under definitions " << definitions->version;
  if ((*store)->first_event_seq() > 1)
    out << " (the events still held, from log position " << (*store)->first_event_seq() << ")";
  out << "\n";
  return 0;
}

}  // namespace lscb::hub
