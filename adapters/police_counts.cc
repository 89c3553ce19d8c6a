// police-counts: aggregate returns from the Met central contact point
// (feeds.md).
//
// One CSV row per count: borough, period (a month or a quarter), measure,
// mappa_category and mappa_level (MAPPA_OFFENDERS), age_band (MISSING_*),
// count, revision. Each row becomes a "return" Envelope from source
// "police:counts" whose record id is the return key
// indicator|board|period|age_band|breakdown, so a later upload of the same
// count is an amendment of it.

#include <array>
#include <optional>
#include <string>

#include "adapters/csv.h"
#include "adapters/formats.h"
#include "adapters/record_check.h"

namespace lscb::adapters {
namespace {

struct Measure {
  std::string_view name;       // as in the feed
  std::string_view indicator;  // the indicator it is a return of
};

constexpr std::array<Measure, 3> kMeasures = {{
    {"MAPPA_OFFENDERS", "MAPPA_OFFENDERS"},
    {"MISSING_EPISODES", "MIS_EPISODES"},
    {"MISSING_CHILDREN", "MIS_CHILDREN"},
}};

constexpr std::array<std::string_view, kMeasures.size()> MeasureNames() {
  std::array<std::string_view, kMeasures.size()> names;
  for (size_t i = 0; i < kMeasures.size(); ++i) names[i] = kMeasures[i].name;
  return names;
}
constexpr std::array<std::string_view, kMeasures.size()> kMeasureNames = MeasureNames();

constexpr std::array<std::string_view, 4> kRequiredColumns = {"borough", "period", "measure", "count"};
constexpr std::array<std::string_view, 8> kKnownColumns = {"borough",     "period",   "measure", "mappa_category",
                                                           "mappa_level", "age_band", "count",   "revision"};

constexpr std::array<std::string_view, 4> kMappaCategories = {"1", "2", "3", "4"};
constexpr std::array<std::string_view, 3> kMappaLevels = {"1", "2", "3"};

constexpr std::string_view kSource = "police:counts";

void ParseRecord(RecordCheck& check, const AdapterContext& ctx, int64_t read_at, SeenIds& seen,
                 lscb::v1::Envelope* event) {
  const Board* board = check.Borough("borough", *ctx.boards, Need::kRequired);
  std::optional<Period> period = check.ReportingPeriod("period", Need::kRequired);
  if (period && period->kind == Period::Kind::kFinancialYear) {
    check.Fail("period", Quoted(check.Value("period")) +
                             " is a financial year: police counts are by month (YYYY-MM) or quarter (YYYY-Qn)");
    period.reset();
  }
  const Measure* measure = nullptr;
  if (auto name = check.OneOf("measure", kMeasureNames, Need::kRequired)) {
    for (const Measure& m : kMeasures)
      if (m.name == *name) measure = &m;
  }
  std::optional<uint32_t> count = check.Count("count", 0, Need::kRequired);
  std::optional<uint32_t> revision = check.Count("revision", 1, Need::kOptional);

  std::string age_band;
  std::string breakdown;
  if (measure == nullptr) return;  // which columns matter depends on the measure
  if (measure->indicator == "MAPPA_OFFENDERS") {
    // Counts of offenders (adults) by category x level, never by age.
    std::optional<std::string_view> category = check.OneOf("mappa_category", kMappaCategories, Need::kRequired);
    std::optional<std::string_view> level = check.OneOf("mappa_level", kMappaLevels, Need::kRequired);
    if (std::string_view band = check.Value("age_band"); !band.empty() && !AsciiEqualsIgnoreCase(band, "all"))
      check.Fail("age_band", Quoted(band) + ": MAPPA counts are not by age (leave it blank or write all)");
    age_band = "all";
    if (category && level) breakdown = "cat" + std::string(*category) + "_level" + std::string(*level);
  } else {
    if (auto band = check.AgeBandOrAll("age_band", Need::kRequired)) age_band = std::string(*band);
    for (std::string_view column : {"mappa_category", "mappa_level"})
      if (check.Present(column)) check.Fail(column, "is only for MAPPA_OFFENDERS (leave it blank)");
  }
  if (check.failed() || board == nullptr || !period || !count) return;

  FillReturn("police", kSource, *board, *period, measure->indicator, age_band, breakdown, revision.value_or(1), read_at,
             event);
  event->mutable_return_value()->set_value(*count);
  std::string key = event->source_event_id();
  seen.Check(check, "", std::move(key),
             "the same count (" + std::string(measure->name) + ", borough " + board->ons_code + ", period " +
                 period->ToString() + ", age band " + age_band +
                 (breakdown.empty() ? std::string() : ", " + breakdown) + ")");
}

class PoliceCountsAdapter final : public Adapter {
 public:
  std::string_view name() const override { return "police-counts"; }

  ParsedFile Parse(std::string_view file_name, std::string_view contents, const AdapterContext& ctx) const override {
    return ParseGuarded(file_name, [&] {
      if (ctx.boards == nullptr) {
        ParsedFile out;
        out.errors.push_back({std::string(file_name), 0, "", "internal error: the adapter was given no boards table"});
        return out;
      }
      const int64_t read_at = ReturnReadAt(ctx);
      SeenIds seen;  // return keys
      return ParseCsvFeed(
          file_name, contents, FeedColumns{kRequiredColumns, kKnownColumns},
          [&](RecordCheck& check, lscb::v1::Envelope* event) { ParseRecord(check, ctx, read_at, seen, event); });
    });
  }
};

}  // namespace

std::unique_ptr<Adapter> NewPoliceCountsAdapter() { return std::make_unique<PoliceCountsAdapter>(); }

}  // namespace lscb::adapters
