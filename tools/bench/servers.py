"""redis-server and moto_server on free loopback ports for the instruction counts; stopped on exit."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, process, name, log, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError("%s exited at start (log: %s)" % (name, log))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not listen on port %d in %d s (log: %s)" % (name, port, timeout, log))


class Servers:
    """Both servers, started in __enter__; logs go to a temporary directory kept on failure."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="streamcache-instr-")
        self.redis_port = free_port()
        self.moto_port = free_port()
        self._processes = []
        self._tables = 0

    def __enter__(self):
        for tool in ("redis-server", "moto_server"):
            if shutil.which(tool) is None:
                raise RuntimeError("%s is not installed (./dev setup)" % tool)
        self._start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", self.dir], self.redis_port)
        self._start("moto", ["moto_server", "-H", "127.0.0.1", "-p", str(self.moto_port)], self.moto_port)
        return self

    def __exit__(self, exc_type, *exc):
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if exc_type is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _start(self, name, argv, port):
        log = os.path.join(self.dir, name + ".log")
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._processes.append(process)
        _wait_port(port, process, name, log)

    def redis_url(self):
        return "redis://127.0.0.1:%d" % self.redis_port

    def flush_redis(self):
        """FLUSHALL over plain RESP: every run starts from an empty cache."""
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=10) as s:
            s.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
            reply = s.recv(64)
        if not reply.startswith(b"+OK"):
            raise RuntimeError("redis FLUSHALL answered %r" % reply)

    def new_table(self):
        """A fresh table per run (moto keeps tables in memory): same starting state for every run."""
        self._tables += 1
        name = "bench-%d" % self._tables
        body = json.dumps({
            "TableName": name,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }).encode()
        request = urllib.request.Request(
            "http://127.0.0.1:%d/" % self.moto_port, data=body, method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.CreateTable",
                # moto routes by the credential scope's service; it does not check signatures.
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/"
                                 "aws4_request, SignedHeaders=host, Signature=0",
            })
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
        return name

    def function_env(self, table):
        return {
            "TABLE_NAME": table,
            "REDIS_URL": self.redis_url(),
            "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % self.moto_port,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            # As in Lambda with active tracing: the invocations below are unsampled, so nothing
            # is ever sent there; the figures include what an unsampled invocation costs.
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        }
