// Reading key files: what is refused, and why.
#include "core/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace lscb {
namespace {

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& contents, mode_t mode) {
    std::string path = dir_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  lscb::testing::TempDir dir_;
};

TEST_F(KeyFileTest, ReadsTheWholeFile) {
  auto text = ReadKeyFile(Write("k", "line one\nline two\n", 0600), "key file", true, 100);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "line one\nline two\n");
  // A public key may be readable by anyone.
  auto shared = ReadKeyFile(Write("pub", "abc", 0644), "public key file", false, 100);
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  EXPECT_EQ(*shared, "abc");
}

TEST_F(KeyFileTest, RefusesASecretOthersMayReadNamingTheModeAndTheFix) {
  const std::string path = Write("k", "s3cret", 0640);
  auto text = ReadKeyFile(path, "key file", true, 100);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(text.status().IsFailedPrecondition());
  EXPECT_EQ(text.status().message(), "key file " + path +
                                         " is readable or writable by group or others (mode 0640); run: chmod 600 " +
                                         path);
}

TEST_F(KeyFileTest, RefusesAFileTooLargeAMissingOneAndAFolder) {
  const std::string big = Write("big", std::string(101, 'x'), 0600);
  auto too_large = ReadKeyFile(big, "key file", true, 100);
  ASSERT_FALSE(too_large.ok());
  EXPECT_TRUE(too_large.status().IsInvalidArgument());
  EXPECT_EQ(too_large.status().message(), "key file " + big + " is too large (at most 100 bytes)");
  EXPECT_TRUE(ReadKeyFile(Write("exact", std::string(100, 'x'), 0600), "key file", true, 100).ok());

  auto missing = ReadKeyFile(dir_ / "none", "key file", true, 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsIoError());
  EXPECT_NE(missing.status().message().find("cannot read key file " + (dir_ / "none")), std::string::npos);

  auto folder = ReadKeyFile(dir_.path(), "key file", true, 100);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().message(), "key file " + dir_.path() + " is not a regular file");
}

}  // namespace
}  // namespace lscb
