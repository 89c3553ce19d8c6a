// `lscb stream`: send a growing agency feed row by row, through the outbox.
//
// Works with any registered CSV adapter. The first non-blank line is the
// header; every later complete line (ended by a line break; in streaming mode
// a row may not span lines) is parsed with the adapter as header + that row.
// A bad row is reported as FILE:LINE: field: problem with its real line
// number and skipped: a stream cannot reject a whole file.
//
// Each group of rows read together is enqueued in the outbox atomically with
// the stream's position (the byte offset and line after the last row), so a
// stream stopped or killed at any moment resumes on the next start exactly
// after the last row it queued: nothing is lost, and the rows in flight when
// it died are re-sent and recognised by the hub as duplicates.
//
// The position is kept under the name "stream:FORMAT:ABSOLUTE-PATH" and is
// only used while the file is the same (device and inode) and not shorter
// than the position; otherwise the file is read from its start (again,
// duplicates are harmless). Standard input ("-") is resumed the same way when
// it is a regular file; a pipe cannot be rewound, so a restarted stream reads
// a pipe from wherever its producer starts it.
#pragma once

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include "transport/transport.h"

namespace lscb::cli {

struct StreamOptions {
  std::string format;
  std::string ingest = "tcp://127.0.0.1:7401";
  std::string linkage_secret_file;
  // CURVE keys for a hub that requires them (plaintext when not enabled).
  transport::CurveClientKeys curve;
  // The outbox folder; DefaultOutboxDir() when empty.
  std::string outbox;
  // The feed; "-" for standard input.
  std::string file;
  // Keep reading as the file grows (and after it is replaced, as `tail -F`
  // does) until `stop`; otherwise stop at its end once all is delivered.
  bool follow = false;
  // How often to look for new rows when there are none.
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds request_timeout{5000};
  // Once stopped, how long to keep delivering what is queued before exiting
  // (the rest waits in the outbox for the next run or `lscb outbox flush`).
  std::chrono::milliseconds drain_timeout{5000};
  // Every 5 s while events wait: "FILE: line N read, M events waiting" on
  // the error stream.
  bool progress = true;
  // Set (e.g. by a SIGTERM handler) to stop; may be null.
  const std::atomic<bool>* stop = nullptr;
};

// Runs the stream, prints the summary line on `out` when it ends
// ("accepted=N duplicate=N amended=N merged=N rejected=N", plus " queued=N"
// when some wait; rejected counts bad rows and the hub's rejections), and
// problems and notices on `err` (among them "up to date: FILE line N" when
// everything read so far is acknowledged, at most every 2 s). Returns the exit code: 0
// stopped or done; 1 the outbox failed or the hub broke the protocol; 2 bad
// usage, an unreadable file or header, or an outbox in use.
int RunStream(const StreamOptions& options, std::ostream& out, std::ostream& err);

// For `lscb outbox status`: "stream FORMAT FILE: line N (byte B)" for a
// position written by RunStream; empty for anything else.
std::string DescribeStreamPosition(std::string_view name, std::string_view value);

}  // namespace lscb::cli
