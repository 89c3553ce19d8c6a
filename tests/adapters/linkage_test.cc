#include "adapters/linkage.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace lscb::adapters {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

constexpr std::string_view kSecret = "test-linkage-secret-0123456789";

TEST(NhsNumber, AcceptsValidNumbersWithOrWithoutSpaces) {
  // 943 476 5919: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2;
  // 11 - 2 = 9, the last digit.
  EXPECT_EQ(NormaliseNhsNumber("9434765919"), "9434765919");
  EXPECT_EQ(NormaliseNhsNumber("943 476 5919"), "9434765919");
  EXPECT_EQ(NormaliseNhsNumber(" 943 4765 919 "), "9434765919");
  // 401 023 2137: 40+0+8+0+12+15+8+3+6 = 92; 92 mod 11 = 4; 11 - 4 = 7.
  EXPECT_EQ(NormaliseNhsNumber("401 023 2137"), "4010232137");
  // 999 000 005x: 90+81+72+10 = 253 = 23*11; 11 - 0 = 11, which means 0.
  EXPECT_EQ(NormaliseNhsNumber("9990000050"), "9990000050");
}

TEST(NhsNumber, RejectsWrongCheckDigits) {
  EXPECT_EQ(NormaliseNhsNumber("9434765918"), std::nullopt);
  EXPECT_EQ(NormaliseNhsNumber("4010232138"), std::nullopt);
  EXPECT_EQ(NormaliseNhsNumber("9990000055"), std::nullopt);
  // 999 000 000x: 90+81+72 = 243; 243 mod 11 = 1; 11 - 1 = 10: no valid
  // check digit exists.
  for (char last = '0'; last <= '9'; ++last)
    EXPECT_EQ(NormaliseNhsNumber(std::string("999000000") + last), std::nullopt) << last;
}

TEST(NhsNumber, RejectsWrongLengthAndOtherCharacters) {
  EXPECT_EQ(NormaliseNhsNumber("943476591"), std::nullopt);    // 9 digits
  EXPECT_EQ(NormaliseNhsNumber("94347659190"), std::nullopt);  // 11 digits
  EXPECT_EQ(NormaliseNhsNumber(""), std::nullopt);
  EXPECT_EQ(NormaliseNhsNumber("   "), std::nullopt);
  EXPECT_EQ(NormaliseNhsNumber("943-476-5919"), std::nullopt);  // only spaces are stripped
  EXPECT_EQ(NormaliseNhsNumber("94347659I9"), std::nullopt);
}

TEST(DemoNormalisation, KeepsLettersOnlyUpperCased) {
  EXPECT_EQ(DemoSurname("O'Brien-Smith"), "OBRIENSMITH");
  EXPECT_EQ(DemoSurname("OBRIENSMITH"), "OBRIENSMITH");
  EXPECT_EQ(DemoSurname("van der Berg"), "VANDERBERG");
  EXPECT_EQ(DemoSurname("- '"), "");
  EXPECT_EQ(DemoInitial("john paul"), 'J');
  EXPECT_EQ(DemoInitial(" 'aisha"), 'A');
  EXPECT_EQ(DemoInitial("--"), std::nullopt);
}

TEST(LinkageKey, TokensAreHmacSha256OfTheDocumentedMessages) {
  // Expected values from Python: hmac.new(key, message, hashlib.sha256).
  LinkageKey key = LinkageKey::FromSecret(std::string(kSecret));
  EXPECT_EQ(Hex(key.NhsToken("9434765919")), "39bf8de3aba958db518f35afed08078b8c9b6838c84df08ea817dc40eade73fa");
  EXPECT_EQ(Hex(key.DemoToken("O'Brien-Smith", "john paul", *ParseDate("2001-02-03"))),
            "0015f6be6fdbb42a68f4c0b784f06d70d7b045890bb0676a190b0a2a7e62e3c7");
  EXPECT_EQ(Hex(key.LocalToken("csc:E09000011", "100001")),
            "cc4c02bc468e76e42148d0fe7d6627c893e2390a5aba01e060877b273eb17b60");
  // A secret longer than the SHA-256 block is hashed first, as HMAC says.
  LinkageKey long_key = LinkageKey::FromSecret(std::string(100, 'L'));
  EXPECT_EQ(Hex(long_key.NhsToken("9434765919")), "fdd2d05cb5e3ec80a6c5afd948876ce0d059ea9f5e01ddbf352df4ab0f685773");
}

TEST(LinkageKey, TokensAre32BytesAndNotAPlainHash) {
  LinkageKey key = LinkageKey::FromSecret(std::string(kSecret));
  std::string token = key.NhsToken("9434765919");
  ASSERT_EQ(token.size(), 32u);
  const std::string message = "nhs:9434765919";
  std::string sha(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(sha.data()),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size());
  EXPECT_EQ(Hex(sha), "3da21b84a3fc9d5d55b663382c18ab36c811a40365cd9450fa51e919ba006754");
  EXPECT_NE(token, sha);
}

