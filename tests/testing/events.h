// Hand-built envelopes for hub tests (no adapter involved).
#pragma once

#include <string>

#include "core/calendar.h"
#include "lscb/v1/event.pb.h"

namespace lscb::testing {

struct EventSpec {
  std::string kind = "csc.contact";
  std::string board = "E09000011";
  std::string record_id = "r1";
  std::string when = "2007-05-10T10:00";  // UK local
  std::string child = "child-a";          // becomes a 32-byte token
  int age = 7;                            // -1: unborn
  std::string label;                      // source / category / activity / role / mechanism
  uint32_t children_involved = 0;
  std::string agency;                     // default from the kind
  std::string source;                     // default "<agency>:<board>" ("police:central" for police)
  std::string token = "local";            // "local", "nhs" or "demo"
  // health.ae_attendance
  bool injury = true;
  std::string intent = "accidental";
  bool safeguarding = false;
  bool cpis = false;
  // police.child_injury_crime
  std::string crime_class = "assault";
  // return
  std::string indicator, period, age_band = "all";
  int64_t value = 0;
  bool not_collected = false;
  uint32_t revision = 1;
  int64_t read_at = 1200000000;
};

inline lscb::v1::Envelope MakeEvent(const EventSpec& s) {
  lscb::v1::Envelope e;
  std::string agency = s.agency;
  if (agency.empty()) {
    if (s.kind.rfind("police.", 0) == 0) agency = "police";
    else if (s.kind.rfind("health.", 0) == 0) agency = "health";
    else if (s.kind == "return") agency = "board";
    else agency = "csc";
  }
  std::string source = s.source;
  if (source.empty()) source = agency == "police" ? "police:central" : agency + ":" + s.board;
  e.set_schema_version(1);
  e.set_source(source);
  e.set_source_event_id(s.record_id);
  e.set_agency(agency);
  e.set_kind(s.kind);
  e.set_board(s.board);
  if (s.kind == "return") {
    auto period = ParsePeriod(s.period);
    e.set_occurred_at(UkLocalToUtc(period->First(), 0));
    auto* r = e.mutable_return_value();
    r->set_indicator(s.indicator);
    r->set_period(s.period);
    r->set_age_band(s.age_band);
    r->set_breakdown(s.label);
    r->set_value(s.value);
    r->set_not_collected(s.not_collected);
    r->set_revision(s.revision);
    r->set_read_at(s.read_at);
    return e;
  }
  e.set_occurred_at(*ParseDateTime(s.when));
  if (s.kind != "board.participation") {
    auto* t = e.mutable_subject()->add_tokens();
    t->set_kind(s.token == "nhs"    ? lscb::v1::SubjectToken::NHS
                : s.token == "demo" ? lscb::v1::SubjectToken::DEMO
                                    : lscb::v1::SubjectToken::LOCAL);
    std::string v = s.child;
    v.resize(32, '#');
    t->set_value(v);
    e.mutable_subject()->set_age_years(s.age);
    e.mutable_subject()->set_age_band(std::string(AgeBandName(*AgeBandForAge(s.age))));
  }
  if (s.kind == "csc.contact" || s.kind == "csc.referral") {
    e.mutable_contact()->set_source(s.label.empty() ? "police" : s.label);
  } else if (s.kind == "csc.cp_plan_started") {
    e.mutable_cp_plan()->set_category(s.label.empty() ? "neglect" : s.label);
  } else if (s.kind == "csc.cp_plan_ended") {
    e.mutable_cp_plan();
  } else if (s.kind == "missing.episode") {
    e.mutable_missing()->set_category(s.label.empty() ? "missing" : s.label);
  } else if (s.kind == "board.participation") {
    e.mutable_participation()->set_activity(s.label.empty() ? "planning" : s.label);
    e.mutable_participation()->set_children_involved(s.children_involved ? s.children_involved : 1);
  } else if (s.kind == "police.domestic_abuse") {
    e.mutable_domestic_abuse()->set_child_role(s.label.empty() ? "victim" : s.label);
    e.mutable_domestic_abuse()->set_reporting_unit("central");
  } else if (s.kind == "police.child_injury_crime") {
    e.mutable_injury_crime()->set_crime_class(s.crime_class);
    e.mutable_injury_crime()->set_weapon("knife");
    e.mutable_injury_crime()->set_reporting_unit("central");
  } else if (s.kind == "health.ae_attendance") {
    auto* a = e.mutable_ae_attendance();
    a->set_injury(s.injury);
    if (s.injury) {
      a->set_intent(s.intent);
      a->set_mechanism(s.label.empty() ? "sharp" : s.label);
    }
    a->set_safeguarding_concern(s.safeguarding);
    a->set_cp_is_flag(s.cpis);
    a->set_site_code("RJ224");
  }
  return e;
}

}  // namespace lscb::testing
