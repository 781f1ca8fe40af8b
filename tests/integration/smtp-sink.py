"""smtp-sink.py - a throw-away SMTP receiver on loopback for the tests.

    python3 smtp-sink.py DIR

Listens on 127.0.0.1 on a free port, writes the port to DIR/port, and
stores each message as DIR/N.eml with its envelope in DIR/N.json
({"from": ..., "to": [...]}). Runs until killed. Uses the standard library
only (smtpd, deprecated but present in Debian 12's Python 3.11).
"""
import asyncore
import json
import os
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import smtpd  # noqa: E402


class Sink(smtpd.SMTPServer):
    count = 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        Sink.count += 1
        base = os.path.join(sys.argv[1], str(Sink.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        with open(base + ".json", "w") as f:
            json.dump({"from": mailfrom, "to": rcpttos}, f)
        os.rename(base + ".eml.tmp", base + ".eml")


server = Sink(("127.0.0.1", 0), None, decode_data=False)
with open(os.path.join(sys.argv[1], "port.tmp"), "w") as f:
    f.write(str(server.socket.getsockname()[1]))
os.rename(os.path.join(sys.argv[1], "port.tmp"), os.path.join(sys.argv[1], "port"))
asyncore.loop()