TEST(LinkageKey, SameInputsSameTokenDifferentSecretDifferentToken) {
  LinkageKey a = LinkageKey::FromSecret(std::string(kSecret));
  LinkageKey a2 = LinkageKey::FromSecret(std::string(kSecret));
  LinkageKey b = LinkageKey::FromSecret("another-secret-of-the-agencies");
  EXPECT_EQ(a.NhsToken("9434765919"), a2.NhsToken("9434765919"));
  EXPECT_NE(a.NhsToken("9434765919"), b.NhsToken("9434765919"));
  EXPECT_NE(a.NhsToken("9434765919"), a.NhsToken("4010232137"));
  Date dob = *ParseDate("2001-02-03");
  EXPECT_NE(a.DemoToken("Smith", "Jo", dob), b.DemoToken("Smith", "Jo", dob));
  EXPECT_NE(a.LocalToken("csc:E09000011", "100001"), b.LocalToken("csc:E09000011", "100001"));
  // The same child id in two boroughs is two children.
  EXPECT_NE(a.LocalToken("csc:E09000011", "100001"), a.LocalToken("csc:E09000012", "100001"));
  // Token kinds do not collide on the same digits.
  EXPECT_NE(a.NhsToken("100001"), a.LocalToken("", "100001"));
}

TEST(LinkageKey, DemoTokenNormalisesNameSpelling) {
  LinkageKey key = LinkageKey::FromSecret(std::string(kSecret));
  Date dob = *ParseDate("2001-02-03");
  std::string token = key.DemoToken("O'Brien-Smith", "john paul", dob);
  EXPECT_EQ(token, key.DemoToken("OBRIENSMITH", "J", dob));
  EXPECT_EQ(token, key.DemoToken("o brien smith", "Jack", dob));
  EXPECT_NE(token, key.DemoToken("OBRIENSMITH", "Paul", dob));
  EXPECT_NE(token, key.DemoToken("OBRIENSMITH", "J", *ParseDate("2001-02-04")));
  EXPECT_NE(token, key.DemoToken("OBRIEN", "J", dob));
}

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "linkage_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Write(const std::string& name, std::string_view contents, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    files_.push_back(path);
    return path;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(SecretFileTest, ReadsAPrivateFileWithoutItsTrailingNewline) {
  LinkageKey expected = LinkageKey::FromSecret(std::string(kSecret));
  for (std::string_view ending : {"", "\n", "\r\n"}) {
    std::string path =
        Write("secret" + std::to_string(ending.size()), std::string(kSecret) + std::string(ending), 0600);
    Result<LinkageKey> key = LinkageKey::FromFile(path);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->NhsToken("9434765919"), expected.NhsToken("9434765919")) << "ending size " << ending.size();
  }
  // Only one line ending is stripped.
  Result<LinkageKey> two = LinkageKey::FromFile(Write("two", std::string(kSecret) + "\n\n", 0600));
  ASSERT_TRUE(two.ok());
  EXPECT_NE(two->NhsToken("9434765919"), expected.NhsToken("9434765919"));
  // 0400 is private too.
  EXPECT_TRUE(LinkageKey::FromFile(Write("ro", kSecret, 0400)).ok());
}

TEST_F(SecretFileTest, RefusesAFileReadableByGroupOrOthers) {
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    std::string path = Write("open" + std::to_string(mode), kSecret, mode);
    Result<LinkageKey> key = LinkageKey::FromFile(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_TRUE(key.status().IsFailedPrecondition());
    EXPECT_NE(key.status().message().find("readable or writable by group or others"), std::string::npos);
    EXPECT_NE(key.status().message().find("chmod 600 " + path), std::string::npos) << key.status().message();
    EXPECT_EQ(key.status().message().find(kSecret), std::string::npos);
  }
}

TEST_F(SecretFileTest, RefusesAShortSecret) {
  // 15 bytes after the newline is stripped.
  Result<LinkageKey> key = LinkageKey::FromFile(Write("short", "0123456789abcde\n", 0600));
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(key.status().IsInvalidArgument());
  EXPECT_NE(key.status().message().find("is 15 bytes; at least 16"), std::string::npos) << key.status().message();
  EXPECT_TRUE(LinkageKey::FromFile(Write("sixteen", "0123456789abcdef\n", 0600)).ok());
}

TEST_F(SecretFileTest, AMissingFileIsAnIoErrorNamingIt) {
  std::string path = dir_ + "/no-such-secret";
  Result<LinkageKey> key = LinkageKey::FromFile(path);
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(key.status().IsIoError());
  EXPECT_NE(key.status().message().find(path), std::string::npos);
  Result<LinkageKey> dir = LinkageKey::FromFile(dir_);
  ASSERT_FALSE(dir.ok());
}

}  // namespace
}  // namespace lscb::adapters
