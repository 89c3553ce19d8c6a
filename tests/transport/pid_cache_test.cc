// transport/pid_cache.h: getpid() from memory, right after fork.
#include "transport/pid_cache.h"

#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include <gtest/gtest.h>

namespace lscb::transport {
namespace {

// In a child: from now on the getpid system call fails with EPERM.
bool ForbidGetpidSyscall() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

// Runs `child` in a forked process; its exit status (-1 if it did not exit).
template <typename F>
int InChild(F child) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(child());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(PidCache, AnswersTheKernelsPid) {
  EXPECT_EQ(::getpid(), KernelPid());
  EXPECT_EQ(::getpid(), KernelPid());
}

TEST(PidCache, IsThePidEveryLibraryOfTheProcessGets) {
  // What a shared library (libzmq) calls: the symbol found first in the
  // process's global scope.
  auto* found = reinterpret_cast<pid_t (*)()>(::dlsym(RTLD_DEFAULT, "getpid"));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, &::getpid);
  EXPECT_EQ(found(), KernelPid());
}

TEST(PidCache, LaterCallsMakeNoSystemCall) {
  // The child learns its pid, then loses the system call: the answer must
  // come from memory. Exit status 2: seccomp filters are not available.
  const int status = InChild([] {
    const pid_t before = ::getpid();
    if (!ForbidGetpidSyscall()) return 2;
    if (KernelPid() != -1) return 3;  // the filter works
    auto* found = reinterpret_cast<pid_t (*)()>(::dlsym(RTLD_DEFAULT, "getpid"));
    return ::getpid() == before && found() == before ? 0 : 1;
  });
  if (status == 2) GTEST_SKIP() << "this kernel does not let a process install a seccomp filter";
  EXPECT_EQ(status, 0);
}

TEST(PidCache, AForkedChildGetsItsOwnPid) {
  const pid_t parent = ::getpid();  // cached in the parent
  const int status = InChild([parent] {
    const pid_t pid = ::getpid();
    return pid != parent && pid == KernelPid() ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(::getpid(), parent);
}

}  // namespace
}  // namespace lscb::transport
