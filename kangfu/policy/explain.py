"""A classification result as plain text for a caseworker (or the person): zh-Hans or English."""

from __future__ import annotations

from typing import Literal

from kangfu.policy.classify import Result

Lang = Literal["zh", "en"]


def explain(result: Result, lang: Lang = "zh") -> str:
    """Readable explanation of ``result``: the criteria that hold, the assessment, the change."""
    by_code = {r.code: r for r in result.reasons}
    zh = lang == "zh"
    day = result.as_of
    lines = [
        f"风险分类评估（政策包 {result.pack_id}，版本 {result.pack_version}）"
        if zh
        else f"Risk classification (policy pack {result.pack_id}, version {result.pack_version})",
        f"评估日期：{day.year}年{day.month}月{day.day}日"
        if zh
        else f"Assessed on: {day.isoformat()}",
        "",
        "符合的情形：" if zh else "Criteria that hold:",
    ]
    for reason in result.criterion_reasons:
        lines.append(f"  {reason.code}  {reason.zh if zh else reason.en}")
    if not result.criteria:
        lines.append("  无" if zh else "  none")
    assessment, adjustment = by_code["assessment"], by_code["adjustment"]
    current = result.current
    if zh:
        lines += [
            "",
            f"评估结果：{assessment.zh}",
            f"当前等级：{current.zh if current else '无'}",
            f"等级调整：{adjustment.zh}",
            f"调整后等级：{result.category.zh}" + ("（等级有变化）" if result.changed else ""),
        ]
    else:
        lines += [
            "",
            f"Assessment: {assessment.en}",
            f"Current category: {current.value if current else 'none'}",
            f"Adjustment: {adjustment.en}",
            f"Category: {result.category.value}" + (" (changed)" if result.changed else ""),
        ]
    return "\n".join(lines) + "\n"
