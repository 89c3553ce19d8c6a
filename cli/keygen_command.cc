#include "cli/keygen_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>

#include "transport/curve.h"

namespace lscb::cli {
namespace {

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64 || n[0] == '.') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

// Creates `path` (never replacing a file) with `mode` and writes `text`.
// Returns "" or the problem.
std::string WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    if (errno == EEXIST) return path + " already exists; lscb keygen never replaces a key (remove it first)";
    return "cannot create " + path + ": " + std::strerror(errno);
  }
  std::string problem;
  if (::fchmod(fd, mode) != 0) problem = "cannot set the mode of " + path + ": " + std::strerror(errno);
  size_t done = 0;
  while (problem.empty() && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = "cannot write " + path + ": " + std::strerror(errno);
    else done += static_cast<size_t>(n);
  }
  if (problem.empty() && ::fsync(fd) != 0) problem = "cannot write " + path + ": " + std::strerror(errno);
  ::close(fd);
  if (!problem.empty()) ::unlink(path.c_str());
  return problem;
}

}  // namespace

Result<transport::CurveClientKeys> LoadCurveClientKeys(const std::string& secret_key_file,
                                                       const std::string& hub_public_key_file) {
  if (secret_key_file.empty() && hub_public_key_file.empty()) return transport::CurveClientKeys{};
  if (secret_key_file.empty())
    return Status::InvalidArgument("--hub-key-file needs --key-file (this principal's secret key file)");
  if (hub_public_key_file.empty())
    return Status::InvalidArgument("--key-file needs --hub-key-file (the hub's .pub file)");
  auto pair = transport::ReadCurveSecretKeyFile(secret_key_file);
  if (!pair.ok()) return pair.status();
  auto hub = transport::ReadCurvePublicKeyFile(hub_public_key_file);
  if (!hub.ok()) {
    transport::WipeSecret(pair->secret_key);
    return hub.status();
  }
  return transport::CurveClientKeys{*hub, pair->public_key, std::move(pair->secret_key)};
}

int RunKeygen(const KeygenOptions& o, std::ostream& out, std::ostream& err) {
  if (!ValidName(o.name)) {
    err << "lscb keygen: --name must be 1-64 letters, digits, '.', '_' or '-' (not starting with '.')\n";
    return 2;
  }
  if (o.out_dir.empty()) {
    err << "lscb keygen: give --out DIR\n";
    return 2;
  }
  struct stat st {};
  if (::stat(o.out_dir.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkdir(o.out_dir.c_str(), 0700) != 0) {
      err << "lscb keygen: cannot create " << o.out_dir << ": " << std::strerror(errno) << "\n";
      return 1;
    }
  } else if (!S_ISDIR(st.st_mode)) {
    err << "lscb keygen: " << o.out_dir << " is not a folder\n";
    return 2;
  }
  const std::string secret_path = o.out_dir + "/" + o.name + ".key";
  const std::string public_path = o.out_dir + "/" + o.name + ".pub";
  for (const auto& p : {secret_path, public_path}) {
    if (::lstat(p.c_str(), &st) == 0) {
      err << "lscb keygen: " << p << " already exists; lscb keygen never replaces a key (remove it first)\n";
      return 1;
    }
  }
  auto pair = transport::GenerateCurveKeyPair();
  if (!pair.ok()) {
    err << "lscb keygen: " << pair.status().message() << "\n";
    return 1;
  }
  std::string secret_text = pair->secret_key + "\n";
  transport::WipeSecret(pair->secret_key);
  std::string problem = WriteNew(secret_path, secret_text, 0600);
  transport::WipeSecret(secret_text);
  if (problem.empty()) {
    problem = WriteNew(public_path, pair->public_key + "\n", 0644);
    if (!problem.empty()) ::unlink(secret_path.c_str());
  }
  if (!problem.empty()) {
    err << "lscb keygen: " << problem << "\n";
    return 1;
  }
  out << "secret key: " << secret_path << " (mode 0600; keep it with " << o.name << " only)\n"
      << "public key: " << public_path << "\n"
      << "public_key = \"" << pair->public_key << "\"\n";
  return 0;
}

}  // namespace lscb::cli
