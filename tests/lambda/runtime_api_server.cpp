#include "lambda/runtime_api_server.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamcache::lambda::testing {

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
constexpr std::size_t kMaxBody = std::size_t{32} << 20;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct HttpRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return {};
  }
};

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool peer_closed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

}  // namespace

struct RuntimeApiServer::State {
  Fd listener;
  Fd wake;  // eventfd: readable once stopping, wakes every poll
  int port = 0;
  mutable std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::deque<QueuedInvocation> queue;
  std::vector<Post> posts;
  std::optional<Clock::time_point> first_next;
  int next_status = 0;
  int fail_post_status = 0;
  int fail_post_count = 0;
  int connections = 0;
  int next_count = 0;
  int post_count = 0;
  std::vector<std::thread> connections_threads;

  // Waits until `fd` is readable or the server stops; false when stopping.
  [[nodiscard]] bool wait_readable(int fd) const {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake.get(), POLLIN, 0}};
    while (true) {
      const int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN) != 0) return false;
      return true;
    }
  }

  // Reads one request; nullopt on EOF, error or stop.
  std::optional<HttpRequest> read_request(int fd, std::string& buffer) const {
    std::size_t header_end = std::string::npos;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(fd, buffer)) return std::nullopt;
    }
    HttpRequest request;
    std::string_view head(buffer.data(), header_end);
    auto line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    auto space1 = request_line.find(' ');
    auto space2 = request_line.find(' ', space1 + 1);
    if (space1 == std::string_view::npos || space2 == std::string_view::npos) return std::nullopt;
    request.method = std::string(request_line.substr(0, space1));
    request.target = std::string(request_line.substr(space1 + 1, space2 - space1 - 1));
    std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
    while (!rest.empty()) {
      auto end = rest.find("\r\n");
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? "" : rest.substr(end + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      request.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
    }
    std::size_t length = 0;
    const std::string length_text = request.header("content-length");
    std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (length > kMaxBody) return std::nullopt;
    buffer.erase(0, header_end + 4);
    while (buffer.size() < length) {
      if (!read_more(fd, buffer)) return std::nullopt;
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return request;
  }

  bool read_more(int fd, std::string& buffer) const {
    if (!wait_readable(fd)) return false;
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
};

namespace {

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool respond(int fd, int status, std::string_view reason,
             const std::vector<std::pair<std::string, std::string>>& headers,
             std::string_view body) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (const auto& [name, value] : headers)
    head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return send_all(fd, head) && send_all(fd, body);
}

}  // namespace

