#include "transport/curve.h"

#include <zmq.h>

#include <cstring>

#include "core/secret_file.h"

namespace lscb::transport {
namespace {

// Reads a key file (at most 4 KiB). `what` names it in messages.
Result<std::string> ReadSmallFile(const std::string& path, const std::string& what, bool secret) {
  auto read = ReadKeyFile(path, what, secret, 4096);
  if (!read.ok()) return read.status();
  std::string& text = *read;
  // The key is the first line, without surrounding white space.
  size_t end = text.find_first_of("\r\n");
  std::string key = text.substr(0, end);
  WipeSecret(text);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
  size_t start = key.find_first_not_of(" \t");
  if (start == std::string::npos) start = key.size();
  std::string trimmed = key.substr(start);
  WipeSecret(key);
  if (!IsCurveKey(trimmed)) {
    WipeSecret(trimmed);
    return Status::InvalidArgument(what + " " + path +
                                   " does not hold a CURVE key (40 characters of Z85 text, as written by lscb keygen)");
  }
  return trimmed;
}

}  // namespace

bool CurveAvailable() { return zmq_has("curve") != 0; }

Result<CurveKeyPair> GenerateCurveKeyPair() {
  if (!CurveAvailable()) return Status::FailedPrecondition("this ZeroMQ library was built without CURVE");
  char pub[41] = {}, sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return Status::Internal(std::string("cannot generate a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  CurveKeyPair pair{std::string(pub, 40), std::string(sec, 40)};
  explicit_bzero(sec, sizeof sec);
  return pair;
}

bool IsCurveKey(std::string_view key) {
  if (key.size() != 40) return false;
  char text[41];
  std::memcpy(text, key.data(), 40);
  text[40] = '\0';
  uint8_t bin[32];
  bool ok = zmq_z85_decode(bin, text) != nullptr;
  explicit_bzero(bin, sizeof bin);
  explicit_bzero(text, sizeof text);
  return ok;
}

Result<std::string> CurvePublicKeyOf(const std::string& secret_key) {
  if (!IsCurveKey(secret_key)) return Status::InvalidArgument("not a CURVE secret key (40 characters of Z85)");
  char pub[41] = {};
  if (zmq_curve_public(pub, secret_key.c_str()) != 0)
    return Status::Internal(std::string("cannot derive a CURVE public key: ") + zmq_strerror(zmq_errno()));
  return std::string(pub, 40);
}

Result<CurveKeyPair> ReadCurveSecretKeyFile(const std::string& path) {
  auto secret = ReadSmallFile(path, "CURVE secret key file", true);
  if (!secret.ok()) return secret.status();
  auto pub = CurvePublicKeyOf(*secret);
  if (!pub.ok()) {
    WipeSecret(*secret);
    return pub.status();
  }
  return CurveKeyPair{*pub, std::move(*secret)};
}

Result<std::string> ReadCurvePublicKeyFile(const std::string& path) {
  return ReadSmallFile(path, "CURVE public key file", false);
}

void WipeSecret(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
}

}  // namespace lscb::transport
