#include "hub/config.h"

#include <gtest/gtest.h>

namespace lscb::hub {
namespace {

TEST(Config, MapsSettingsOntoOptions) {
  HubConfig c;
  ASSERT_TRUE(LoadConfigText("data_dir = \"/tmp/x\"\ningest = \"tcp://127.0.0.1:9\"\nsync_writes = true\n"
                             "checkpoint_interval_seconds = 5\nlog_level = \"debug\"\n",
                             "hub.toml", c)
                  .ok());
  EXPECT_EQ(c.options.data_dir, "/tmp/x");
  EXPECT_EQ(c.options.ingest_endpoint, "tcp://127.0.0.1:9");
  EXPECT_EQ(c.options.query_endpoint, "tcp://127.0.0.1:7403");
  EXPECT_TRUE(c.options.sync_writes);
  EXPECT_EQ(c.options.checkpoint_interval.count(), 5);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, NamesTheBadKey) {
  HubConfig c;
  Status s = LoadConfigText("ingets = \"tcp://127.0.0.1:9\"\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: ingets: unknown setting");
  s = LoadConfigText("sync_writes = \"yes\"\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: sync_writes: wrong type of value");
  s = LoadConfigText("max_group_events = 0\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: max_group_events: must be 1 or more");
  s = LoadConfigText("data_dir = \n", "hub.toml", c);
  EXPECT_NE(s.message().find("hub.toml:1:"), std::string::npos);
}

}  // namespace
}  // namespace lscb::hub

namespace lscb::hub {
namespace {

TEST(Config, TheSampleConfigIsValid) {
  HubConfig c;
  Status s = LoadConfigFile(std::string(LSCB_SOURCE_DIR) + "/deploy/hub.toml", c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.options.data_dir, "/var/lib/lscb/hub");
  EXPECT_EQ(c.options.checkpoint_every_events, 200000u);
}

}  // namespace
}  // namespace lscb::hub
