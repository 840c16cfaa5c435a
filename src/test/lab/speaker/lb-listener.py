#!/usr/bin/env python3
"""STAND-IN for kube-proxy and a Service's pods: a TCP listener inside one node's network namespace.

On a cluster, a packet for a LoadBalancer IP that reaches a node is forwarded by kube-proxy to a
pod of the Service. The lab has neither, so each node namespace routes the whole pool to its own
loopback (`ip route add local <pool> dev lo`, "AnyIP") and this listener answers on every such
address: it writes one line, "<node name> <address the client connected to>", and closes. A
client that reads that line has reached the LoadBalancer IP through the firewall, and knows which
node the firewall's ECMP route picked.
"""
import argparse
import socket
import socketserver


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        local = self.request.getsockname()[0]
        self.request.sendall(f"{self.server.node} {local}\n".encode())


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    ap.add_argument("--port", type=int, default=80)
    a = ap.parse_args()
    srv = Server(("0.0.0.0", a.port), Handler)
    srv.node = a.node
    srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    srv.serve_forever()


if __name__ == "__main__":
    main()
