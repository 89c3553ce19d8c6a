#include "hub/event_facts.h"

#include <algorithm>
#include <cstring>

namespace lscb::hub {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;

bool OneOf(const std::vector<std::string_view>& allowed, const std::string& v) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

Status Bad(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

}  // namespace

uint64_t RecordHash(const std::string& source, const std::string& id) {
  // FNV-1a 64 over source, a separator and the id.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(source);
  mix(std::string_view("\0", 1));
  mix(id);
  return h;
}

Result<EventFacts> ValidateEvent(const Envelope& e, const BoardRegistry& boards, int64_t now) {
  if (e.schema_version() != 1)
    return Bad("unsupported schema_version " + std::to_string(e.schema_version()));
  if (e.source().empty()) return Bad("missing field: source");
  if (e.source_event_id().empty()) return Bad("missing field: source_event_id");
  if (e.source().size() > 128 || e.source_event_id().size() > 128) return Bad("source or source_event_id too long");
  if (e.kind().empty()) return Bad("missing field: kind");
  auto kind = ParseEventKind(e.kind());
  if (!kind) {
    if (IsKnownButUnsupportedKind(e.kind())) return Bad("event kind '" + e.kind() + "' is not accepted by this hub yet");
    return Bad("unknown event kind '" + e.kind().substr(0, 64) + "'");
  }
  if (e.board().empty()) return Bad("missing field: board");
  const Board* board = boards.ByOns(e.board());
  if (!board) return Bad("unknown board '" + e.board().substr(0, 32) + "'");
  if (e.occurred_at() == 0) return Bad("missing field: occurred_at");
  if (e.occurred_at() < 631152000)  // 1990-01-01
    return Bad("occurred_at " + FormatInstant(e.occurred_at()) + " is before 1990");
  if (e.occurred_at() > now + 86400) return Bad("occurred_at " + FormatInstant(e.occurred_at()) + " is in the future");

  EventFacts f;
  f.kind = *kind;
  f.board = board->index;
  f.occurred_at = e.occurred_at();
  f.date = UkLocalDate(e.occurred_at());
  f.record = RecordHash(e.source(), e.source_event_id());

  const bool csc = *kind != EventKind::kMissingEpisode || e.agency() == "csc";
  if (csc && e.agency() != "csc") return Bad("agency '" + e.agency().substr(0, 32) + "' may not send " + e.kind());

  // The child.
  if (*kind != EventKind::kBoardParticipation) {
    if (!e.has_subject() || e.subject().tokens().empty()) return Bad("missing field: subject.tokens");
    const ChildKey* chosen = nullptr;
    int chosen_rank = 0;
    ChildKey key{};
    for (const auto& t : e.subject().tokens()) {
      if (t.value().size() != 32) return Bad("subject token is not 32 bytes");
      int rank = t.kind() == SubjectToken::LOCAL ? 3 : t.kind() == SubjectToken::NHS ? 2
                                                    : t.kind() == SubjectToken::DEMO ? 1 : 0;
      if (rank == 0) return Bad("subject token of unknown kind");
      if (rank > chosen_rank) {
        chosen_rank = rank;
        std::memcpy(key.data(), t.value().data(), key.size());
        chosen = &key;
      }
    }
    f.child = *chosen;
    const auto& s = e.subject();
    if (s.age_years() >= 18) return Bad("subject is " + std::to_string(s.age_years()) + ", not a child (18 or over)");
    auto band = ParseAgeBand(s.age_band());
    if (!band) return Bad("subject.age_band '" + s.age_band().substr(0, 16) + "' is not an age band");
    if (AgeBandForAge(s.age_years()) != band)
      return Bad("subject.age_band " + s.age_band() + " does not match age " + std::to_string(s.age_years()));
    if (*band == AgeBand::kUnborn && e.agency() != "csc") return Bad("only children's services record unborn children");
    f.age_band = static_cast<uint8_t>(*band);
  }

  // The detail for the kind.
  switch (*kind) {
    case EventKind::kCscContact:
    case EventKind::kCscReferral:
      if (!e.has_contact()) return Bad(e.kind() + " needs contact detail");
      if (!OneOf(ContactSources(), e.contact().source()))
        return Bad("contact.source '" + e.contact().source().substr(0, 32) + "' is not a contact source");
      f.label = *LabelIdOf(e.contact().source());
      break;
    case EventKind::kCscCpPlanStarted:
      if (!e.has_cp_plan() || !OneOf(PlanCategories(), e.cp_plan().category()))
        return Bad("csc.cp_plan_started needs cp_plan.category (neglect, physical, sexual, emotional, multiple)");
      f.label = *LabelIdOf(e.cp_plan().category());
      break;
    case EventKind::kCscCpPlanEnded:
      if (e.has_cp_plan() && !e.cp_plan().category().empty() && !OneOf(PlanCategories(), e.cp_plan().category()))
        return Bad("cp_plan.category '" + e.cp_plan().category().substr(0, 32) + "' is not a plan category");
      break;
    case EventKind::kMissingEpisode:
      if (!e.has_missing() || !OneOf(MissingCategories(), e.missing().category()))
        return Bad("missing.episode needs missing.category (missing or absent)");
      if (e.missing().ended_at() != 0 && e.missing().ended_at() < e.occurred_at())
        return Bad("missing.ended_at is before occurred_at");
      f.label = *LabelIdOf(e.missing().category());
      break;
    case EventKind::kBoardParticipation:
      if (!e.has_participation() || !OneOf(Activities(), e.participation().activity()))
        return Bad("board.participation needs participation.activity");
      if (e.participation().children_involved() < 1 || e.participation().children_involved() > 1000000)
        return Bad("participation.children_involved must be 1 or more");
      f.label = *LabelIdOf(e.participation().activity());
      f.amount = e.participation().children_involved();
      break;
    default:
      if (e.detail_case() != Envelope::DETAIL_NOT_SET) return Bad(e.kind() + " carries an unexpected detail");
      break;
  }
  return f;
}

}  // namespace lscb::hub
