"""Re-key ID numbers stored with non-ASCII digits.

Before idnumber.normalize folded Unicode, a number typed with full-width (or other script)
digits passed validation (``str.isdigit`` and ``int`` accept them) and was stored, and
indexed, as typed. This migration rewrites such numbers in ASCII and recomputes their blind
index with the same HMAC as kangfu.core.crypto.blind_index. It deliberately copies the
folding and the HMAC instead of importing app code, so it keeps working when that code
changes. A row whose ASCII number is already registered by another row is left unchanged
and logged: two records of one person need a human to merge them, not a migration.
"""

import base64
import hashlib
import hmac
import logging
import unicodedata

from django.conf import settings
from django.db import migrations

logger = logging.getLogger("kangfu.migrations")
PURPOSE = "person.id_number"
PURGED_MARK = "purged:"


def _fold(raw):
    out = []
    for char in unicodedata.normalize("NFKC", raw or ""):
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        if not char.isascii():
            digit = unicodedata.decimal(char, None)
            if digit is not None:
                char = str(digit)
        out.append(char)
    return "".join(out).upper()


def _index(value):
    key = base64.b64decode(settings.KANGFU_BLIND_INDEX_KEY, validate=True)
    message = PURPOSE.encode() + b"\x00" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def rekey(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    taken = set(Person.objects.values_list("id_number_index", flat=True))
    for person in Person.objects.exclude(id_number_index__startswith=PURGED_MARK).iterator():
        number = person.id_number or ""
        folded = _fold(number)
        if folded == number:
            continue
        index = _index(folded)
        if index != person.id_number_index and index in taken:
            logger.warning("person %s duplicates another record's ID number; merge", person.pk)
            continue
        taken.discard(person.id_number_index)
        taken.add(index)
        person.id_number = folded
        person.id_number_index = index
        person.save(update_fields=["id_number", "id_number_index"])


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
