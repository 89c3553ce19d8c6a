#include "cli/audit_command.h"

#include <chrono>
#include <ostream>

#include "core/calendar.h"
#include "hub/audit.h"
#include "store/store.h"

namespace lscb::cli {

Result<int64_t> ParseSince(const std::string& text, int64_t now) {
  if (text.empty()) return int64_t{0};
  bool digits = text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && text.size() <= 12) return static_cast<int64_t>(std::stoll(text));
  const char unit = text.back();
  const std::string number = text.substr(0, text.size() - 1);
  if (!number.empty() && number.size() <= 9 && number.find_first_not_of("0123456789") == std::string::npos &&
      (unit == 'm' || unit == 'h' || unit == 'd')) {
    int64_t n = std::stoll(number);
    int64_t seconds = unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
    return now - n * seconds;
  }
  auto t = ParseDateTime(text);
  if (!t.ok())
    return Status::InvalidArgument("--since '" + text +
                                   "': give Unix seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM or an age (30m, 12h, 7d)");
  return *t;
}

int RunAudit(const AuditOptions& o, std::ostream& out, std::ostream& err) {
  if (o.data_dir.empty()) {
    err << "lscb audit: give --data-dir DIR (the hub's data folder)\n";
    return 2;
  }
  if (o.format != "jsonl" && o.format != "text") {
    err << "lscb audit: --format must be jsonl or text\n";
    return 2;
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto since = ParseSince(o.since, now);
  if (!since.ok()) {
    err << "lscb audit: " << since.status().message() << "\n";
    return 2;
  }
  auto store = store::Store::OpenReader(o.data_dir);
  if (!store.ok()) {
    err << "lscb audit: " << store.status().message() << "\n";
    return 1;
  }
  size_t bad = 0;
  Status s = (*store)->ScanAudit(hub::AuditKey(*since, 0), [&](std::string_view, std::string_view value) {
    Status decoded = hub::DecodeAuditValue(value, [&](const hub::AuditRecord& r) {
      if (!o.principal.empty() && r.principal != o.principal) return;
      if (o.format == "jsonl") {
        out << hub::AuditRecordToJson(r) << "\n";
      } else {
        out << FormatInstant(r.time) << '\t' << r.principal << '\t' << r.action << '\t' << r.outcome << '\t'
            << r.source << '\t' << r.source_event_id << '\t' << r.kind << '\t' << r.board << '\t' << r.period
            << '\t' << (r.raw ? "raw" : "") << '\t' << r.reason << "\n";
      }
    });
    if (!decoded.ok()) ++bad;
    return true;
  });
  if (!s.ok()) {
    err << "lscb audit: " << s.message() << "\n";
    return 1;
  }
  if (bad > 0) err << "lscb audit: " << bad << " stored entr" << (bad == 1 ? "y" : "ies") << " could not be read in full\n";
  return 0;
}

}  // namespace lscb::cli
