// `lscb keygen`: a CURVE key pair for a principal or a hub.
//
//   lscb keygen --name NAME --out DIR
//
// Writes DIR/NAME.key (the secret key, mode 0600) and DIR/NAME.pub (the
// public key, mode 0644), each one line of Z85 text, and prints the public
// key. Refuses to overwrite either file. The secret key stays in the file:
// it is never printed; give the hub (or an agency's lscb) the .key file and
// the hub's config the .pub text (docs/security.md).
#pragma once

#include <iosfwd>
#include <string>

#include "core/status.h"
#include "transport/transport.h"

namespace lscb::cli {

struct KeygenOptions {
  std::string name;     // letters, digits, '.', '_', '-'
  std::string out_dir;  // created (mode 0700) when missing
};

// Exit code: 0 written; 1 a file exists or cannot be written; 2 bad usage.
int RunKeygen(const KeygenOptions& options, std::ostream& out, std::ostream& err);

// The keys an lscb command connects to a CURVE hub with: this principal's
// secret key file (mode 0600; the public key is derived from it) and the
// hub's public key file. Both empty: plaintext (keys not enabled). One
// without the other is InvalidArgument; the messages name the flag.
Result<transport::CurveClientKeys> LoadCurveClientKeys(const std::string& secret_key_file,
                                                       const std::string& hub_public_key_file);

}  // namespace lscb::cli
