#!/usr/bin/env python3
"""Guest -> host QEMU monitor relay for the scsi-rs test VM (stdlib only).

The guest's second serial port (ttyS1) is a QEMU socket chardev (--serial).
Each line the guest writes there is run as a human-monitor (HMP) command and
the output is written back, followed by a line "HMP_DONE".

Commands run through a monitor reserved for this relay (--qmp, a QMP socket,
using QMP's human-monitor-command), so the run dir's qmp.sock and hmp.sock
stay free for host-side test code.  --hmp SOCK runs them on an HMP (readline)
socket instead.

The relay retries connecting until QEMU has created the sockets and exits when
the serial connection closes (QEMU exited).
"""

import argparse
import json
import socket
import sys
import time

DONE = b"HMP_DONE\n"


def log(args, text):
    if args.log:
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(time.strftime("%H:%M:%S ") + text.rstrip("\n") + "\n")


def connect(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Qmp:
    """A QMP connection used only for human-monitor-command."""

    def __init__(self, path, deadline):
        self.sock = connect(path, deadline)
        self.rfile = self.sock.makefile("rb")
        self.next_id = 0
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError("not a QMP greeting: %r" % greeting)
        self._call("qmp_capabilities", {})

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise ConnectionError("QMP socket closed")
        return json.loads(line)

    def _call(self, cmd, arguments):
        self.next_id += 1
        ident = "relay-%d" % self.next_id
        msg = {"execute": cmd, "arguments": arguments, "id": ident}
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if reply.get("id") != ident:
                continue  # events, stale replies
            if "error" in reply:
                err = reply["error"]
                return "Error: %s" % err.get("desc", err)
            return reply.get("return", "")

    def hmp(self, line):
        out = self._call("human-monitor-command", {"command-line": line})
        return out if isinstance(out, str) else json.dumps(out)


class Hmp:
    """A readline-mode monitor socket; strips the prompt and the echo."""

    PROMPT = b"(qemu) "

    def __init__(self, path, deadline):
        self.sock = connect(path, deadline)
        self._until_prompt()  # banner

    def _until_prompt(self):
        buf = b""
        while not buf.endswith(self.PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("HMP socket closed")
            buf += chunk
        return buf[: -len(self.PROMPT)]

    def hmp(self, line):
        self.sock.sendall(line.encode() + b"\n")
        raw = self._until_prompt()
        # The monitor echoes the command line (with terminal escapes) first.
        text = raw.decode("utf-8", "replace").replace("\r", "")
        first_nl = text.find("\n")
        return text[first_nl + 1 :] if first_nl >= 0 else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serial", required=True, help="socket of the guest's ttyS1 chardev")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--qmp", help="QMP socket reserved for the relay")
    group.add_argument("--hmp", help="HMP (readline) socket")
    ap.add_argument("--log", help="append a transcript here")
    ap.add_argument("--connect-timeout", type=float, default=60.0)
    args = ap.parse_args()

    deadline = time.monotonic() + args.connect_timeout
    try:
        serial = connect(args.serial, deadline)
        mon = Qmp(args.qmp, deadline) if args.qmp else Hmp(args.hmp, deadline)
    except (OSError, RuntimeError, ValueError) as e:
        print("[hmp-relay] cannot connect to QEMU: %s" % e, file=sys.stderr)
        return 1
    log(args, "connected")

    buf = b""
    while True:
        try:
            chunk = serial.recv(4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.replace(b"\r", b"").decode("utf-8", "replace").strip()
            if line:
                try:
                    out = mon.hmp(line)
                except (OSError, ConnectionError, ValueError) as e:
                    out = "hmp-relay: error: %s\n" % e
            else:
                out = ""
            out = out.replace("\r\n", "\n").replace("\r", "\n")
            if out and not out.endswith("\n"):
                out += "\n"
            log(args, "> %s\n%s" % (line, out))
            try:
                serial.sendall(out.encode() + DONE)
            except OSError:
                return 0
    log(args, "serial closed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
