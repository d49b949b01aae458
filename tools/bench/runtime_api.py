"""A minimal Lambda Runtime API (2018-06-01) for instruction counting: it serves a fixed list of
events on /next, one per call, records what the bootstrap posts, and holds /next open once the
list is spent (the harness then stops the bootstrap). It runs in the harness's process, outside
callgrind, so its own cost is never counted."""

import http.server
import threading
import time

PREFIX = "/2018-06-01/runtime"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a bootstrap stopped mid-connection resets it: expected, not worth a traceback


class RuntimeApi:
    def __init__(self, events):
        self._events = list(events)  # bytes, or callables returning bytes (rendered when served)
        self._served = 0
        self.responses = {}  # request id -> posted body (bytes)
        self.errors = {}  # request id -> posted error body, or "init" -> init error
        self._lock = threading.Condition()
        self._stopping = False
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real service

            def log_message(self, *args):  # quiet: the harness reports what matters
                pass

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._answer(404, b'{"errorMessage":"unknown path"}')
                event = api._next_event()
                if event is None:
                    return  # spent or stopping: the connection is closed without an answer
                request_id, payload = event
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                # 15 minutes from now: the handlers' budgets never cut an attempt short.
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:bench",
                )
                # Lambda's header for an unsampled invocation of a function with active tracing.
                self.send_header(
                    "Lambda-Runtime-Trace-Id",
                    "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
                )
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if parts == ["init", "error"]:
                    api._record(api.errors, "init", body)
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
                    api._record(api.responses, parts[1], body)
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
                    api._record(api.errors, parts[1], body)
                else:
                    return self._answer(404, b'{"errorMessage":"unknown path"}')
                self._answer(202, b'{"status":"OK"}')

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self._server.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def _next_event(self):
        with self._lock:
            if self._served < len(self._events):
                index = self._served
                self._served += 1
                event = self._events[index]
                payload = event(index) if callable(event) else event
                return "bench-%08d" % index, payload
            # Spent: hold the bootstrap here until the harness stops it.
            while not self._stopping:
                self._lock.wait()
            return None

    def _record(self, where, key, body):
        with self._lock:
            where[key] = body
            self._lock.notify_all()

    def wait_done(self, timeout):
        """True once every event has an answer (response or error), or an init error came."""
        end = time.monotonic() + timeout
        with self._lock:
            while len(self.responses) + len(self.errors) < len(self._events) and "init" not in self.errors:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return "init" not in self.errors
