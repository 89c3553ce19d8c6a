// Writes the seed corpora of envelope_fuzzer and ingest_fuzzer (binary
// protobuf) into OUT/envelope_fuzzer and OUT/ingest_fuzzer:
//   make_seeds OUT
// The seeds in tests/fuzz/corpus/ were written by it.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testing/events.h"

using lscb::testing::EventSpec;
using lscb::testing::MakeEvent;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string out = argv[1];
  std::filesystem::create_directories(out + "/envelope_fuzzer");
  std::filesystem::create_directories(out + "/ingest_fuzzer");
  std::vector<EventSpec> specs = {
      {.kind = "csc.contact", .record_id = "c1"},
      {.kind = "csc.referral", .record_id = "r1", .label = "school"},
      {.kind = "csc.cp_plan_started", .record_id = "p1", .label = "neglect"},
      {.kind = "csc.cp_plan_ended", .record_id = "p2"},
      {.kind = "missing.episode", .record_id = "m1", .agency = "police"},
      {.kind = "board.participation", .record_id = "b1", .children_involved = 12},
      {.kind = "police.domestic_abuse", .record_id = "d1"},
      {.kind = "police.child_injury_crime", .record_id = "i1"},
      {.kind = "health.ae_attendance", .record_id = "a1", .token = "nhs"},
      {.kind = "return", .record_id = "ret1", .agency = "police", .indicator = "CSC_CONTACTS", .period = "2007-Q3",
       .value = 12},
  };
  std::vector<std::string> encoded;
  for (size_t i = 0; i < specs.size(); ++i) {
    encoded.push_back(MakeEvent(specs[i]).SerializeAsString());
    std::ofstream(out + "/envelope_fuzzer/seed-" + std::to_string(i), std::ios::binary) << encoded.back();
  }
  // Ingest: mode byte, then (2-byte length, event)...; a plaintext group,
  // an authorised one, and one repeating an event (a duplicate).
  auto group = [&](uint8_t mode, const std::vector<size_t>& which) {
    std::string g(1, static_cast<char>(mode));
    for (size_t i : which) {
      g.push_back(static_cast<char>(encoded[i].size() & 0xFF));
      g.push_back(static_cast<char>(encoded[i].size() >> 8));
      g += encoded[i];
    }
    return g;
  };
  std::ofstream(out + "/ingest_fuzzer/seed-0", std::ios::binary) << group(0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::ofstream(out + "/ingest_fuzzer/seed-1", std::ios::binary) << group(1 | (1 << 1), {0, 1, 2, 5});
  std::ofstream(out + "/ingest_fuzzer/seed-2", std::ios::binary) << group(1, {4, 6, 7, 9, 6});
  std::ofstream(out + "/ingest_fuzzer/seed-3", std::ios::binary) << group(0, {0, 0, 8, 7});
  return 0;
}
