#include "cli/import_command.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "client/sender.h"

namespace lscb::cli {
namespace {

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return !in.bad();
}

}  // namespace

int RunImport(const ImportOptions& o, std::ostream& out, std::ostream& err) {
  const adapters::Adapter* adapter = adapters::FindAdapter(o.format);
  if (!adapter) {
    err << "lscb import: unknown format '" << o.format << "'; known formats:";
    for (const auto& n : adapters::AdapterNames()) err << ' ' << n;
    err << "\n";
    return 2;
  }
  if (o.on_error != "reject-file" && o.on_error != "skip-record") {
    err << "lscb import: --on-error must be reject-file or skip-record\n";
    return 2;
  }
  if (o.files.empty()) {
    err << "lscb import: no files given\n";
    return 2;
  }
  auto key = adapters::LinkageKey::FromFile(o.linkage_secret_file);
  if (!key.ok()) {
    err << "lscb import: " << key.status().message() << "\n";
    return 2;
  }
  adapters::AdapterContext ctx;
  ctx.boards = BoardRegistry::Default();
  ctx.linkage = &key.value();

  // Validate every file before sending anything.
  std::vector<std::string> encoded;
  size_t refused_rows = 0;
  for (const auto& path : o.files) {
    std::string contents;
    if (!ReadFile(path, contents)) {
      err << "lscb import: cannot read " << path << "\n";
      return 2;
    }
    adapters::ParsedFile parsed = adapter->Parse(path, contents, ctx);
    for (const auto& w : parsed.warnings) err << "warning: " << w << "\n";
    for (const auto& e : parsed.errors) err << e.ToString() << "\n";
    if (!parsed.errors.empty()) {
      // Rows with errors never become events; count each bad row once.
      std::vector<int> bad_lines;
      for (const auto& e : parsed.errors)
        if (bad_lines.empty() || bad_lines.back() != e.line) bad_lines.push_back(e.line);
      if (o.on_error == "reject-file") {
        err << path << ": " << bad_lines.size() << " bad record(s); nothing from this file was sent\n";
        refused_rows += bad_lines.size() + parsed.events.size();
        continue;
      }
      std::ofstream rejects(path + ".rejects");
      for (const auto& e : parsed.errors) rejects << e.ToString() << "\n";
      err << path << ": " << bad_lines.size() << " bad record(s) skipped; listed in " << path << ".rejects\n";
      refused_rows += bad_lines.size();
    }
    for (const auto& ev : parsed.events) encoded.push_back(ev.SerializeAsString());
  }

  client::SenderOptions so;
  so.endpoint = o.ingest;
  so.request_timeout = o.request_timeout;
  so.give_up_after = o.give_up_after;
  const bool tty = o.progress && ::isatty(STDERR_FILENO);
  auto started = std::chrono::steady_clock::now();
  auto last_line = started;
  so.on_progress = [&](const client::DeliveryProgress& p) {
    auto now = std::chrono::steady_clock::now();
    if (p.hub_unreachable) {
      err << "hub at " << o.ingest << " is not answering; retrying (" << (p.total - p.acked)
          << " events waiting)\n";
      return;
    }
    if (!o.progress) return;
    double secs = std::chrono::duration<double>(now - started).count();
    double rate = secs > 0 ? p.acked / secs : 0;
    if (tty) {
      int width = 30;
      int filled = p.total ? static_cast<int>(width * p.acked / p.total) : width;
      err << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << p.acked << "/"
          << p.total << " " << static_cast<long>(rate) << "/s";
      if (rate > 0 && p.acked < p.total) err << " ETA " << static_cast<long>((p.total - p.acked) / rate) << "s";
      err << "   ";
      if (p.acked == p.total) err << "\n";
      err.flush();
    } else if (now - last_line > std::chrono::seconds(5) || p.acked == p.total) {
      if (p.total > 10000 || p.acked != p.total)
        err << "delivered " << p.acked << "/" << p.total << " events (" << static_cast<long>(rate) << "/s)\n";
      last_line = now;
    }
  };
  client::Sender sender(so);
  auto results = sender.SendAll(encoded);
  if (!results.ok()) {
    err << "lscb import: " << results.status().message() << "\n";
    out << "accepted=0 duplicate=0 amended=0 merged=0 rejected=" << refused_rows << " queued=" << encoded.size()
        << "\n";
    return 3;
  }
  size_t accepted = 0, duplicate = 0, amended = 0, merged = 0, rejected = refused_rows;
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& r = (*results)[i];
    switch (r.outcome) {
      case lscb::v1::ACCEPTED: ++accepted; break;
      case lscb::v1::DUPLICATE: ++duplicate; break;
      case lscb::v1::AMENDED: ++amended; break;
      case lscb::v1::MERGED: ++merged; break;
      default:
        ++rejected;
        err << "rejected by the hub: event " << i + 1 << ": " << r.reason << "\n";
        break;
    }
  }
  out << "accepted=" << accepted << " duplicate=" << duplicate << " amended=" << amended << " merged=" << merged
      << " rejected=" << rejected << "\n";
  return rejected > 0 ? 1 : 0;
}

}  // namespace lscb::cli
