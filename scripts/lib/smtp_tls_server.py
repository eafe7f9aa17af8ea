"""A real SMTP server over TLS for Tessera's email tests (aiosmtpd).

    python smtp_tls_server.py MODE PORT CERT KEY MAILDIR USER PASSWORD

MODE is `smtps` (TLS from the first byte, port 465 style) or `starttls` (plain until
STARTTLS, which is required before MAIL and AUTH). Both require AUTH with USER/PASSWORD and
store each message in the Maildir MAILDIR. Prints "ready" once listening; runs until killed.
"""
import mailbox
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


def main():
    mode, port, cert, key, maildir, user, password = sys.argv[1:8]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, data):
        ok = data.login == user.encode() and data.password == password.encode()
        return AuthResult(success=ok)

    common = dict(hostname="127.0.0.1", port=int(port), authenticator=authenticate, auth_required=True)
    handler = Mailbox(maildir)
    if mode == "smtps":
        controller = Controller(handler, ssl_context=context, auth_require_tls=False, **common)
    elif mode == "starttls":
        controller = Controller(handler, tls_context=context, require_starttls=True, auth_require_tls=True, **common)
    else:
        sys.exit(f"unknown mode {mode!r}")
    mailbox.Maildir(maildir, create=True)
    controller.start()
    print("ready", flush=True)
    try:
        signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
