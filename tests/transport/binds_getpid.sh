#!/bin/sh
# binds_getpid.sh PROGRAM: passes when PROGRAM's libzmq calls PROGRAM's own
# getpid() (transport/pid_cache.h), not libc's. Every symbol is bound at
# load (LD_BIND_NOW), and the dynamic linker reports each binding.
set -u
prog="$1"
bindings=$(LD_BIND_NOW=1 LD_DEBUG=bindings "$prog" --help 2>&1 >/dev/null | grep -F "libzmq" | grep -F "symbol \`getpid'")
if printf '%s\n' "$bindings" | grep -qF " to $prog [0]:"; then
  exit 0
fi
echo "$prog: libzmq's getpid is not the program's own; the dynamic linker bound it so:" >&2
printf '%s\n' "${bindings:-(no binding of getpid for libzmq reported)}" >&2
exit 1
