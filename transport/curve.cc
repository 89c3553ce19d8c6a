#include "transport/curve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lscb::transport {
namespace {

// Reads a small file (a key: at most 4 KiB). `what` names it in messages.
Result<std::string> ReadSmallFile(const std::string& path, const std::string& what, bool secret) {
  auto io_error = [&](int err) { return Status::IoError("cannot read " + what + " " + path + ": " + std::strerror(err)); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return io_error(errno);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error(errno);
  if (!S_ISREG(st.st_mode)) return Status::IoError(what + " " + path + " is not a regular file");
  if (secret && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition(what + " " + path + " is readable or writable by group or others (mode " +
                                      mode + "); run: chmod 600 " + path);
  }
  if (st.st_size > 4096) return Status::InvalidArgument(what + " " + path + " is too large to hold a key");
  std::string text;
  std::array<char, 4097> buf{};
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(errno);
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > 4096) break;
  }
  explicit_bzero(buf.data(), buf.size());
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
