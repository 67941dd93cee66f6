# SPDX-License-Identifier: Apache-2.0
"""Realistic address book and calendar data for bench_pim.py, written in
Radicale's file-system storage (multifilesystem: one folder per
collection with a .Radicale.props JSON file, one file per item).

    contacts(n, seed, photo_share)  -> [(href, vCard text)]
    events(n, seed, recurring_share) -> [(href, iCalendar text)]
    write_collection(folder, props, items)

Contacts are vCard 3.0 with UTF-8 names from many languages, one to three
addresses, telephones of several types, postal addresses, companies,
birthdays (some before 1970), notes over several lines, categories, and
for a share of them a JPEG photo of 5-30 KB (base64, folded).

Events span 2024-2027 in four time zones (with their VTIMEZONE) or UTC,
a tenth of them all-day; a share recur (daily, weekly on some days,
monthly, yearly; by COUNT or UNTIL), and of those some have EXDATEs and
some have overridden occurrences (a second VEVENT with RECURRENCE-ID in
the same object).  Attendees, locations, descriptions and alarms on a
share of them.  Same seed, same data.
"""

import base64
import datetime
import json
import os
import random
import uuid

FIRST = ["Zoë", "Łukasz", "Søren", "José", "François", "Gülşen", "Ангелина",
         "Björn", "Ana", "Mário", "Aoife", "Nguyễn Văn", "Żaneta", "Chloé",
         "İlker", "Grzegorz", "Anna", "Thomas", "María José", "Ólafur",
         "Håkon", "Дмитрий", "Eléonore", "Jürgen", "Siobhán", "Kateřina",
         "Yusuf", "Νίκος", "Fatima", "Hiroshi", "Priya", "Ömer", "Ingrid",
         "Luis", "Małgorzata", "Chen", "Renée", "Andrés", "Noémie", "Jan"]
LAST = ["Müller", "Ångström", "O'Brien", "García Márquez", "Петров",
        "Nakamura", "Dvořák", "Øvergaard", "Kowalczyk", "Şahin",
        "van der Berg", "Lefèvre", "Smith", "Nguyễn", "Papadopoulos",
        "Jóhannsdóttir", "Schäfer", "Brontë", "Da Silva", "Wójcik",
        "Horváth", "Ferreira", "Łęcki", "Andersson", "Kim", "Δημητρίου",
        "Ünal", "Ortega y Gasset", "Fitzgerald", "Mbeki", "Zhang",
        "Sánchez", "Novák", "Rossi", "Bäckström", "Ivanova"]
COMPANY = ["Bäckerei Schön GmbH", "Acme Corporation", "Café Olé S.L.",
           "Nordisk Ørsted A/S", "Société Générale d'Études", "Zakład Łódź",
           "東京商事株式会社", "Hôtel du Lac", "Example Ltd.", "Müller & Söhne",
           "ООО Ромашка", "Ingeniería Ñandú", "Fjällräven AB"]
TITLE = ["Geschäftsführerin", "Sales Manager", "Ingénieur", "Développeuse",
         "Head of Operations", "Buchhalter", "CTO", "Directora",
         "Projektleiter", "Consultant"]
CITY = [("München", "80331", "Deutschland"), ("Zürich", "8001", "Schweiz"),
        ("Kraków", "30-001", "Polska"), ("São Paulo", "01000-000", "Brasil"),
        ("Reykjavík", "101", "Ísland"), ("Malmö", "211 20", "Sverige"),
        ("Besançon", "25000", "France"), ("New York", "10001", "USA"),
        ("İstanbul", "34000", "Türkiye"), ("Tōkyō", "100-0001", "日本")]
STREET = ["Hauptstraße", "Rue de l'Église", "ul. Świętokrzyska",
          "Calle Mayor", "Storgatan", "Main Street", "Via Roma",
          "Laugavegur", "Avenida Paulista", "Kärntner Straße"]
WORDS = ("meeting project review budget café über naïve façade résumé "
         "Übergabe plan sprint Zürich ñandú garçon smörgåsbord crème "
         "déjà vu quarterly offsite lunch call release status Łódź "
         "Kundentermin workshop retro jour fixe Ärzte Öffnung").split()
CATEGORIES = ["Work", "Family", "Friends", "VIP", "Kunden", "Lieferanten",
              "Équipe", "Verein"]

