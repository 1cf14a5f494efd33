"""Chip-entity aliases for `entity:NAME` in alert queries: the names a company or chip
family goes by in German, English and Chinese news. Keys and aliases are matched after
normalisation (case, accents, umlauts, hyphens fold away)."""

from __future__ import annotations

from analysis.analyzer import fold

_ALIASES: dict[str, tuple[str, ...]] = {
    "nvidia": (
        "nvidia",
        "nvidias",
        "英伟达",
        "輝達",
        "h20",
        "h200",
        "h100",
        "b200",
        "b30a",
        "blackwell",
    ),
    "huawei ascend": ("ascend", "huawei ascend", "昇腾", "910b", "910c", "910d", "atlas 900"),
    "huawei": ("huawei", "华为", "hisilicon", "海思"),
    "cambricon": ("cambricon", "寒武纪", "siyuan", "思元", "mlu370", "mlu590"),
    "alibaba t-head": ("t-head", "t head", "平头哥", "pingtouge", "hanguang", "含光", "zhenwu"),
    "baidu kunlunxin": ("kunlunxin", "kunlun", "昆仑芯", "kunlun chip"),
    "metax": ("metax", "沐曦", "muxi"),
    "moore threads": ("moore threads", "摩尔线程", "mtt s4000", "musa"),
    "biren": ("biren", "壁仞", "br100", "br104"),
    "enflame": ("enflame", "燧原", "suiyuan"),
    "iluvatar corex": ("iluvatar", "illuvatar", "天数智芯", "corex"),
    "hygon": ("hygon", "海光"),
    "smic": ("smic", "中芯国际", "semiconductor manufacturing international"),
    "tsmc": ("tsmc", "台积电", "台積電", "taiwan semiconductor"),
    "deepseek": ("deepseek", "深度求索"),
}

ENTITIES: dict[str, tuple[str, ...]] = {fold(k): v for k, v in _ALIASES.items()}
