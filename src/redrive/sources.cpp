#include "redrive/sources.h"

#include <fstream>
#include <set>

namespace streamcache::redrive {

Summary redrive_file(const std::filesystem::path& file, Redriver& redriver,
                     const ReportSink& on_batch) {
  Summary summary;
  std::ifstream in(file);
  if (!in) {
    summary.errors.push_back("cannot read " + file.string());
    return summary;
  }
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    BatchReport report = redriver.redrive("line " + std::to_string(number), line);
    summary.add(report);
    on_batch(report);
  }
  if (in.bad()) summary.errors.push_back("reading " + file.string() + " failed");
  return summary;
}

Summary redrive_queue(aws::SqsClient& sqs, const std::string& queue_url, Redriver& redriver,
                      const QueueOptions& options, const ReportSink& on_batch) {
  Summary summary;
  std::set<std::string> seen;
  const aws::ReceiveOptions receive{10, options.wait, options.visibility_timeout};
  while (true) {
    auto messages = sqs.receive_messages(queue_url, receive);
    if (!messages) {
      summary.errors.push_back("ReceiveMessage " + queue_url + ": " + messages.error().describe());
      return summary;
    }
    bool new_message = false;
    for (const auto& message : *messages) {
      if (!seen.insert(message.message_id).second) continue;  // back after its visibility timeout
      new_message = true;
      BatchReport report = redriver.redrive("message " + message.message_id, message.body);
      if (report.done() && options.delete_done) {
        if (auto deleted = sqs.delete_message(queue_url, message.receipt_handle); !deleted) {
          // Applied, but it will be received again: a second redrive of it is a no-op.
          summary.errors.push_back("DeleteMessage " + message.message_id + ": " +
                                   deleted.error().describe());
        }
      }
      summary.add(report);
      on_batch(report);
    }
    if (!new_message) return summary;
  }
}

}  // namespace streamcache::redrive
