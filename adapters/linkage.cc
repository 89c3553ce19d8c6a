#include "adapters/linkage.h"

#include <sodium.h>

#include <cstring>

#include "core/secret_file.h"

namespace lscb::adapters {
namespace {

constexpr size_t kMinSecretBytes = 16;

void InitSodiumOnce() {
  // sodium_init() is thread-safe and idempotent; HMAC does not depend on its
  // result (it only selects CPU-specific code and seeds the RNG).
  static const int kInit = sodium_init();
  (void)kInit;
}

bool IsAsciiLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
char ToUpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::optional<std::string> NormaliseNhsNumber(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() != 10) return std::nullopt;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[static_cast<size_t>(i)] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10 || check != digits[9] - '0') return std::nullopt;
  return digits;
}

std::string DemoSurname(std::string_view surname) {
  std::string out;
  for (char c : surname)
    if (IsAsciiLetter(c)) out += ToUpperAscii(c);
  return out;
}

std::optional<char> DemoInitial(std::string_view forenames) {
  for (char c : forenames)
    if (IsAsciiLetter(c)) return ToUpperAscii(c);
  return std::nullopt;
}

Result<LinkageKey> LinkageKey::FromFile(const std::string& path) {
  // Any bytes will do, but a secret of more than 1 MiB is not one.
  auto read = ReadKeyFile(path, "linkage secret file", true, 1 << 20);
  if (!read.ok()) return read.status();
  std::string secret = std::move(*read);
  if (secret.ends_with("\r\n")) {
    secret.resize(secret.size() - 2);
  } else if (secret.ends_with('\n')) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretBytes) {
    sodium_memzero(secret.data(), secret.size());
    return Status::InvalidArgument("linkage secret in " + path + " is " + std::to_string(secret.size()) +
                                   " bytes; at least " + std::to_string(kMinSecretBytes) + " are required");
  }
  return LinkageKey(std::move(secret));
}

LinkageKey LinkageKey::FromSecret(std::string secret) { return LinkageKey(std::move(secret)); }

std::string LinkageKey::NhsToken(std::string_view nhs10) const { return Mac("nhs:" + std::string(nhs10)); }

std::string LinkageKey::DemoToken(std::string_view surname, std::string_view forenames, Date dob) const {
  std::optional<char> initial = DemoInitial(forenames);
  std::string message = "demo:" + DemoSurname(surname) + "|";
  if (initial) message += *initial;
  message += "|" + FormatDate(dob);
  return Mac(message);
}

std::string LinkageKey::LocalToken(std::string_view source, std::string_view local_id) const {
  return Mac("local:" + std::string(source) + "|" + std::string(local_id));
}

std::string LinkageKey::Mac(std::string_view message) const {
  InitSodiumOnce();
  // The init/update/final form takes a key of any length (standard HMAC), so
  // a secret file of any size >= 16 bytes gives the same token as any other
  // HMAC-SHA-256 implementation.
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()), secret_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&state, sizeof state);
  return out;
}

}  // namespace lscb::adapters
