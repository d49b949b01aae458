// run / run_with_init: read the options, build the one Runtime API client of the process, run
// the function's init, then the loop.
#include "lambda/runtime.h"

#include <csignal>

#include "lambda/logger.h"
#include "lambda/runtime_api.h"

namespace streamcache::lambda {

namespace {

Expected<Handler, ErrorInfo> call_init(const Init& init) {
  try {
    return init();
  } catch (...) {
    return unexpected(detail::current_exception_info());
  }
}

int report_init_error(detail::RuntimeApi& api, const ErrorInfo& error,
                      const detail::RuntimeOptions& options, detail::Logger& logger) {
  logger.write(LogLevel::error, "init failed: " + error.message, {{"errorType", error.type}});
  auto posted = detail::post_with_retries(api, detail::make_init_error_post(error), options);
  if (!posted)
    logger.write(LogLevel::error, "could not post the init error: " + posted.error().message);
  return 1;
}

}  // namespace

int run_with_init(const Init& init) {
  // The runtime owns the process: a closed stdout must cost log lines, not the process.
  ::signal(SIGPIPE, SIG_IGN);
  detail::Logger& logger = detail::process_logger();
  const EnvLookup env = process_env();
  auto options = detail::read_runtime_options(env);
  const auto endpoint = non_empty(env, "AWS_LAMBDA_RUNTIME_API");
  if (!endpoint) {  // nowhere to report: the log line is all we can do
    logger.write(LogLevel::error, options ? "no Runtime API endpoint" : options.error().message,
                 {{"errorType", "Runtime.ConfigInvalid"}});
    return 1;
  }
  auto url = detail::runtime_api_url(*endpoint);
  if (!url) {
    logger.write(LogLevel::error, url.error(), {{"errorType", "Runtime.ConfigInvalid"}});
    return 1;
  }
  const detail::RuntimeOptions settings = options ? *options : detail::RuntimeOptions{};
  detail::HttpRuntimeApi api(std::move(*url), settings.post_timeout);
  if (!options) return report_init_error(api, options.error(), settings, logger);
  logger.set_min_level(settings.log_level);

  auto handler = call_init(init);
  if (!handler) return report_init_error(api, handler.error(), settings, logger);
  if (!*handler) {
    return report_init_error(api, {"init returned an empty handler", "Runtime.InitError"}, settings,
                             logger);
  }
  return detail::run_loop(api, *handler, settings, logger);
}

int run(const Handler& handler) {
  return run_with_init([&handler]() -> Expected<Handler, ErrorInfo> { return handler; });
}

}  // namespace streamcache::lambda
