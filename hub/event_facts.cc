#include "hub/event_facts.h"

#include <algorithm>
#include <cstring>

namespace lscb::hub {
namespace {

using lscb::v1::Envelope;
using lscb::v1::SubjectToken;

// The most children one participation record may count (event.proto).
constexpr uint32_t kMaxChildrenInvolved = 1000000;

bool OneOf(const std::vector<std::string_view>& allowed, const std::string& v) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

Status Bad(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

std::string Clip(const std::string& s) { return s.substr(0, 40); }

uint64_t Fnv(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Which agencies may send which kinds.
bool AgencyMaySend(const std::string& agency, EventKind k) {
  switch (k) {
    case EventKind::kCscContact:
    case EventKind::kCscReferral:
    case EventKind::kCscAssessmentCompleted:
    case EventKind::kCscS47Started:
    case EventKind::kCscIcpcHeld:
    case EventKind::kCscCpPlanStarted:
    case EventKind::kCscCpPlanEnded:
      return agency == "csc";
    case EventKind::kMissingEpisode:
      return agency == "csc" || agency == "police";
    case EventKind::kBoardParticipation:
      return agency == "csc" || agency == "board";
    case EventKind::kPoliceDomesticAbuse:
    case EventKind::kPoliceChildInjuryCrime:
      return agency == "police";
    case EventKind::kHealthAeAttendance:
      return agency == "health";
    case EventKind::kReturn:
      return agency == "police" || agency == "board";
  }
  return false;
}

Status CheckReturn(const Envelope& e, EventFacts& f) {
  if (!e.has_return_value()) return Bad("return needs return_value detail");
  const auto& r = e.return_value();
  auto ind = ParseIndicator(r.indicator());
  if (!ind) return Bad("return_value.indicator '" + Clip(r.indicator()) + "' is not an indicator");
  auto period = ParsePeriod(r.period());
  if (!period.ok()) return Bad("return_value.period: " + period.status().message());
  uint8_t band = 0;
  if (r.age_band() != "all") {
    auto b = ParseAgeBand(r.age_band());
    if (!b) return Bad("return_value.age_band '" + Clip(r.age_band()) + "' is not an age band");
    band = static_cast<uint8_t>(*b);
  }
  auto label = LabelIdOf(r.breakdown());
  if (!label) return Bad("return_value.breakdown '" + Clip(r.breakdown()) + "' is not a breakdown label");
  if (r.value() < 0) return Bad("return_value.value is negative");
  if (r.revision() < 1) return Bad("return_value.revision must be 1 or more");
  f.ret = ReturnFacts{*ind, period->Code(), band, *label, r.value(), r.not_collected(), r.revision(), r.read_at()};
  f.date = period->First();
  return Status::Ok();
}

}  // namespace

LinkGroup LinkGroupOf(const EventFacts& e) {
  switch (e.kind) {
    case EventKind::kMissingEpisode: return LinkGroup::kMissing;
    case EventKind::kPoliceDomesticAbuse: return LinkGroup::kDomesticAbuse;
    case EventKind::kPoliceChildInjuryCrime: return LinkGroup::kInjury;
    case EventKind::kHealthAeAttendance: return (e.flags & kInjury) ? LinkGroup::kInjury : LinkGroup::kNone;
    default: return LinkGroup::kNone;
  }
}

int64_t LinkWindow(const Definitions& d, LinkGroup g) {
  switch (g) {
    case LinkGroup::kMissing: return d.missing_link_seconds;
    case LinkGroup::kDomesticAbuse: return d.domestic_abuse_link_seconds;
    case LinkGroup::kInjury: return d.injury_link_seconds;
    default: return -1;
  }
}

uint64_t HashChildKey(const ChildKey& key) {
  uint64_t a = 0, b = 0;
  std::memcpy(&a, key.data(), 8);
  std::memcpy(&b, key.data() + 8, 8);
  uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 31;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 29;
  return h;
}

uint64_t RecordHash(const std::string& source, const std::string& id) {
  return Fnv(id, Fnv(std::string_view("\0", 1), Fnv(source)));
}

Result<EventFacts> ValidateEvent(const Envelope& e, const BoardRegistry& boards, int64_t now) {
  if (e.schema_version() != 1) return Bad("unsupported schema_version " + std::to_string(e.schema_version()));
  if (e.source().empty()) return Bad("missing field: source");
  if (e.source_event_id().empty()) return Bad("missing field: source_event_id");
  if (e.source().size() > 128 || e.source_event_id().size() > 128) return Bad("source or source_event_id too long");
  if (e.kind().empty()) return Bad("missing field: kind");
  auto kind = ParseEventKind(e.kind());
  if (!kind) return Bad("unknown event kind '" + Clip(e.kind()) + "'");
  if (e.agency().empty()) return Bad("missing field: agency");
  if (!OneOf(Agencies(), e.agency())) return Bad("unknown agency '" + Clip(e.agency()) + "'");
  if (!AgencyMaySend(e.agency(), *kind)) return Bad("agency '" + e.agency() + "' may not send " + e.kind());
  if (e.board().empty()) return Bad("missing field: board");
  const Board* board = boards.ByOns(e.board());
  if (!board) return Bad("unknown board '" + Clip(e.board()) + "'");
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
  f.source = Fnv(e.source());
  f.agency = *LabelIdOf(e.agency());

  // The child.
  const bool about_a_child = *kind != EventKind::kBoardParticipation && *kind != EventKind::kReturn;
  if (about_a_child) {
    if (!e.has_subject() || e.subject().tokens().empty()) return Bad("missing field: subject.tokens");
    if (static_cast<size_t>(e.subject().tokens_size()) > TokenList::kMaxTokens)
      return Bad("too many subject tokens (at most " + std::to_string(TokenList::kMaxTokens) + ")");
    int chosen_rank = 0;
    for (const auto& t : e.subject().tokens()) {
      if (t.value().size() != 32) return Bad("subject token is not 32 bytes");
      int rank = t.kind() == SubjectToken::LOCAL ? 3
                 : t.kind() == SubjectToken::NHS ? 2
                 : t.kind() == SubjectToken::DEMO ? 1
                                                  : 0;
      if (rank == 0) return Bad("subject token of unknown kind");
      ChildKey key;
      std::memcpy(key.data(), t.value().data(), key.size());
      f.tokens.push_back(key);
      if (t.kind() == SubjectToken::NHS) f.flags |= kHasNhsToken;
      if (rank > chosen_rank) {
        chosen_rank = rank;
        f.child = key;
      }
    }
    const auto& s = e.subject();
    if (s.age_years() >= 18) return Bad("subject is " + std::to_string(s.age_years()) + ", not a child (18 or over)");
    auto band = ParseAgeBand(s.age_band());
    if (!band) return Bad("subject.age_band '" + Clip(s.age_band()) + "' is not an age band");
    if (AgeBandForAge(s.age_years()) != band)
      return Bad("subject.age_band " + s.age_band() + " does not match age " + std::to_string(s.age_years()));
    if (*band == AgeBand::kUnborn && e.agency() != "csc") return Bad("only children's services record unborn children");
    f.age_band = static_cast<uint8_t>(*band);
  } else if (e.has_subject() && e.subject().tokens_size() > 0) {
    return Bad(e.kind() + " is not about one child and must not carry a subject");
  }

  // The detail for the kind.
  auto expect = [&](Envelope::DetailCase c) { return e.detail_case() == c; };
  switch (*kind) {
    case EventKind::kCscContact:
    case EventKind::kCscReferral:
      if (!expect(Envelope::kContact)) return Bad(e.kind() + " needs contact detail");
      if (!OneOf(ContactSources(), e.contact().source()))
        return Bad("contact.source '" + Clip(e.contact().source()) + "' is not a contact source");
      f.label = *LabelIdOf(e.contact().source());
      break;
    case EventKind::kCscCpPlanStarted:
      if (!expect(Envelope::kCpPlan) || !OneOf(PlanCategories(), e.cp_plan().category()))
        return Bad("csc.cp_plan_started needs cp_plan.category (neglect, physical, sexual, emotional, multiple)");
      f.label = *LabelIdOf(e.cp_plan().category());
      break;
    case EventKind::kCscCpPlanEnded:
      if (e.has_cp_plan() && !e.cp_plan().category().empty() && !OneOf(PlanCategories(), e.cp_plan().category()))
        return Bad("cp_plan.category '" + Clip(e.cp_plan().category()) + "' is not a plan category");
      break;
    case EventKind::kMissingEpisode:
      if (!expect(Envelope::kMissing) || !OneOf(MissingCategories(), e.missing().category()))
        return Bad("missing.episode needs missing.category (missing or absent)");
      if (e.missing().ended_at() != 0 && e.missing().ended_at() < e.occurred_at())
        return Bad("missing.ended_at is before occurred_at");
      f.label = *LabelIdOf(e.missing().category());
      break;
    case EventKind::kBoardParticipation:
      if (!expect(Envelope::kParticipation) || !OneOf(Activities(), e.participation().activity()))
        return Bad("board.participation needs participation.activity");
      if (e.participation().children_involved() < 1 || e.participation().children_involved() > kMaxChildrenInvolved)
        return Bad("participation.children_involved must be from 1 to " + std::to_string(kMaxChildrenInvolved));
      f.label = *LabelIdOf(e.participation().activity());
      f.amount = e.participation().children_involved();
      break;
    case EventKind::kPoliceDomesticAbuse:
      if (!expect(Envelope::kDomesticAbuse) || !OneOf(ChildRoles(), e.domestic_abuse().child_role()))
        return Bad("police.domestic_abuse needs domestic_abuse.child_role (victim or present)");
      f.label = *LabelIdOf(e.domestic_abuse().child_role());
      break;
    case EventKind::kPoliceChildInjuryCrime:
      if (!expect(Envelope::kInjuryCrime) || !OneOf(CrimeClasses(), e.injury_crime().crime_class()))
        return Bad("police.child_injury_crime needs injury_crime.crime_class (assault, robbery, sexual, other)");
      if (!OneOf(Weapons(), e.injury_crime().weapon()))
        return Bad("injury_crime.weapon '" + Clip(e.injury_crime().weapon()) + "' is not a weapon");
      if (e.injury_crime().crime_class() == "assault") f.flags |= kCrimeAssault;
      break;
    case EventKind::kHealthAeAttendance: {
      if (!expect(Envelope::kAeAttendance)) return Bad("health.ae_attendance needs ae_attendance detail");
      const auto& a = e.ae_attendance();
      if (a.injury()) {
        if (!OneOf(Intents(), a.intent())) return Bad("ae_attendance.intent '" + Clip(a.intent()) + "' is not an intent");
        if (!OneOf(Mechanisms(), a.mechanism()))
          return Bad("ae_attendance.mechanism '" + Clip(a.mechanism()) + "' is not a mechanism");
        f.flags |= kInjury;
        if (a.intent() == "assault") f.flags |= kIntentAssault;
        if (a.intent() == "accidental") f.flags |= kIntentAccidental;
        f.label = *LabelIdOf(a.mechanism());
      } else if (!a.intent().empty() || !a.mechanism().empty()) {
        return Bad("ae_attendance without injury must not give intent or mechanism");
      }
      if (a.safeguarding_concern()) f.flags |= kSafeguardingConcern;
      if (a.cp_is_flag()) f.flags |= kCpIsFlag;
      break;
    }
    case EventKind::kReturn: {
      Status s = CheckReturn(e, f);
      if (!s.ok()) return s;
      break;
    }
    default:
      if (e.detail_case() != Envelope::DETAIL_NOT_SET) return Bad(e.kind() + " carries an unexpected detail");
      break;
  }
  return f;
}

}  // namespace lscb::hub
