// A real hub in this process, on loopback ports chosen by the OS, with its
// store in a temporary folder.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "hub/hub.h"
#include "testing/temp_dir.h"

namespace lscb::testing {

class RunningHub {
 public:
  explicit RunningHub(const std::string& data_dir, hub::HubOptions options = {}) {
    options.data_dir = data_dir;
    options.ingest_endpoint = "tcp://127.0.0.1:*";
    options.feed_endpoint = "tcp://127.0.0.1:*";
    options.query_endpoint = "tcp://127.0.0.1:*";
    auto h = hub::Hub::Open(options);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (!h.ok()) return;
    hub_ = std::move(h.value());
    thread_ = std::thread([this] { EXPECT_TRUE(hub_->Run().ok()); });
  }
  ~RunningHub() { Stop(); }
  void Stop() {
    if (!hub_) return;
    hub_->Stop();
    if (thread_.joinable()) thread_.join();
    hub_.reset();
  }
  bool ok() const { return hub_ != nullptr; }
  const hub::BoundEndpoints& endpoints() const { return hub_->endpoints(); }
  hub::HubStats stats() const { return hub_->stats(); }

 private:
  std::unique_ptr<hub::Hub> hub_;
  std::thread thread_;
};

}  // namespace lscb::testing