# Time zones with their rules (as VTIMEZONE), and the share of events in
# each; None is UTC.
ZONES = {
    "Europe/Berlin": (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
        "TZNAME:CEST\r\nDTSTART:19700329T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
        "TZNAME:CET\r\nDTSTART:19701025T030000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"),
    "America/New_York": (
        "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "TZNAME:EDT\r\nDTSTART:20070311T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
        "TZNAME:EST\r\nDTSTART:20071104T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"),
    "Asia/Tokyo": (
        "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
        "TZNAME:JST\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"),
    "Australia/Sydney": (
        "BEGIN:VTIMEZONE\r\nTZID:Australia/Sydney\r\n"
        "BEGIN:STANDARD\r\nTZOFFSETFROM:+1100\r\nTZOFFSETTO:+1000\r\n"
        "TZNAME:AEST\r\nDTSTART:19700405T030000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+1000\r\nTZOFFSETTO:+1100\r\n"
        "TZNAME:AEDT\r\nDTSTART:19701004T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\nEND:DAYLIGHT\r\n"
        "END:VTIMEZONE\r\n"),
}
ZONE_WEIGHTS = [("Europe/Berlin", 50), ("America/New_York", 20),
                ("Asia/Tokyo", 5), ("Australia/Sydney", 5), (None, 20)]


def fold(line):
    """A content line folded at 75 octets, never inside a UTF-8 sequence
    (RFC 5545 3.1, RFC 6350 3.2)."""
    raw = line.encode()
    if len(raw) <= 75:
        return line + "\r\n"
    out, cur, size = [], [], 0
    for ch in line:
        n = len(ch.encode())
        if size + n > 75:
            out.append("".join(cur))
            cur, size = [" "], 1
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n".join(out) + "\r\n"


def esc(text):
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\n", "\\n"))


def sentence(rnd, lo, hi):
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(lo, hi)))


def photo(rnd):
    """A JPEG-sized run of bytes of 5-30 KB (JFIF header, random
    entropy-coded data, end marker)."""
    size = rnd.randint(5 * 1024, 30 * 1024)
    head = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
            b"\x00\x00")
    body = rnd.getrandbits(8 * (size - len(head) - 2)).to_bytes(
        size - len(head) - 2, "little")
    return head + body + b"\xff\xd9"


def phone_number(rnd):
    return "+%d %d %d" % (rnd.choice([49, 33, 44, 1, 48, 46, 81]),
                          rnd.randint(100, 999), rnd.randint(100000, 9999999))


def ascii_of(text):
    table = str.maketrans("äöüåøæéèêëáàâãçíìîïñóòôõúùûýłśźżćńęąőűşğıžčřšď",
                          "aouaoaeeeeaaaaciiiinoooouuuylszzcneaoosgizcrsd")
    low = text.lower().translate(table)
    return "".join(c for c in low if c.isascii() and c.isalnum()) or "x"


def contact(rnd, i, with_photo):
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    uid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//mod_eas//bench_pim//EN",
             "UID:" + uid, "FN:%s %s" % (first, last),
             "N:%s;%s;;;" % (esc(last), esc(first))]
    if rnd.random() < 0.1:
        lines.append("NICKNAME:" + esc(first.split()[0][:4]))
    if rnd.random() < 0.6:
        lines.append("ORG:%s;%s" % (esc(rnd.choice(COMPANY)),
                                    rnd.choice(["Vertrieb", "IT", "R&D",
                                                "Direction"])))
    if rnd.random() < 0.5:
        lines.append("TITLE:" + esc(rnd.choice(TITLE)))
    local = "%s.%s%d" % (ascii_of(first), ascii_of(last), i)
    for n, kind in enumerate(rnd.sample(["WORK", "HOME", "OTHER"],
                                        rnd.randint(1, 3))):
        lines.append("EMAIL;TYPE=INTERNET,%s%s:%s@%s" % (
            kind, ",PREF" if n == 0 else "", local,
            rnd.choice(["example.org", "example.com", "example.net"])))
    for kind in rnd.sample(["CELL", "WORK,VOICE", "HOME,VOICE", "WORK,FAX"],
                           rnd.randint(1, 3)):
        lines.append("TEL;TYPE=%s:%s" % (kind, phone_number(rnd)))
    for kind in rnd.sample(["HOME", "WORK"], rnd.choice([0, 0, 1, 1, 2])):
        city, zipc, country = rnd.choice(CITY)
        lines.append("ADR;TYPE=%s:;;%s;%s;;%s;%s" % (
            kind, esc("%s %d" % (rnd.choice(STREET), rnd.randint(1, 200))),
            esc(city), zipc, esc(country)))
    if rnd.random() < 0.3:
        year = rnd.randint(1935, 2005)
        lines.append("BDAY:%04d-%02d-%02d" % (year, rnd.randint(1, 12),
                                              rnd.randint(1, 28)))
    if rnd.random() < 0.1:
        lines.append("URL:https://www.example.org/~%s" % local)
    if rnd.random() < 0.2:
        lines.append("CATEGORIES:" + ",".join(
            esc(c) for c in rnd.sample(CATEGORIES, rnd.randint(1, 2))))
    if rnd.random() < 0.2:
        lines.append("NOTE:" + esc("\n".join(
            sentence(rnd, 4, 14) for _ in range(rnd.randint(1, 4)))))
    if with_photo:
        lines.append("PHOTO;ENCODING=b;TYPE=JPEG:"
                     + base64.b64encode(photo(rnd)).decode())
    lines.append("REV:2025%02d%02dT%02d%02d00Z" % (
        rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
        rnd.randint(0, 59)))
    lines.append("END:VCARD")
    return uid + ".vcf", "".join(fold(x) for x in lines)


