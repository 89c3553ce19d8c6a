#include "core/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lscb {

Result<std::string> ReadKeyFile(const std::string& path, const std::string& what, bool secret, size_t max_bytes) {
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
  auto too_large = [&] {
    return Status::InvalidArgument(what + " " + path + " is too large (at most " + std::to_string(max_bytes) +
                                   " bytes)");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string text;
  std::array<char, 4096> buf{};
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      explicit_bzero(buf.data(), buf.size());
      explicit_bzero(text.data(), text.size());
      return io_error(err);
    }
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > max_bytes) break;  // grew since fstat
  }
  explicit_bzero(buf.data(), buf.size());
  if (text.size() > max_bytes) {
    explicit_bzero(text.data(), text.size());
    return too_large();
  }
  return text;
}

}  // namespace lscb
