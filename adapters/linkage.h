// Pseudonymisation at source: keyed-hash linkage tokens.
//
// Tokens are HMAC-SHA-256 under the secret shared by the agencies (domain.md
// "Pseudonymous subjects"). A plain hash would not do: there are only ~10^9
// NHS numbers, so it could be reversed by brute force.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/calendar.h"
#include "core/status.h"

namespace lscb::adapters {

// Strips spaces and checks 10 digits and the modulus-11 check digit
// (weights 10..2 on the first nine digits; 11 - (sum mod 11), 11 -> 0,
// 10 -> invalid). Returns the 10 digits, or nullopt.
std::optional<std::string> NormaliseNhsNumber(std::string_view text);

// The surname as it enters a demo token: ASCII letters only, upper-cased
// ("O'Brien-Smith" -> "OBRIENSMITH"); anything else (spaces, hyphens,
// apostrophes, non-ASCII letters) is dropped. Empty when no letter is left.
std::string DemoSurname(std::string_view surname);
// The forename initial of a demo token: the first ASCII letter of
// `forenames`, upper-cased ("john paul" -> 'J'), by the same rule as
// DemoSurname. nullopt when there is none.
std::optional<char> DemoInitial(std::string_view forenames);

class LinkageKey final {
 public:
  // Reads the secret from a file. Refuses a file that is group- or
  // world-readable (the message says how to fix it) and a secret shorter
  // than 16 bytes. A trailing newline is not part of the secret.
  // Errors: IoError (cannot be opened or read; names the file),
  // FailedPrecondition (group/other permission bits set), InvalidArgument
  // (secret too short). The secret itself is never put in a message.
  static Result<LinkageKey> FromFile(const std::string& path);
  // For tests and tools; no length check.
  static LinkageKey FromSecret(std::string secret);

  // 32-byte tokens.
  std::string NhsToken(std::string_view nhs10) const;  // "nhs:" + digits
  // "demo:" + DemoSurname(surname) + "|" + DemoInitial(forenames) + "|" +
  // YYYY-MM-DD. REQUIRES: both have a letter (callers check and report).
  std::string DemoToken(std::string_view surname, std::string_view forenames, Date dob) const;
  // "local:" + source + "|" + the agency's own id for the child.
  std::string LocalToken(std::string_view source, std::string_view local_id) const;

 private:
  explicit LinkageKey(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::string_view message) const;
  std::string secret_;
};

}  // namespace lscb::adapters