def contacts(n, seed, photo_share=0.1):
    rnd = random.Random("contacts-%d" % seed)
    with_photo = set(rnd.sample(range(n), int(round(n * photo_share))))
    return [contact(rnd, i, i in with_photo) for i in range(n)]


# ---------------------------------------------------------------- events

def stamp(t):
    return "%04d%02d%02dT%02d%02d00" % t


def when(rnd):
    """(year, month, day, hour, minute) between 2024 and 2027."""
    return (rnd.randint(2024, 2027), rnd.randint(1, 12), rnd.randint(1, 28),
            rnd.randint(7, 19), rnd.choice([0, 0, 15, 30, 45]))


def later(t, minutes):
    y, mo, d, h, mi = t
    mi += minutes
    h += mi // 60
    mi %= 60
    d += h // 24
    h %= 24
    return (y, mo, min(d, 28), h, mi)


def zone(rnd):
    pick = rnd.randint(1, 100)
    for name, weight in ZONE_WEIGHTS:
        pick -= weight
        if pick <= 0:
            return name
    return None


def dt(prop, t, tz, all_day=False):
    if all_day:
        return "%s;VALUE=DATE:%04d%02d%02d" % (prop, t[0], t[1], t[2])
    if tz is None:
        return "%s:%sZ" % (prop, stamp(t))
    return "%s;TZID=%s:%s" % (prop, tz, stamp(t))


def step(t, days=0, months=0):
    """t moved by days and months (t's day of month is at most 28)."""
    d = datetime.date(t[0], t[1], t[2]) + datetime.timedelta(days=days)
    m = d.month - 1 + months
    return (d.year + m // 12, m % 12 + 1, d.day, t[3], t[4])


DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def rule(rnd, start):
    """(RRULE value, its k-th occurrence after the first as a function of
    k, the number of occurrences or None when unbounded)."""
    pick = rnd.randrange(6)
    wd = DAYS[datetime.date(*start[:3]).weekday()]
    if pick == 0:
        n = rnd.randint(10, 30)
        return "FREQ=DAILY;COUNT=%d" % n, lambda k: step(start, k), n
    if pick == 1:
        days = sorted(set([wd] + rnd.sample(DAYS[:5], rnd.randint(0, 2))),
                      key=DAYS.index)
        return ("FREQ=WEEKLY;BYDAY=%s" % ",".join(days),
                lambda k: step(start, 7 * k), None)
    if pick == 2:
        n = rnd.randint(10, 52)
        return ("FREQ=WEEKLY;INTERVAL=2;COUNT=%d" % n,
                lambda k: step(start, 14 * k), n)
    if pick == 3:
        return ("FREQ=MONTHLY;BYMONTHDAY=%d" % start[2],
                lambda k: step(start, months=k), None)
    if pick == 4:
        n = rnd.randint(10, 20)
        return ("FREQ=MONTHLY;INTERVAL=3;COUNT=%d" % n,
                lambda k: step(start, months=3 * k), n)
    n = rnd.randint(10, 15)
    return "FREQ=YEARLY;COUNT=%d" % n, lambda k: step(start, months=12 * k), n


def body_lines(rnd, uid, summary, start, tz, all_day, minutes):
    end = later(start, minutes)
    lines = ["UID:" + uid, "DTSTAMP:20250101T120000Z",
             "CREATED:20250101T120000Z", "LAST-MODIFIED:20250102T080000Z",
             dt("DTSTART", start, tz, all_day)]
    if all_day:
        lines.append(dt("DTEND", later(start, 24 * 60), tz, True))
    else:
        lines.append(dt("DTEND", end, tz))
    lines.append("SUMMARY:" + esc(summary))
    if rnd.random() < 0.5:
        city = rnd.choice(CITY)[0]
        lines.append("LOCATION:" + esc("%s, Raum %d" % (city,
                                                       rnd.randint(1, 400))))
    if rnd.random() < 0.4:
        lines.append("DESCRIPTION:" + esc("\n".join(
            sentence(rnd, 5, 20) for _ in range(rnd.randint(1, 6)))))
    if rnd.random() < 0.15:
        lines.append("CATEGORIES:" + esc(rnd.choice(CATEGORIES)))
    lines.append("TRANSP:" + ("TRANSPARENT" if all_day else "OPAQUE"))
    if rnd.random() < 0.1:
        lines.append("CLASS:PRIVATE")
    return lines


def attendees(rnd):
    out = ["ORGANIZER;CN=%s:mailto:%s@example.org" % (
        esc(rnd.choice(FIRST)), ascii_of(rnd.choice(LAST)))]
    for _ in range(rnd.randint(1, 6)):
        name = "%s %s" % (rnd.choice(FIRST), rnd.choice(LAST))
        out.append("ATTENDEE;CN=\"%s\";ROLE=%s;PARTSTAT=%s;RSVP=TRUE:"
                   "mailto:%s@example.com" % (
                       name.replace('"', "'"),
                       rnd.choice(["REQ-PARTICIPANT", "OPT-PARTICIPANT"]),
                       rnd.choice(["ACCEPTED", "TENTATIVE", "NEEDS-ACTION",
                                   "DECLINED"]), ascii_of(name)))
    return out


def alarm(rnd):
    return ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
            "TRIGGER:-PT%dM" % rnd.choice([5, 10, 15, 30, 60]), "END:VALARM"]