RuntimeApiServer::RuntimeApiServer() : state_(std::make_unique<State>()) {
  state_->listener = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  state_->wake = Fd(::eventfd(0, EFD_CLOEXEC));
  if (state_->listener.get() < 0 || state_->wake.get() < 0) {
    throw std::runtime_error(std::string("runtime API server: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port: no race with other test binaries
  socklen_t size = sizeof address;
  if (::bind(state_->listener.get(), reinterpret_cast<sockaddr*>(&address), size) != 0 ||  // NOLINT
      ::listen(state_->listener.get(), 64) != 0 ||
      ::getsockname(state_->listener.get(), reinterpret_cast<sockaddr*>(&address),  // NOLINT
                    &size) != 0) {
    throw std::runtime_error(std::string("runtime API server: ") + std::strerror(errno));
  }
  state_->port = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RuntimeApiServer::~RuntimeApiServer() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(state_->wake.get(), &one, sizeof one);
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(state_->mutex);
    threads.swap(state_->connections_threads);
  }
  for (auto& t : threads)
    t.join();
}

std::string RuntimeApiServer::endpoint() const {
  return "127.0.0.1:" + std::to_string(state_->port);
}

void RuntimeApiServer::accept_loop() {
  while (state_->wait_readable(state_->listener.get())) {
    const int fd = ::accept4(state_->listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    std::lock_guard lock(state_->mutex);
    ++state_->connections;
    state_->connections_threads.emplace_back([this, fd] { serve(fd); });
  }
}

void RuntimeApiServer::serve(int raw_fd) {
  const Fd fd(raw_fd);
  State& s = *state_;
  std::string buffer;
  while (auto request = s.read_request(fd.get(), buffer)) {
    const Clock::time_point received = Clock::now();
    std::string_view target = request->target;
    if (target.substr(0, kPrefix.size()) != kPrefix) {
      if (!respond(fd.get(), 404, "Not Found", {}, "{\"errorMessage\":\"unknown path\"}")) return;
      continue;
    }
    target.remove_prefix(kPrefix.size());

    if (request->method == "GET" && target == "invocation/next") {
      std::unique_lock lock(s.mutex);
      ++s.next_count;
      if (!s.first_next) s.first_next = received;
      s.changed.notify_all();
      // Hold the request like Lambda does until there is work; give up when the peer is gone.
      while (true) {
        if (s.stopping || peer_closed(fd.get())) return;  // never hand work to a dead process
        if (s.next_status != 0 || !s.queue.empty()) break;
        s.changed.wait_for(lock, std::chrono::milliseconds(50));  // re-checks the peer
      }
      if (s.next_status != 0) {
        const int status = s.next_status;
        lock.unlock();
        if (!respond(fd.get(), status, "Error", {{"Content-Type", "application/json"}},
                     "{\"errorMessage\":\"injected failure\",\"errorType\":\"Test.Injected\"}")) {
          return;
        }
        continue;
      }
      QueuedInvocation invocation = std::move(s.queue.front());
      s.queue.pop_front();
      lock.unlock();
      std::vector<std::pair<std::string, std::string>> headers = {
          {"Content-Type", "application/json"},
          {"Lambda-Runtime-Aws-Request-Id", invocation.request_id},
          {"Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn}};
      headers.emplace_back(
          "Lambda-Runtime-Deadline-Ms",
          invocation.raw_deadline_header
              ? *invocation.raw_deadline_header
              : std::to_string(invocation.deadline_ms != 0 ? invocation.deadline_ms
                                                           : epoch_ms_now() + 60'000));
      if (!invocation.trace_id.empty()) {
        headers.emplace_back("Lambda-Runtime-Trace-Id", invocation.trace_id);
      }
      if (!invocation.client_context.empty()) {
        headers.emplace_back("Lambda-Runtime-Client-Context", invocation.client_context);
      }
      if (!invocation.cognito_identity.empty()) {
        headers.emplace_back("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity);
      }
      if (!respond(fd.get(), 200, "OK", headers, invocation.payload)) return;
      continue;
    }

    if (request->method == "POST") {
      Post post;
      post.at = received;
      post.content_type = request->header("content-type");
      post.error_type_header = request->header("lambda-runtime-function-error-type");
      bool known = true;
      if (target == "init/error") {
        post.kind = Post::Kind::init_error;
      } else if (target.substr(0, 11) == "invocation/") {
        std::string_view rest = target.substr(11);
        const auto slash = rest.rfind('/');
        const std::string_view what = slash == std::string_view::npos ? "" : rest.substr(slash);
        post.request_id = std::string(rest.substr(0, slash));
        if (what == "/response") {
          post.kind = Post::Kind::response;
        } else if (what == "/error") {
          post.kind = Post::Kind::error;
        } else {
          known = false;
        }
      } else {
        known = false;
      }
      if (!known) {
        if (!respond(fd.get(), 404, "Not Found", {}, "{\"errorMessage\":\"unknown path\"}")) return;
        continue;
      }
      int status = 202;
      {
        std::lock_guard lock(s.mutex);
        ++s.post_count;
        if (s.fail_post_count > 0) {
          --s.fail_post_count;
          status = s.fail_post_status;
        } else {
          post.body = std::move(request->body);
          s.posts.push_back(std::move(post));
        }
      }
      s.changed.notify_all();
      if (!respond(fd.get(), status, status == 202 ? "Accepted" : "Error",
                   {{"Content-Type", "application/json"}},
                   status == 202 ? "{\"status\":\"OK\"}" : "{\"errorMessage\":\"injected\"}")) {
        return;
      }
      continue;
    }
    if (!respond(fd.get(), 405, "Method Not Allowed", {}, "")) return;
  }
}

void RuntimeApiServer::enqueue(QueuedInvocation invocation) {
  {
    std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(invocation));
  }
  state_->changed.notify_all();
}

void RuntimeApiServer::fail_next_with(int status) {
  {
    std::lock_guard lock(state_->mutex);
    state_->next_status = status;
  }
  state_->changed.notify_all();
}

void RuntimeApiServer::fail_posts_with(int status, int count) {
  std::lock_guard lock(state_->mutex);
  state_->fail_post_status = status;
  state_->fail_post_count = count;
}

std::optional<Post> RuntimeApiServer::wait_for_post(const std::string& request_id,
                                                    std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  std::optional<Post> found;
  state_->changed.wait_for(lock, timeout, [&] {
    for (const auto& post : state_->posts) {
      if (post.kind != Post::Kind::init_error && post.request_id == request_id) {
        found = post;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Post> RuntimeApiServer::wait_for_init_error(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  std::optional<Post> found;
  state_->changed.wait_for(lock, timeout, [&] {
    for (const auto& post : state_->posts) {
      if (post.kind == Post::Kind::init_error) {
        found = post;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Clock::time_point> RuntimeApiServer::wait_for_first_next(
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  state_->changed.wait_for(lock, timeout, [&] { return state_->first_next.has_value(); });
  return state_->first_next;
}

int RuntimeApiServer::connections_accepted() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections;
}

int RuntimeApiServer::next_requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->next_count;
}

int RuntimeApiServer::post_attempts() const {
  std::lock_guard lock(state_->mutex);
  return state_->post_count;
}

std::vector<Post> RuntimeApiServer::posts() const {
  std::lock_guard lock(state_->mutex);
  return state_->posts;
}

void RuntimeApiServer::reset() {
  std::lock_guard lock(state_->mutex);
  state_->queue.clear();
  state_->posts.clear();
  state_->first_next.reset();
  state_->next_status = 0;
  state_->fail_post_status = 0;
  state_->fail_post_count = 0;
  state_->connections = 0;
  state_->next_count = 0;
  state_->post_count = 0;
}

}  // namespace streamcache::lambda::testing
