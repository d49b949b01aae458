// Where the on-failure records come from: the local stack's JSON-lines file, or the SQS queue that
// is the event source mapping's on-failure destination on AWS.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "aws/sqs.h"
#include "redrive/redrive.h"
#include "redrive/report.h"

namespace streamcache::redrive {

using ReportSink = std::function<void(const BatchReport&)>;

// Every non-blank line is one record ("line N"). A file that cannot be read is a summary error.
Summary redrive_file(const std::filesystem::path& file, Redriver& redriver,
                     const ReportSink& on_batch);

struct QueueOptions {
  std::chrono::seconds wait{1};                 // ReceiveMessage WaitTimeSeconds (0: short poll)
  std::chrono::seconds visibility_timeout{60};  // messages left in the queue reappear after this
  bool delete_done = true;                      // false with --dry-run
};

// Receives until a receive brings no message not seen in this run; deletes a message only after
// its batch was redriven. Messages not redriven stay in the queue.
Summary redrive_queue(aws::SqsClient& sqs, const std::string& queue_url, Redriver& redriver,
                      const QueueOptions& options, const ReportSink& on_batch);

}  // namespace streamcache::redrive
