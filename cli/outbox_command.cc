#include "cli/outbox_command.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <thread>

#include "cli/stream_command.h"
#include "core/calendar.h"

namespace lscb::cli {
namespace {

// Opens the outbox for reading without its lock. A writer may be removing
// log files at that moment, so a failed attempt is tried again.
Result<std::unique_ptr<store::Outbox>> OpenForReading(const std::string& dir) {
  store::OutboxOptions o;
  o.read_only = true;
  for (int attempt = 0;; ++attempt) {
    auto outbox = store::Outbox::Open(dir, o);
    if (outbox.ok() || attempt == 4 || outbox.status().IsNotFound() || outbox.status().IsFailedPrecondition())
      return outbox;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int ShowStatus(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto outbox = OpenForReading(dir);
  if (!outbox.ok()) {
    if (outbox.status().IsNotFound()) {
      out << "waiting=0 oldest_age_seconds=0 rejected=0\n";
      return 0;
    }
    err << "lscb outbox status: " << outbox.status().message() << "\n";
    return 2;
  }
  store::OutboxStats st = (*outbox)->Stats();
  int64_t age = 0;
  if (st.oldest_enqueued)
    age = std::max<int64_t>(0, SystemClock::Instance().NowSeconds() - *st.oldest_enqueued);
  out << "waiting=" << st.waiting << " oldest_age_seconds=" << age << " rejected=" << st.rejected << "\n";
  Status s = (*outbox)->ScanPositions([&](std::string_view name, std::string_view value) {
    std::string text = DescribeStreamPosition(name, value);
    if (!text.empty()) out << text << "\n";
    return true;
  });
  if (!s.ok()) {
    err << "lscb outbox status: " << s.message() << "\n";
    return 2;
  }
  return 0;
}

int ListRejected(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto outbox = OpenForReading(dir);
  if (!outbox.ok()) {
    if (outbox.status().IsNotFound()) return 0;
    err << "lscb outbox list-rejected: " << outbox.status().message() << "\n";
    return 2;
  }
  Status s = (*outbox)->ScanRejected([&](const store::RejectedEvent& e) {
    out << e.label << ": " << e.reason << " (rejected " << FormatInstant(e.rejected_at) << ")\n";
    return true;
  });
  if (!s.ok()) {
    err << "lscb outbox list-rejected: " << s.message() << "\n";
    return 2;
  }
  return 0;
}

int Flush(const OutboxCommandOptions& o, std::ostream& out, std::ostream& err) {
  auto outbox = OpenOutbox(o.outbox);
  if (!outbox.ok()) {
    err << "lscb outbox flush: " << outbox.status().message() << "\n";
    return 2;
  }
  Tally tally;
  client::SenderOptions so;
  so.endpoint = o.ingest;
  so.curve = o.curve;
  so.request_timeout = o.request_timeout;
  so.give_up_after = o.give_up_after;
  ProgressPrinter printer(err, o.ingest, o.progress, o.progress && ::isatty(STDERR_FILENO));
  so.on_progress = [&](const client::DeliveryProgress& p) { printer(p); };
  client::OutboxSender sender(**outbox, so, [&](uint64_t seq, const client::EventResult& r) {
    tally.Add(r.outcome);
    if (r.outcome == lscb::v1::REJECTED || r.outcome == lscb::v1::OUTCOME_UNSPECIFIED)
      err << "rejected by the hub: outbox event " << seq << ": " << r.reason << "\n";
  });
  Status s = sender.DeliverAll();
  if (!s.ok()) {
    err << "lscb outbox flush: " << s.message() << "\n";
    out << tally.Line((*outbox)->waiting()) << "\n";
    return s.IsUnavailable() ? 3 : 1;
  }
  out << tally.Line() << "\n";
  if (tally.rejected > 0) err << "the rejected events are listed by `lscb outbox list-rejected`\n";
  return tally.rejected > 0 ? 1 : 0;
}

}  // namespace

std::string DefaultOutboxDir() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && *state) return std::string(state) + "/lscb/outbox";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.local/state/lscb/outbox";
  return ".lscb-outbox";
}

Result<std::unique_ptr<store::Outbox>> OpenOutbox(const std::string& dir) {
  std::string path = dir.empty() ? DefaultOutboxDir() : dir;
  if (dir.empty()) {
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Status::IoError("cannot create " + parent.string() + " for the outbox: " + ec.message());
      std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ec);
    }
  }
  return store::Outbox::Open(path, store::OutboxOptions());
}

void Tally::Add(lscb::v1::Outcome outcome) {
  switch (outcome) {
    case lscb::v1::ACCEPTED: ++accepted; break;
    case lscb::v1::DUPLICATE: ++duplicate; break;
    case lscb::v1::AMENDED: ++amended; break;
    case lscb::v1::MERGED: ++merged; break;
    default: ++rejected; break;
  }
}

std::string Tally::Line(size_t queued) const {
  std::string line = "accepted=" + std::to_string(accepted) + " duplicate=" + std::to_string(duplicate) +
                     " amended=" + std::to_string(amended) + " merged=" + std::to_string(merged) +
                     " rejected=" + std::to_string(rejected);
  if (queued > 0) line += " queued=" + std::to_string(queued);
  return line;
}

ProgressPrinter::ProgressPrinter(std::ostream& err, std::string endpoint, bool show_progress, bool tty,
                                 std::chrono::seconds interval)
    : err_(err),
      endpoint_(std::move(endpoint)),
      show_(show_progress),
      tty_(tty),
      interval_(interval),
      started_(std::chrono::steady_clock::now()),
      last_line_(started_) {}

void ProgressPrinter::operator()(const client::DeliveryProgress& p) {
  auto now = std::chrono::steady_clock::now();
  if (p.hub_unreachable) {
    if (p.retries == last_retries_reported_) return;
    last_retries_reported_ = p.retries;
    err_ << (tty_ && show_ ? "\n" : "") << "hub at " << endpoint_ << " is not answering; retrying ("
         << (p.total - p.acked) << " events waiting in the outbox)\n";
    err_.flush();
    return;
  }
  if (!show_) return;
  double secs = std::chrono::duration<double>(now - started_).count();
  double rate = secs > 0 ? static_cast<double>(p.acked) / secs : 0;
  if (tty_) {
    const int width = 30;
    int filled = p.total ? static_cast<int>(width * p.acked / p.total) : width;
    err_ << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << p.acked << "/"
         << p.total << " " << static_cast<long>(rate) << "/s";
    if (rate > 0 && p.acked < p.total)
      err_ << " ETA " << static_cast<long>(static_cast<double>(p.total - p.acked) / rate) << "s";
    err_ << "   ";
    if (p.acked == p.total) err_ << "\n";
    err_.flush();
  } else if (now - last_line_ > interval_ || p.acked == p.total) {
    if (p.total > 10000 || p.acked != p.total)
      err_ << "delivered " << p.acked << "/" << p.total << " events (" << static_cast<long>(rate) << "/s)\n";
    last_line_ = now;
  }
}

int RunOutbox(const OutboxCommandOptions& o, std::ostream& out, std::ostream& err) {
  const std::string dir = o.outbox.empty() ? DefaultOutboxDir() : o.outbox;
  if (o.action == "status") return ShowStatus(dir, out, err);
  if (o.action == "list-rejected") return ListRejected(dir, out, err);
  if (o.action == "flush") return Flush(o, out, err);
  err << "lscb outbox: unknown action '" << o.action << "'; use status, flush or list-rejected\n";
  return 2;
}

}  // namespace lscb::cli
