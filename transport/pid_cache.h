// getpid() answered from memory, for the programs that link it.
//
// libzmq checks, on every signal between a socket's thread and its I/O
// thread, that the process has not forked (it compares getpid() with the
// pid it started with). glibc has not cached the pid since 2.25, so each of
// those checks is a system call: for each message a server receives and
// answers, about five on the thread that does and eleven in the process. On
// a virtual machine a system call costs about a microsecond, a measurable
// share of a round trip (tests/bench/PERFORMANCE.md).
//
// Linking the object library `lscb_pid_cache` into an executable defines
// getpid() there, which the dynamic linker then uses for the whole process,
// shared libraries included. The first call asks the kernel; later calls
// return the same value. A child made by fork() asks again (a
// pthread_atfork handler clears the cache; if it cannot be registered,
// every call asks the kernel). Children made otherwise (vfork,
// posix_spawn, clone) run no such handler: one would see the parent's pid,
// and one sharing the parent's memory (vfork, CLONE_VM) that asked first
// would leave its own pid in the parent's cache. A program linking this
// must not create any child that calls getpid() before exec (glibc's own
// posix_spawn, system and popen do not call it). The hub and the `lscb`
// tool create no children at all.
//
// Only executables link it (the two programs, and its own test): never a
// library, so that no program gets it without choosing it.
#pragma once

#include <sys/types.h>

namespace lscb::transport {

// The process id from the kernel, bypassing the cache (for tests).
pid_t KernelPid();

}  // namespace lscb::transport
