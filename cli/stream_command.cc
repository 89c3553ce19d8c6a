#include "cli/stream_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/linkage.h"
#include "cli/outbox_command.h"

namespace lscb::cli {
namespace {

using Millis = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kPositionPrefix = "stream:";
// Rows read, parsed and enqueued together (one outbox write).
constexpr size_t kMaxLinesPerRound = 1000;
// "up to date" at most this often (a trickling feed would print one per row).
constexpr std::chrono::seconds kNoticeInterval{2};

struct Position {
  uint64_t dev = 0, ino = 0;
  uint64_t offset = 0;  // the byte after the last row queued
  int64_t line = 0;     // that row's line number
};

std::string EncodePosition(const Position& p) {
  return "v1 " + std::to_string(p.dev) + " " + std::to_string(p.ino) + " " + std::to_string(p.offset) + " " +
         std::to_string(p.line);
}

std::optional<Position> DecodePosition(std::string_view value) {
  std::istringstream in{std::string(value)};
  std::string version;
  Position p;
  if (!(in >> version >> p.dev >> p.ino >> p.offset >> p.line) || version != "v1") return std::nullopt;
  return p;
}

// Complete lines from a file that may grow, or a pipe; never blocks.
class LineReader final {
 public:
  struct Line {
    int64_t number = 0;   // 1-based
    std::string text;     // without the line break
    uint64_t end = 0;     // the offset after its line break
  };

  LineReader(int fd, bool regular, uint64_t offset) : fd_(fd), regular_(regular), offset_(offset) {}

  // Appends up to `max` complete lines to `out`. With `final`, a last line
  // without a line break at the end of the input counts too (a closed pipe
  // always ends its last line).
  void Read(size_t max, bool final, std::vector<Line>& out) {
    at_end_ = false;
    size_t scan = head_;
    while (out.size() < max) {
      size_t nl = buf_.find('\n', scan);
      if (nl == std::string::npos) {
        scan = buf_.size();
        if (Fill()) continue;
        if (at_end_ && (final || closed_) && head_ < buf_.size()) Emit(buf_.size(), buf_.size(), out);
        break;
      }
      Emit(nl, nl + 1, out);
      scan = head_;
    }
    if (head_ > (1u << 16) && head_ * 2 > buf_.size()) {
      buf_.erase(0, head_);
      head_ = 0;
    }
  }

  // Goes to `offset`, which starts line `line` + 1. Regular files only.
  bool Seek(uint64_t offset, int64_t line) {
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) return false;
    buf_.clear();
    head_ = 0;
    offset_ = offset;
    line_ = line;
    at_end_ = closed_ = false;
    return true;
  }

  // The last Read found no more input (for now, for a file that may grow).
  bool at_end() const { return at_end_; }
  // A pipe whose writer has gone: nothing more will come.
  bool closed() const { return closed_; }
  uint64_t offset() const { return offset_; }
  int64_t lines() const { return line_; }

 private:
  // Reads what is there; false when nothing is (yet).
  bool Fill() {
    if (!regular_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return false;
    }
    char tmp[1 << 16];
    ssize_t n = ::read(fd_, tmp, sizeof tmp);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      at_end_ = true;
      if (!regular_) closed_ = true;
    }
    return false;
  }

  void Emit(size_t text_end, size_t next, std::vector<Line>& out) {
    Line l;
    l.number = ++line_;
    size_t end = text_end;
    if (end > head_ && buf_[end - 1] == '\r') --end;
    l.text.assign(buf_, head_, end - head_);
    offset_ += next - head_;
    l.end = offset_;
    head_ = next;
    out.push_back(std::move(l));
  }

  int fd_;
  bool regular_;
  std::string buf_;
  size_t head_ = 0;      // first unread byte of buf_
  uint64_t offset_ = 0;  // file offset of buf_[head_]
  int64_t line_ = 0;     // lines consumed
  bool at_end_ = false, closed_ = false;
};

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

