// streamcache-soak: concurrent traffic and a seeded fault schedule against a running local stack,
// then a drained stream and a convergence check (see options.cpp's usage text).
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "soak/convergence.h"
#include "soak/fault_injector.h"
#include "soak/options.h"
#include "soak/redrive.h"
#include "soak/report.h"
#include "soak/stack.h"
#include "soak/workload.h"

using namespace streamcache;
using namespace streamcache::soak;

int main(int argc, char** argv) {
  auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::cerr << "error: " << options.error() << "\n" << usage();
    return 2;
  }
  if (options->help) {
    std::cout << usage();
    return 0;
  }
  if (!options->seed_given) options->seed = std::random_device{}();
  auto stack = LocalStack::open(options->state_dir);
  if (!stack) {
    std::cerr << "error: " << stack.error() << "\n";
    return 2;
  }

  SoakResult result;
  result.seed = options->seed;
  result.seconds = options->seconds;
  result.require_redrive = options->require_redrive;
  const auto schedule = plan_faults(std::chrono::seconds(options->seconds), options->seed);
  std::cerr << "soak: seed " << options->seed << ", " << options->seconds << " s, "
            << schedule.size() << " faults, " << options->writers << " writers, "
            << options->readers << " readers, " << options->ids << " ids\n";

  {
    Workload workload(
        {.api_url = stack->env("API_URL"),
         .aws_endpoint = stack->env("AWS_ENDPOINT_URL"),
         .region = stack->env("AWS_REGION").empty() ? "us-east-1" : stack->env("AWS_REGION"),
         .table = stack->env("TABLE_NAME"),
         .writers = options->writers,
         .readers = options->readers,
         .direct_writers = options->direct_writers,
         .ids = options->ids,
         .seed = options->seed});
    FaultInjector faults(*stack, schedule, options->seed);
    workload.start();
    faults.start();
    std::this_thread::sleep_for(std::chrono::seconds(options->seconds));  // the run's length
    faults.stop();  // resumes whatever is paused; Redis is running again
    workload.stop();
    result.operations = workload.records();
    result.faults = faults.injected();
    std::cerr << "soak: workload done (" << result.operations.size()
              << " operations); draining the stream\n";

    auto drained = drain_stream(*stack, std::chrono::seconds(options->drain_timeout_seconds));
    if (drained) {
      result.stream = *drained;
    } else {
      result.drain_error = drained.error();
    }
    if (result.stream && result.stream->discarded > 0) {
      auto redriven = redrive_on_failure_file(*stack, options->redrive);
      if (redriven) {
        result.redriven_batches = *redriven;
      } else {
        result.redrive_error = redriven.error();
      }
    }
    auto converged = check_convergence(*stack, workload.ids());
    if (converged) {
      result.convergence = *converged;
    } else {
      result.check_error = converged.error();
    }
  }

  const Verdict verdict = judge(result);
  const std::string report = render(result, verdict);
  std::cout << report;
  std::ofstream(options->state_dir / "soak-report.md") << report;
  return verdict.passed ? 0 : 1;
}
