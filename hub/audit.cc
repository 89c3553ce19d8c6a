#include "hub/audit.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/bytes.h"

namespace lscb::hub {
namespace {

void AppendEscaped(std::string& out, std::string_view s) {
  // Most fields need no escape: append them in runs.
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char* escaped;
    switch (s[i]) {
      case '\t': escaped = "\\t"; break;
      case '\n': escaped = "\\n"; break;
      case '\r': escaped = "\\r"; break;
      case '\\': escaped = "\\\\"; break;
      default: continue;
    }
    out.append(s.data() + run, i - run);
    out.append(escaped, 2);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

bool Unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      default: return false;
    }
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

std::string EncodeAuditRecord(const AuditRecord& r) {
  std::string out;
  AppendAuditRecord(out, r);
  return out;
}

void AppendAuditRecord(std::string& out, const AuditRecord& r) {
  out += '1';
  auto field = [&](std::string_view s) {
    out += '\t';
    AppendEscaped(out, s);
  };
  char time[24];
  field(std::string_view(time, static_cast<size_t>(std::to_chars(time, time + sizeof time, r.time).ptr - time)));
  field(r.principal);
  field(r.action);
  field(r.outcome);
  field(r.source);
  field(r.source_event_id);
  field(r.kind);
  field(r.board);
  field(r.period);
  field(r.raw ? "1" : "0");
  field(r.reason);
}

Result<AuditRecord> DecodeAuditRecord(std::string_view value) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == '\t') {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 12 || parts[0] != "1") return Status::InvalidArgument("not an audit record");
  AuditRecord r;
  std::string time;
  std::string* fields[] = {&time,         &r.principal, &r.action, &r.outcome, &r.source, &r.source_event_id,
                           &r.kind,       &r.board,     &r.period};
  for (size_t i = 0; i < 9; ++i)
    if (!Unescape(parts[i + 1], *fields[i])) return Status::InvalidArgument("not an audit record");
  try {
    size_t used = 0;
    r.time = std::stoll(time, &used);
    if (used != time.size()) return Status::InvalidArgument("not an audit record");
  } catch (...) {
    return Status::InvalidArgument("not an audit record");
  }
  if (parts[10] != "0" && parts[10] != "1") return Status::InvalidArgument("not an audit record");
  r.raw = parts[10] == "1";
  if (!Unescape(parts[11], r.reason)) return Status::InvalidArgument("not an audit record");
  return r;
}

Status DecodeAuditValue(std::string_view value, const std::function<void(const AuditRecord&)>& fn) {
  size_t line = 1;
  while (true) {
    const size_t end = value.find('\n');
    auto r = DecodeAuditRecord(value.substr(0, end));
    if (!r.ok()) return Status::InvalidArgument("line " + std::to_string(line) + ": " + r.status().message());
    fn(*r);
    if (end == std::string_view::npos) return Status::Ok();
    value.remove_prefix(end + 1);
    ++line;
  }
}

std::string AuditRecordToJson(const AuditRecord& r) {
  std::string out = "{\"time\":" + std::to_string(r.time);
  auto field = [&](const char* name, const std::string& v) {
    if (v.empty()) return;
    out += ",\"";
    out += name;
    out += "\":";
    AppendJsonString(out, v);
  };
  field("principal", r.principal);
  field("action", r.action);
  field("outcome", r.outcome);
  field("source", r.source);
  field("source_event_id", r.source_event_id);
  field("kind", r.kind);
  field("board", r.board);
  field("period", r.period);
  if (r.action == "snapshot") out += r.raw ? ",\"raw\":true" : ",\"raw\":false";
  field("reason", r.reason);
  out += "}";
  return out;
}

namespace {

// AuditKey without allocating.
std::array<char, 16> AuditKeyBytes(int64_t time, uint64_t seq) {
  std::array<char, 16> k;
  WriteBigEndian64(k.data(), static_cast<uint64_t>(time < 0 ? 0 : time));
  WriteBigEndian64(k.data() + 8, seq);
  return k;
}

}  // namespace

std::string AuditKey(int64_t time, uint64_t seq) {
  const auto k = AuditKeyBytes(time, seq);
  return std::string(k.data(), k.size());
}

int64_t AuditKeyTime(std::string_view key) {
  if (key.size() != 16) return 0;
  return static_cast<int64_t>(ReadBigEndian64(key.data()));
}

Result<std::shared_ptr<AuditLog>> AuditLog::Open(store::Store& store) {
  auto last = store.LastAuditKey();
  if (!last.ok()) return last.status();
  uint64_t next = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (last->has_value() && (*last)->size() == 16) next = std::max(next, ReadBigEndian64((*last)->data() + 8) + 1);
  return std::shared_ptr<AuditLog>(new AuditLog(store, next));
}

std::array<char, 16> AuditLog::NextKey(int64_t time) { return AuditKeyBytes(time, next_seq_.fetch_add(1)); }

void AuditLog::Stage(store::WriteSet& writes, int64_t time, std::string_view lines) {
  if (lines.empty()) return;
  const auto key = NextKey(time);
  writes.PutAudit({key.data(), key.size()}, lines);
}

Status AuditLog::Write(const AuditRecord& r) {
  const auto key = NextKey(r.time);
  return store_.PutAudit({key.data(), key.size()}, EncodeAuditRecord(r));
}

}  // namespace lscb::hub
