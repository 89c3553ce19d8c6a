#include "core/boards.h"

#include <gtest/gtest.h>

namespace lscb {
namespace {

TEST(Boards, FindsByCodeNumberOrName) {
  auto reg = BoardRegistry::Default();
  ASSERT_EQ(reg->all().size(), 33u);
  const Board* g = reg->Find("E09000011");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->name, "Greenwich");
  EXPECT_EQ(reg->Find("203"), g);
  EXPECT_EQ(reg->Find("  greenwich "), g);
  const Board* hf = reg->Find("Hammersmith & Fulham");
  ASSERT_NE(hf, nullptr);
  EXPECT_EQ(hf->ons_code, "E09000013");
  EXPECT_EQ(reg->Find("hammersmith and fulham"), hf);
  EXPECT_EQ(reg->Find("Gotham"), nullptr);
  EXPECT_EQ(reg->Find("E09000034"), nullptr);
  EXPECT_EQ(reg->Find(""), nullptr);
}

TEST(Boards, LondonIsTheRegion) {
  auto reg = BoardRegistry::Default();
  EXPECT_EQ(reg->FindRegion("london"), std::string(kLondonRegion));
  EXPECT_EQ(reg->FindRegion("E12000007"), std::string(kLondonRegion));
  EXPECT_FALSE(reg->FindRegion("E09000011").has_value());
}

}  // namespace
}  // namespace lscb
