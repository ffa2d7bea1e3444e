"""Model fields whose values are encrypted at rest (see kangfu.core.crypto)."""

from __future__ import annotations

from typing import Any

from django.db import models

from kangfu.core import crypto


class EncryptedTextField(models.TextField):
    """Stores text AES-GCM-encrypted; reads give back the clear text.

    Values are randomised on every save, so the column cannot be searched or sorted; a
    separate blind index (kangfu.core.crypto.blind_index) serves equality search.
    """

    description = "Encrypted text"

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.aad = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, aad=self.aad)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, aad=self.aad)

    def get_lookup(self, lookup_name: str):
        # Randomised ciphertexts make every comparison but "is null" silently wrong.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)
