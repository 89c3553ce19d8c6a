#include "hub/principals.h"

#include <algorithm>

#include "hub/definitions.h"
#include "transport/curve.h"

namespace lscb::hub {
namespace {

// Text from a peer, fit for a message: printable ASCII, at most 40
// characters.
std::string Clip(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

bool ValidName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kPublisher: return "publisher";
    case Role::kSubscriber: return "subscriber";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view t) {
  if (t == "publisher") return Role::kPublisher;
  if (t == "subscriber") return Role::kSubscriber;
  if (t == "admin") return Role::kAdmin;
  return std::nullopt;
}

Result<std::shared_ptr<const AccessPolicy>> AccessPolicy::Create(std::vector<Principal> principals,
                                                                 const BoardRegistry& boards) {
  std::shared_ptr<AccessPolicy> p(new AccessPolicy());
  std::vector<std::string> kind_names;
  for (int k = 1; k <= kEventKindCount; ++k) kind_names.emplace_back(EventKindName(static_cast<EventKind>(k)));
  for (size_t i = 0; i < principals.size(); ++i) {
    Principal& pr = principals[i];
    auto bad = [&](const std::string& field, const std::string& problem) {
      return Status::InvalidArgument("principal " + (pr.name.empty() ? "#" + std::to_string(i + 1) : pr.name) +
                                     ": " + field + ": " + problem);
    };
    if (!ValidName(pr.name)) return bad("name", "give 1-64 letters, digits, '.', '_' or '-'");
    if (pr.name == "anonymous" || pr.name == "unauthenticated" || pr.name == "lscb-hub")
      return bad("name", "is reserved");
    if (!transport::IsCurveKey(pr.public_key))
      return bad("public_key", "not a CURVE public key (40 characters of Z85, as in the .pub file of lscb keygen)");
    if (p->by_name_.count(pr.name)) return bad("name", "given twice");
    if (p->by_key_.count(pr.public_key))
      return bad("public_key", "the same key is given to principal " + principals[p->by_key_.find(pr.public_key)->second].name);
    Rights r;
    if (pr.role == Role::kAdmin) {
      r.every_topic = true;
    } else {
      if (pr.boards.empty()) return bad("boards", "list the boards (ONS codes, DfE numbers, names, or \"london\")");
      for (const auto& b : pr.boards) {
        if (auto region = boards.FindRegion(b)) {
          r.topics.insert(*region);
          for (const auto& board : boards.all()) {
            if (board.region != *region) continue;
            r.boards.insert(board.ons_code);
            r.topics.insert(board.ons_code);
          }
        } else if (const Board* board = boards.Find(b)) {
          r.boards.insert(board->ons_code);
          r.topics.insert(board->ons_code);
        } else {
          return bad("boards", "unknown board '" + Clip(b) + "'");
        }
      }
    }
    if (pr.role == Role::kPublisher) {
      const auto& agencies = Agencies();
      if (std::find(agencies.begin(), agencies.end(), pr.agency) == agencies.end())
        return bad("agency", "give one of police, health, csc, board");
      if (pr.kinds.empty()) return bad("kinds", "list the event kinds it may send");
      for (const auto& k : pr.kinds) {
        if (k.size() > 2 && k.ends_with(".*")) {
          std::string family = k.substr(0, k.size() - 1);  // "csc."
          bool any = std::any_of(kind_names.begin(), kind_names.end(),
                                 [&](const std::string& n) { return n.starts_with(family); });
          if (!any) return bad("kinds", "no event kind matches '" + Clip(k) + "'");
          r.kind_families.push_back(family);
        } else if (std::find(kind_names.begin(), kind_names.end(), k) != kind_names.end()) {
          r.kinds.insert(k);
        } else {
          return bad("kinds", "unknown event kind '" + Clip(k) + "'");
        }
      }
      if (pr.raw) return bad("raw", "only subscribers and admins read figures");
    } else if (!pr.agency.empty() || !pr.kinds.empty()) {
      return bad(pr.agency.empty() ? "kinds" : "agency", "only publishers send events");
    }
    p->by_name_[pr.name] = i;
    p->by_key_[pr.public_key] = i;
    p->rights_.push_back(std::move(r));
  }
  p->principals_ = std::move(principals);
  return std::shared_ptr<const AccessPolicy>(std::move(p));
}

const Principal* AccessPolicy::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &principals_[it->second];
}

const Principal* AccessPolicy::FindByKey(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &principals_[it->second];
}

const AccessPolicy::Rights* AccessPolicy::RightsOf(std::string_view name, const Principal** p) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  if (p) *p = &principals_[it->second];
  return &rights_[it->second];
}

std::optional<std::string> AccessPolicy::Authenticate(std::string_view domain, std::string_view mechanism,
                                                      std::string_view public_key, std::string* denial) const {
  auto deny = [&](std::string why) -> std::optional<std::string> {
    if (denial) *denial = std::move(why);
    return std::nullopt;
  };
  if (mechanism != "CURVE") return deny("CURVE is required");
  const Principal* p = FindByKey(public_key);
  if (!p) return deny("unknown key");
  const bool ingest = domain == kIngestDomain;
  const bool reads = domain == kQueryDomain || domain == kFeedDomain;
  if (!ingest && !reads) return deny("unknown ZAP domain");
  if (ingest != (p->role == Role::kPublisher))
    return deny("principal " + p->name + " (" + std::string(RoleName(p->role)) + ") may not use the " +
                std::string(domain) + " socket");
  return p->name;
}

std::optional<std::string> AccessPolicy::RefusePublish(std::string_view principal, std::string_view agency,
                                                       std::string_view kind, std::string_view board) const {
  const Principal* p = nullptr;
  const Rights* r = RightsOf(principal, &p);
  if (!r) return "principal " + Clip(principal) + " is not known to this hub";
  if (p->role != Role::kPublisher) return "principal " + p->name + " is not a publisher";
  if (agency != p->agency)
    return "principal " + p->name + " publishes as agency " + p->agency + ", not '" + Clip(agency) + "'";
  bool kind_ok = r->kinds.count(kind) > 0 ||
                 std::any_of(r->kind_families.begin(), r->kind_families.end(),
                             [&](const std::string& f) { return kind.starts_with(f); });
  if (!kind_ok) return "principal " + p->name + " may not publish " + Clip(kind);
  if (!r->boards.count(board)) return "principal " + p->name + " may not publish about board " + Clip(board);
  return std::nullopt;
}

bool AccessPolicy::MayRead(std::string_view principal, std::string_view topic) const {
  const Principal* p = nullptr;
  const Rights* r = RightsOf(principal, &p);
  if (!r || p->role == Role::kPublisher) return false;
  return r->every_topic || r->topics.count(topic) > 0;
}

bool AccessPolicy::MayReadRaw(std::string_view principal) const {
  const Principal* p = nullptr;
  const Rights* r = RightsOf(principal, &p);
  return r && p->role != Role::kPublisher && p->raw;
}

}  // namespace lscb::hub
