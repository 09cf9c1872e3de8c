"""Built-in data of the `cases:` section: the 9+X categories, the town's usual departments, 2026's holidays.

Plain data, turned into config models by hub/cases/config.py; a town file overrides any of it.
"""

from __future__ import annotations

from typing import Any

# The nine standard modules of the comprehensive-governance information system ("9"), then the
# town's own matters ("X"). Limits are working days unless given in hours; none: the kind's limit.
CATEGORIES: tuple[dict[str, Any], ...] = (
    {"id": "population", "name": "实有人口", "module": "9", "keywords": ["流动人口", "出租屋", "户籍"]},
    {"id": "special-groups", "name": "特殊人群", "module": "9",
     "keywords": ["社区矫正", "安置帮教", "严重精神障碍", "吸毒"], "limit": {"working_days": 1},
     "lead": "department:judicial"},
    {"id": "key-youth", "name": "重点青少年", "module": "9", "keywords": ["留守儿童", "闲散青少年", "辍学"]},
    {"id": "public-security", "name": "社会治安", "module": "9", "keywords": ["盗窃", "打架", "赌博", "诈骗"],
     "limit": {"working_days": 1}, "lead": "department:police"},
    {"id": "disputes", "name": "矛盾纠纷", "module": "9", "keywords": ["纠纷", "调解", "邻里", "土地", "婚姻"],
     "lead": "department:judicial",
     "attributes": [{"code": "dispute_kind", "description": "纠纷类型", "datatype": "singlevaluelist",
                     "required": True,
                     "values": [{"key": "neighbour", "name": "邻里纠纷"}, {"key": "family", "name": "婚姻家庭"},
                                {"key": "land", "name": "土地山林"}, {"key": "labour", "name": "劳资纠纷"},
                                {"key": "other", "name": "其他"}]}]},
    {"id": "campus-safety", "name": "校园及周边安全", "module": "9", "keywords": ["学校", "校车", "上下学"],
     "limit": {"working_days": 1}},
    {"id": "road-line-protection", "name": "护路护线", "module": "9", "keywords": ["铁路", "电力线", "通信线"]},
    {"id": "social-organisations", "name": "社会组织", "module": "9", "keywords": ["协会", "合作社"]},
    {"id": "nonpublic-economy", "name": "非公有制经济组织", "module": "9", "keywords": ["企业", "个体户", "工厂"]},
    {"id": "self-built-housing", "name": "自建房安全", "module": "X", "keywords": ["危房", "裂缝", "加层"],
     "limit": {"working_days": 3}, "lead": "department:housing"},
    {"id": "environment", "name": "环境卫生", "module": "X", "keywords": ["垃圾", "污水", "焚烧", "噪音"],
     "lead": "department:environment"},
    {"id": "water-supply", "name": "供水", "module": "X", "keywords": ["停水", "水管", "水质"],
     "limit": {"working_hours": 8}, "lead": "department:water"},
    {"id": "roads", "name": "道路交通", "module": "X", "keywords": ["路灯", "坑洼", "塌方", "桥"],
     "lead": "department:transport"},
    {"id": "flood-safety", "name": "防汛安全", "module": "X", "keywords": ["水位", "山洪", "内涝", "堤"],
     "limit": {"working_hours": 4}, "lead": "department:emergency"},
    {"id": "other", "name": "其他", "module": "X"},
)

# The built-in categories' names in the console's English mode (a town's own categories give `name_en`).
CATEGORY_NAMES_EN: dict[str, str] = {
    "population": "Registered population", "special-groups": "Special groups", "key-youth": "At-risk youth",
    "public-security": "Public security", "disputes": "Disputes", "campus-safety": "Campus safety",
    "road-line-protection": "Road and line protection", "social-organisations": "Social organisations",
    "nonpublic-economy": "Non-public enterprises", "self-built-housing": "Self-built housing safety",
    "environment": "Environment and sanitation", "water-supply": "Water supply", "roads": "Roads and traffic",
    "flood-safety": "Flood safety", "other": "Other",
}

# 12345-style limits by kind: enquiries in 3 working days, complaints in 13, for example.
KIND_LIMITS: dict[str, dict[str, Any]] = {
    "enquiry": {"working_days": 3}, "help": {"working_days": 5}, "complaint": {"working_days": 13},
    "report": {"working_days": 13}, "suggestion": {"working_days": 13}, "dispute": {"working_days": 10},
}

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("centre", "综治中心"), ("police", "派出所"), ("judicial", "司法所"), ("court", "人民法庭"),
    ("housing", "村镇建设办"), ("environment", "生态环境办"), ("water", "水利站"), ("transport", "交通管理站"),
    ("emergency", "应急管理办"), ("civil-affairs", "民政办"), ("land", "自然资源所"), ("health", "卫生院"),
)

ROOMS: tuple[tuple[str, str], ...] = (("mediation-1", "调解室一"), ("mediation-2", "调解室二"))

# 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025).
CN_HOLIDAYS_2026: tuple[dict[str, Any], ...] = (
    {"name": "元旦", "start": "2026-01-01", "end": "2026-01-03", "workdays": ["2026-01-04"]},
    {"name": "春节", "start": "2026-02-15", "end": "2026-02-23", "workdays": ["2026-02-14", "2026-02-28"]},
    {"name": "清明节", "start": "2026-04-04", "end": "2026-04-06"},
    {"name": "劳动节", "start": "2026-05-01", "end": "2026-05-05", "workdays": ["2026-05-09"]},
    {"name": "端午节", "start": "2026-06-19", "end": "2026-06-21"},
    {"name": "中秋节", "start": "2026-09-25", "end": "2026-09-27"},
    {"name": "国庆节", "start": "2026-10-01", "end": "2026-10-07", "workdays": ["2026-09-20", "2026-10-10"]},
)
