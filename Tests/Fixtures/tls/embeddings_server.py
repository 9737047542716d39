"""A TEST-ONLY OpenAI-compatible embeddings server over HTTPS on 127.0.0.1, for
the HTTPS embedder tests: `python3 embeddings_server.py CERT KEY`. It prints its
port, then one line per request: the Authorization header it received. Every text
gets the vector [1, 2, 2, 4] (the client normalises it)."""
import http.server
import json
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        print("auth:", self.headers.get("Authorization", ""), flush=True)
        answer = json.dumps({"data": [{"index": i, "embedding": [1, 2, 2, 4]} for i, _ in enumerate(body["input"])]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
