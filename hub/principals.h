// Who may do what at the hub: the principals of the hub's config, each known
// by its CURVE public key.
//
//   publisher   may send events on the ingest socket: only as its agency,
//               only of its kinds, only about its boards;
//   subscriber  may ask the query socket for snapshots and topic states of
//               its boards, and subscribe to their topics on the feed; raw
//               (unsuppressed) figures only with `raw`;
//   admin       as a subscriber, for every board.
//
// A peer presenting a key that is not listed, or a listed key on a socket
// its role does not use, is refused at the handshake (ZAP). Without CURVE
// (plaintext) there is no policy: every peer is "anonymous" with every
// right.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/boards.h"
#include "core/status.h"

namespace lscb::hub {

enum class Role { kPublisher, kSubscriber, kAdmin };
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view text);

struct Principal {
  std::string name;        // in the audit log and the messages; letters, digits, '.', '_', '-'
  std::string public_key;  // CURVE public key, 40 characters of Z85
  Role role = Role::kSubscriber;
  // Publishers: the only Envelope.agency it may send (police, health, csc,
  // board).
  std::string agency;
  // Publishers: the event kinds it may send: wire names ("missing.episode"),
  // or a family ("csc.*").
  std::vector<std::string> kinds;
  // The boards it may publish about (publishers) or read (subscribers): ONS
  // codes, DfE numbers or names, or "london" for every London board and
  // London's total. Ignored for admins (every board).
  std::vector<std::string> boards;
  // Subscribers and admins: may be served unsuppressed (raw) figures.
  bool raw = false;
};

// The ZAP domains of the hub's sockets.
inline constexpr std::string_view kIngestDomain = "ingest";
inline constexpr std::string_view kQueryDomain = "query";
inline constexpr std::string_view kFeedDomain = "feed";

class AccessPolicy final {
 public:
  // Checks and resolves `principals`: unique names and keys, valid keys,
  // known boards, kinds and agencies, the fields each role needs. The
  // message names the principal and the field.
  static Result<std::shared_ptr<const AccessPolicy>> Create(std::vector<Principal> principals,
                                                            const BoardRegistry& boards);

  const Principal* Find(std::string_view name) const;
  const Principal* FindByKey(std::string_view public_key) const;
  const std::vector<Principal>& principals() const { return principals_; }

  // For the ZAP handler: the principal that `public_key` is, when it may
  // connect to the socket of `domain`; otherwise nullopt and the reason in
  // `denial`.
  std::optional<std::string> Authenticate(std::string_view domain, std::string_view mechanism,
                                          std::string_view public_key, std::string* denial) const;

  // Why `principal` may not send an event of `agency`, `kind` about `board`
  // (an ONS code), e.g. "principal met-central may not publish
  // health.ae_attendance"; nullopt when it may.
  std::optional<std::string> RefusePublish(std::string_view principal, std::string_view agency,
                                           std::string_view kind, std::string_view board) const;

  // Whether `principal` may read `topic` (a board's ONS code or a region
  // code).
  bool MayRead(std::string_view principal, std::string_view topic) const;
  // Whether `principal` may be served unsuppressed figures.
  bool MayReadRaw(std::string_view principal) const;

 private:
  struct Rights {
    std::set<std::string, std::less<>> kinds;     // exact wire names
    std::vector<std::string> kind_families;       // "csc." for "csc.*"
    std::set<std::string, std::less<>> boards;    // ONS codes it may publish about
    std::set<std::string, std::less<>> topics;    // ONS and region codes it may read
    bool every_topic = false;                     // admins
  };
  AccessPolicy() = default;
  const Rights* RightsOf(std::string_view name, const Principal** p) const;

  std::vector<Principal> principals_;
  std::map<std::string, size_t, std::less<>> by_name_, by_key_;
  std::vector<Rights> rights_;
};

}  // namespace lscb::hub
