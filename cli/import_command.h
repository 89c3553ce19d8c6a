// `lscb import`: validate agency files, pseudonymise, deliver, summarise.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

namespace lscb::cli {

struct ImportOptions {
  std::string format;
  std::string ingest = "tcp://127.0.0.1:7401";
  std::string linkage_secret_file;
  std::vector<std::string> files;
  // "reject-file": nothing from a file with errors is sent.
  // "skip-record": good records are sent; bad ones are listed in FILE.rejects.
  std::string on_error = "reject-file";
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds give_up_after{0};
  bool progress = true;
};

// Runs the import and prints the summary line on `out`, problems and
// progress on `err`. Returns the exit code: 0 all delivered, 1 something
// rejected (by validation or by the hub), 2 bad usage or an unreadable file,
// 3 the hub could not be reached in time.
int RunImport(const ImportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lscb::cli
