#include "hub/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "testing/temp_dir.h"
#include "transport/curve.h"

namespace lscb::hub {
namespace {

TEST(Config, MapsSettingsOntoOptions) {
  HubConfig c;
  ASSERT_TRUE(LoadConfigText("data_dir = \"/tmp/x\"\ningest = \"tcp://127.0.0.1:9\"\nsync_writes = true\n"
                             "checkpoint_interval_seconds = 5\nlog_level = \"debug\"\nretention_days = 30\n",
                             "hub.toml", c)
                  .ok());
  EXPECT_EQ(c.options.data_dir, "/tmp/x");
  EXPECT_EQ(c.options.ingest_endpoint, "tcp://127.0.0.1:9");
  EXPECT_EQ(c.options.query_endpoint, "tcp://127.0.0.1:7403");
  EXPECT_TRUE(c.options.sync_writes);
  EXPECT_EQ(c.options.checkpoint_interval.count(), 5);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.options.retention.count(), 30 * 86400);
  EXPECT_EQ(c.memory_ahead_mib, 32);
  EXPECT_FALSE(c.huge_pages);
  ASSERT_TRUE(LoadConfigText("memory_ahead_mib = 0\nhuge_pages = true\n", "hub.toml", c).ok());
  EXPECT_EQ(c.memory_ahead_mib, 0);
  EXPECT_TRUE(c.huge_pages);
}

TEST(Config, NamesTheBadKey) {
  HubConfig c;
  Status s = LoadConfigText("ingets = \"tcp://127.0.0.1:9\"\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: ingets: unknown setting");
  s = LoadConfigText("sync_writes = \"yes\"\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: sync_writes: wrong type of value");
  s = LoadConfigText("max_group_events = 0\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: max_group_events: must be 1 or more");
  s = LoadConfigText("retention_days = -1\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: retention_days: must be 0 (keep every event) to 36500");
  s = LoadConfigText("memory_ahead_mib = -1\n", "hub.toml", c);
  EXPECT_EQ(s.message(), "hub.toml: memory_ahead_mib: must be 0 (none) to 4096");
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

namespace lscb::hub {
namespace {

// The London pilot's annotated config is valid as shipped, once its key files
// exist: every principal, the CURVE keys, the definitions file.
TEST(Config, TheLondonPilotConfigIsValid) {
  std::ifstream in(std::string(LSCB_SOURCE_DIR) + "/deploy/hub-london-pilot.toml");
  std::stringstream text;
  text << in.rdbuf();
  lscb::testing::TempDir keys;
  std::string toml = std::regex_replace(text.str(), std::regex("/etc/lscb/keys/"), keys.path() + "/");
  toml = std::regex_replace(toml, std::regex("/usr/local/share/lscb/definitions/"),
                            std::string(LSCB_SOURCE_DIR) + "/data/definitions/");
  std::smatch m;
  std::string rest = toml;
  int files = 0;
  while (std::regex_search(rest, m, std::regex("_key_file = \"([^\"]+)\\.(key|pub)\""))) {
    std::string base = m[1];
    if (!std::filesystem::exists(base + ".key")) {
      auto pair = transport::GenerateCurveKeyPair();
      ASSERT_TRUE(pair.ok());
      std::ofstream(base + ".key") << pair->secret_key << "\n";
      std::ofstream(base + ".pub") << pair->public_key << "\n";
      ::chmod((base + ".key").c_str(), 0600);
      ++files;
    }
    rest = m.suffix();
  }
  EXPECT_EQ(files, 11);  // the hub and ten principals
  HubConfig c;
  Status s = LoadConfigText(toml, "hub-london-pilot.toml", c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(c.options.curve_secret_key.empty());
  ASSERT_TRUE(c.options.access != nullptr);
  EXPECT_TRUE(c.options.sync_writes);
  EXPECT_EQ(c.disclosure_threshold, 4);
  EXPECT_EQ(c.options.definitions->version, "v1");
}

}  // namespace
}  // namespace lscb::hub
