#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic generator of a realistic Maildir for the sync benchmark.

    gen_maildir.py [--messages N] [--seed S] DIR

writes DIR/cur, DIR/new, DIR/tmp with N messages in cur/ (python3 stdlib
only).  The same N and seed give byte-identical files.  The mix, by count:

    60%  2-10 KB   personal mail: text/plain or multipart/alternative
    25%  20-80 KB  HTML newsletters (multipart/alternative, some with an
                   inline image in multipart/related)
    10%  50-500 KB a text body and an attachment (PDF, JPEG, DOCX, ...)
     5%  1-3 MB    a text body and one or two large attachments

Headers carry non-ASCII names and subjects (RFC 2047 encoded by the email
package), some messages are replies with In-Reply-To/References, and the
received times (file mtime and the name's leading timestamp) spread over
the 90 days before a fixed instant, so that the mailbox does not depend on
the day it is made.  About 70% are seen (S), 5% flagged (F).
"""

import argparse
import datetime
import email.message
import email.policy
import email.utils
import multiprocessing
import os
import random
import sys
import textwrap

# The instant the newest mail arrives: fixed, so that output is stable.
END = datetime.datetime(2025, 6, 30, 12, 0, 0, tzinfo=datetime.timezone.utc)
SPAN_DAYS = 90

PEOPLE = [
    ("Léa Fontaine", "lea.fontaine@example.org"),
    ("Jürgen Weiß", "juergen.weiss@example.de"),
    ("山田 太郎", "taro.yamada@example.jp"),
    ("Ольга Смирнова", "olga@example.ru"),
    ("Søren Kierkegaard", "soren@example.dk"),
    ("Zoë Ångström", "zoe@example.se"),
    ("María José Núñez", "mjnunez@example.es"),
    ("Kenji Sato", "kenji@example.org"),
    ("Αλέξανδρος Παπαδόπουλος", "alex@example.gr"),
    ("Chloé Dubois", "chloe.dubois@example.fr"),
    ("John Smith", "john.smith@example.com"),
    ("Fatma Yılmaz", "fatma@example.com.tr"),
]
ME = ("Benoît Lefèvre", "benoit@example.org")
NEWSLETTERS = [
    ("Le Monde diplomatique", "news@example-presse.fr"),
    ("Heise Newsticker", "newsletter@example-heise.de"),
    ("Ubuntu Weekly", "weekly@example-ubuntu.com"),
    ("日経クロステック", "xtech@example-nikkei.jp"),
]
# Word pools by language: a message is written in one of them.
LANGUAGES = [
    ("en", 40, "the quarterly results were discussed and we agreed to follow "
     "up with a revised proposal before the end of the month please find "
     "attached notes from today's call thanks for your patience budget "
     "team planning report client delivery schedule review meeting"),
    ("fr", 30, "le projet la réunion du budget équipe planning rapport "
     "client livraison nous avons convenu de revoir la proposition avant "
     "la fin du mois ça déjà très où naïve cœur merci pour votre patience "
     "voici le compte rendu de l'appel"),
    ("de", 20, "das Projekt die Besprechung Überprüfung Änderung größer "
     "Straße Frühstück wir haben vereinbart den Vorschlag bis Ende des "
     "Monats zu überarbeiten vielen Dank für Ihre Geduld anbei die Notizen"),
    ("ja", 5, "会議 資料 確認 予定 お願いします 本日の 打ち合わせ 議事録 "
     "予算 提案書 修正 月末 までに 送付 いたします よろしく"),
    ("ru", 5, "встреча отчёт неделя бюджет проект команда план клиент "
     "поставка предложение до конца месяца спасибо за терпение"),
]
SUBJECTS = [
    "Réunion de lundi – ordre du jour",
    "Überarbeitete Präsentation für Donnerstag",
    "会議の議事録（第{n}回）",
    "Отчёт за неделю {n}",
    "Quarterly numbers, draft {n}",
    "Déjeuner vendredi ? 🍽",
    "Facture n° {n} – échéance",
    "Projekt Größenordnung: Rückmeldung",
    "Fotos vom Wochenende 📷",
    "Contrat signé ✅ (version {n})",
]
ATTACHMENTS = [
    ("Compte-rendu_réunion_{n}.pdf", "application", "pdf"),
    ("Präsentation Q{n}.pptx", "application",
     "vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("写真_{n}.jpg", "image", "jpeg"),
    ("Budget_{n}.xlsx", "application",
     "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("contrat-{n}.docx", "application",
     "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("archive_{n}.zip", "application", "zip"),
]


class Text:
    """Paragraph pools drawn once, so that large bodies are cheap to make."""

    def __init__(self, rng):
        self.langs, self.weights, self.paras, self.wrapped = [], [], {}, {}
        for lang, weight, words in LANGUAGES:
            words = words.split()
            self.langs.append(lang)
            self.weights.append(weight)
            paras = []
            for _ in range(100):
                n = rng.randint(20, 90)
                ws = [rng.choice(words) for _ in range(n)]
                ws[0] = ws[0].capitalize()
                paras.append(" ".join(ws) + ".")
            self.paras[lang] = paras
            # As mail programs send plain text: wrapped at 72 columns.
            self.wrapped[lang] = [textwrap.fill(p, 72) for p in paras]

    def lang(self, rng):
        return rng.choices(self.langs, self.weights)[0]

    def plain(self, rng, size, lang):
        out, total = [], 0
        while total < size:
            p = rng.choice(self.wrapped[lang])
            out.append(p)
            total += len(p.encode("utf-8")) + 2
        return "\n\n".join(out) + "\n"

    def html(self, rng, size, lang):
        out = ['<!DOCTYPE html><html><head><meta charset="utf-8">'
               '<style>body{font-family:Arial,sans-serif}td{padding:8px}'
               '.btn{background:#0a66c2;color:#fff}</style></head><body>\n'
               '<table width="600" align="center" cellpadding="0">\n']
        total = len(out[0])
        while total < size:
            row = ('<tr><td class="item">\n<h2 style="font-size:18px;'
                   'margin:0">%s</h2>\n<p style="color:#333;line-height:1.4">'
                   '%s</p>\n<a class="btn" href="https://news.example.org/'
                   'article/%d?utm_source=newsletter&amp;utm_medium=email">'
                   'Read more →</a></td></tr>\n'
                   % (rng.choice(self.paras[lang])[:60],
                      rng.choice(self.paras[lang]), rng.randrange(10 ** 6)))
            out.append(row)
            total += len(row.encode("utf-8"))
        out.append("</table></body></html>\n")
        return "".join(out)


def addr(person):
    return email.utils.formataddr(person)


def base_message(rng, i, received, sender, subject):
    m = email.message.EmailMessage()
    m["Return-Path"] = "<%s>" % sender[1]
    m["Received"] = ("from mx.example.org (mx.example.org [192.0.2.25]) by "
                     "mail.example.org with ESMTPS id %08X; %s"
                     % (i, email.utils.format_datetime(received)))
    m["From"] = addr(sender)
    to = [ME] + rng.sample(PEOPLE, rng.randint(0, 3))
    m["To"] = ", ".join(addr(p) for p in to)
    if rng.random() < 0.3:
        m["Cc"] = ", ".join(addr(p) for p in rng.sample(PEOPLE, 2))
    if rng.random() < 0.25:
        ref = "<bench.%d@example.org>" % rng.randrange(max(i, 1))
        m["In-Reply-To"] = ref
        m["References"] = ref
        subject = "Re: " + subject
    m["Subject"] = subject
    sent = received - datetime.timedelta(seconds=rng.randint(2, 600))
    m["Date"] = email.utils.format_datetime(sent)
    m["Message-ID"] = "<bench.%d@example.org>" % i
    m["MIME-Version"] = "1.0"
    if rng.random() < 0.05:
        m["Importance"] = "high"
    return m


def subject_of(rng, n):
    return rng.choice(SUBJECTS).format(n=n)


def personal(rng, text, i, received):
    m = base_message(rng, i, received, rng.choice(PEOPLE),
                     subject_of(rng, i % 97))
    lang = text.lang(rng)
    alternative = rng.random() < 0.5
    # multipart/alternative carries the text twice.
    size = rng.randint(1200, 8500) // (2 if alternative else 1)
    body = text.plain(rng, size, lang)
    # Some mail programs send 8bit text, others quoted-printable.
    cte = "quoted-printable" if rng.random() < 0.5 else None
    m.set_content(body, cte=cte)
    if alternative:
        paras = "".join("<p>%s</p>\n" % p for p in body.split("\n\n"))
        m.add_alternative("<html><body>\n%s</body></html>\n" % paras,
                          subtype="html", cte="quoted-printable")
    return m


def newsletter(rng, text, i, received):
    sender = rng.choice(NEWSLETTERS)
    m = base_message(rng, i, received, sender,
                     "%s – édition n° %d" % (sender[0], i))
    m["List-Unsubscribe"] = "<https://news.example.org/unsub/%d>" % i
    lang = text.lang(rng)
    m.set_content(text.plain(rng, rng.randint(2000, 6000), lang),
                  cte="quoted-printable")
    html = text.html(rng, rng.randint(14000, 62000), lang)
    if rng.random() < 0.35:
        m.add_alternative(html.replace(
            "<body>", '<body><img src="cid:logo%d@example.org">' % i),
            subtype="html", cte="quoted-printable")
        html_part = m.get_payload()[1]
        html_part.add_related(rng.randbytes(rng.randint(3000, 12000)),
                              maintype="image", subtype="png",
                              cid="<logo%d@example.org>" % i,
                              filename="logo.png", disposition="inline")
    else:
        m.add_alternative(html, subtype="html", cte="quoted-printable")
    return m


def with_attachments(rng, text, i, received, sizes):
    m = base_message(rng, i, received, rng.choice(PEOPLE),
                     subject_of(rng, i % 97))
    m.set_content(text.plain(rng, rng.randint(300, 2000), text.lang(rng)))
    for size in sizes:
        name, main, sub = rng.choice(ATTACHMENTS)
        m.add_attachment(rng.randbytes(size), maintype=main, subtype=sub,
                         filename=name.format(n=i))
    return m


def make(rng, text, i, received):
    """Message i (its kind drawn from the mix above)."""
    x = rng.random()
    if x < 0.60:
        return personal(rng, text, i, received)
    if x < 0.85:
        return newsletter(rng, text, i, received)
    if x < 0.95:
        return with_attachments(rng, text, i, received,
                                [rng.randint(37000, 370000)])
    total = rng.randint(750000, 2250000)       # 1-3 MB once in base64
    if rng.random() < 0.3:
        first = rng.randint(total // 4, total // 2)
        return with_attachments(rng, text, i, received,
                                [first, total - first])
    return with_attachments(rng, text, i, received, [total])


# ---------------------------------------------------------------- files

_job = {}


def _setup(root, count, seed):
    _job.update(root=root, count=count, seed=seed,
                text=Text(random.Random(seed)))


def _write(i):
    """Message i, from its own generator: workers may take any order."""
    seed, count = _job["seed"], _job["count"]
    rng = random.Random("%d:%d" % (seed, i))
    # The email package draws MIME boundaries from the random module.
    random.seed("%d:%d:boundary" % (seed, i))
    step = SPAN_DAYS * 86400.0 / max(count, 1)
    # Oldest first, with jitter; times stay increasing.
    received = END - datetime.timedelta(days=SPAN_DAYS) + datetime.timedelta(
        seconds=int(i * step + rng.uniform(0, step * 0.9)))
    data = make(rng, _job["text"], i, received).as_bytes(
        policy=email.policy.default)
    flags = ("F" if rng.random() < 0.05 else "") + (
        "S" if rng.random() < 0.70 else "")
    when = int(received.timestamp())
    name = "%d.M%06dP%d.bench,S=%d:2,%s" % (when, i, seed, len(data), flags)
    path = os.path.join(_job["root"], "cur", name)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (when, when))
    return len(data)


def generate(root, count, seed, progress=None, jobs=None):
    """Fill root (a new Maildir) with count messages; returns total bytes."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    total = 0
    with multiprocessing.Pool(jobs or os.cpu_count(), _setup,
                              (root, count, seed)) as pool:
        for n, size in enumerate(pool.imap_unordered(_write, range(count),
                                                     chunksize=16), 1):
            total += size
            if progress and n % 1000 == 0:
                progress(n, total)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("dir")
    args = ap.parse_args()
    if os.path.exists(os.path.join(args.dir, "cur")):
        sys.exit("%s already holds a Maildir" % args.dir)
    total = generate(args.dir, args.messages, args.seed,
                     lambda n, b: print("%d messages, %.1f MB"
                                        % (n, b / 1e6), file=sys.stderr))
    print("%d messages, %d bytes in %s" % (args.messages, total, args.dir))


if __name__ == "__main__":
    main()