def event(rnd, recurring):
    uid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    tz = zone(rnd)
    all_day = rnd.random() < 0.1
    start = when(rnd)
    minutes = rnd.choice([15, 30, 45, 60, 60, 90, 120, 240])
    summary = sentence(rnd, 2, 6).capitalize()
    main = body_lines(rnd, uid, summary, start, tz, all_day, minutes)
    extra = []
    if recurring:
        rrule, nth, count = rule(rnd, start)
        if count is None and rnd.random() < 0.5:
            rrule += ";UNTIL=%04d1231T235959Z" % (start[0] + 2)
        main.append("RRULE:" + rrule)
        if rnd.random() < 0.4:
            for k in rnd.sample(range(1, 5), rnd.randint(1, 3)):
                main.append(dt("EXDATE", nth(k), tz, all_day))
        if rnd.random() < 0.3:
            for k in rnd.sample(range(5, 9), rnd.randint(1, 2)):
                occ = nth(k)
                moved = later(occ, rnd.choice([30, 60, 120]))
                over = body_lines(rnd, uid, summary + " (verschoben)", moved,
                                  tz, all_day, minutes)
                over.insert(1, dt("RECURRENCE-ID", occ, tz, all_day))
                extra.append(["BEGIN:VEVENT"] + over + ["END:VEVENT"])
    if rnd.random() < 0.3:
        main += attendees(rnd)
    if rnd.random() < 0.5:
        main += alarm(rnd)
    text = ["BEGIN:VCALENDAR", "VERSION:2.0",
            "PRODID:-//mod_eas//bench_pim//EN", "CALSCALE:GREGORIAN"]
    out = "".join(fold(x) for x in text)
    if tz:
        out += ZONES[tz]
    out += "".join(fold(x) for x in ["BEGIN:VEVENT"] + main + ["END:VEVENT"])
    for e in extra:
        out += "".join(fold(x) for x in e)
    return uid + ".ics", out + "END:VCALENDAR\r\n"


def events(n, seed, recurring_share=0.2):
    rnd = random.Random("events-%d" % seed)
    rec = set(rnd.sample(range(n), int(round(n * recurring_share))))
    return [event(rnd, i in rec) for i in range(n)]


# ---------------------------------------------------------------- storage

def write_collection(folder, props, items):
    """A collection in Radicale's file-system storage; total bytes."""
    os.makedirs(folder)
    with open(os.path.join(folder, ".Radicale.props"), "w") as f:
        json.dump(props, f)
    total = 0
    for href, text in items:
        data = text.encode()
        with open(os.path.join(folder, href), "wb") as f:
            f.write(data)
        total += len(data)
    return total
