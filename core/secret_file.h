// Reading the small files that hold keys: a CURVE key pair's halves and the
// linkage secret.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace lscb {

// The whole content of the file at `path`, which must be a regular file of
// at most `max_bytes`. `what` names the file in messages ("CURVE secret key
// file"). When `secret`, a file that group or others may read or write is
// refused with FailedPrecondition and the chmod that fixes it. IoError when
// the file cannot be read or is not a regular file; InvalidArgument when it
// is larger than `max_bytes`. The read buffer is wiped; the caller wipes the
// returned text once done with it.
Result<std::string> ReadKeyFile(const std::string& path, const std::string& what, bool secret, size_t max_bytes);

}  // namespace lscb
