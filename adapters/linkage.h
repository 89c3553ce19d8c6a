// Pseudonymisation at source: keyed-hash linkage tokens.
//
// Tokens are HMAC-SHA-256 under the secret shared by the agencies (domain.md
// "Pseudonymous subjects"). A plain hash would not do: there are only ~10^9
// NHS numbers, so it could be reversed by brute force.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/calendar.h"
#include "core/status.h"

namespace lscb::adapters {

// Strips spaces and checks 10 digits and the modulus-11 check digit
// (weights 10..2 on the first nine digits; 11 - (sum mod 11), 11 -> 0,
// 10 -> invalid). Returns the 10 digits, or nullopt.
std::optional<std::string> NormaliseNhsNumber(std::string_view text);

class LinkageKey final {
 public:
  // Reads the secret from a file. Refuses a file that is group- or
  // world-readable (the message says how to fix it) and a secret shorter
  // than 16 bytes. A trailing newline is not part of the secret.
  static Result<LinkageKey> FromFile(const std::string& path);
  static LinkageKey FromSecret(std::string secret);

  // 32-byte tokens.
  std::string NhsToken(std::string_view nhs10) const;  // "nhs:" + digits
  // "demo:" + surname letters only, upper-case + "|" + first forename
  // initial, upper-case + "|" + YYYY-MM-DD.
  std::string DemoToken(std::string_view surname, std::string_view forenames, Date dob) const;
  // "local:" + source + "|" + the agency's own id for the child.
  std::string LocalToken(std::string_view source, std::string_view local_id) const;

 private:
  explicit LinkageKey(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::string_view message) const;
  std::string secret_;
};

}  // namespace lscb::adapters
