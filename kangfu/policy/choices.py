"""The policy vocabulary: plain string enums, usable without Django settings or a database.

Models elsewhere build their ``TextChoices`` from these values so the database, the facts JSON
and the policy packs all spell them the same way.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def one_step_down(self) -> Category:
        return {Category.HIGH: Category.MEDIUM}.get(self, Category.LOW)

    @property
    def zh(self) -> str:
        return {"high": "高风险", "medium": "中风险", "low": "低风险"}[self.value]


_RANK = {Category.LOW: 0, Category.MEDIUM: 1, Category.HIGH: 2}


class MeasureKind(StrEnum):
    """Measures the community carries out. External periods (isolation, prison) schedule nothing."""

    COMMUNITY_TREATMENT = "community_treatment"  # 社区戒毒
    COMMUNITY_RECOVERY = "community_recovery"  # 社区康复


class PeriodKind(StrEnum):
    """Every period whose length a pack sets, including the external ones."""

    COMMUNITY_TREATMENT = "community_treatment"
    COMMUNITY_RECOVERY = "community_recovery"
    COMPULSORY_ISOLATION = "compulsory_isolation"  # 强制隔离戒毒


class CannotBeHeld(StrEnum):
    FOREIGN_OBJECT = "foreign_object"  # 吞食异物
    SELF_HARM = "self_harm"  # 自杀自残
    SERIOUS_ILLNESS = "serious_illness"  # 严重疾病或残疾


class DueKind(StrEnum):
    URINE_TEST = "urine_test"
    SALIVA_TEST = "saliva_test"
    HAIR_TEST = "hair_test"
    VISIT = "visit"
    CALL = "call"

    @property
    def zh(self) -> str:
        return _DUE_ZH[self]


_DUE_ZH = {
    DueKind.URINE_TEST: "尿检",
    DueKind.SALIVA_TEST: "唾液检测",
    DueKind.HAIR_TEST: "毛发检测",
    DueKind.VISIT: "走访",
    DueKind.CALL: "电话联系",
}

HIGH_CODES = ("H1", "H2", "H3", "H4", "H5")
MEDIUM_CODES = ("M1", "M2", "M3", "M4", "M5", "M6")
CRITERION_CODES = HIGH_CODES + MEDIUM_CODES
# Criteria that only hold with a written reason (the "other danger" catch-alls).
FREE_TEXT_CODES = frozenset({"H5", "M6"})
# Criteria whose "less than N years ago" window a pack may set.
WINDOWED_CODES = frozenset({"M4", "M5"})


def criterion_level(code: str) -> Category:
    return Category.HIGH if code.startswith("H") else Category.MEDIUM
