// CURVE keys (ZeroMQ RFC 26, CurveZMQ; libsodium underneath): generating,
// checking and reading them from files.
//
// Keys are 32 bytes, written as 40 characters of Z85 text. A secret key
// file holds the secret key (one line); a public key file the public key.
// A secret key file must be a regular file readable by its owner only
// (mode 0600 or 0400): anything else is refused with the chmod that fixes
// it. Secret keys are never put in messages or logs.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace lscb::transport {

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// Whether the ZeroMQ library was built with CURVE (zmq_has("curve")).
bool CurveAvailable();

// A fresh key pair (zmq_curve_keypair).
Result<CurveKeyPair> GenerateCurveKeyPair();

// True when `key` is 40 characters of Z85 that decode to 32 bytes.
bool IsCurveKey(std::string_view key);

// The public key belonging to `secret_key` (zmq_curve_public).
Result<std::string> CurvePublicKeyOf(const std::string& secret_key);

// Reads a secret key file (see above) and derives its public key.
// FailedPrecondition, with "run: chmod 600 PATH", when the file is readable
// or writable by group or others; InvalidArgument when it holds no key.
Result<CurveKeyPair> ReadCurveSecretKeyFile(const std::string& path);

// Reads a public key file (any mode).
Result<std::string> ReadCurvePublicKeyFile(const std::string& path);

// Overwrites the characters of `s` before it is released.
void WipeSecret(std::string& s);

}  // namespace lscb::transport
