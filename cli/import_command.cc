#include "cli/import_command.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "cli/outbox_command.h"
#include "client/sender.h"
#include "store/outbox.h"

namespace lscb::cli {
namespace {

// Events per outbox write (each one fsynced).
constexpr size_t kEnqueueChunk = 4096;

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
  std::vector<store::OutboxItem> items;
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
    for (size_t i = 0; i < parsed.events.size(); ++i) {
      const auto& ev = parsed.events[i];
      int line = i < parsed.event_lines.size() ? parsed.event_lines[i] : 0;
      items.push_back({path + ":" + std::to_string(line) + " " + ev.source() + "/" + ev.source_event_id(),
                       ev.SerializeAsString()});
    }
  }

  // Queue them: from here on nothing is lost, whatever happens to this
  // process or the hub.
  auto outbox = OpenOutbox(o.outbox);
  if (!outbox.ok()) {
    err << "lscb import: " << outbox.status().message() << "\n";
    return 2;
  }
  const size_t mine = items.size();
  uint64_t first_seq = 0;
  std::vector<std::string> labels;
  labels.reserve(mine);
  for (size_t at = 0; at < mine; at += kEnqueueChunk) {
    std::vector<store::OutboxItem> chunk;
    for (size_t i = at; i < std::min(mine, at + kEnqueueChunk); ++i) {
      labels.push_back(items[i].label);
      chunk.push_back(std::move(items[i]));
    }
    auto first = (*outbox)->Enqueue(chunk);
    if (!first.ok()) {
      err << "lscb import: " << first.status().message() << "\n";
      return 2;
    }
    if (at == 0) first_seq = *first;
  }
  items.clear();

  Tally tally, earlier;
  tally.rejected = refused_rows;
  if (!o.wait) {
    out << tally.Line(mine) << "\n";
    if (mine > 0)
      err << mine << " events queued in the outbox " << (*outbox)->dir()
          << "; `lscb outbox flush` (or the next import) delivers them\n";
    return refused_rows > 0 ? 1 : 0;
  }

  client::SenderOptions so;
  so.endpoint = o.ingest;
  so.curve = o.curve;
  so.request_timeout = o.request_timeout;
  so.give_up_after = o.give_up_after;
  ProgressPrinter printer(err, o.ingest, o.progress, o.progress && ::isatty(STDERR_FILENO));
  so.on_progress = [&](const client::DeliveryProgress& p) { printer(p); };
  size_t answered = 0;
  client::OutboxSender sender(**outbox, so, [&](uint64_t seq, const client::EventResult& r) {
    const bool rejected = r.outcome == lscb::v1::REJECTED || r.outcome == lscb::v1::OUTCOME_UNSPECIFIED;
    if (mine == 0 || seq < first_seq || seq >= first_seq + mine) {
      earlier.Add(r.outcome);
      if (rejected) err << "rejected by the hub: outbox event " << seq << ": " << r.reason << "\n";
      return;
    }
    tally.Add(r.outcome);
    ++answered;
    if (rejected) err << "rejected by the hub: " << labels[seq - first_seq] << ": " << r.reason << "\n";
  });
  Status s = sender.DeliverAll();
  if (earlier.total() > 0) err << "also delivered " << earlier.total() << " events queued earlier: " << earlier.Line() << "\n";
  if (!s.ok()) {
    err << "lscb import: " << s.message() << "\n";
    const size_t waiting = mine - answered;
    if (waiting > 0)
      err << waiting << " events of this import wait in the outbox " << (*outbox)->dir()
          << "; `lscb outbox flush` delivers them\n";
    out << tally.Line(waiting) << "\n";
    return s.IsUnavailable() ? 3 : 1;
  }
  out << tally.Line() << "\n";
  return tally.rejected > 0 ? 1 : 0;
}

}  // namespace lscb::cli
