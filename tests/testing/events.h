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
  std::string child = "child-a";          // becomes a 32-byte LOCAL token
  int age = 7;                            // -1: unborn
  std::string label;                      // source / category / activity
  uint32_t children_involved = 0;
};

inline lscb::v1::Envelope MakeEvent(const EventSpec& s) {
  lscb::v1::Envelope e;
  e.set_schema_version(1);
  e.set_source("csc:" + s.board);
  e.set_source_event_id(s.record_id);
  e.set_agency("csc");
  e.set_kind(s.kind);
  e.set_board(s.board);
  e.set_occurred_at(*ParseDateTime(s.when));
  if (s.kind != "board.participation") {
    auto* t = e.mutable_subject()->add_tokens();
    t->set_kind(lscb::v1::SubjectToken::LOCAL);
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
  }
  return e;
}

}  // namespace lscb::testing