class Stream final {
 public:
  Stream(const StreamOptions& o, std::ostream& out, std::ostream& err) : o_(o), out_(out), err_(err) {}
  ~Stream() {
    if (fd_ > 0 && !stdin_) ::close(fd_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int Run() {
    adapter_ = adapters::FindAdapter(o_.format);
    if (!adapter_) {
      err_ << "lscb stream: unknown format '" << o_.format << "'; known formats:";
      for (const auto& n : adapters::AdapterNames()) err_ << ' ' << n;
      err_ << "\n";
      return 2;
    }
    if (o_.file.empty()) {
      err_ << "lscb stream: no file given (use - for standard input)\n";
      return 2;
    }
    auto key = adapters::LinkageKey::FromFile(o_.linkage_secret_file);
    if (!key.ok()) {
      err_ << "lscb stream: " << key.status().message() << "\n";
      return 2;
    }
    key_ = std::make_unique<adapters::LinkageKey>(std::move(key.value()));
    ctx_.boards = BoardRegistry::Default();
    ctx_.linkage = key_.get();
    stdin_ = o_.file == "-";
    display_ = stdin_ ? "stdin" : o_.file;
    if (!OpenInput()) return 2;

    std::error_code ec;
    std::string where = stdin_ ? "-" : std::filesystem::absolute(o_.file, ec).lexically_normal().string();
    position_name_ = std::string(kPositionPrefix) + o_.format + ":" + where;

    auto outbox = OpenOutbox(o_.outbox);
    if (!outbox.ok()) {
      err_ << "lscb stream: " << outbox.status().message() << "\n";
      return 2;
    }
    outbox_ = std::move(outbox.value());
    auto stored = outbox_->GetPosition(position_name_);
    if (!stored.ok()) {
      err_ << "lscb stream: " << stored.status().message() << "\n";
      return 2;
    }
    if (stored->has_value()) PlanResume(**stored);

    client::SenderOptions so;
    so.endpoint = o_.ingest;
    so.curve = o_.curve;
    so.request_timeout = o_.request_timeout;
    ProgressPrinter printer(err_, o_.ingest, false, false);
    so.on_progress = [&](const client::DeliveryProgress& p) { printer(p); };
    client::OutboxSender sender(*outbox_, so, [&](uint64_t seq, const client::EventResult& r) {
      tally_.Add(r.outcome);
      if (r.outcome == lscb::v1::REJECTED || r.outcome == lscb::v1::OUTCOME_UNSPECIFIED)
        err_ << "rejected by the hub: outbox event " << seq << ": " << r.reason
             << " (listed by `lscb outbox list-rejected`)\n";
    });
    int rc = Loop(sender);
    if (rc != 0) return rc;

    // Stopped: deliver what is queued while the drain time lasts.
    auto drain_until = SteadyClock::now() + o_.drain_timeout;
    while (!sender.idle() && SteadyClock::now() < drain_until) {
      Status s = sender.Pump(Millis(100));
      if (!s.ok()) return Fatal(s);
    }
    size_t queued = outbox_->waiting();
    Tally total = tally_;
    total.rejected += bad_rows_;
    out_ << total.Line(queued) << "\n";
    if (queued > 0)
      err_ << queued << " events wait in the outbox " << outbox_->dir()
           << "; the next `lscb stream` or `lscb outbox flush` delivers them\n";
    return 0;
  }

 private:
  bool Stopped() const { return o_.stop && o_.stop->load(); }

  int Fatal(const Status& s) {
    err_ << "lscb stream: " << s.message() << "\n";
    return 1;
  }

  bool OpenInput() {
    if (fd_ >= 0 && !stdin_) ::close(fd_);
    fd_ = stdin_ ? 0 : ::open(o_.file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
      err_ << "lscb stream: cannot read " << o_.file << ": " << std::strerror(errno) << "\n";
      return false;
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    regular_ = S_ISREG(st.st_mode);
    off_t at = regular_ ? ::lseek(fd_, 0, SEEK_CUR) : 0;
    reader_ = std::make_unique<LineReader>(fd_, regular_, at > 0 ? static_cast<uint64_t>(at) : 0);
    header_.clear();
    return true;
  }

  void PlanResume(const std::string& value) {
    auto p = DecodePosition(value);
    if (!p) return;
    if (!regular_) {
      err_ << "lscb stream: standard input is a pipe and cannot be rewound; reading it as it comes\n";
      return;
    }
    struct stat st {};
    ::fstat(fd_, &st);
    if (p->dev == dev_ && p->ino == ino_ && static_cast<uint64_t>(st.st_size) >= p->offset) {
      resume_ = p;
      return;
    }
    err_ << "lscb stream: " << display_
         << " is not the file streamed before, or it was truncated; reading it from its start\n";
  }

  // Reads, enqueues and delivers until stopped or (without --follow) done.
  int Loop(client::OutboxSender& sender) {
    std::vector<LineReader::Line> lines;
    std::string last_notice;
    auto last_notice_at = SteadyClock::now() - kNoticeInterval;
    auto last_status = SteadyClock::now();
    int64_t last_status_line = -1;
    size_t last_status_waiting = 0;
    while (!Stopped()) {
      auto now = SteadyClock::now();
      if (o_.progress && now - last_status > std::chrono::seconds(5)) {
        size_t waiting = outbox_->waiting();
        if (waiting > 0 && (reader_->lines() != last_status_line || waiting != last_status_waiting)) {
          err_ << display_ << ": line " << reader_->lines() << " read, " << waiting << " events waiting\n";
          last_status_line = reader_->lines();
          last_status_waiting = waiting;
        }
        last_status = now;
      }
      lines.clear();
      reader_->Read(kMaxLinesPerRound, !o_.follow, lines);
      if (!lines.empty()) {
        int rc = Take(lines);
        if (rc >= 0) return rc;
      }
      Status s = sender.Pump(lines.empty() ? o_.poll_interval : Millis(0));
      if (!s.ok()) return Fatal(s);
      if (!lines.empty()) continue;
      if (reader_->at_end() && sender.idle()) {
        if (!o_.follow || reader_->closed()) return 0;
        std::string notice = "up to date: " + display_ + " line " + std::to_string(reader_->lines());
        if (notice != last_notice && SteadyClock::now() - last_notice_at >= kNoticeInterval) {
          err_ << notice << ", 0 events waiting\n";
          err_.flush();
          last_notice = notice;
          last_notice_at = SteadyClock::now();
        }
      }
      if (reader_->at_end() && o_.follow && !stdin_) {
        int rc = CheckReplaced();
        if (rc >= 0) return rc;
      }
      if (sender.idle()) std::this_thread::sleep_for(o_.poll_interval);
    }
    return 0;
  }

  // Parses `lines` and enqueues their events with the new position. -1 to
  // carry on, else an exit code.
  int Take(const std::vector<LineReader::Line>& lines) {
    std::vector<store::OutboxItem> items;
    bool moved = false;
    for (const auto& line : lines) {
      if (header_.empty()) {
        std::string text = line.text;
        if (line.number == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a byte-order mark
        if (Blank(text)) continue;
        int rc = SetHeader(text, line.number);
        if (rc >= 0) return rc;
        if (resume_) {
          Position p = *resume_;
          resume_.reset();
          if (p.offset > line.end) {
            if (!reader_->Seek(p.offset, p.line)) {
              err_ << "lscb stream: cannot seek in " << display_ << ": " << std::strerror(errno) << "\n";
              return 2;
            }
            err_ << "resuming " << display_ << " after line " << p.line << "\n";
            break;  // the rest of `lines` was read before the seek
          }
        }
        continue;
      }
      moved = true;
      position_ = {dev_, ino_, line.end, line.number};
      if (Blank(line.text)) continue;
      std::string doc = header_ + "\n" + line.text + "\n";
      adapters::ParsedFile parsed = adapter_->Parse(display_, doc, ctx_);
      if (!parsed.errors.empty()) {
        for (auto e : parsed.errors) {
          e.line = e.line <= 1 ? header_line_ : static_cast<int>(line.number);
          err_ << e.ToString() << "\n";
        }
        ++bad_rows_;
        continue;
      }
      for (const auto& ev : parsed.events)
        items.push_back({display_ + ":" + std::to_string(line.number) + " " + ev.source() + "/" + ev.source_event_id(),
                         ev.SerializeAsString()});
    }
    if (!moved) return -1;
    auto first = outbox_->Enqueue(items, store::OutboxPosition{position_name_, EncodePosition(position_)});
    if (!first.ok()) return Fatal(first.status());
    return -1;
  }

  // Checks the header with the adapter (required columns, unknown ones).
  int SetHeader(const std::string& text, int64_t number) {
    adapters::ParsedFile parsed = adapter_->Parse(display_, text + "\n", ctx_);
    for (auto e : parsed.errors) {
      e.line = static_cast<int>(number);
      err_ << e.ToString() << "\n";
    }
    if (!parsed.errors.empty()) {
      err_ << "lscb stream: " << display_ << ": the header is not usable; nothing was sent\n";
      return 2;
    }
    for (const auto& w : parsed.warnings) err_ << "warning: " << w << "\n";
    header_ = text;
    header_line_ = static_cast<int>(number);
    return -1;
  }

  // At the end of a followed file: was it replaced (rotated) or truncated?
  int CheckReplaced() {
    struct stat now {};
    if (::stat(o_.file.c_str(), &now) != 0) return -1;  // gone for now; keep the old one
    if (now.st_dev != dev_ || now.st_ino != ino_) {
      err_ << display_ << " was replaced; reading the new file from its start\n";
      return OpenInput() ? -1 : 2;
    }
    struct stat cur {};
    if (::fstat(fd_, &cur) == 0 && static_cast<uint64_t>(cur.st_size) < reader_->offset()) {
      err_ << display_ << " was truncated; reading it from its start\n";
      if (!reader_->Seek(0, 0)) return 2;
      header_.clear();
    }
    return -1;
  }

  const StreamOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  const adapters::Adapter* adapter_ = nullptr;
  std::unique_ptr<adapters::LinkageKey> key_;
  adapters::AdapterContext ctx_;
  bool stdin_ = false, regular_ = false;
  std::string display_, position_name_;
  int fd_ = -1;
  uint64_t dev_ = 0, ino_ = 0;
  std::unique_ptr<LineReader> reader_;
  std::unique_ptr<store::Outbox> outbox_;
  std::optional<Position> resume_;
  std::string header_;
  int header_line_ = 0;
  Position position_;
  size_t bad_rows_ = 0;
  Tally tally_;
};

}  // namespace

int RunStream(const StreamOptions& options, std::ostream& out, std::ostream& err) {
  return Stream(options, out, err).Run();
}

std::string DescribeStreamPosition(std::string_view name, std::string_view value) {
  if (name.substr(0, kPositionPrefix.size()) != kPositionPrefix) return "";
  std::string_view rest = name.substr(kPositionPrefix.size());
  size_t colon = rest.find(':');
  auto p = DecodePosition(value);
  if (colon == std::string_view::npos || !p) return "";
  return "stream " + std::string(rest.substr(0, colon)) + " " + std::string(rest.substr(colon + 1)) + ": line " +
         std::to_string(p->line) + " (byte " + std::to_string(p->offset) + ")";
}

}  // namespace lscb::cli
