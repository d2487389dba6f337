"""A stand-in OTLP/HTTP collector for the secrets check: answers 200 to every POST and appends
each request's raw body to a file. Prints its port, then serves for at most LIFETIME seconds.

usage: otlp_capture.py OUT_FILE LIFETIME"""
import http.server
import sys
import threading

out, lifetime = sys.argv[1], float(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(out, "ab") as f:
            f.write(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(lifetime, server.shutdown).start()
server.serve_forever()
