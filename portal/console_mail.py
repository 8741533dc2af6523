"""`consolemail://` for people: each mail printed with its headers decoded and its text as
text. Django's console backend prints the raw MIME message, so a German or French subject
reads `=?utf-8?q?Ihr_Registrierungstoken...?=` and the body is quoted-printable."""

from email.header import decode_header, make_header

from django.core.mail.backends.console import EmailBackend

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
READABLE_BACKEND = "portal.console_mail.ReadableConsoleBackend"
HEADERS = ("From", "To", "Cc", "Subject", "Date")


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message):
        mime = message.message()
        lines = [
            f"{name}: {make_header(decode_header(str(mime[name])))}"
            for name in HEADERS
            if mime[name] is not None
        ]
        alternatives = getattr(message, "alternatives", None) or []
        if alternatives:
            kinds = ", ".join(alt[1] for alt in alternatives)
            lines.append(f"(also sent as {kinds}; the text part follows)")
        self.stream.write("\n".join(lines) + "\n\n" + message.body.rstrip("\n") + "\n")
        self.stream.write("-" * 79 + "\n")
