// Child processes for tests that run the real binaries.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace lscb::testing {

class Process {
 public:
  // Starts argv[0] with stdout and stderr sent to the given files.
  Process(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file)
      : out_file_(out_file), err_file_(err_file) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (running()) {
      Signal(SIGKILL);
      Wait();
    }
  }
  void Signal(int sig) const { ::kill(pid_, sig); }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      status_ = status;
      return false;
    }
    return true;
  }
  // The exit code, or 128 + signal.
  int Wait() {
    if (!exited_) {
      ::waitpid(pid_, &status_, 0);
      exited_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  // Waits until the child has exited or `timeout` passes; true if exited.
  bool WaitFor(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  std::string out() const { return ReadAll(out_file_); }
  std::string err() const { return ReadAll(err_file_); }
  // Waits until stderr contains `text`; false on timeout or exit.
  bool WaitForErr(const std::string& text, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (err().find(text) != std::string::npos) return true;
      if (!running()) return err().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string out_file_, err_file_;
};

// A loopback TCP port that was free a moment ago, never the same one twice
// in a process (the kernel may hand a port just closed out again, and a hub
// given one port for two sockets cannot start).
inline int FreePort() {
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard lock(mu);
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      std::perror("FreePort: socket");
      std::abort();
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("FreePort: bind");
      std::abort();
    }
    int port = ntohs(addr.sin_port);
    ::close(fd);
    if (given.insert(port).second) return port;
  }
}

// What a hub writes once it listens ("ready: ingest=..."). A bare "ready"
// would also match a hub that could not start because an address was
// "already in use".
inline constexpr const char* kHubReady = "ready: ingest=";

}  // namespace lscb::testing
